// Watching while it downloads, in real browsers (two contexts of one Debian Chromium, Alice → Bob),
// with a real movie made by ffmpeg: ~100 MB of H.264 High + AAC at a few Mbit/s, moov first.
//  - first_frame_s: from Bob's Accept to the first frame his player presents, Bob pressing play the
//    moment the core unlocks it, Alice's upload capped at CAP_MBPS. first_frame_ratio_vs_25pct:
//    that over the time the same download took to reach 25% (the spec's rule) in the same run.
//    Target <= 0.3.
//  - stalls_to_end: the same run, watched to the end at 1x: how often Bob's element ran dry
//    ('waiting' while the group played) or the group had to wait for his download. Target 0.
//  - seek_unfetched_to_frame_s: a second run: the moment play unlocks, Bob seeks to 80% of the
//    movie; the time until his player presents a frame there. Target <= 3.
//  - playback_peak_memory_MiB / playback_memory_growth_MiB: Bob's JS heap (precise) + the wasm
//    core's memory, sampled every 250 ms while he watches a 1 GB movie as it arrives (no cap);
//    growth is the peak over the last third of the bytes minus the peak over the first third
//    ("flat"). Target peak <= 300.
import { chromium } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM_ARGS } from '../playwright.config.mjs';
import { makeMovie, playerState } from '../support/media-helpers.mjs';
import { sendFile, transferView } from '../support/transfer-helpers.mjs';

// WT_BENCH_PLAYBACK=first,seek,memory picks runs (while tuning one of them).
const RUNS = (process.env.WT_BENCH_PLAYBACK ?? 'first,seek,memory').split(',').map((s) => s.trim());
const CAP_MBPS = 2;
const SECONDS = 210;  // at ~3.8 Mbit/s: ~100 MB
const KBPS = 3500;
const SAMPLE_MS = 250;
const round = (x, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;
const start = Date.now();
const log = (text) => process.stderr.write(`  [${((Date.now() - start) / 1000).toFixed(0).padStart(3)} s] ${text}\n`);

export async function openAs(browser, baseUrl, user) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${baseUrl}/standalone/?user=${user}`);
  await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 30_000 });
  return { context, page };
}

// In Bob's page: press play the moment the core unlocks it (or seek to `seekTo` and play), and
// record the first presented frame (at or after `minMediaTime`) and the element's stalls.
export function armBob(page, { seekTo = null } = {}) {
  return page.evaluate((target) => {
    const status = document.getElementById('playback-status');
    const video = document.getElementById('player');
    window.__bench = { firstFrameAt: null, unlockedAt: null, waiting: 0, frames: 0 };
    // Frames the element presented (its own count), looked at every 20 ms: the first one of
    // playback (a paused element shows a frame too) at or after the target.
    let shown = 0;
    const look = setInterval(() => {
      const b = window.__bench;
      const q = video.getVideoPlaybackQuality();
      const frames = q.totalVideoFrames - q.droppedVideoFrames;
      if (b.firstFrameAt === null && !video.paused && frames > shown && (target === null || video.currentTime >= target - 0.5)) {
        b.firstFrameAt = Date.now();
      }
      shown = frames;
      b.frames = frames;
      if (video.ended) clearInterval(look);
    }, 20);
    video.addEventListener('waiting', () => {
      if (window.__bench.firstFrameAt !== null && !video.seeking) window.__bench.waiting += 1;
    });
    new MutationObserver(() => {
      if (status.dataset.unlocked !== 'true' || window.__bench.unlockedAt !== null) return;
      window.__bench.unlockedAt = Date.now();
      video.play().catch(() => {});
      if (target !== null) video.currentTime = target;
    }).observe(status, { attributes: true });
    // Where a seek's time goes: when the data there became enough, and when the group played again.
    window.__bench.timeline = [];
    const sync = document.getElementById('sync-status');
    let lastState = '';
    new MutationObserver(() => {
      if (sync.dataset.state === lastState) return;
      lastState = sync.dataset.state;
      window.__bench.timeline.push([Date.now(), `group ${lastState}`]);
    }).observe(sync, { attributes: true });
    const timer = setInterval(() => {
      const p = window.wtTestHook.player;
      if (!p || p.closed) return;
      const st = p.policy.status(performance.now());
      const mark = `ahead ${Math.floor(st.ahead)} s`;
      if (window.__bench.timeline.at(-1)?.[1] !== mark) window.__bench.timeline.push([Date.now(), mark]);
      if (st.fraction >= 1) clearInterval(timer);
    }, 50);
  }, seekTo);
}

// Bob's timeline (armBob) from `from` to his first frame, in seconds after `from`: "1.23 ahead 3 s, …".
export const timelineSince = (b, from) => b.timeline.filter(([t]) => t >= from && t <= b.firstFrameAt)
  .map(([t, what]) => `${((t - from) / 1000).toFixed(2)} ${what}`).join(', ');

export async function pair(browser, baseUrl, tag) {
  const alice = await openAs(browser, baseUrl, `alice-${tag}`);
  const bob = await openAs(browser, baseUrl, `bob-${tag}`);
  return { alice, bob, bobId: `bob-${tag}`, close: () => Promise.all([alice.context.close(), bob.context.close()]) };
}

// Polls Bob's download every 100 ms: when it reached 25%, and when it completed.
export async function follow(page, id, until) {
  const marks = { at25: null, done: null };
  let started = false;
  for (;;) {
    const v = await transferView(page, id).catch(() => null);
    started ||= v !== null;
    const fraction = v ? v.fraction : started ? 1 : 0;  // no view: not started yet, or finished and closed
    if (marks.at25 === null && fraction >= 0.25) marks.at25 = Date.now();
    if (marks.done === null && started && (v === null || v.phase === 'complete')) marks.done = Date.now();
    if (await until(marks)) return marks;
    await new Promise((ok) => setTimeout(ok, 100));
  }
}

async function firstFrameRun(browser, baseUrl, movie, seconds) {
  const p = await pair(browser, baseUrl, `ff${Date.now().toString(36)}`);
  try {
    await armBob(p.bob.page);
    const accepted = Date.now();
    const id = await sendFile(p.alice.page, p.bob.page, p.bobId, movie, { uploadMBps: CAP_MBPS });
    const marks = await follow(p.bob.page, id, async (m) => m.at25 !== null && (await p.bob.page.evaluate(() => window.__bench.firstFrameAt)) !== null);
    const b = await p.bob.page.evaluate(() => window.__bench);
    const firstFrame = (b.firstFrameAt - accepted) / 1000;
    const to25 = (marks.at25 - accepted) / 1000;
    log(`first frame ${firstFrame.toFixed(1)} s after Accept (unlocked at ${((b.unlockedAt - accepted) / 1000).toFixed(1)} s; ${timelineSince(b, accepted)}), 25% at ${to25.toFixed(1)} s`);
    // Watch to the end at 1x, counting stalls: the element running dry, or the group waiting.
    let groupWaits = 0, wasWaiting = false;
    for (;;) {
      const s = await p.bob.page.evaluate(() => ({
        ended: document.getElementById('player').ended, t: document.getElementById('player').currentTime,
        state: document.getElementById('sync-status').dataset.state,
      }));
      const waiting = s.state === 'waiting';
      if (waiting && !wasWaiting) groupWaits += 1;
      wasWaiting = waiting;
      if (s.ended || s.t >= seconds - 0.5) break;
      await new Promise((ok) => setTimeout(ok, 250));
    }
    const end = await p.bob.page.evaluate(() => window.__bench);
    log(`watched to the end: ${end.waiting} element stalls, ${groupWaits} group waits, ${end.frames} frames`);
    return { first_frame_s: round(firstFrame), first_frame_ratio_vs_25pct: round(firstFrame / to25, 3), time_to_25pct_s: round(to25), stalls_to_end: end.waiting + groupWaits };
  } finally {
    await p.close();
  }
}

async function seekRun(browser, baseUrl, movie, seconds) {
  const p = await pair(browser, baseUrl, `sk${Date.now().toString(36)}`);
  try {
    const target = Math.round(seconds * 0.8);
    await armBob(p.bob.page, { seekTo: target });
    await sendFile(p.alice.page, p.bob.page, p.bobId, movie, { uploadMBps: CAP_MBPS });
    await p.bob.page.waitForFunction(() => window.__bench.firstFrameAt !== null, null, { timeout: 120_000, polling: 100 })
      .catch(async (e) => {
        const b = await p.bob.page.evaluate(() => window.__bench);
        const state = await playerState(p.bob.page);
        throw new Error(`${e.message}: frames ${b.frames}, unlocked ${b.unlockedAt}: ${JSON.stringify(b.timeline.slice(0, 40))} ${JSON.stringify(state)}`);
      });
    const b = await p.bob.page.evaluate(() => window.__bench);
    const s = (b.firstFrameAt - b.unlockedAt) / 1000;
    log(`seek to ${target} s right after unlock: first frame there after ${s.toFixed(1)} s (${timelineSince(b, b.unlockedAt)})`);
    return { seek_unfetched_to_frame_s: round(s) };
  } finally {
    await p.close();
  }
}

async function memoryRun(baseUrl, bigMovie) {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: [...CHROMIUM_ARGS, '--enable-precise-memory-info'] });
  const p = await pair(browser, baseUrl, `mem${Date.now().toString(36)}`);
  try {
    await armBob(p.bob.page);
    const id = await sendFile(p.alice.page, p.bob.page, p.bobId, bigMovie, { uploadMBps: 0 });
    const samples = [];
    await p.bob.page.waitForFunction((sid) => window.wtTestHook.transfers.view(sid) !== null, id, { timeout: 30_000 });
    for (;;) {
      const s = await p.bob.page.evaluate((sid) => {
        const v = window.wtTestHook.transfers.view(sid);  // null again once it finished and closed
        return { mem: performance.memory.usedJSHeapSize + window.wtTestHook.transfers.core.heapBytes(), fraction: v?.fraction ?? 1, done: !v || v.phase === 'complete' };
      }, id);
      samples.push(s);
      if (s.done) break;
      await new Promise((ok) => setTimeout(ok, SAMPLE_MS));
    }
    const frames = await p.bob.page.evaluate(() => window.__bench.frames);
    const peak = (xs) => Math.max(...xs.map((x) => x.mem)) / 2 ** 20;
    const first = samples.filter((x) => x.fraction <= 1 / 3), last = samples.filter((x) => x.fraction >= 2 / 3);
    log(`1 GB watched while arriving: ${frames} frames presented, peak ${peak(samples).toFixed(1)} MiB`);
    return { playback_peak_memory_MiB: round(peak(samples), 1), playback_memory_growth_MiB: round(peak(last) - peak(first), 1), playback_memory_frames: frames };
  } finally {
    await p.close();
    await browser.close();
  }
}

export async function playbackBench({ baseUrl }) {
  const dir = mkdtempSync(join(tmpdir(), 'wt-playback-bench-'));
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const movie = makeMovie(join(dir, 'movie.mp4'), 'h264-faststart', { seconds: SECONDS, kbps: KBPS });
    log(`movie: ${(statSync(movie).size / 1e6).toFixed(1)} MB, ${SECONDS} s; upload capped at ${CAP_MBPS} MB/s`);
    const figures = {};
    if (RUNS.includes('first')) Object.assign(figures, await firstFrameRun(browser, baseUrl, movie, SECONDS));
    if (RUNS.includes('seek')) Object.assign(figures, await seekRun(browser, baseUrl, movie, SECONDS));
    if (!RUNS.includes('memory')) return figures;
    // 1 GB: the same movie over and over (stream copy: no re-encoding), moov first.
    const loops = Math.ceil(1e9 / statSync(movie).size);
    const big = join(dir, 'big.mp4');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-stream_loop', String(loops - 1), '-i', movie, '-c', 'copy', '-movflags', '+faststart', big]);
    log(`big movie: ${(statSync(big).size / 1e6).toFixed(0)} MB`);
    return { ...figures, ...await memoryRun(baseUrl, big) };
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
