// The movies people have, watched while they arrive: Matroska (with subtitles, two sound tracks,
// HEVC), a camera's MOV, an MPEG-TS recording, an MP4 with AC-3 sound. Each test sends from this
// project's browser to the other one (so the two projects cover both browsers as receivers). Sound
// is checked by listening to the element (the tone's frequency tells which track plays), frames by
// what the element presents, and the file that lands by sha256sum.
import { expect } from '@playwright/test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from './support/pages.mjs';
import { heardTone, presentedFrames } from './support/media-helpers.mjs';
import { expectInSync } from './support/sync-helpers.mjs';
import { testMovie } from './support/test-movies.mjs';
import { sendFile, session } from './support/transfer-helpers.mjs';
import { HOLD_PLAYING, HOLD_START, capFor, expectUnlock, finishWhole, fraction, holdReads, pair, seekBeyondArrived, watchWhileDownloading } from './support/watch-helpers.mjs';

const ENGLISH_HZ = 440, FRENCH_HZ = 660;  // the test movies' tones (media-helpers.mjs): first track 440 Hz, the AC-3 ones 660 Hz

let dir;  // where Bob's saved files land
const movie = (format, { kbps = 2000, seconds = 60 } = {}) => testMovie(format, { kbps, seconds });

test.beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'wt-formats-')); });
test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

const otherName = (info) => (info.project.name === 'chromium' ? 'firefox' : 'chromium');


// The page plays the tone of `hz` (within 2%), loud enough to be heard: listened to until it does
// (a switch of track takes effect a moment later, and a recording may catch the change).
async function heard(page, hz, label) {
  const tones = [];
  await expect.poll(async () => {
    const tone = await heardTone(page);
    tones.push(tone);
    return tone.rms > 0.005 && Math.abs(tone.hz - hz) < hz * 0.02;
  }, { timeout: 20_000, intervals: [0], message: `${label} should hear ${hz} Hz; heard ${JSON.stringify(tones)}` }).toBe(true);
}

// Alice sends the movie; Bob reads what to expect before he accepts, unlocks before it has arrived,
// both watch (and hear `hz`) while it arrives, in sync; the saved file is the one that was sent.
// Alice's reads are held from 60% of the file (80% once both play), so the rest provably still owes.
async function watchAsItArrives({ browser, other }, info, format, { hz = ENGLISH_HZ, expect: expected = /^Here: Plays while it arrives\. / } = {}) {
  const m = movie(format);
  const p = await pair(browser, other, format, { gated: true });
  try {
    const invite = p.bob.page.locator('li.session[data-status="pending"]');
    const id = await sendFile(p.alice.page, p.bob.page, p.bobId, m.path, {
      beforeAccept: async () => {
        await expect(invite.locator('.expect-line')).toHaveText(expected);
        await holdReads(p.alice.page, m, HOLD_START);
      },
    });
    await expect(session(p.alice.page, id).locator('.expect-line')).toHaveText(new RegExp(`^On ${p.bobId}'s side: Plays while it arrives\\.$`));
    await expectUnlock(p.bob.page, id, m.size, { fast: true });
    await p.bob.page.screenshot({ path: info.outputPath(`${format}-unlocked.png`), fullPage: true });
    await watchWhileDownloading(p.alice.page, p.bob.page, id, { onPlaying: () => holdReads(p.alice.page, m, HOLD_PLAYING) });
    await heard(p.bob.page, hz, 'Bob, while it arrives');
    await heard(p.alice.page, hz, 'Alice, playing her own file');
    expect(await fraction(p.bob.page, id)).toBeLessThan(1);
    await p.bob.page.screenshot({ path: info.outputPath(`${format}-watching.png`), fullPage: true });
    return { p, id, m };
  } catch (e) {
    await p.close();
    throw e;
  }
}

const finish = (run) => finishWhole(run, dir);

test('Matroska (H.264 + AAC, an SRT track, Cues at the end) plays while it arrives in the other browser', async ({ browser, other }, info) => {
  await finish(await watchAsItArrives({ browser, other }, info, 'mkv-h264-aac'));
});

test('a camera MOV (H.264 + PCM sound, moov at the end) plays while it arrives, its sound converted', async ({ browser, other }, info) => {
  await finish(await watchAsItArrives({ browser, other }, info, 'mov-camera'));
});

test('an MPEG-TS recording (H.264 + AAC) plays while it arrives', async ({ browser, other }, info) => {
  await finish(await watchAsItArrives({ browser, other }, info, 'ts-h264-aac'));
});

test('an MP4 with AC-3 5.1 sound plays while it arrives, the sound converted and heard', async ({ browser, other }, info) => {
  await finish(await watchAsItArrives({ browser, other }, info, 'mp4-ac3', { hz: FRENCH_HZ }));
});

// A seek far beyond what has arrived: the remuxer reads there, the core fetches those bytes first,
// and both play on from there while the pieces before it are still missing (a hole in the middle
// of what Bob holds: the data there came first, not with the rest).
async function seekAhead({ browser, other }, info, format, { kbps, movieSeconds, seconds = 40 } = {}) {
  const m = movie(format, { kbps, seconds: movieSeconds });
  const p = await pair(browser, other, `seek-${format}`);
  let id;
  try {
    // The file takes `seconds` to arrive at this limit: more than the seek needs.
    id = await sendFile(p.alice.page, p.bob.page, p.bobId, m.path, { uploadMBps: capFor(m, seconds) });
    await expectUnlock(p.bob.page, id, m.size);
    expect(await fraction(p.bob.page, id)).toBeLessThan(0.6);
    await seekBeyondArrived(p.alice.page, p.bob.page, 48);  // 80% of a 60 s movie; past half of the TS test's 90 s one
    await p.bob.page.screenshot({ path: info.outputPath(`seek-${format}.png`), fullPage: true });
  } catch (e) {
    await p.close();
    throw e;
  }
  return { p, id, m };
}

test('a seek into a part of a Matroska file not downloaded yet fetches it first and plays there, its subtitles too', async ({ browser, other }, info) => {
  const run = await seekAhead({ browser, other }, info, 'mkv-h264-aac');
  try {
    // Its SRT track ("Line k" from 4(k-1) s for 3 s, 21 ms later in the file: media-helpers.mjs)
    // shows the cue of that moment while pieces before it are still missing: the core reads the
    // part being watched first and comes back for what it skipped.
    const bob = run.p.bob.page;
    await bob.locator('#subtitle-track').selectOption({ label: 'English (in the movie)' });
    let last;
    await expect.poll(async () => {
      last = await bob.evaluate(() => {
        const v = document.getElementById('player');
        const { policy, pieceSize } = window.wtTestHook.player;
        const piece = Math.floor(policy.offsetFor(v.currentTime) / pieceSize);
        const active = [...v.textTracks].filter((t) => t.mode === 'showing').flatMap((t) => [...(t.activeCues ?? [])].map((c) => c.text));
        return { t: v.currentTime, active, missingBefore: Array.from({ length: piece }, (_, i) => policy.pieceHeld(i)).some((h) => !h) };
      });
      const into = (last.t - 0.021) % 4;
      return last.active.length === 1 && into > 0.1 && into < 2.9 && last.active[0] === `Line ${Math.floor((last.t - 0.021) / 4) + 1}`;
    }, { timeout: 20_000, message: () => `the cue at the playhead: ${JSON.stringify(last)}` }).toBe(true);
    expect(last.missingBefore, 'a piece before the playhead is still missing').toBe(true);
    await bob.screenshot({ path: info.outputPath('seek-subtitles.png'), fullPage: true });
  } catch (e) {
    await run.p.close();
    throw e;
  }
  await finish(run);
});

// An MPEG-TS has no index: the core fetches from the byte its estimate gives, and the demuxer finds
// the moment by a binary search over 5 MiB stretches of the file, then reads on to it; each of its
// reads of bytes not yet here is fetched first, one after the other. A longer, larger file at a
// higher rate than the Matroska test's: each of those reads waits behind what the sender has queued
// (at most 4 MiB: about 3 s at this rate), and the file must still be far from whole when it plays
// there, well before its end.
test('a seek into a part of an MPEG-TS not downloaded yet (no index: by its byte estimate, refined) plays there', async ({ browser, other }, info) => {
  await finish(await seekAhead({ browser, other }, info, 'ts-h264-aac', { kbps: 5000, movieSeconds: 90, seconds: 30 }));
});

test('two sound tracks: each viewer picks their own (AAC, or AC-3 converted), and the players stay in sync', async ({ browser, other }, info) => {
  const run = await watchAsItArrives({ browser, other }, info, 'mkv-two-audio');
  const { p } = run;
  try {
    const menu = p.bob.page.locator('#audio-track');
    await expect(menu.locator('option')).toHaveText(['English — Stereo (AAC, mono)', 'French — Surround 5.1 (AC-3, 5.1)']);
    await expect(menu).toHaveValue('1');
    await menu.selectOption({ label: 'French — Surround 5.1 (AC-3, 5.1)' });
    await expectInSync(p.alice.page, p.bob.page, Date.now() + 1000, 5000, 'after the switch: ');
    await heard(p.bob.page, FRENCH_HZ, 'Bob, after choosing French');
    await heard(p.alice.page, ENGLISH_HZ, 'Alice, who chose nothing');
    await p.bob.page.screenshot({ path: info.outputPath('two-audio-switched.png'), fullPage: true });
  } catch (e) {
    await p.close();
    throw e;
  }
  await finish(run);
});

test('HEVC in Matroska: Firefox watches it while it arrives; Chromium, which cannot decode HEVC, says so before Accept and in its player', async ({ browser, other }, info) => {
  if (otherName(info) === 'firefox') {
    // Bob in Firefox ESR (HEVC through the system's decoder) watches while it arrives and hears it;
    // Alice, in Chromium, cannot show her own file's picture: her player says so, and Bob reads it.
    const m = movie('mkv-hevc');
    const p = await pair(browser, other, 'mkv-hevc', { gated: true });
    try {
      const id = await sendFile(p.alice.page, p.bob.page, p.bobId, m.path, { beforeAccept: () => holdReads(p.alice.page, m, HOLD_START) });
      await expectUnlock(p.bob.page, id, m.size, { fast: true });
      await p.bob.page.evaluate(() => { document.getElementById('player').play().catch(() => {}); });
      await expect.poll(() => presentedFrames(p.bob.page), { timeout: 20_000 }).toBeGreaterThan(30);
      expect(await fraction(p.bob.page, id)).toBeLessThan(1);
      await heard(p.bob.page, ENGLISH_HZ, 'Bob, while it arrives');
      await expect(p.alice.page.locator('#playback-status')).toHaveText('This browser cannot play its video (HEVC).');
      await expect(session(p.bob.page, id).locator('.peer-error')).toHaveText(`${p.aliceId}'s player: This browser cannot play its video (HEVC).`);
      await p.bob.page.screenshot({ path: info.outputPath('hevc-watching-firefox.png'), fullPage: true });
      await finish({ p, id, m });
    } catch (e) {
      await p.close();
      throw e;
    }
    return;
  }
  // Bob in Chromium: the invitation says what to expect, Alice sees his answer, Accept asks first.
  const m = movie('mkv-hevc');
  const p = await pair(browser, other, 'mkv-hevc');
  try {
    await p.alice.page.locator(`#partner option[value="${p.bobId}"]`).waitFor({ state: 'attached' });
    await p.alice.page.locator('#partner').selectOption(p.bobId);
    await p.alice.page.locator('#movie-input').setInputFiles(m.path);
    await p.alice.page.locator('#invite').click();
    const invite = p.bob.page.locator('li.session[data-status="pending"]');
    // Chromium's element takes a Matroska file whole (canPlayType), so its sound would play.
    const expected = 'This browser cannot play its video (HEVC); its sound plays once it has fully arrived';
    await expect(invite.locator('.expect-line')).toHaveText(`Here: ${expected}. HEVC video, 1 audio track: English (AAC, mono).`);
    const id = await invite.getAttribute('data-session');
    await expect(session(p.alice.page, id).locator('.expect-line')).toHaveText(`On ${p.bobId}'s side: ${expected}.`);
    await invite.locator('.accept').click();
    await expect(invite.locator('.check-box')).toContainText(`${expected}.`);
    await expect(invite.locator('.go-anyway')).toHaveText('Accept anyway');
    await p.bob.page.screenshot({ path: info.outputPath('hevc-expect.png'), fullPage: true });
    await invite.locator('.stop').click();
    await invite.locator('.decline').click();
    await expect(session(p.alice.page, id)).toHaveAttribute('data-status', 'declined');
    expect(p.bob.errors).toEqual([]);
  } finally {
    await p.close();
  }
});

test('a file that is not a movie is caught before it travels: "Send anyway?", and the recipient is told too', async ({ browser }, info) => {
  const fake = join(dir, 'holiday.mp4');
  writeFileSync(fake, randomBytes(300_000));
  const p = await pair(browser, browser, 'not-a-movie');
  try {
    const alice = p.alice.page;
    await alice.locator(`#partner option[value="${p.bobId}"]`).waitFor({ state: 'attached' });
    await alice.locator('#partner').selectOption(p.bobId);
    await alice.locator('#movie-input').setInputFiles(fake);
    await alice.locator('#invite').click();
    const question = alice.locator('#invite-question .check-box');
    await expect(question).toContainText(/^"holiday\.mp4" does not look like a movie: it could not be read as one \(.+\)\./);
    await alice.screenshot({ path: info.outputPath('not-a-movie-question.png'), fullPage: true });
    await question.locator('.stop').click();  // "Don't send": nothing is created
    await expect(question).toHaveCount(0);
    await expect(p.bob.page.locator('li.session')).toHaveCount(0);
    await alice.locator('#movie-input').setInputFiles(fake);
    await alice.locator('#invite').click();
    await question.locator('.go-anyway').click();  // "Send anyway": Bob is told before he accepts
    const invite = p.bob.page.locator('li.session[data-status="pending"]');
    await expect(invite.locator('.expect-line')).toHaveText(/^Here: This does not look like a movie this app can play\. /);
    await invite.locator('.accept').click();
    await expect(invite.locator('.check-box')).toContainText('This does not look like a movie this app can play.');
    await invite.locator('.stop').click();
    await invite.locator('.decline').click();
    expect(p.alice.errors).toEqual([]);
    expect(p.bob.errors).toEqual([]);
  } finally {
    await p.close();
  }
});
