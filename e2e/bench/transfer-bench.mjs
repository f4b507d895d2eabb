// Transfer figures in real browsers (two contexts of one Debian Chromium, like the product test).
// MB/s means 10^6 bytes per second.
//  - raw_datachannel_MBps: a 256 MiB file of random bytes over a bare data channel opened by
//    web/adapters/peer-link.js, with the product's flow control (e2e/harness/raw-channel.*): the baseline of
//    this run, timed from the first send (sending page) to the last byte in (receiving page);
//  - transfer_MBps: the same file through the product (Alice invites, Bob accepts), timed in Bob's page
//    from his click on Accept to his session reaching data-status="ready" (every piece verified and in
//    IndexedDB, the whole file's SHA-256 matched); transfer_data_phase_MBps: the same bytes over the
//    time from the channel opening to its last message (setup and finishing left out);
//  - transfer_ratio_vs_raw: transfer_MBps / raw_datachannel_MBps. Raw and product runs alternate,
//    ROUNDS each; each figure is the better of its rounds (every run goes to stderr);
//  - receiver_peak_memory_MiB / receiver_memory_growth_MiB: Bob's performance.memory.usedJSHeapSize
//    (precise, with --enable-precise-memory-info; in this Chromium it counts ArrayBuffer backing stores
//    too, not wasm memory) plus the wasm core's memory, sampled every 250 ms during a 1000 MiB
//    (1000 × 2^20 bytes) product transfer; growth is the peak over the last third of the bytes minus
//    the peak over the first third. No forced GC: the page behaves as a user's would, so the peaks
//    include garbage not yet collected. transfer_1000MiB_MBps and transfer_1000MiB_cpu_ms_per_MB: that
//    run's speed and CPU per MB (set-up costs spread over 4x the bytes; the sampler's own work included).
//  - raw_cpu_ms_per_MB / raw_hashed_cpu_ms_per_MB / transfer_cpu_ms_per_MB: CPU time of all of
//    Chromium's processes per MB moved (the lower of the rounds), each from before its connection is
//    made to the end: raw from opening the channel (signaling, ICE, DTLS) to the last byte, the
//    product from Alice's invitation (the same connecting, plus the invitation, Bob's accept and the
//    checks) to Bob's session ready. Both runs
//    are CPU-bound on a 2-core machine, so this is what the throughput ratio follows, and it moves
//    less than MB/s when other work shares the machine. <variant>_cpu_<part>_ms_per_MB splits that
//    round's figure: the sending page's renderer, the receiving page's, the browser process (which
//    reads the sender's File and keeps IndexedDB in Chromium), the network service (WebRTC's
//    sockets) and the rest (GPU process, other renderers, storage service).
//  - store_cpu_ms_per_MB (and its _receiver_ and _browser_ parts): storing alone, for information: the
//    receiving page's path from a verified piece in wasm memory to IndexedDB (storeRun), the same
//    256 MiB, no channel or core. Set against the target's allowance (0.1 × raw_hashed_cpu_ms_per_MB),
//    it says how much of it the store takes before anything else.
//  - ff_*: the same three variants once each, Chromium sending to Firefox receiving (Firefox keeps
//    IndexedDB differently), for information; their CPU is Chromium's plus every Firefox process's
//    (/proc). WT_BENCH_TRANSFER_FIREFOX=0 leaves them out.
// Diagnostics: WT_BENCH_THREADS=1 also logs CPU per thread of every Chromium process (/proc),
// WT_BENCH_PROFILE=<dir> records a V8 CPU profile of both pages of every run (cpu-profile.mjs), and
// WT_BENCH_TRACE=<dir> a Chromium trace of every product run.
import { chromium, firefox } from '@playwright/test';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM_ARGS, FIREFOX_PREFS } from '../playwright.config.mjs';
import { showProfile, startProfile } from './cpu-profile.mjs';
import { MiB, makeFile, sendFile, sha256sum, transferView, waitReady } from '../support/transfer-helpers.mjs';

export const ROUNDS = Math.max(1, Number(process.env.WT_BENCH_TRANSFER_ROUNDS) || 2);  // raw and product runs each
const MEMORY_RUN = process.env.WT_BENCH_TRANSFER_MEMORY !== '0';  // 0: leave out the 1000 MiB run (while tuning)
const FIREFOX_RUN = process.env.WT_BENCH_TRANSFER_FIREFOX !== '0';  // 0: leave out the Chromium → Firefox round
const FILE_BYTES = 256 * MiB;
const MEMORY_FILE_BYTES = 1000 * MiB;
const SAMPLE_MS = 250;
const CHROMIUM = '/usr/bin/chromium';

const round = (x, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;
const MBps = (bytes, ms) => bytes / 1e6 / (ms / 1000);
let benchStart = Date.now();
const log = (text) => process.stderr.write(`  [${((Date.now() - benchStart) / 1000).toFixed(0).padStart(3)} s] ${text}\n`);
const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));
let runs = 0;
const tag = () => `${Date.now().toString(36)}${(runs += 1)}`;

async function openPage(browser, url, prepare) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  if (prepare) await page.addInitScript(prepare);
  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 30_000 });
  return { context, page, errors };
}

// ---- CPU accounting ---------------------------------------------------------------------------------
// CPU seconds used so far by each process of a Chromium (CDP SystemInfo.getProcessInfo), by the
// renderers of the pages measured (CDP Performance.getMetrics ProcessTime, the same clock), and by
// every process of a Firefox (/proc: Playwright starts it as a child of this process).
const cdpSessions = new WeakMap();
async function cdpOf(key, open) {
  if (!cdpSessions.has(key)) cdpSessions.set(key, await open());
  return cdpSessions.get(key);
}
const isChromium = (browser) => browser.browserType().name() === 'chromium';
// { role: page } → the same for the pages in a Chromium (the ones CDP can measure and profile).
const chromiumPagesOf = (pages) => Object.fromEntries(Object.entries(pages).filter(([, page]) => isChromium(page.context().browser())));
const TICK_S = 0.01;  // USER_HZ
const THREADS = process.env.WT_BENCH_THREADS === '1';

function procStat(path) {
  try {
    const stat = readFileSync(path, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), ppid: Number(f[1]), secs: (Number(f[11]) + Number(f[12])) * TICK_S };
  } catch {
    return null;  // ended
  }
}
// Every process of the Firefox this process started (its main process and all under it), by pid.
function firefoxProcesses() {
  const all = new Map();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    const st = procStat(`/proc/${pid}/stat`);
    if (st) all.set(Number(pid), st);
  }
  const ours = (pid) => {
    for (let p = pid, hops = 0; p > 1 && hops < 64; p = all.get(p)?.ppid ?? 0, hops++) if (p === process.pid) return true;
    return false;
  };
  const isFirefox = (pid) => /^firefox/.test(all.get(pid)?.name ?? '');
  const found = new Map();
  const add = (pid) => {
    found.set(pid, { kind: `firefox ${all.get(pid).name.replace(/\d+$/, '#')}`, secs: all.get(pid).secs });
    for (const [child, st] of all) if (st.ppid === pid) add(child);
  };
  for (const pid of all.keys()) if (isFirefox(pid) && !isFirefox(all.get(pid).ppid) && ours(pid)) add(pid);
  return found;
}
// WT_BENCH_THREADS=1: per thread of each Chromium process, the pages' renderers told apart by their
// CPU time matching the page's.
function threadCpu(processes, byPage) {
  const roleOf = new Map();
  for (const [role, secs] of Object.entries(byPage)) {
    let best = null;
    for (const [pid, p] of processes) if (p.kind === 'renderer' && (!best || Math.abs(p.secs - secs) < Math.abs(processes.get(best).secs - secs))) best = pid;
    if (best) roleOf.set(best, role);
  }
  const threads = new Map();
  for (const [pid, p] of processes) {
    let tids = [];
    try { tids = readdirSync(`/proc/${pid}/task`); } catch { continue; }
    for (const tid of tids) {
      const s = procStat(`/proc/${pid}/task/${tid}/stat`);
      if (s) threads.set(`${pid}/${tid}`, { key: `${roleOf.get(pid) ?? p.kind}: ${s.name.replace(/\d+$/, '#')}`, secs: s.secs });
    }
  }
  return threads;
}

// A snapshot of the CPU used so far: pages is { role: page } for the Chromium pages measured.
async function cpuNow(browsers, pages) {
  const processes = new Map();
  const byPage = {};
  for (const browser of browsers) {
    if (!isChromium(browser)) {
      for (const [pid, p] of firefoxProcesses()) processes.set(pid, p);
      continue;
    }
    const cdp = await cdpOf(browser, () => browser.newBrowserCDPSession());
    const { processInfo } = await cdp.send('SystemInfo.getProcessInfo');
    for (const p of processInfo) processes.set(p.id, { kind: p.type.replace(/\.mojom\.\w+$/, '').toLowerCase(), secs: p.cpuTime });
  }
  for (const [role, page] of Object.entries(pages)) {
    const cdp = await cdpOf(page, async () => {
      const c = await page.context().newCDPSession(page);
      await c.send('Performance.enable');
      return c;
    });
    const { metrics } = await cdp.send('Performance.getMetrics');
    byPage[role] = metrics.find((m) => m.name === 'ProcessTime')?.value ?? 0;
  }
  return { processes, byPage, threads: THREADS ? threadCpu(processes, byPage) : null };
}

// Measures from now: the browsers' processes, with the Chromium pages' renderers split out.
export async function startCpu(browsers, pages) {
  const chromiumPages = chromiumPagesOf(pages);
  const before = await cpuNow(browsers, chromiumPages);
  // CPU seconds since the start: by kind of process (processes that ended meanwhile are not
  // counted), each measured page's renderer apart from the other renderers.
  return async function stop() {
    const now = await cpuNow(browsers, chromiumPages);
    const d = {};
    for (const [pid, p] of now.processes) d[p.kind] = (d[p.kind] ?? 0) + p.secs - (before.processes.get(pid)?.secs ?? 0);
    const total = Object.values(d).reduce((x, y) => x + y, 0);
    const split = Object.fromEntries(Object.keys(chromiumPages).map((role) => [role, now.byPage[role] - before.byPage[role]]));
    if (d.renderer !== undefined) {
      d['other renderers'] = d.renderer - Object.values(split).reduce((x, y) => x + y, 0);
      delete d.renderer;
      Object.assign(d, split);
    }
    for (const k of Object.keys(d)) if (Math.abs(d[k]) < 0.05) delete d[k];
    if (before.threads && now.threads) {
      const t = new Map();
      for (const [id, x] of now.threads) t.set(x.key, (t.get(x.key) ?? 0) + x.secs - (before.threads.get(id)?.secs ?? 0));
      log(`CPU by thread (s): ${[...t].filter(([, v]) => v >= 0.1).sort((x, y) => y[1] - x[1]).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}`);
    }
    return { total, ...d };
  };
}
// ms of CPU per MB moved (to 0.1; the log line shows it whole).
const msPerMB = (secs, bytes) => round((secs * 1000) / (bytes / 1e6), 1);
const showCpu = (c, bytes) => `CPU ${c.total.toFixed(1)} s = ${((c.total * 1000) / (bytes / 1e6)).toFixed(0)} ms/MB (${Object.entries(c).filter(([k]) => k !== 'total').map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')})`;

// WT_BENCH_TRACE=<dir>: each 256 MiB product run also records a Chromium trace of the receiving
// page's browser (every process: main-thread tasks by where they were posted from, frames drawn,
// IndexedDB and Blob work), for chrome://tracing or Perfetto. Large (about 0.5 GB a run), and tracing
// costs CPU of its own: traced runs are for finding where the time goes, not for the figures.
const TRACE_DIR = process.env.WT_BENCH_TRACE || null;
const TRACE_CATEGORIES = ['__metadata', 'toplevel', 'devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8.execute', 'blink', 'cc', 'IndexedDB', 'Blob', 'mojom'];
if (TRACE_DIR) mkdirSync(TRACE_DIR, { recursive: true });

// WT_BENCH_PROFILE=<dir>: each run also records a V8 CPU profile of its Chromium pages, writes them
// to <dir> and prints where their time went.
const PROFILE_DIR = process.env.WT_BENCH_PROFILE || null;
async function startProfiles(pages) {
  const chromiumPages = Object.entries(chromiumPagesOf(pages));
  if (!PROFILE_DIR || !chromiumPages.length) return async () => {};
  mkdirSync(PROFILE_DIR, { recursive: true });
  const stops = await Promise.all(chromiumPages.map(async ([role, page]) => [role, await startProfile(page)]));
  return async (variant) => {
    const n = tag();
    for (const [role, stop] of stops) log(showProfile(`${variant} ${role} page (${variant}-${role}-${n}.cpuprofile)`, await stop(PROFILE_DIR, `${variant}-${role}-${n}`)));
  };
}

// ---- raw data channel ------------------------------------------------------------------------------

// hashed: both pages also hash every byte twice with the core (raw-channel.js says why).
// senderBrowser sends to receiverBrowser (the same one, or Chromium to Firefox).
// The file's size is FILE_BYTES unless `bytes` says otherwise.
export async function rawRun([senderBrowser, receiverBrowser], baseUrl, file, { hashed = false, bytes = FILE_BYTES } = {}) {
  const url = `${baseUrl}/harness/raw-channel.html`;
  const [tx, rx] = [await openPage(senderBrowser, url), await openPage(receiverBrowser, url)];
  try {
    const sessionId = `raw-bench-${tag()}`;
    await tx.page.locator('#file').setInputFiles(file);
    // CPU from before the connection is made, as the product's is counted from before its own.
    const pages = { sender: tx.page, receiver: rx.page };
    const stopCpu = await startCpu(new Set([senderBrowser, receiverBrowser]), pages);
    const stopProfiles = await startProfiles(pages);
    const [channel] = await Promise.all([
      rx.page.evaluate((o) => window.raw.open(o), { sessionId, selfId: 'bob-raw', peerId: 'alice-raw', role: 'offerer' }),
      tx.page.evaluate((o) => window.raw.open(o), { sessionId, selfId: 'alice-raw', peerId: 'bob-raw', role: 'answerer' }),
    ]);
    await rx.page.evaluate(([n, o]) => window.raw.expect(n, o), [bytes, { hashed }]);
    const sent = await tx.page.evaluate((o) => window.raw.send(o), { hashed });
    const got = await rx.page.evaluate(() => window.raw.waitDone());
    const cpu = await stopCpu();
    await stopProfiles(hashed ? 'raw-hashed' : 'raw');
    if (got.received !== bytes || sent.size !== bytes) throw new Error(`raw run: sent ${sent.size}, received ${got.received} of ${bytes}`);
    if (hashed) {
      const truth = sha256sum(file), pieces = Math.ceil(bytes / MiB);
      for (const [side, h] of [['sender', sent.hash], ['receiver', got.hash]]) {
        if (h?.digest !== truth || h?.pieceDigests !== pieces) throw new Error(`hashed raw run: the ${side} hashed ${h?.pieceDigests} pieces to ${h?.digest}; sha256sum says ${truth} (${pieces} pieces)`);
      }
    }
    const ms = got.lastByteAt - sent.startedAt;
    const r = { MBps: MBps(bytes, ms), ms, firstByteMs: got.firstByteAt - sent.startedAt, maxMessageSize: channel.maxMessageSize, cpu };
    await Promise.all([tx.page.evaluate(() => window.raw.close()), rx.page.evaluate(() => window.raw.close())]);
    const errors = [...tx.errors, ...rx.errors];
    if (errors.length) throw new Error(`raw run: page errors: ${errors.join('; ')}`);
    return r;
  } finally {
    await Promise.all([tx.context.close(), rx.context.close()]);
  }
}

// ---- storing alone ---------------------------------------------------------------------------------

// The receiving page's storing, apart from the channel, the core and the page: what a verified piece
// costs from the wasm heap to IndexedDB. The same file size in 1 MiB pieces, each copied out of a
// wasm memory into a Blob as the receiver's driver does, written through the product's PieceWriter
// with the driver's options (batches of 4, each followed by a strict ledger of a 256-piece file's
// size), at most 16 pieces (the core's window) awaiting storage. CPU from the first piece to the last
// committed, Chromium's processes as in the other runs (the page's renderer as `receiver`).
async function storeRun(browser, baseUrl, bytes) {
  const { context, page, errors } = await openPage(browser, `${baseUrl}/harness/piece-store.html`);
  try {
    const transferId = `store-bench-${tag()}`;
    await page.evaluate(async ({ transferId, bytes, MiB }) => {
      const store = await window.wtPieceStore.openPieceStore({ name: transferId });
      const pieceCount = Math.ceil(bytes / MiB);
      await store.putTransfer({ transferId, sessionId: transferId, role: 'receiver', fileName: 'bench', fileSize: bytes, mimeType: '',
        pieceCount, createdAt: Date.now(), lastActiveAt: Date.now(), endedAt: null, ledger: null, complete: false, hasChunks: false });
      const heap = new Uint8Array(new WebAssembly.Memory({ initial: 17 * 16 }).buffer);  // 17 MiB: 16 pieces and a ledger
      for (let at = 0; at < heap.length; at += 65536) crypto.getRandomValues(heap.subarray(at, at + 65536));
      window.storeBench = { store, heap, pieceCount };
    }, { transferId, bytes, MiB });
    const stopCpu = await startCpu(new Set([browser]), { receiver: page });
    const ms = await page.evaluate(async ({ transferId, MiB }) => {
      const { store, heap, pieceCount } = window.storeBench;
      const writer = new window.wtPieceStore.PieceWriter(store, transferId, window.wtWriterOptions);
      const ledger = heap.subarray(16 * MiB, 16 * MiB + 8 * 1024 + 64);  // a 256-piece ledger's size
      const started = performance.now();
      const pending = new Set();
      for (let piece = 0; piece < pieceCount; piece++) {
        while (pending.size >= 16) await Promise.race(pending);
        const at = (piece % 16) * MiB;
        const stored = writer.write(piece, new Blob([heap.subarray(at, at + MiB)])).then(() => {
          pending.delete(stored);
          writer.setLedger(ledger.slice());
        });
        pending.add(stored);
      }
      await Promise.all(pending);
      await writer.flush();
      return performance.now() - started;
    }, { transferId, MiB });
    const cpu = await stopCpu();
    // Every piece is there (outside the measured time), then the run's pieces go.
    const stored = await page.evaluate(async (id) => {
      const { store, pieceCount } = window.storeBench;
      const file = await store.fileBlob(id, pieceCount, '');
      await store.deleteTransfer(id);
      return file.size;
    }, transferId);
    if (stored !== bytes) throw new Error(`storing run: ${stored} bytes stored, not ${bytes}`);
    if (errors.length) throw new Error(`storing run: page errors: ${errors.join('; ')}`);
    return { MBps: MBps(bytes, ms), ms, cpu };
  } finally {
    await context.close();
  }
}

// ---- the product -----------------------------------------------------------------------------------

// Runs in Bob's page before the app: times (Date.now()) of his click on Accept (the bench's file is
// random bytes, so the Accept that counts is his "Accept anyway"), of the file-transfer channel
// opening and of its first and last message, and when each session's li turned "ready".
function instrumentReceiver() {
  const w = (window.__wtBench = { acceptAt: null, openAt: null, firstMessageAt: null, lastMessageAt: null, messageBytes: 0, readyAt: {} });
  document.addEventListener('click', (e) => {
    if (e.target?.closest?.('li.session .go-anyway')) w.acceptAt = Date.now();
  }, true);
  new MutationObserver(() => {
    for (const li of document.querySelectorAll('li.session[data-status="ready"]')) w.readyAt[li.dataset.session] ??= Date.now();
  }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-status'] });
  // The receiver is the link's offerer: it creates the channel.
  const create = RTCPeerConnection.prototype.createDataChannel;
  RTCPeerConnection.prototype.createDataChannel = function (...args) {
    const ch = create.apply(this, args);
    ch.addEventListener('open', () => { w.openAt ??= Date.now(); });
    ch.addEventListener('message', (e) => {
      const t = Date.now();
      w.firstMessageAt ??= t;
      w.lastMessageAt = t;
      w.messageBytes += e.data?.byteLength ?? 0;
    });
    return ch;
  };
}

// Alice sends `file` to Bob, Bob accepts; resolves when Bob's session is ready. `during(bob, id)`
// runs alongside (the memory sampler) and its result is returned.
// browsers: [Alice's, Bob's] (one Chromium, or Chromium and Firefox).
export async function productRun(browsers, baseUrl, file, size, { during, timeoutMs = 240_000 } = {}) {
  const t = tag();
  const [aliceId, bobId] = [`alice-tx-${t}`, `bob-tx-${t}`];
  const alice = await openPage(browsers[0], `${baseUrl}/standalone/?user=${aliceId}`);
  const bob = await openPage(browsers[1], `${baseUrl}/standalone/?user=${bobId}`, instrumentReceiver);
  try {
    const pages = { sender: alice.page, receiver: bob.page };
    const stopCpu = await startCpu(new Set(browsers), pages);
    const stopProfiles = await startProfiles(pages);
    const tracing = TRACE_DIR && !during && isChromium(browsers[1]);
    if (tracing) await browsers[1].startTracing(bob.page, { path: join(TRACE_DIR, `product-${t}.json`), categories: TRACE_CATEGORIES });
    const id = await sendFile(alice.page, bob.page, bobId, file, { notAMovie: true }).catch(async (e) => {
      const state = (page) => page.evaluate(() => ({
        db: document.getElementById('db-status')?.textContent, error: document.getElementById('error')?.textContent,
        people: [...document.querySelectorAll('#people li')].map((li) => li.dataset.user),
        partners: [...document.querySelectorAll('#partner option')].map((o) => o.value).filter(Boolean),
        sessions: [...document.querySelectorAll('li.session')].map((li) => `${li.dataset.session} ${li.dataset.status}`),
      })).catch((err) => err.message);
      throw new Error(`product run (${aliceId} → ${bobId}): ${e.message.split('\n')[0]}; Alice's page: ${JSON.stringify(await state(alice.page))}; Bob's page: ${JSON.stringify(await state(bob.page))}`);
    });
    const sampling = during?.(bob.page, id, size);
    sampling?.catch(() => {});  // awaited below; if the transfer fails first, that error is the one to see
    await waitReady(bob.page, id, timeoutMs);
    const cpu = await stopCpu();
    if (tracing) await browsers[1].stopTracing();
    await stopProfiles('product');
    const extra = sampling ? await sampling : null;
    const w = await bob.page.evaluate((sid) => ({ ...window.__wtBench, readyAt: window.__wtBench.readyAt[sid] }), id);
    const view = await transferView(bob.page, id);
    const errors = [...alice.errors, ...bob.errors];
    if (errors.length) throw new Error(`product run: page errors: ${errors.join('; ')}`);
    if (view?.stats?.piecesVerified !== Math.ceil(size / MiB)) throw new Error(`product run: Bob verified ${view?.stats?.piecesVerified} pieces of ${Math.ceil(size / MiB)}`);
    const ms = w.readyAt - w.acceptAt;
    return {
      MBps: MBps(size, ms), ms, bytes: size,
      setupMs: w.openAt - w.acceptAt,                 // accept → the data channel open
      dataMs: w.lastMessageAt - w.openAt,             // channel open → the last message in
      dataMBps: MBps(size, w.lastMessageAt - w.openAt),
      firstMessageMs: w.firstMessageAt - w.openAt,
      tailMs: w.readyAt - w.lastMessageAt,            // last message → "ready" in the list
      messageBytes: w.messageBytes,
      stats: view.stats, extra, cpu,
    };
  } finally {
    await Promise.all([alice.context.close(), bob.context.close()]);
  }
}

// Every SAMPLE_MS until Bob's session is ready: his JS heap (performance.memory, precise with
// --enable-precise-memory-info), the wasm core's heap, the array buffers' backing stores (CDP
// Runtime.getHeapUsage, for information: usedJSHeapSize already counts them here, wasm memory aside)
// and the progress.
async function sampleMemory(page, id, size) {
  const cdp = await page.context().newCDPSession(page);
  const samples = [];
  for (;;) {
    const started = Date.now();
    const [s, heap] = await Promise.all([
      page.evaluate((sid) => {
        const view = window.wtTestHook.transfers.view(sid);
        const ready = document.querySelector(`li.session[data-session="${sid}"]`)?.dataset.status === 'ready';
        return { js: performance.memory.usedJSHeapSize, wasm: window.wtTestHook.transfers.core.heapBytes(), bytes: view?.stats?.chunkBytesReceived ?? 0, ready };
      }, id),
      cdp.send('Runtime.getHeapUsage').catch(() => ({})),
    ]);
    samples.push({ at: started, ...s, backing: heap.backingStorageSize ?? null, total: s.js + s.wasm });
    if (s.ready) break;
    await sleep(Math.max(0, SAMPLE_MS - (Date.now() - started)));
  }
  await cdp.detach().catch(() => {});
  const peak = (list, key = 'total') => Math.max(...list.map((x) => x[key] ?? 0));
  const first = samples.filter((x) => x.bytes < size / 3);
  const last = samples.filter((x) => x.bytes >= (2 * size) / 3);
  const tenths = Array.from({ length: 10 }, (_, i) => samples.filter((x) => Math.min(9, Math.floor((x.bytes / size) * 10)) === i));
  return {
    samples: samples.length,
    startMiB: samples[0].total / MiB,
    startJsMiB: samples[0].js / MiB,
    tenthsMiB: tenths.map((list) => (list.length ? Math.round(peak(list) / MiB) : null)),
    tenthsJsMiB: tenths.map((list) => (list.length ? Math.round(peak(list, 'js') / MiB) : null)),
    tenthsFloorMiB: tenths.map((list) => (list.length ? Math.round(Math.min(...list.map((x) => x.total)) / MiB) : null)),
    peakMiB: peak(samples) / MiB,
    peakJsMiB: peak(samples, 'js') / MiB,
    peakWasmMiB: peak(samples, 'wasm') / MiB,
    peakBackingMiB: samples.some((x) => x.backing != null) ? peak(samples, 'backing') / MiB : null,
    firstThirdPeakMiB: peak(first) / MiB,
    lastThirdPeakMiB: peak(last) / MiB,
    growthMiB: (peak(last) - peak(first)) / MiB,
    firstThirdSamples: first.length,
    lastThirdSamples: last.length,
  };
}

const showProduct = (label, r) => log(`${label}: ${r.MBps.toFixed(1)} MB/s, accept→ready ${(r.ms / 1000).toFixed(2)} s `
  + `(accept→channel open ${r.setupMs} ms, open→last message ${r.dataMs} ms = ${r.dataMBps.toFixed(1)} MB/s, `
  + `open→first message ${r.firstMessageMs} ms, last message→ready ${r.tailMs} ms); ${showCpu(r.cpu, r.bytes)}; receiver stats ${JSON.stringify(r.stats)}`);

// ms of CPU per MB of a run, in parts (the names the JSON figures use).
function cpuParts(cpu, bytes) {
  const known = { sender: cpu.sender ?? 0, receiver: cpu.receiver ?? 0, browser: cpu.browser ?? 0, network: cpu.network ?? 0 };
  const rest = cpu.total - Object.values(known).reduce((x, y) => x + y, 0);
  return Object.fromEntries(Object.entries({ ...known, other: rest }).map(([k, v]) => [k, msPerMB(v, bytes)]));
}
const lowestCpu = (runs) => runs.reduce((a, b) => (b.cpu.total < a.cpu.total ? b : a));

// One round of the three variants, sender → receiver browser; each result logged.
async function round3(browsers, baseUrl, file, label) {
  const r = await rawRun(browsers, baseUrl, file);
  log(`raw ${label}: ${r.MBps.toFixed(1)} MB/s (${(r.ms / 1000).toFixed(2)} s, first byte after ${r.firstByteMs} ms, maxMessageSize ${r.maxMessageSize}); ${showCpu(r.cpu, FILE_BYTES)}`);
  const h = await rawRun(browsers, baseUrl, file, { hashed: true });
  log(`raw + hashing ${label}: ${h.MBps.toFixed(1)} MB/s (${(h.ms / 1000).toFixed(2)} s); ${showCpu(h.cpu, FILE_BYTES)}`);
  const p = await productRun(browsers, baseUrl, file, FILE_BYTES);
  showProduct(`product ${label}`, p);
  return { r, h, p };
}

export async function transferBench({ baseUrl }) {
  const startedAt = (benchStart = Date.now());
  const dir = mkdtempSync(join(tmpdir(), 'wt-bench-transfer-'));
  try {
    const file = makeFile(join(dir, 'bench movie.mp4'), FILE_BYTES);
    const raw = [], hashed = [], product = [];
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    let ff = null, store = null;
    try {
      for (let i = 1; i <= ROUNDS; ++i) {
        const { r, h, p } = await round3([browser, browser], baseUrl, file, String(i));
        raw.push(r);
        hashed.push(h);
        product.push(p);
      }
      store = await storeRun(browser, baseUrl, FILE_BYTES);
      log(`storing alone: ${store.MBps.toFixed(1)} MB/s; ${showCpu(store.cpu, FILE_BYTES)}`);
      if (FIREFOX_RUN) {
        const fx = await firefox.launch({ channel: 'moz-firefox', executablePath: '/usr/bin/firefox-esr', firefoxUserPrefs: FIREFOX_PREFS });
        try {
          ff = await round3([browser, fx], baseUrl, file, 'Chromium → Firefox');
        } finally {
          await fx.close();
        }
      }
    } finally {
      await browser.close();
    }
    rmSync(file);
    let m = null, mem = null;
    if (MEMORY_RUN) {
      const big = makeFile(join(dir, 'bench big movie.mp4'), MEMORY_FILE_BYTES);
      const memBrowser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, '--enable-precise-memory-info'] });
      try {
        mem = await productRun([memBrowser, memBrowser], baseUrl, big, MEMORY_FILE_BYTES, { during: sampleMemory, timeoutMs: 400_000 });
      } finally {
        await memBrowser.close();
      }
      showProduct('product 1000 MiB', mem);
      m = mem.extra;
      log(`receiver memory over ${m.samples} samples (every ${SAMPLE_MS} ms): peak JS heap + wasm ${m.peakMiB.toFixed(1)} MiB `
        + `(JS heap ${m.peakJsMiB.toFixed(1)}, wasm ${m.peakWasmMiB.toFixed(1)}); first third ${m.firstThirdPeakMiB.toFixed(1)} MiB `
        + `(${m.firstThirdSamples} samples), last third ${m.lastThirdPeakMiB.toFixed(1)} MiB (${m.lastThirdSamples} samples); `
        + `array-buffer backing stores peak ${m.peakBackingMiB == null ? 'n/a' : `${m.peakBackingMiB.toFixed(1)} MiB`}`);
      log(`receiver at accept: JS heap + wasm ${m.startMiB.toFixed(1)} MiB (JS heap ${m.startJsMiB.toFixed(1)})`);
      log(`receiver JS heap + wasm, peak per tenth of the bytes (MiB): ${m.tenthsMiB.join(' ')}; JS heap alone: ${m.tenthsJsMiB.join(' ')}; `
        + `lowest sample per tenth: ${m.tenthsFloorMiB.join(' ')}`);
    }

    const best = (list) => Math.max(...list.map((r) => r.MBps));
    const rawBest = best(raw), hashedBest = best(hashed), productBest = best(product);
    log(`better of ${ROUNDS}: raw ${rawBest.toFixed(1)} MB/s, raw + hashing ${hashedBest.toFixed(1)} MB/s, product ${productBest.toFixed(1)} MB/s; transfer benchmark took ${((Date.now() - startedAt) / 1000).toFixed(0)} s`);
    return {
      raw_datachannel_MBps: round(rawBest, 1),
      transfer_MBps: round(productBest, 1),
      transfer_ratio_vs_raw: round(productBest / rawBest, 3),
      raw_hashed_MBps: round(hashedBest, 1),
      raw_hashed_ratio_vs_raw: round(hashedBest / rawBest, 3),
      transfer_ratio_vs_raw_hashed: round(productBest / hashedBest, 3),
      ...([...raw, ...hashed, ...product].every((r) => r.cpu.total > 0) ? {
        raw_cpu_ms_per_MB: msPerMB(lowestCpu(raw).cpu.total, FILE_BYTES),
        raw_hashed_cpu_ms_per_MB: msPerMB(lowestCpu(hashed).cpu.total, FILE_BYTES),
        transfer_cpu_ms_per_MB: msPerMB(lowestCpu(product).cpu.total, FILE_BYTES),
        transfer_cpu_ratio_vs_raw_hashed: round(lowestCpu(product).cpu.total / lowestCpu(hashed).cpu.total, 3),
        ...Object.fromEntries([['raw', raw], ['raw_hashed', hashed], ['transfer', product]].flatMap(([name, runs]) => (
          Object.entries(cpuParts(lowestCpu(runs).cpu, FILE_BYTES)).map(([part, v]) => [`${name}_cpu_${part}_ms_per_MB`, v])))),
      } : {}),
      ...(ff ? {
        ff_raw_MBps: round(ff.r.MBps, 1),
        ff_raw_hashed_MBps: round(ff.h.MBps, 1),
        ff_transfer_MBps: round(ff.p.MBps, 1),
        ff_transfer_ratio_vs_raw_hashed: round(ff.p.MBps / ff.h.MBps, 3),
        ff_raw_cpu_ms_per_MB: msPerMB(ff.r.cpu.total, FILE_BYTES),
        ff_raw_hashed_cpu_ms_per_MB: msPerMB(ff.h.cpu.total, FILE_BYTES),
        ff_transfer_cpu_ms_per_MB: msPerMB(ff.p.cpu.total, FILE_BYTES),
      } : {}),
      ...(store.cpu.total > 0 ? {
        store_cpu_ms_per_MB: msPerMB(store.cpu.total, FILE_BYTES),
        store_cpu_receiver_ms_per_MB: msPerMB(store.cpu.receiver ?? 0, FILE_BYTES),
        store_cpu_browser_ms_per_MB: msPerMB(store.cpu.browser ?? 0, FILE_BYTES),
      } : {}),
      transfer_data_phase_MBps: round(Math.max(...product.map((r) => r.dataMBps)), 1),
      ...(m ? {
        transfer_1000MiB_MBps: round(mem.MBps, 1),
        transfer_1000MiB_cpu_ms_per_MB: msPerMB(mem.cpu.total, MEMORY_FILE_BYTES),
        receiver_peak_memory_MiB: round(m.peakMiB, 1),
        receiver_memory_growth_MiB: round(m.growthMiB, 1),
      } : {}),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
