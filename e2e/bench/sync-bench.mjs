// Sync figures in two real browsers (Chromium and Firefox) whose database link is delayed by 50 ms
// each way (a delaying proxy in front of the embedded database): drift over 60+ s of playing, and
// how long a pause or a seek by one viewer takes to reach the other. Plus the core simulator's figure.
import { chromium, firefox } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../../tools/setup.mjs';
import { startStaticServer } from '../../tools/static-server.mjs';
import { CHROMIUM_ARGS, FIREFOX_PREFS } from '../playwright.config.mjs';
import {
  actAt, armEvent, eventTime, pairDrift, percentile, recordFrames, startSameFileSession, takeFrames,
} from '../support/sync-helpers.mjs';
import { makeMovie } from '../support/media-helpers.mjs';

const require = createRequire(import.meta.url);
const { startDelayProxy } = require('../../tools/rtdb/delay-proxy.cjs');
const ONE_WAY_DELAY_MS = 50;
const PLAY_SECONDS = Number(process.env.WT_BENCH_PLAY_SECONDS || 65);  // the issue asks for at least 60 s
const ACTIONS = 8;

async function openPage(browser, url) {
  const page = await (await browser.newContext()).newPage();
  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 30_000 });
  return page;
}

export async function syncBench({ db }) {
  const dir = mkdtempSync(join(tmpdir(), 'wt-bench-sync-'));
  const proxy = await startDelayProxy({ targetHost: '127.0.0.1', targetPort: db.port, delayMs: ONE_WAY_DELAY_MS });
  const client = { ...db.client, label: `embedded database behind a ${ONE_WAY_DELAY_MS} ms proxy`, emulator: { host: '127.0.0.1', port: proxy.port } };
  const web = await startStaticServer({ clientConfig: client, port: 0, testBundle: true });
  const cr = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  const fx = await firefox.launch({ channel: 'moz-firefox', executablePath: '/usr/bin/firefox-esr', firefoxUserPrefs: FIREFOX_PREFS });
  try {
    const movie = join(dir, 'counter.webm');
    makeMovie(movie, 'counter', { seconds: PLAY_SECONDS + 60 });
    const alice = await openPage(cr, `${web.url}/standalone/?user=alice-bench`);
    const bob = await openPage(fx, `${web.url}/standalone/?user=bob-bench`);
    await startSameFileSession(alice, bob, 'bob-bench', movie);
    await recordFrames(alice);
    await recordFrames(bob);

    const corrections = () => Promise.all([alice, bob].map((p) => p.evaluate(() => {
      const st = window.wtTestHook.sync.stats();
      return st.rateChanges + st.correctiveSeeks;
    })));
    const started = await actAt(alice, (v) => v.play());
    await alice.waitForTimeout(10_000);  // the start and its landing
    const [ca, cb] = await corrections();
    const steadyFrom = Date.now();
    await alice.waitForTimeout(PLAY_SECONDS * 1000 - 10_000);
    const ended = Date.now();
    const [ca2, cb2] = await corrections();
    const steadyMin = (ended - steadyFrom) / 60_000;
    // Both ways, a frozen player counting (the same measure as the browser tests).
    const { d } = pairDrift(await takeFrames(alice), await takeFrames(bob), started + 3000, ended - 200);

    // Pauses and seeks, alternating sides: from the acting page's call to the other page's event.
    const pauses = [], seeks = [];
    for (let i = 0; i < ACTIONS; ++i) {
      const [actor, other] = i % 2 ? [bob, alice] : [alice, bob];
      await armEvent(other, 'pause');
      let at = await actAt(actor, (v) => v.pause());
      pauses.push(await eventTime(other).catch(async (e) => {
        const st = await actor.evaluate(() => JSON.stringify({ stats: window.wtTestHook.sync.stats(), paused: document.getElementById('player').paused, status: document.getElementById('sync-status').textContent }));
        throw new Error(`round ${i}, ${i % 2 ? 'Firefox' : 'Chromium'} paused: ${e.message}; actor: ${st}`);
      }) - at);
      await actor.waitForTimeout(500);
      const target = 10 + i * 5;
      await armEvent(other, 'seeked');
      at = await actAt(actor, `(v) => { v.currentTime = ${target}; }`);
      seeks.push(await eventTime(other) - at);
      await actor.waitForTimeout(500);
      await actAt(other, (v) => v.play());
      await actor.waitForTimeout(1500);
    }
    return {
      drift_p50_ms: +percentile(d, 0.5).toFixed(1),
      drift_p95_ms: +percentile(d, 0.95).toFixed(1),
      drift_max_ms: +Math.max(...d).toFixed(1),
      drift_frames: d.length,
      pause_propagation_p95_ms: Math.round(percentile(pauses, 0.95)),
      // The physical floor: the acting viewer's write to the database and the database's event to
      // the other, one proxy delay each.
      pause_propagation_ratio_vs_floor: +(percentile(pauses, 0.95) / (2 * ONE_WAY_DELAY_MS)).toFixed(2),
      seek_propagation_ratio_vs_floor: +(percentile(seeks, 0.95) / (2 * ONE_WAY_DELAY_MS)).toFixed(2),
      // Rate changes and corrective seeks per minute of steady playing (after the first 10 s), the
      // more corrected of the two viewers.
      steady_corrections_per_min: +(Math.max(ca2 - ca, cb2 - cb) / steadyMin).toFixed(1),
      seek_propagation_p95_ms: Math.round(percentile(seeks, 0.95)),
      ...simFigures(),
    };
  } finally {
    await cr.close();
    await fx.close();
    await web.close();
    await proxy.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// The core's virtual-clock simulator (tests/sync/sync_sim_main.cpp) prints one JSON line.
function simFigures() {
  const sim = join(ROOT, 'build/native/wt_sync_sim');
  if (!existsSync(sim)) return {};
  const out = JSON.parse(execFileSync(sim, { encoding: 'utf8' }).trim().split('\n').pop());
  return { sim_drift_p95_ms: out.sim_drift_p95_ms };
}
