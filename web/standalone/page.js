// The stand-alone page: wires the core, the database and the DOM. Policy lives in the core; this file
// only carries events in and results out. User-provided text is only ever set with textContent.
// Started by app.js (the product's entry); the browser tests' bundle starts it from its own entry
// (e2e/harness/lib/standalone-app.js), which passes `observe` to read the page's state.
import { loadCore } from '../controllers/core.js';
import { announcePresence, connectDatabase, loadDatabaseConfig, watchConnection, watchPresence } from '../adapters/database.js';
import { openPieceStore } from '../adapters/piece-store.js';
import { TransferManager } from '../controllers/transfers.js';
import { WatchSessionsView } from '../component/watch-sessions-view.js';
import { SESSION_LINE_CSS } from '../component/session-line-style.js';

const $ = (id) => document.getElementById(id);
document.head.append(Object.assign(document.createElement('style'), { textContent: SESSION_LINE_CSS }));

// The page server's ICE servers (tools/ice-config.mjs); time-limited ones are asked for afresh for
// every connection.
const iceOptions = (config) => ({
  iceServers: config.iceServersRefresh ? () => loadDatabaseConfig().then((c) => c.iceServers ?? []) : config.iceServers ?? [],
  iceTransportPolicy: config.iceTransportPolicy ?? 'all',
});

// ?user=alice: who this page is. With the embedded server or the emulator it is the signed-in user
// id (the emulator's mock token); with a real project it is the name shown to others, and the id is
// the Firebase Auth uid. Ids become database keys, so only a safe alphabet is accepted.
function requestedUser() {
  const requested = new URLSearchParams(location.search).get('user');
  if (requested && /^[A-Za-z0-9_-]{1,32}$/.test(requested)) return requested;
  if (requested) showError(`"${requested}" is not a valid user name (letters, digits, - and _, up to 32); using a random one.`);
  let id = localStorage.getItem('wt-user');
  if (!id) {
    id = `guest-${crypto.randomUUID().slice(0, 8)}`;
    localStorage.setItem('wt-user', id);
  }
  return id;
}

function showError(text) {
  $('error').textContent = text;
  $('error').hidden = false;
}

function renderPeople(people, me) {
  const list = $('people');
  list.replaceChildren(...people.map((p) => {
    const li = document.createElement('li');
    li.textContent = p.name;
    li.dataset.user = p.id;
    li.dataset.self = String(p.id === me);
    return li;
  }));
}

async function main(observe) {
  const name = requestedUser();
  $('user-name').textContent = name;

  const corePromise = loadCore().then((core) => {
    $('core-version').textContent = core.version();
    $('core-version').dataset.state = 'ok';
    return core;
  }, (e) => {
    $('core-version').textContent = 'failed to load';
    $('core-version').dataset.state = 'error';
    showError(`The WebAssembly core did not load: ${e.message ?? e}`);
  });

  const config = await loadDatabaseConfig();
  const { db, uid: user } = await connectDatabase(config, { userId: name });
  document.body.dataset.user = user;
  watchConnection(db, (connected) => {
    // Offline, the page keeps working: what goes peer to peer goes on, and the SDK keeps every
    // change (a pause, an acceptance) and sends it once the database is back.
    $('db-status').textContent = connected ? `connected to ${config.label}`
      : `offline — reconnecting to ${config.label}… Your changes are kept and sent once it is back.`;
    $('db-status').dataset.state = connected ? 'ok' : 'offline';
  });
  announcePresence(db, user, name);
  const core = await corePromise;
  let watch = null;
  if (core) {
    // Without IndexedDB (storage disabled, some private windows) the page still sends and watches.
    let storeError = null;
    const store = await openPieceStore().catch((e) => {
      storeError = e;
      showError(`Received files cannot be stored in this browser: ${e.message}. You can still send a file, or watch a file you both have.`);
      return null;
    });
    const transfers = new TransferManager({ core, db, store, storeError, userId: user, ...iceOptions(config), onError: showError });
    observe.transfers?.(transfers);
    watch = new WatchSessionsView({ core, db, userId: user, userName: name, root: $('watch-root'), showError, transfers, onActive: observe.active });
    transfers.runCleanup().catch((e) => showError(`Clean-up of old downloads failed: ${e.message}`));
  }
  watchPresence(db, (people) => {
    renderPeople(people, user);
    watch?.setPeople(people);
  });
  document.body.dataset.ready = 'true';
}

// observe: { transfers(manager), active(session on screen or null) }, both optional.
export function startStandalonePage(observe = {}) {
  main(observe).catch((e) => showError(`Something went wrong: ${e.message ?? e}`));
}
