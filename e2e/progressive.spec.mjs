// Watching while the file arrives: Alice sends a real movie, held partway, Bob's Play
// unlocks long before 100% (by the core's rule, checked against the percentage at unlock), both
// watch while it arrives (frames counted by the browser while bytes are still missing), and the file
// that finally lands is byte-identical to the source (sha256sum).
import { expect } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { browserName, test } from './support/pages.mjs';
import { currentTime, playbackStatus, playerState, presentedFrames } from './support/media-helpers.mjs';
import { testMovie } from './support/test-movies.mjs';
import { savedSha256, sendFile, setReadLimit, setUploadLimit, waitReady } from './support/transfer-helpers.mjs';
import { HOLD_PLAYING, HOLD_START, expectUnlock, finishWhole, fraction, holdReads, pair, seekBeyondArrived, watchWhileDownloading } from './support/watch-helpers.mjs';

let dir;  // where Bob's saved files land
const movie = testMovie;

test.beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'wt-progressive-')); });
test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Alice's reads are held from 60% of the file (80% once both play): the rest provably still owes.
async function progressive(aliceBrowser, bobBrowser, tag, m, testInfo, { unlockBefore } = {}) {
  const p = await pair(aliceBrowser, bobBrowser, tag, { gated: true });
  let id;
  try {
    // Held after her fingerprint, which reads the file whole before the invitation.
    id = await sendFile(p.alice.page, p.bob.page, p.bobId, m.path, { beforeAccept: () => holdReads(p.alice.page, m, HOLD_START) });
    const st = await expectUnlock(p.bob.page, id, m.size, { unlockBefore, fast: true });
    console.log(`${tag}: unlocked by the ${st.rule} rule at ${(st.unlockedAt * 100).toFixed(1)}%`);
    await p.bob.page.screenshot({ path: testInfo.outputPath(`${tag}-unlocked.png`), fullPage: true });
    await watchWhileDownloading(p.alice.page, p.bob.page, id, { onPlaying: () => holdReads(p.alice.page, m, HOLD_PLAYING) });
    await p.bob.page.screenshot({ path: testInfo.outputPath(`${tag}-watching.png`), fullPage: true });
  } catch (e) {
    await p.close();
    throw e;
  }
  await finishWhole({ p, id, m }, dir);
}

// Same-browser tests run in each project (Chromium↔Chromium, Firefox↔Firefox); the cross-browser
// ones send from this project's browser to the other one, so the two projects cover both ways.

// Once what is checked while the file arrives has been checked, Alice's upload limit is lifted
// (setUploadLimit(…, 0)) so that the rest arrives at full speed: what follows (the byte-identical
// end) does not depend on how fast.

test('H.264/AAC MP4: Bob watches while it arrives, same browser', async ({ browser }, info) => {
  await progressive(browser, browser, 'mp4', movie('h264-faststart'), info);
});

test('moov-at-end H.264 High (B-frames) MP4 to the other browser: the index comes first, Bob watches before half has arrived', async ({ browser, other }, info) => {
  // The moov sits in the file's last piece: nothing could play before it arrived, so an unlock
  // before half the file is the index fetched first.
  await progressive(browser, other, 'moov-end-x', movie('h264-moov-end'), info, { unlockBefore: 0.5 });
});

test('VP9/Opus WebM: Bob watches while it arrives, same browser', async ({ browser }, info) => {
  await progressive(browser, browser, 'webm', movie('vp9-opus'), info);
});

test('already-fragmented MP4: Bob watches while it arrives, same browser', async ({ browser }, info) => {
  await progressive(browser, browser, 'fmp4', movie('h264-fragmented'), info);
});

test('an audio-only file (AAC in MP4) plays while it arrives, to the other browser', async ({ browser, other }) => {
  const m = movie('aac-audio', { seconds: 240, kbps: 256 });
  const p = await pair(browser, other, 'audio-x', { gated: true });
  let id;
  try {
    // A small file (about 4.6 MB): held from 30%, the piece before its last two.
    id = await sendFile(p.alice.page, p.bob.page, p.bobId, m.path, { beforeAccept: () => holdReads(p.alice.page, m, 0.3) });
    await expectUnlock(p.bob.page, id, m.size, { fast: true });
    await p.bob.page.evaluate(() => { document.getElementById('player').play().catch(() => {}); });
    // No frames to count: the element's clock runs over what has arrived.
    await expect.poll(() => currentTime(p.bob.page), { timeout: 20_000 }).toBeGreaterThan(3)
      .catch(async (e) => { throw new Error(`${e.message}\nplayer: ${JSON.stringify(await playerState(p.bob.page))}`); });
    expect(await fraction(p.bob.page, id)).toBeLessThan(1);
  } catch (e) {
    await p.close();
    throw e;
  }
  await finishWhole({ p, id, m }, dir);
});

test('a seek into a part not downloaded yet fetches it first and plays there while the rest arrives', async ({ browser }, info) => {
  const m = movie('h264-faststart');
  const p = await pair(browser, browser, 'seek');
  try {
    const id = await sendFile(p.alice.page, p.bob.page, p.bobId, m.path, { uploadMBps: 1 });
    await expectUnlock(p.bob.page, id, m.size);
    expect(await fraction(p.bob.page, id)).toBeLessThan(0.6);
    await seekBeyondArrived(p.alice.page, p.bob.page, 48);  // 80% of the movie, far beyond what has arrived
    expect(await fraction(p.bob.page, id)).toBeLessThan(1);
    await p.bob.page.screenshot({ path: info.outputPath('seek-playing-there.png'), fullPage: true });
    await setUploadLimit(p.alice.page, 0);
    await waitReady(p.bob.page, id, 120_000);
    expect(await savedSha256(p.bob.page, id, dir)).toBe(m.sum);
    expect(p.bob.errors).toEqual([]);
  } finally {
    await p.close();
  }
});

test('a download that falls behind pauses both players with the waiting message, and both resume by themselves', async ({ browser }, info) => {
  const m = movie('h264-faststart', { seconds: 90 });
  const p = await pair(browser, browser, 'throttle', { gated: true });
  let id;
  try {
    // Alice's reads are held at 30% (about 27 s of the 90 s movie): the download stops there for
    // certain, however fast or slow this machine is.
    id = await sendFile(p.alice.page, p.bob.page, p.bobId, m.path, { beforeAccept: () => holdReads(p.alice.page, m, 0.3) });
    await expectUnlock(p.bob.page, id, m.size, { fast: true });
    // Bob plays from 18 s, within what has arrived: playback reaches the held part in seconds.
    await p.bob.page.evaluate(() => {
      const v = document.getElementById('player');
      v.play().catch(() => {});
      v.currentTime = 18;
    });
    await expect.poll(() => currentTime(p.bob.page), { timeout: 20_000 }).toBeGreaterThan(19);
    for (const page of [p.alice.page, p.bob.page]) {
      await expect(page.locator('#sync-status')).toHaveText(new RegExp(`^Waiting for (your|${p.bobId}'s) download… \\d+%`), { timeout: 60_000 });
      await expect.poll(() => page.evaluate(() => document.getElementById('player').paused), { timeout: 10_000 }).toBe(true);
    }
    await p.alice.page.screenshot({ path: info.outputPath('throttle-waiting-alice.png'), fullPage: true });
    const waitedAt = await currentTime(p.bob.page);
    expect(waitedAt, 'the group waited before the held part, not at it').toBeLessThan(27);
    // Her reads go on to 60% (about 54 s): Bob gains far more than the resume margin ahead, and the
    // rest is still held, so both resume by themselves while the download is unfinished (a resume
    // that waited for the whole file fails here).
    await holdReads(p.alice.page, m, HOLD_START);
    for (const page of [p.alice.page, p.bob.page]) {
      await expect.poll(() => currentTime(page), { timeout: 60_000 }).toBeGreaterThan(waitedAt + 2);
      await expect(page.locator('#sync-status')).toHaveText(/^(Playing|Starting…)/);
    }
    expect(await fraction(p.bob.page, id), 'both resumed before the download finished').toBeLessThan(1);
  } catch (e) {
    await p.close();
    throw e;
  }
  await finishWhole({ p, id, m }, dir);
});

test('HEVC: a browser without its decoder says so and plays it once it has arrived; one with it (Firefox ESR, through the system\'s) watches while it arrives', async ({ browser }, info) => {
  const m = movie('hevc', { seconds: 40, kbps: 1500 });
  const p = await pair(browser, browser, 'hevc', { gated: true });
  try {
    // Debian's Firefox ESR decodes HEVC (through the system's libraries), Debian's Chromium does not,
    // and says so before Accept (which then asks).
    const decodes = browserName(browser) === 'Firefox';
    const id = await sendFile(p.alice.page, p.bob.page, p.bobId, m.path, {
      beforeAccept: () => holdReads(p.alice.page, m, HOLD_START),
      anyway: decodes ? undefined : 'This browser cannot play its video (HEVC); its sound plays once it has fully arrived.',
    });
    // Each browser must take its own branch, so a browser that changes its answer fails here.
    expect(await p.bob.page.evaluate(() => MediaSource.isTypeSupported('video/mp4; codecs="hvc1.1.6.L93.B0"'))).toBe(decodes);
    if (decodes) {
      await expect(p.bob.page.locator('#playback-status')).toHaveAttribute('data-unlocked', 'true', { timeout: 60_000 });
      await watchWhileDownloading(p.alice.page, p.bob.page, id);
      await p.bob.page.screenshot({ path: info.outputPath('hevc-watching.png'), fullPage: true });
      await setReadLimit(p.alice.page, null);
      await waitReady(p.bob.page, id, 120_000);
    } else {
      await expect(p.bob.page.locator('#playback-status')).toContainText(
        /^This browser cannot play its video \(HEVC\); its sound plays once it has fully arrived\. This file can be watched only once it has fully arrived — \d+% downloaded$/, { timeout: 60_000 });
      expect((await playbackStatus(p.bob.page)).unlocked).toBe(false);
      await p.bob.page.screenshot({ path: info.outputPath('hevc-warning.png'), fullPage: true });
      await setReadLimit(p.alice.page, null);
      await waitReady(p.bob.page, id, 120_000);
      // Complete: the page plays the whole file as far as the element can. Debian's Chromium has no
      // HEVC decoder at all: it plays the sound alone, and the page says so.
      await expect(p.bob.page.locator('#error')).toHaveText(/^This browser cannot show the picture of ".+" \(HEVC\): only its sound plays\.$/, { timeout: 20_000 });
      await p.bob.page.screenshot({ path: info.outputPath('hevc-complete.png'), fullPage: true });
    }
    expect(await savedSha256(p.bob.page, id, dir)).toBe(m.sum);
  } finally {
    await p.close();
  }
});
