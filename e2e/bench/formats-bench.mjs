// The movies people have (README's format table), in real browsers: two contexts of one Debian
// Chromium, Alice → Bob, Alice's upload capped at 2 MB/s, Bob pressing play the moment the core
// unlocks it (the playback bench's Bob).
//  - <movie>_first_frame_s: from Bob's Accept to the first frame his player presents (-1: none
//    while it arrives, e.g. HEVC here); <movie>_progressive: 1 when Play unlocked before the whole
//    file had arrived, else 0. One run each.
//  - first_frame_ratio_mkv_vs_mp4: the same H.264/AAC streams in Matroska (ffmpeg -c copy of the
//    MP4: the remux worker's path) over the MP4 (mp4box.js's path), better of 2 each, alternating.
//    Target <= 1.2.
//  - ac3_transcode_cpu_s_per_movie_min: the CPU (every Chromium process) a page spends turning 5.1
//    AC-3 sound into Opus as the player does (the remux worker, the sound alone, unpaced, appended
//    to a SourceBuffer), per minute of sound. Target <= 3 (5% of one core).
//    aac_copy_cpu_s_per_movie_min: the same page copying an AAC track of the same length, for scale.
import { chromium } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM_ARGS } from '../playwright.config.mjs';
import { makeMovie, movieExtension } from '../support/media-helpers.mjs';
import { sendFile } from '../support/transfer-helpers.mjs';
import { armBob, pair } from './playback-bench.mjs';
import { startCpu } from './transfer-bench.mjs';

const CAP_MBPS = 2;
const SECONDS = 90;      // at ~3.6 Mbit/s: ~40 MB a movie
const KBPS = 3500;
const SOUND_MINUTES = 3;  // the CPU runs' length of sound
const MOVIES = ['h264-faststart', 'mkv-h264-aac', 'mkv-two-audio', 'mkv-hevc', 'mov-camera', 'ts-h264-aac', 'mp4-ac3', 'vp9-opus'];
const round = (x, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;
const start = Date.now();
const log = (text) => process.stderr.write(`  [${((Date.now() - start) / 1000).toFixed(0).padStart(3)} s] ${text}\n`);
const key = (movie) => movie.replace(/-/g, '_');

// One transfer: seconds from Accept to the first presented frame (null: none before the end),
// and whether Play unlocked before the file had fully arrived.
// anyway: Accept asks first (a picture this browser cannot show), and Bob answers "Accept anyway".
async function firstFrame(browser, baseUrl, path, anyway) {
  const p = await pair(browser, baseUrl, `fmt${Date.now().toString(36)}`);
  try {
    await armBob(p.bob.page);
    const accepted = Date.now();
    const id = await sendFile(p.alice.page, p.bob.page, p.bobId, path, { uploadMBps: CAP_MBPS, anyway });
    const row = p.bob.page.locator(`li.session[data-session="${id}"]`);
    await p.bob.page.waitForFunction((sid) => {
      const b = window.__bench;
      const status = document.querySelector(`li.session[data-session="${sid}"]`)?.dataset.status;
      return b.firstFrameAt !== null || status === 'ready' || status === 'playing';
    }, id, { timeout: 180_000, polling: 100 });
    const b = await p.bob.page.evaluate(() => window.__bench);
    const progressive = b.unlockedAt !== null && await p.bob.page.evaluate(() => document.getElementById('playback-status').dataset.rule !== 'complete');
    const s = b.firstFrameAt === null ? null : (b.firstFrameAt - accepted) / 1000;
    log(`${path.split('/').pop()}: ${s === null ? 'no frame while it arrived' : `first frame ${s.toFixed(2)} s after Accept`}, ${progressive ? 'progressive' : 'not progressive'}`
      + ` (${await row.locator('.expect-line').textContent().catch(() => '')})`);
    return { s, progressive };
  } finally {
    await p.close();
  }
}

// CPU seconds per minute of sound for the remux worker's audio path on `path`'s track 1.
async function soundCpu(browser, baseUrl, path, convert) {
  const page = await browser.newPage();
  try {
    await page.goto(`${baseUrl}/bench.html`);
    await page.waitForFunction(() => document.body.dataset.ready === 'true');
    await page.locator('#bench-file').setInputFiles(path);
    const stop = await startCpu([browser], { page });
    const r = await page.evaluate((c) => window.wtBench.remuxAudio({ number: 1, convert: c }), convert);
    const cpu = await stop();
    const perMinute = cpu.total / (r.seconds / 60);
    log(`${convert ? 'AC-3 5.1 → Opus' : 'AAC copied'}: ${r.seconds.toFixed(0)} s of sound in ${(r.ms / 1000).toFixed(1)} s, CPU ${cpu.total.toFixed(2)} s`
      + ` (${Object.entries(cpu).filter(([k]) => k !== 'total').map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}) = ${perMinute.toFixed(2)} s a minute`);
    return perMinute;
  } finally {
    await page.close();
  }
}

// Sound only, SOUND_MINUTES long: pink noise (the hardest case for an encoder), 5.1 AC-3 or stereo AAC.
function makeSound(path, codec) {
  const args = codec === 'ac3' ? ['-c:a', 'ac3', '-b:a', '448k', '-ac', '6'] : ['-c:a', 'aac', '-b:a', '160k', '-ac', '2'];
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `anoisesrc=color=pink:amplitude=0.3:sample_rate=48000:duration=${SOUND_MINUTES * 60}`, ...args, path]);
  return path;
}

export async function formatsBench({ baseUrl }) {
  const dir = mkdtempSync(join(tmpdir(), 'wt-formats-bench-'));
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const figures = {};
    const ac3 = makeSound(join(dir, 'sound-ac3.mka'), 'ac3');
    const aac = makeSound(join(dir, 'sound-aac.mka'), 'aac');
    figures.ac3_transcode_cpu_s_per_movie_min = round(await soundCpu(browser, baseUrl, ac3, true));
    figures.aac_copy_cpu_s_per_movie_min = round(await soundCpu(browser, baseUrl, aac, false));
    const paths = Object.fromEntries(MOVIES.map((m) => [m, makeMovie(join(dir, `${m}.${movieExtension(m)}`), m, { seconds: SECONDS, kbps: KBPS })]));
    // The MP4's very streams in Matroska: what differs is the container and its path.
    paths['mkv-same-streams'] = join(dir, 'same-streams.mkv');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', paths['h264-faststart'], '-c', 'copy', paths['mkv-same-streams']]);
    for (const m of MOVIES) {
      const r = await firstFrame(browser, baseUrl, paths[m], m === 'mkv-hevc' ? 'This browser cannot play its video (HEVC)' : undefined);
      figures[`${key(m)}_first_frame_s`] = r.s === null ? -1 : round(r.s);
      figures[`${key(m)}_progressive`] = r.progressive ? 1 : 0;
    }
    const best = { mp4: Infinity, mkv: Infinity };
    for (let i = 0; i < 2; i++) {
      best.mp4 = Math.min(best.mp4, (await firstFrame(browser, baseUrl, paths['h264-faststart'])).s ?? Infinity);
      best.mkv = Math.min(best.mkv, (await firstFrame(browser, baseUrl, paths['mkv-same-streams'])).s ?? Infinity);
    }
    figures.first_frame_mp4_s = round(best.mp4);
    figures.first_frame_mkv_s = round(best.mkv);
    figures.first_frame_ratio_mkv_vs_mp4 = round(best.mkv / best.mp4, 3);
    return figures;
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
