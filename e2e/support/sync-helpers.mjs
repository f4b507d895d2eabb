// Shared by the sync browser tests and the sync benchmark: a generated test video, a same-file
// session set up through the page's own UI, and drift measured from presented frames.
import { expect } from '@playwright/test';
import { browserName } from './pages.mjs';


// Alice invites Bob with `movie`, Bob joins with his copy (`bobMovie`, the same file by default);
// resolves when both players have the video loaded.
export async function startSameFileSession(alice, bob, bobId, movie, bobMovie = movie, timeout = 30_000) {
  await alice.locator(`#partner option[value="${bobId}"]`).waitFor({ state: 'attached', timeout });
  await alice.locator('#partner').selectOption(bobId);
  await alice.locator('#movie-input').setInputFiles(movie);
  await alice.locator('#mode').selectOption('same-file');
  await alice.locator('#invite').click();
  const invite = bob.locator('li.session[data-status="pending"]');
  await invite.waitFor({ timeout });
  await invite.locator('.join-input').setInputFiles(bobMovie);
  for (const page of [alice, bob]) {
    await page.waitForFunction(() => document.getElementById('player')?.readyState >= 1, null, { timeout });
  }
}

// Starts recording [epochMs, mediaTime] of every frame the element presents, and every 200 ms what
// the page's sync core reports ([epochMs, driftMs, clock error, clockRttMs, frameMeasured, pictureStepMs,
// targetMs], the clock error being
// how far its shared clock (performance.now() + clockOffsetMs) is from this machine's wall clock,
// which both pages share), to log beside them.
export function recordFrames(page) {
  return page.evaluate(() => {
    const video = document.getElementById('player');
    window.__frames = [];
    window.__coreSync = [];
    clearInterval(window.__coreSyncTimer);
    window.__coreSyncTimer = setInterval(() => {
      const s = window.wtTestHook?.sync?.status();
      if (s) window.__coreSync.push([Date.now(), s.driftMs, performance.now() + s.clockOffsetMs - Date.now(), s.clockRttMs, s.frameMeasured, s.pictureStepMs, s.targetMs]);
    }, 200);
    const onFrame = (_, meta) => {
      window.__frames.push([performance.timeOrigin + meta.expectedDisplayTime, meta.mediaTime]);
      video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
  });
}

export const takeFrames = (page) => page.evaluate(() => window.__frames.splice(0));

// Waits (on the pages' own frames, not a timer) until both recorded `ms` of playing after `from`,
// then checks, in this order, that both players played (frames presented, media time advanced with
// the wall clock) and that they played together: drift p95 within what the sync core promises
// (SYNC_P95_MS), max < 500 ms (the spec's bar), a frozen player counting as drift. Both pages must
// be recording (recordFrames).
//
// SYNC_P95_MS, from the core's design: it measures each viewer by the frames it presents and
// leaves a picture alone within its dead band of the group (deadband_ms 20, or 0.55 frame
// intervals when more: 18.3 ms at the test movies' 30 fps), so two pictures the core calls in sync
// are at most 2 x 20 ms apart, and this measure adds up to one 60 Hz refresh (each page presents on
// its own vsync): 56.7 ms in steady playing, for any two browsers. Most checks start 2-3 s after a
// start or a seek, when the landing (a start's error of tens of ms, nudged away at 1-5 % of speed)
// can still be ending: it adds about 10 ms on one side at that point (a same-browser check in a
// clean-clone run held p95 50.0 ms while its cores still corrected 30-47 ms): 66.7 ms. (It was
// 65 ms too, plus 35 between Chromium and Firefox while the core let their presentation offsets
// sit inside its 30 ms band: 100 ms there.) Issue 28 aims at a p95 of 16.7 ms in the benchmark;
// these checks hold the design's bound, not a run's figure.
export const SYNC_P95_MS = 2 * 20 + 16.7 + 10;

const browserOf = (page) => browserName(page.context().browser());

export async function expectInSync(a, b, from, ms, label = '') {
  const to = from + ms;
  for (const page of [a, b]) {
    await expect.poll(() => page.evaluate(() => window.__frames.at(-1)?.[0] ?? 0), { timeout: ms + 20_000 }).toBeGreaterThan(to);
  }
  const [fa, fb] = [await a.evaluate(() => window.__frames), await b.evaluate(() => window.__frames)];
  const { d, a: pa, b: pb } = pairDrift(fa, fb, from, to);
  const p50 = percentile(d, 0.5), p95 = percentile(d, 0.95), max = Math.max(...d);
  console.log(`${label}drift over ${d.length} frames: p50 ${p50?.toFixed(1)} ms, p95 ${p95?.toFixed(1)} ms, max ${max.toFixed(1)} ms; `
    + `frames presented ${pa.frames} and ${pb.frames}, media advanced ${pa.advancedS.toFixed(2)} s and ${pb.advancedS.toFixed(2)} s in ${ms / 1000} s`);
  console.log(`${label}the cores' own view over the same time: ${(await Promise.all([a, b].map((page) => coreView(page, from, to)))).join('; ')}`);
  for (const side of [pa, pb]) {
    expect(side.frames).toBeGreaterThan(ms / 1000 * 30 * 0.25);  // a 30 fps movie: enough frames to measure
    expect(side.advancedS).toBeGreaterThan(ms / 1000 * 0.9);
    expect(side.advancedS).toBeLessThan(ms / 1000 * 1.05);
  }
  expect(p95).toBeLessThanOrEqual(SYNC_P95_MS);
  expect(max).toBeLessThan(500);
}

// What a page's sync core reported between `from` and `to` (recordFrames' samples): its drift from
// the group position (|drift| p50 and p95, in ms), the step its picture moves by and where it aims
// (another viewer's settled picture, or the group's timeline), its shared clock's error against the
// wall clock and its round trip to the server.
async function coreView(page, from, to) {
  const samples = (await page.evaluate(() => window.__coreSync)).filter(([t]) => t >= from && t <= to);
  if (!samples.length) return `${browserOf(page)}: no core samples`;
  const drift = samples.map(([, dr]) => Math.abs(dr));
  const [, , clockError, rtt, byFrames, step, target] = samples.at(-1);
  return `${browserOf(page)} (by ${byFrames ? 'presented frames' : 'currentTime'}) |drift| p50 ${percentile(drift, 0.5).toFixed(1)} ms, p95 ${percentile(drift, 0.95).toFixed(1)} ms `
    + `(${samples.length} samples), picture step ${step ? `${step.toFixed(1)} ms` : 'not seen yet'}, aiming at ${target ? `the other's picture, ${target.toFixed(1)} ms` : 'the group'}, shared clock ${clockError >= 0 ? '+' : ''}${clockError.toFixed(1)} ms from the wall clock, round trip ${rtt.toFixed(1)} ms`;
}

// Drift (ms) of A against B at each of A's frames between `from` and `to` (epoch ms), from the
// frames B presented: interpolated between B's two frames around that instant while B presents
// steadily, and the frame B still shows when it presented none for longer than 100 ms, so that a
// frozen or stalled player counts as drift. Instants before B's first frame are not counted (the
// caller checks that both presented enough frames).
export function drifts(a, b, from, to = Infinity) {
  const out = [];
  let j = 0;
  for (const [t, m] of a) {
    if (t < from || t > to) continue;
    while (j + 1 < b.length && b[j + 1][0] <= t) ++j;
    if (b.length === 0 || b[j][0] > t) continue;
    const [t0, m0] = b[j];
    const next = b[j + 1];
    const shown = next && next[0] - t0 <= 100 ? m0 + (next[1] - m0) * (t - t0) / (next[0] - t0) : m0;
    out.push((m - shown) * 1000);
  }
  return out;
}

// Drift both ways (A against B and B against A, so that either one freezing counts), with what
// each player did in the window: frames presented and media time advanced.
export function pairDrift(a, b, from, to) {
  const inWindow = (f) => f.filter(([t]) => t >= from && t <= to);
  const played = (f) => {
    const w = inWindow(f);
    return { frames: w.length, advancedS: w.length ? w.at(-1)[1] - w[0][1] : 0 };
  };
  const d = [...drifts(a, b, from, to), ...drifts(b, a, from, to)].map(Math.abs);
  return { d, a: played(a), b: played(b) };
}

// Nearest rank; undefined when nothing was measured (every bound checked on it then fails).
export const percentile = (xs, p) => xs.length ? [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.ceil(p * xs.length) - 1)] : undefined;

// Arms a one-shot listener for the element's next `type` event (resolves once it is attached);
// eventTime(page) then waits for that event and returns its wall-clock instant (epoch ms).
export function armEvent(page, type) {
  return page.evaluate((t) => {
    window.__event = null;
    document.getElementById('player').addEventListener(t, () => { window.__event = performance.timeOrigin + performance.now(); }, { once: true });
  }, type);
}

export async function eventTime(page, timeoutMs = 10_000) {
  try {
    await page.waitForFunction(() => window.__event !== null, null, { timeout: timeoutMs, polling: 20 });
  } catch {
    const state = await page.evaluate(() => {
      const v = document.getElementById('player');
      return `paused=${v.paused} t=${v.currentTime.toFixed(2)} status="${document.getElementById('sync-status').textContent}"`;
    });
    throw new Error(`the expected event did not come within ${timeoutMs} ms (${state})`);
  }
  return page.evaluate(() => window.__event);
}

// Runs fn in the page and returns the epoch ms just before it ran.
export function actAt(page, fn) {
  return page.evaluate(`(() => { const t = performance.timeOrigin + performance.now(); (${fn})(document.getElementById('player')); return t; })()`);
}
