// Test page for web/controllers/file-hasher.js alone: a file picked (or dropped) is streamed
// through the core's SHA-256 in slices, with progress and Cancel; the tests compare the result with
// sha256sum. (It was the stand-alone page's "Check a file" tool; the product pages do not show it.)
import { loadCore } from '../../web/controllers/core.js';
import { HashCancelled, hashFile } from '../../web/controllers/file-hasher.js';

const $ = (id) => document.getElementById(id);
const showError = (text) => {
  $('error').textContent = text;
  $('error').hidden = false;
};

function setupHashing(core) {
  const input = $('file-input');
  const cancel = $('hash-cancel');
  let controller = null;

  async function start(file) {
    controller?.abort();
    const mine = (controller = new AbortController());
    $('hash-file').textContent = `${file.name} — ${core.formatBytes(file.size)}`;
    $('hash-result').textContent = '';
    $('hash-progress').textContent = '';
    $('hash-bar').hidden = false;
    $('hash-bar').value = 0;
    cancel.hidden = false;
    try {
      const hex = await hashFile(core, file, {
        signal: mine.signal,
        onProgress: (text, done) => {
          $('hash-progress').textContent = text;
          $('hash-bar').value = file.size ? done / file.size : 1;
        },
      });
      $('hash-result').textContent = `SHA-256 ${hex}`;
      $('hash-result').dataset.sha256 = hex;
    } catch (e) {
      if (e instanceof HashCancelled) $('hash-progress').textContent = 'Cancelled.';
      else if (e?.name === 'NotReadableError' || e?.name === 'NotFoundError') $('hash-progress').textContent = 'The file could not be read (was it moved or deleted?).';
      else throw e;
    } finally {
      if (controller === mine) {
        controller = null;
        cancel.hidden = true;
      }
    }
  }

  input.addEventListener('change', () => input.files[0] && start(input.files[0]).catch((e) => showError(String(e))));
  cancel.addEventListener('click', () => controller?.abort());
  const zone = $('drop-zone');
  zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    const file = e.dataTransfer?.files?.[0];
    if (file) start(file).catch((err) => showError(String(err)));
  });
}

loadCore().then((core) => {
  setupHashing(core);
  document.body.dataset.ready = 'true';
}, (e) => showError(`The WebAssembly core did not load: ${e.message ?? e}`));
