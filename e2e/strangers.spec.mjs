// Who may do what, tried from a browser: a stranger signed in to the same database (a third page,
// the peer-link harness, with the SDK at hand) goes after Alice's transfer to Bob, knowing its id.
// Every attempt is refused by the database's rules, and the real transfer completes byte-identical.
// Then the page's own check: a download runs only in the window that accepted it.
import { test, expect } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAs, openSdkPage, userIds } from './support/pages.mjs';
import { acceptAnyway, makeFile, savedSha256, sendAnyway, sendFile, session, sha256sum, transferView, waitReady } from './support/transfer-helpers.mjs';

let dir, movie, movieSum;
test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wt-strangers-'));
  movie = makeFile(join(dir, 'holiday.mp4'), 12 * 1000 * 1000 + 321);
  movieSum = sha256sum(movie);
});
test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ids = (tag) => userIds(tag, 'alice', 'bob', 'mallory');


// Runs each attack (name → [op, path, value]) as the stranger; returns name → 'allowed' or the error code.
function attack(stranger, attacks) {
  return stranger.page.evaluate(async ({ uid, attacks }) => {
    const { get, ref, set, update } = window.wtFirebase;
    const db = await window.wt.database(uid);
    // A real offer from this page, as a stranger would make to be answered.
    const pc = new RTCPeerConnection();
    pc.createDataChannel('file-transfer');
    const offer = await pc.createOffer();
    pc.close();
    const out = {};
    for (const [name, [op, path, value]] of Object.entries(attacks)) {
      const v = JSON.parse(JSON.stringify(value ?? null).replaceAll('"$OFFER_SDP"', JSON.stringify(offer.sdp)));
      try {
        if (op === 'get') await get(ref(db, path));
        else if (op === 'set') await set(ref(db, path), v);
        else await update(ref(db, path), v);
        out[name] = 'allowed';
      } catch (e) {
        // A refused write rejects with code PERMISSION_DENIED, a refused get() with the server's text.
        out[name] = /permission.denied/i.test(`${e.code ?? ''} ${e.message}`) ? 'PERMISSION_DENIED' : (e.code ?? e.message);
      }
    }
    return out;
  }, { uid: stranger.uid, attacks });
}

// What a run of `attacks` must answer: each one refused.
const deniedAll = (attacks) => Object.fromEntries(Object.keys(attacks).map((name) => [name, 'PERMISSION_DENIED']));

test('a stranger cannot take a transfer: a forged downloading, a signaling takeover, forged records and reads are refused, and the file arrives byte-identical', async ({ browser }, info) => {
  const [aliceId, bobId, malloryId] = ids('take');
  const alice = await openAs(browser, aliceId);
  const bob = await openAs(browser, bobId);
  const mallory = await openSdkPage(browser, malloryId);

  // Alice invites Bob; before Bob answers, Mallory tries to start the download herself.
  await alice.page.locator(`#partner option[value="${bobId}"]`).waitFor({ state: 'attached' });
  await alice.page.locator('#partner').selectOption(bobId);
  await alice.page.locator('#movie-input').setInputFiles(movie);
  await alice.page.locator('#invite').click();
  await sendAnyway(alice.page);
  const invite = bob.page.locator('li.session[data-status="pending"]');
  await invite.waitFor();
  const id = await invite.getAttribute('data-session');
  const s = `watch-sessions/${id}`;
  const attemptsBefore = {
    'forged downloading': ['update', s, { status: 'downloading', acceptedAt: 1, bytesDownloaded: 0 }],
    'forged cancelled': ['update', s, { status: 'cancelled', reason: 'cancelled by bob' }],
    'renamed file': ['update', s, { fileName: 'evil.exe' }],
    'read the session': ['get', s],
    'read Bob\'s sessions': ['get', `user-sessions/${bobId}`],
    'joined the session': ['set', `user-sessions/${malloryId}/${id}`, { role: 'recipient', createdAt: 1 }],
    'attempt that sorts last': ['update', `${s}/signaling/~x`, { by: malloryId, at: 1, offer: { type: 'offer', sdp: '$OFFER_SDP' } }],
    'attempt in Bob\'s name': ['update', `${s}/signaling/~y`, { by: bobId, at: 1, offer: { type: 'offer', sdp: '$OFFER_SDP' } }],
    'forged pause': ['set', `watch-playback/${id}`, { seq: 4294967290, state: 'paused', isPlaying: false, currentTime: 0, anchorAt: 0, lastUpdateBy: malloryId, lastUpdateAt: 1 }],
    'spoofed presence': ['set', `presence/${bobId}`, { name: bobId, since: 1 }],
    'skewed clock probe': ['set', `clock-probe/${aliceId}`, 0],
  };
  // Every attempt made is refused: the expected answers are built from the attempts, so one that
  // goes missing from the answers (never tried, or thrown away) fails as surely as one let through.
  expect(await attack(mallory, attemptsBefore)).toEqual(deniedAll(attemptsBefore));
  // Nothing moved: Bob is still asked, and no download started on his page.
  await expect(session(bob.page, id)).toHaveAttribute('data-status', 'pending');
  expect(await transferView(bob.page, id)).toBeNull();

  // Bob accepts; with the transfer under way, Mallory tries the takeover again.
  await invite.locator('.accept').click();
  await acceptAnyway(invite);
  await expect.poll(async () => (await transferView(bob.page, id))?.phase, { timeout: 30_000 }).toBe('transferring');
  const attemptsDuring = {
    'attempt that sorts last': ['update', `${s}/signaling/~x`, { by: malloryId, at: 1, offer: { type: 'offer', sdp: '$OFFER_SDP' } }],
    'attempt in Bob\'s name': ['update', `${s}/signaling/~y`, { by: bobId, at: 1, offer: { type: 'offer', sdp: '$OFFER_SDP' } }],
    'read the signaling': ['get', `${s}/signaling`],
    'forged ready': ['update', s, { status: 'ready' }],
    'forged failed': ['update', s, { status: 'failed', reason: 'x' }],
    'forged progress': ['update', s, { bytesDownloaded: 0 }],
  };
  expect(await attack(mallory, attemptsDuring)).toEqual(deniedAll(attemptsDuring));

  await waitReady(bob.page, id);
  await waitReady(alice.page, id);
  expect(await savedSha256(bob.page, id, dir)).toBe(movieSum);
  // One link, never handed over: Bob's receiver got it all over one connection, and Alice's sender
  // never had to send a piece again.
  expect((await transferView(bob.page, id)).stats.connections).toBe(1);
  const aliceView = await transferView(alice.page, id);
  expect(aliceView.status).toBe('Complete');
  expect(aliceView.stats.piecesResent).toBe(0);
  expect(alice.errors).toEqual([]);
  expect(bob.errors).toEqual([]);
  await Promise.all([alice.context.close(), bob.context.close(), mallory.context.close()]);
});

test('a download runs only in the window that accepted it, not in the same user\'s other window', async ({ browser }, info) => {
  const [aliceId, bobId] = ids('own');
  const alice = await openAs(browser, aliceId);
  const bob = await openAs(browser, bobId);
  const bobElsewhere = await openAs(browser, bobId);  // another browser profile of Bob's: its own storage
  const id = await sendFile(alice.page, bob.page, bobId, movie, { notAMovie: true });
  // The other window sees the record go to 'downloading' and to 'ready', and starts nothing.
  await expect(session(bobElsewhere.page, id)).toHaveAttribute('data-status', 'downloading', { timeout: 30_000 });
  await waitReady(bob.page, id);
  await waitReady(bobElsewhere.page, id);
  expect(await transferView(bobElsewhere.page, id)).toBeNull();
  expect(await bobElsewhere.page.evaluate(async (sid) => !!(await window.wtTestHook.transfers.store?.getTransfer(sid)), id)).toBe(false);
  expect(await savedSha256(bob.page, id, dir)).toBe(movieSum);
  expect((await transferView(bob.page, id)).stats.connections).toBe(1);
  expect((await transferView(alice.page, id)).stats.piecesResent).toBe(0);
  for (const side of [alice, bob, bobElsewhere]) expect(side.errors).toEqual([]);
  await Promise.all([alice.context.close(), bob.context.close(), bobElsewhere.context.close()]);
});
