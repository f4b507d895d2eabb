// Sync figures in two real browsers (Chromium and Firefox) whose database links are delayed (a
// delaying proxy per page in front of the embedded database): drift by presented frames over 70 s
// of playing, the corrections of its steady minute, and how long a pause or a seek by one viewer
// takes to reach the other, against the floor of the two delays. Plus the core simulator's figure.
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
// Each page reaches the database through its own delaying proxy: both 50 ms away (the main
// figures), then one 150 ms and the other 15 ms away (the same figures with an `asym_` prefix).
const PATHS = [{ prefix: '', aliceMs: 50, bobMs: 50 }, { prefix: 'asym_', aliceMs: 150, bobMs: 15 }];
const LANDING_S = 10;  // the start and its landing, before the steady minute
const PLAY_SECONDS = Number(process.env.WT_BENCH_PLAY_SECONDS || LANDING_S + 60);
const ACTIONS = 8;

async function openPage(browser, url) {
  const page = await (await browser.newContext()).newPage();
  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 30_000 });
  return page;
}

// A page server whose pages reach the database through a proxy `delayMs` away.
async function delayedServer(db, delayMs) {
  const proxy = await startDelayProxy({ targetHost: '127.0.0.1', targetPort: db.port, delayMs });
  const client = { ...db.client, label: `embedded database behind a ${delayMs} ms proxy`, emulator: { host: '127.0.0.1', port: proxy.port } };
  const web = await startStaticServer({ clientConfig: client, port: 0, testBundle: true });
  return { url: web.url, close: async () => { await web.close(); await proxy.close(); } };
}

export async function syncBench({ db }) {
  const dir = mkdtempSync(join(tmpdir(), 'wt-bench-sync-'));
  const cr = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  const fx = await firefox.launch({ channel: 'moz-firefox', executablePath: '/usr/bin/firefox-esr', firefoxUserPrefs: FIREFOX_PREFS });
  try {
    const movie = join(dir, 'counter.webm');
    makeMovie(movie, 'counter', { seconds: PLAY_SECONDS + 60 });
    let figures = {};
    for (const [i, path] of PATHS.entries()) {
      figures = { ...figures, ...await onePath(db, cr, fx, movie, path, i) };
    }
    return { ...figures, ...simFigures() };
  } finally {
    await cr.close();
    await fx.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function onePath(db, cr, fx, movie, { prefix, aliceMs, bobMs }, run) {
  const servers = [await delayedServer(db, aliceMs), await delayedServer(db, bobMs)];
  try {
    const [aliceId, bobId] = [`alice-bench${run}`, `bob-bench${run}`];
    const alice = await openPage(cr, `${servers[0].url}/standalone/?user=${aliceId}`);
    const bob = await openPage(fx, `${servers[1].url}/standalone/?user=${bobId}`);
    await startSameFileSession(alice, bob, bobId, movie);
    await recordFrames(alice);
    await recordFrames(bob);

    const corrections = () => Promise.all([alice, bob].map((p) => p.evaluate(() => {
      const st = window.wtTestHook.sync.stats();
      return { rate: st.rateChanges, seeks: st.correctiveSeeks };
    })));
    const started = await actAt(alice, (v) => v.play());
    await alice.waitForTimeout(LANDING_S * 1000);
    const before = await corrections();
    await alice.waitForTimeout((PLAY_SECONDS - LANDING_S) * 1000);
    const ended = Date.now();
    const after = await corrections();
    const steadyMin = (PLAY_SECONDS - LANDING_S) / 60;
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
    await alice.context().close();
    await bob.context().close();
    // The physical floor: the acting viewer's write to the database and the database's event to
    // the other, one proxy delay each (the same both ways).
    const floor = aliceMs + bobMs;
    return {
      [`${prefix}drift_p50_ms`]: +percentile(d, 0.5).toFixed(1),
      [`${prefix}drift_p95_ms`]: +percentile(d, 0.95).toFixed(1),
      [`${prefix}drift_max_ms`]: +Math.max(...d).toFixed(1),
      [`${prefix}drift_frames`]: d.length,
      [`${prefix}pause_propagation_p95_ms`]: Math.round(percentile(pauses, 0.95)),
      [`${prefix}seek_propagation_p95_ms`]: Math.round(percentile(seeks, 0.95)),
      [`${prefix}pause_propagation_ratio_vs_floor`]: +(percentile(pauses, 0.95) / floor).toFixed(2),
      [`${prefix}seek_propagation_ratio_vs_floor`]: +(percentile(seeks, 0.95) / floor).toFixed(2),
      // Rate changes (drift nudges and the clock-rate trim) and corrective seeks per minute of
      // steady playing, after the start's landing: the busier of the two viewers.
      [`${prefix}steady_rate_changes_per_min`]: +(Math.max(...after.map((a, k) => a.rate - before[k].rate)) / steadyMin).toFixed(1),
      [`${prefix}steady_seeks_per_min`]: +(Math.max(...after.map((a, k) => a.seeks - before[k].seeks)) / steadyMin).toFixed(1),
    };
  } finally {
    for (const s of servers) await s.close();
  }
}

// The core's virtual-clock simulator (tests/sync/sync_sim_main.cpp) prints one JSON line.
function simFigures() {
  const sim = join(ROOT, 'build/native/wt_sync_sim');
  if (!existsSync(sim)) return {};
  const out = JSON.parse(execFileSync(sim, { encoding: 'utf8' }).trim().split('\n').pop());
  return { sim_drift_p95_ms: out.sim_drift_p95_ms };
}
