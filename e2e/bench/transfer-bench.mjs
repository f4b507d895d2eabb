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
//    include garbage not yet collected. transfer_1000MiB_MBps: that run's speed.
//  - raw_cpu_ms_per_MB / transfer_cpu_ms_per_MB: CPU time of all of Chromium's processes per MB moved
//    (the lower of the rounds). Both runs are CPU-bound on a 2-core machine, so this is what the
//    throughput ratio follows, and it moves less than MB/s when other work shares the machine.
import { chromium } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM_ARGS } from '../playwright.config.mjs';
import { MiB, makeFile, sendFile, sha256sum, transferView, waitReady } from '../support/transfer-helpers.mjs';

export const ROUNDS = Math.max(1, Number(process.env.WT_BENCH_TRANSFER_ROUNDS) || 2);  // raw and product runs each
const MEMORY_RUN = process.env.WT_BENCH_TRANSFER_MEMORY !== '0';  // 0: leave out the 1000 MiB run (while tuning)
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

// CPU seconds used so far by each process of a Chromium (CDP SystemInfo.getProcessInfo): on a small
// machine both the baseline and the product are CPU-bound, so this says where the time goes.
const cdpSessions = new WeakMap();
async function chromiumCpu(browser) {
  try {
    if (!cdpSessions.has(browser)) cdpSessions.set(browser, await browser.newBrowserCDPSession());
    const { processInfo } = await cdpSessions.get(browser).send('SystemInfo.getProcessInfo');
    return new Map(processInfo.map((p) => [p.id, { kind: p.type.replace(/\.mojom\.\w+$/, '').toLowerCase(), secs: p.cpuTime }]));
  } catch {
    return new Map();
  }
}
// Per kind of process: CPU seconds since `before` (processes that ended meanwhile are not counted).
async function cpuSince(browser, before) {
  const d = {};
  for (const [pid, p] of await chromiumCpu(browser)) d[p.kind] = (d[p.kind] ?? 0) + p.secs - (before.get(pid)?.secs ?? 0);
  for (const k of Object.keys(d)) if (d[k] < 0.05) delete d[k];
  return { total: Object.values(d).reduce((x, y) => x + y, 0), ...d };
}
const showCpu = (c, bytes) => `CPU ${c.total.toFixed(1)} s = ${((c.total * 1000) / (bytes / 1e6)).toFixed(0)} ms/MB in Chromium's processes (${Object.entries(c).filter(([k]) => k !== 'total').map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')})`;

// ---- raw data channel ------------------------------------------------------------------------------

// hashed: both pages also hash every byte twice with the core (raw-channel.js says why).
async function rawRun(browser, baseUrl, file, { hashed = false } = {}) {
  const url = `${baseUrl}/harness/raw-channel.html`;
  const [tx, rx] = [await openPage(browser, url), await openPage(browser, url)];
  try {
    const sessionId = `raw-bench-${tag()}`;
    await tx.page.locator('#file').setInputFiles(file);
    const [channel] = await Promise.all([
      rx.page.evaluate((o) => window.raw.open(o), { sessionId, selfId: 'bob-raw', peerId: 'alice-raw', role: 'offerer' }),
      tx.page.evaluate((o) => window.raw.open(o), { sessionId, selfId: 'alice-raw', peerId: 'bob-raw', role: 'answerer' }),
    ]);
    await rx.page.evaluate(([n, o]) => window.raw.expect(n, o), [FILE_BYTES, { hashed }]);
    const cpu0 = await chromiumCpu(browser);
    const sent = await tx.page.evaluate((o) => window.raw.send(o), { hashed });
    const got = await rx.page.evaluate(() => window.raw.waitDone());
    const cpu = await cpuSince(browser, cpu0);
    if (got.received !== FILE_BYTES || sent.size !== FILE_BYTES) throw new Error(`raw run: sent ${sent.size}, received ${got.received} of ${FILE_BYTES}`);
    if (hashed) {
      const truth = sha256sum(file), pieces = Math.ceil(FILE_BYTES / MiB);
      for (const [side, h] of [['sender', sent.hash], ['receiver', got.hash]]) {
        if (h?.digest !== truth || h?.pieceDigests !== pieces) throw new Error(`hashed raw run: the ${side} hashed ${h?.pieceDigests} pieces to ${h?.digest}; sha256sum says ${truth} (${pieces} pieces)`);
      }
    }
    const ms = got.lastByteAt - sent.startedAt;
    const r = { MBps: MBps(FILE_BYTES, ms), ms, firstByteMs: got.firstByteAt - sent.startedAt, maxMessageSize: channel.maxMessageSize, cpu };
    await Promise.all([tx.page.evaluate(() => window.raw.close()), rx.page.evaluate(() => window.raw.close())]);
    const errors = [...tx.errors, ...rx.errors];
    if (errors.length) throw new Error(`raw run: page errors: ${errors.join('; ')}`);
    return r;
  } finally {
    await Promise.all([tx.context.close(), rx.context.close()]);
  }
}

// ---- the product -----------------------------------------------------------------------------------

// Runs in Bob's page before the app: times (Date.now()) of his click on Accept, of the file-transfer
// channel opening and of its first and last message, and when each session's li turned "ready".
function instrumentReceiver() {
  const w = (window.__wtBench = { acceptAt: null, openAt: null, firstMessageAt: null, lastMessageAt: null, messageBytes: 0, readyAt: {} });
  document.addEventListener('click', (e) => {
    if (e.target?.closest?.('li.session .accept')) w.acceptAt ??= Date.now();
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
export async function productRun(browser, baseUrl, file, size, { during, timeoutMs = 240_000 } = {}) {
  const t = tag();
  const [aliceId, bobId] = [`alice-tx-${t}`, `bob-tx-${t}`];
  const alice = await openPage(browser, `${baseUrl}/standalone/?user=${aliceId}`);
  const bob = await openPage(browser, `${baseUrl}/standalone/?user=${bobId}`, instrumentReceiver);
  try {
    const cpu0 = await chromiumCpu(browser);
    const id = await sendFile(alice.page, bob.page, bobId, file).catch(async (e) => {
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
    const cpu = await cpuSince(browser, cpu0);
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
        const view = window.wtTransfers.view(sid);
        const ready = document.querySelector(`li.session[data-session="${sid}"]`)?.dataset.status === 'ready';
        return { js: performance.memory.usedJSHeapSize, wasm: window.wtTransfers.core.heapBytes(), bytes: view?.stats?.chunkBytesReceived ?? 0, ready };
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

export async function transferBench({ baseUrl }) {
  const startedAt = (benchStart = Date.now());
  const dir = mkdtempSync(join(tmpdir(), 'wt-bench-transfer-'));
  try {
    const file = makeFile(join(dir, 'bench movie.mp4'), FILE_BYTES);
    const raw = [], hashed = [], product = [];
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      for (let i = 1; i <= ROUNDS; ++i) {
        const r = await rawRun(browser, baseUrl, file);
        raw.push(r);
        log(`raw ${i}: ${r.MBps.toFixed(1)} MB/s (${(r.ms / 1000).toFixed(2)} s, first byte after ${r.firstByteMs} ms, maxMessageSize ${r.maxMessageSize}); ${showCpu(r.cpu, FILE_BYTES)}`);
        const h = await rawRun(browser, baseUrl, file, { hashed: true });
        hashed.push(h);
        log(`raw + hashing ${i}: ${h.MBps.toFixed(1)} MB/s (${(h.ms / 1000).toFixed(2)} s); ${showCpu(h.cpu, FILE_BYTES)}`);
        const p = await productRun(browser, baseUrl, file, FILE_BYTES);
        product.push(p);
        showProduct(`product ${i}`, p);
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
        mem = await productRun(memBrowser, baseUrl, big, MEMORY_FILE_BYTES, { during: sampleMemory, timeoutMs: 400_000 });
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
        raw_cpu_ms_per_MB: round(Math.min(...raw.map((r) => (r.cpu.total * 1000) / (FILE_BYTES / 1e6))), 1),
        raw_hashed_cpu_ms_per_MB: round(Math.min(...hashed.map((r) => (r.cpu.total * 1000) / (FILE_BYTES / 1e6))), 1),
        transfer_cpu_ms_per_MB: round(Math.min(...product.map((r) => (r.cpu.total * 1000) / (FILE_BYTES / 1e6))), 1),
      } : {}),
      transfer_data_phase_MBps: round(Math.max(...product.map((r) => r.dataMBps)), 1),
      ...(m ? {
        transfer_1000MiB_MBps: round(mem.MBps, 1),
        receiver_peak_memory_MiB: round(m.peakMiB, 1),
        receiver_memory_growth_MiB: round(m.growthMiB, 1),
      } : {}),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
