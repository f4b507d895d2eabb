// `npm run bench`: builds what is missing, starts the page server and database, runs each benchmark
// in real browsers, prints a table and, as the last line, one JSON object of named figures.
// Targets are ratios against a baseline measured in the same run, never absolute times.
import { chromium } from '@playwright/test';
import { buildAll } from '../../web/server/build.mjs';
import { openDatabase } from '../../web/server/database-config.mjs';
import { withSetupErrors } from '../../web/server/setup.mjs';
import { startStaticServer } from '../../web/server/static-server.mjs';
import { CHROMIUM_ARGS } from '../playwright.config.mjs';
import { syncBench } from './sync-bench.mjs';

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

// name → [benchmark, { figure: [target description, check] }]
const BENCHMARKS = [
  ['SHA-256 in Chromium (64 MiB, median of 7)', sha256Bench, { sha256_ratio_vs_hashwasm: ['>= 1.0', (v) => v >= 1.0] }],
  ['Playback sync, Chromium + Firefox, database 50 ms away', syncBench, {
    drift_p95_ms: ['<= 50', (v) => v <= 50],
    pause_propagation_p95_ms: ['<= 250', (v) => v <= 250],
    seek_propagation_p95_ms: ['<= 250', (v) => v <= 250],
    sim_drift_p95_ms: ['<= 50', (v) => v <= 50],
  }],
];

await withSetupErrors(async () => {
  await buildAll({ native: true });
  const db = await openDatabase();
  const web = await startStaticServer({ clientConfig: db.client, port: 0 });
  const figures = {};
  const rows = [];
  try {
    for (const [title, bench, targets] of BENCHMARKS) {
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
