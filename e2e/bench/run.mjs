// `npm run bench`: builds what is missing, starts the page server and database, runs each benchmark
// in real browsers, prints a table and, as the last line, one JSON object of named figures.
// Targets are ratios against a baseline measured in the same run, never absolute times.
import { chromium } from '@playwright/test';
import { buildAll, buildWeb } from '../../tools/build.mjs';
import { openDatabase } from '../../tools/database-config.mjs';
import { withSetupErrors } from '../../tools/setup.mjs';
import { startStaticServer } from '../../tools/static-server.mjs';
import { CHROMIUM_ARGS } from '../playwright.config.mjs';
import { formatsBench } from './formats-bench.mjs';
import { loadBench } from './load-bench.mjs';
import { playbackBench } from './playback-bench.mjs';
import { reconnectBench } from './reconnect-bench.mjs';
import { ROUNDS as RELAY_ROUNDS, relayBench } from './relay-bench.mjs';
import { wanBench } from './wan-bench.mjs';
import { syncBench } from './sync-bench.mjs';
import { ROUNDS as TRANSFER_ROUNDS, transferBench } from './transfer-bench.mjs';

const round = (x, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

async function sha256Bench({ baseUrl }) {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    await page.goto(`${baseUrl}/bench.html`);
    await page.waitForFunction(() => document.body.dataset.ready === 'true');
    const r = await page.evaluate(() => window.wtBench.sha256({ megabytes: 64, rounds: 7 }));
    return {
      sha256_core_MBps: round(r.sha256_core_MBps, 1),
      sha256_hashwasm_MBps: round(r.sha256_hashwasm_MBps, 1),
      sha256_webcrypto_MBps: round(r.sha256_webcrypto_MBps, 1),
      sha256_ratio_vs_hashwasm: round(r.sha256_core_MBps / r.sha256_hashwasm_MBps, 3),
    };
  } finally {
    await browser.close();
  }
}

// [key, title, benchmark, { figure: [target description, check] }]. WT_BENCH_ONLY=key[,key…] runs
// only those (for example WT_BENCH_ONLY=transfer).
const ALL_BENCHMARKS = [
  ['sha256', 'SHA-256 in Chromium (64 MiB, median of 7)', sha256Bench, { sha256_ratio_vs_hashwasm: ['>= 1.0', (v) => v >= 1.0] }],
  ['sync', 'Playback sync, Chromium + Firefox, database 50 ms from each (asym_: 150 ms from Chromium, 15 ms from Firefox)', syncBench, {
    drift_p95_ms: ['<= 16.7', (v) => v <= 16.7],
    drift_max_ms: ['<= 50', (v) => v <= 50],
    pause_propagation_p95_ms: ['<= 250', (v) => v <= 250],
    pause_propagation_ratio_vs_floor: ['<= 1.2', (v) => v <= 1.2],
    steady_rate_changes_per_min: ['<= 1', (v) => v <= 1],
    steady_seeks_per_min: ['= 0', (v) => v === 0],
    asym_drift_p95_ms: ['<= 16.7', (v) => v <= 16.7],
    asym_drift_max_ms: ['<= 50', (v) => v <= 50],
    asym_pause_propagation_ratio_vs_floor: ['<= 1.2', (v) => v <= 1.2],
    seek_propagation_p95_ms: ['<= 250', (v) => v <= 250],
    sim_drift_p95_ms: ['<= 50', (v) => v <= 50],
  }],
  ['transfer', `File transfer, Chromium → Chromium (256 MiB, better of ${TRANSFER_ROUNDS}; memory during 1000 MiB; then Chromium → Firefox once)`, transferBench, {
    transfer_ratio_vs_raw_hashed: ['>= 0.9', (v) => v >= 0.9],
    transfer_cpu_ratio_vs_raw_hashed: ['<= 1.1', (v) => v <= 1.1],
    receiver_peak_memory_MiB: ['<= 256', (v) => v <= 256],
    receiver_memory_growth_MiB: ['<= 32', (v) => v <= 32],
  }],
  // For information (no target): the relay is the bottleneck.
  ['relay', `Transfer through a TURN relay vs direct, Chromium → Chromium (coturn here, better of ${RELAY_ROUNDS})`, relayBench, {}],
  ['wan', 'Transfer across a 100 ms longer round trip (coturn behind a delaying UDP relay, here), Chromium → Chromium: the product against one bare channel', wanBench, {
    wan100_transfer_ratio_vs_raw: ['>= 3', (v) => v >= 3],
    wan100_first_frame_s: ['<= 1.5', (v) => v <= 1.5],
  }],
  ['reconnect', `A killed peer connection replaced, Chromium ↔ Chromium (each side in turn)`, reconnectBench, {
    reconnect_max_ms: ['<= 5000', (v) => v <= 5000],
  }],
  ['playback', 'Watching while it downloads, Chromium → Chromium (~100 MB H.264 at 2 MB/s; memory during 1 GB)', playbackBench, {
    first_frame_ratio_vs_25pct: ['<= 0.3', (v) => v <= 0.3],
    stalls_to_end: ['= 0', (v) => v === 0],
    seek_unfetched_to_frame_s: ['<= 3', (v) => v <= 3],
    playback_peak_memory_MiB: ['<= 300', (v) => v <= 300],
  }],
  ['formats', 'The movies people have: first frame at 2 MB/s, progressive or not, and AC-3 conversion CPU (Chromium)', formatsBench, {
    first_frame_ratio_mkv_vs_mp4: ['<= 1.2', (v) => v <= 1.2],
    ac3_transcode_cpu_s_per_movie_min: ['<= 3', (v) => v <= 3],
  }],
  ['load', 'Demo messenger first load, before any session (uncompressed bytes)', loadBench, {
    component_extra_kB: ['<= 40', (v) => v <= 40],
    first_load_wasm_requests: ['= 0', (v) => v === 0],
  }],
];
const only = (process.env.WT_BENCH_ONLY ?? '').split(',').map((k) => k.trim()).filter(Boolean);
const unknown = only.filter((k) => !ALL_BENCHMARKS.some(([key]) => key === k));
if (unknown.length) {
  console.error(`WT_BENCH_ONLY: no benchmark ${unknown.join(', ')} (there are ${ALL_BENCHMARKS.map(([key]) => key).join(', ')})`);
  process.exit(2);
}
const BENCHMARKS = ALL_BENCHMARKS.filter(([key]) => !only.length || only.includes(key));

await withSetupErrors(async () => {
  await buildAll({ native: true });
  await buildWeb({ test: true });  // the bench page, and the stand-alone page's test hook
  const db = await openDatabase();
  const web = await startStaticServer({ clientConfig: db.client, port: 0, testBundle: true });
  const figures = {};
  const rows = [];
  try {
    for (const [, title, bench, targets] of BENCHMARKS) {
      process.stderr.write(`running: ${title}\n`);
      const result = await bench({ baseUrl: web.url, db });
      Object.assign(figures, result);
      for (const [name, value] of Object.entries(result)) {
        const target = targets[name];
        rows.push([title, name, String(value), target ? `${target[0]} ${target[1](value) ? 'met' : 'NOT met'}` : '']);
      }
    }
  } finally {
    await web.close();
    await db.close();
  }
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i].length), 6));
  const line = (r) => r.map((c, i) => c.padEnd(widths[i])).join('  ');
  console.log(line(['benchmark', 'figure', 'value', 'target']));
  for (const r of rows) console.log(line(r));
  console.log(JSON.stringify(figures));
});
