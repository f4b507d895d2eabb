// Watching while a file arrives, shared by the progressive and formats specs: two people, Bob's
// Play unlocking by the core's rule, and both watching (frames presented) while bytes still arrive.
import { expect } from '@playwright/test';
import { openAs, userIds } from './pages.mjs';
import { currentTime, playbackStatus, playerState, presentedFrames } from './media-helpers.mjs';
import { expectInSync, recordFrames } from './sync-helpers.mjs';
import { MiB, gateReads, savedSha256, setReadLimit, setUploadLimit, transferView, waitReady } from './transfer-helpers.mjs';

// `gated`: Alice's reads of the file can be held (holdReads).
export async function pair(aliceBrowser, bobBrowser, tag, { gated = false } = {}) {
  const [aliceId, bobId] = userIds(tag, 'alice', 'bob');
  const alice = await openAs(aliceBrowser, aliceId, gated ? gateReads : undefined);
  const bob = await openAs(bobBrowser, bobId);
  return { alice, bob, aliceId, bobId, gated, close: () => Promise.all([alice.context.close(), bob.context.close()]) };
}

// Alice's reads of movie `m` held from `fraction` of it up to its last two pieces (a gated pair):
// she sends what comes before at full speed and then nothing more of the middle, so the file
// provably stays incomplete while the test watches, however fast or slow this machine is, and no
// test waits out a capped rate. The end stays readable: the index or tail a player fetches first
// (an MP4's moov at the end, Matroska's Cues, an MPEG-TS's duration) lies there. The hold is
// Alice's page's, so her own player reads her file through it too: it feeds 30 s of media ahead
// of her playhead, so the hold starts at HOLD_START (60%: 36 s of a 60 s movie) and moves on to
// HOLD_PLAYING (80%) once both play, so that pieces also arrive while both watch.
export const HOLD_START = 0.6, HOLD_PLAYING = 0.8;
// A hold that would hold no piece (a small file: no piece starts between there and its last two)
// throws rather than let the file arrive whole.
export function holdReads(alice, m, fraction) {
  const limit = Math.floor(m.size * fraction), until = m.size - 2 * MiB;
  if (Math.ceil(limit / MiB) * MiB >= until) throw new Error(`holdReads: no piece of ${m.path} (${m.size} bytes) starts between ${fraction * 100}% and its last two pieces`);
  return setReadLimit(alice, limit, { until });
}

// The upload limit (MB/s; the field steps by 0.1) at which movie `m` takes at least `seconds` to send.
export const capFor = (m, seconds) => Math.max(0.1, Math.floor(m.size / 1e5 / seconds) / 10);

export const fraction = async (page, id) => (await transferView(page, id))?.fraction ?? 1;

// Bob's Play unlocks before the file is complete, by the rule the core reports. By the fraction rule,
// within two pieces of the spec's 25% while the file arrives at a paced rate; by the adaptive rule,
// below 25% at a paced rate. `fast` (every gated pair): it arrives at full speed up to a hold, where
// pieces outrun the page's set-up (the core unlocks only once the player's pipeline is up: the
// container walk, the browser's codec checks, the remux worker), so only the rule's 25% and the
// incomplete file are checked: a download three times as fast as playback unlocks by the adaptive
// rule with 2 s ahead (DownloadMargins), which may be past 25% by then while the fraction rule
// still wants its 12 s.
export async function expectUnlock(bob, id, size, { unlockBefore = 1, fast = false } = {}) {
  await expect(bob.locator('#playback-status')).toHaveAttribute('data-unlocked', 'true', { timeout: 90_000 });
  const st = await playbackStatus(bob);
  expect(st.text).toMatch(/^You can start watching — \d+% downloaded/);
  expect(st.unlockedAt).toBeLessThan(unlockBefore);
  if (st.rule === 'fraction') {
    expect(st.unlockedAt).toBeGreaterThanOrEqual(0.25);
    if (!fast) expect(st.unlockedAt).toBeLessThan(0.25 + 2 * 1048576 / size);  // within two pieces of the spec's 25%
  } else {
    expect(st.rule).toBe('adaptive');
    if (!fast) expect(st.unlockedAt).toBeLessThan(0.25);
  }
  expect(await fraction(bob, id)).toBeLessThan(1);
  return st;
}

// Both press nothing but Bob's Play; frames are presented on both while Bob's bytes still arrive,
// and the two players stay together (drift from presented frames, after 2 s of convergence).
// onPlaying(): once both present frames (a held pair moves its hold on there, so that pieces
// arrive while both play).
export async function watchWhileDownloading(alice, bob, id, { onPlaying } = {}) {
  for (const page of [alice, bob]) await recordFrames(page);
  // A user's play: the sync core turns it into a start at a shared instant (so play() itself is
  // interrupted by the core's pause until then).
  await bob.evaluate(() => { document.getElementById('player').play().catch(() => {}); });
  for (const page of [bob, alice]) {
    await expect.poll(() => page.evaluate(() => window.__frames.length), { timeout: 20_000 }).toBeGreaterThan(30)
      .catch(async (e) => { throw new Error(`${e.message}\nplayer: ${JSON.stringify(await playerState(page))}`); });
  }
  expect(await fraction(bob, id)).toBeLessThan(1);  // still downloading while frames are shown
  await onPlaying?.();
  await expectInSync(alice, bob, Date.now() + 2000, 6000, 'while downloading: ');
  expect(await fraction(bob, id)).toBeLessThan(1);
}

// Bob plays and seeks to `target` (media seconds), far beyond what has arrived: both players get
// there and play on from there while the pieces before it are still missing (a hole in the middle
// of what Bob holds, so a fetch that merely caught up in order fails), then Bob presents frames.
export async function seekBeyondArrived(alice, bob, target) {
  await bob.evaluate((t) => {
    const v = document.getElementById('player');
    v.play().catch(() => {});
    v.currentTime = t;
  }, target);
  for (const page of [bob, alice]) {
    await expect.poll(() => currentTime(page), { timeout: 60_000 }).toBeGreaterThan(target + 1)
      .catch(async (e) => { throw new Error(`${e.message}\nplayer: ${JSON.stringify(await playerState(page))}`); });
  }
  const held = await bob.evaluate((t) => {
    const { policy, pieceSize } = window.wtTestHook.player;
    const piece = Math.floor(policy.offsetFor(t) / pieceSize);
    return { piece, at: policy.pieceHeld(piece), before: Array.from({ length: piece }, (_, i) => policy.pieceHeld(i)) };
  }, target);
  expect(held.at, `the piece of ${target} s (${held.piece}) is held`).toBe(true);
  expect(held.before.some((h) => !h), `a piece before ${held.piece} is still missing: ${JSON.stringify(held.before)}`).toBe(true);
  const frames = await presentedFrames(bob);
  await expect.poll(() => presentedFrames(bob), { timeout: 10_000 }).toBeGreaterThan(frames + 20);
}

// What is checked while the file arrives has been checked: Alice's upload limit is lifted (and her
// reads released) so that the rest arrives at full speed, the file that lands on Bob's side (saved
// into `dir`) is the one sent (`m.sum`, its sha256sum), neither page threw, and the pair is closed.
export async function finishWhole({ p, id, m }, dir) {
  try {
    await setUploadLimit(p.alice.page, 0);
    if (p.gated) await setReadLimit(p.alice.page, null);
    await waitReady(p.bob.page, id, 120_000);
    expect(await savedSha256(p.bob.page, id, dir)).toBe(m.sum);
    expect(p.alice.errors).toEqual([]);
    expect(p.bob.errors).toEqual([]);
  } finally {
    await p.close();
  }
}
