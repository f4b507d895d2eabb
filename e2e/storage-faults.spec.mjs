// Storage faults on the receiving side, through the product: Bob's browser runs out of room for the
// site mid-transfer (a real quota: Chromium's per-origin override over DevTools, Firefox's fixed
// limit from a pref at launch, then a filler database in Bob's origin takes most of it); a piece
// stored in Bob's IndexedDB is damaged before he reloads; one is damaged after the transfer ended.
// The truth is outside the app: sha256sum of the source against that of the file Bob's browser
// saved, or of each stored piece.
import { test, expect } from '@playwright/test';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAs, reopen, userIds } from './support/pages.mjs';
import {
  MiB, arrivedTwice, gateReads, interruptions, makeFile, recordArrivals, savedSha256, sendFile, session, setReadLimit,
  setUploadLimit, sha256sum, storedLedgerPieces, transferView, waitReady,
} from './support/transfer-helpers.mjs';

let dir;
test.beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'wt-storage-')); });
test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

const users = (tag) => userIds(tag, 'alice', 'bob');

const QUOTA = 20 * MiB;  // for the whole site in Bob's browser
const FULL_TEXT = 'Storage is full — free some space to continue';

// Every frame Bob's page sends on a data channel, in order: [type, sub] (header byte 2, u32 at 8).
// Requests are 5 and 12 (urgent), Pause is 13 (sub 1: paused, 0: going on).
const recordSentFrames = (page) => page.addInitScript(() => {
  window.__sent = [];
  const send = RTCDataChannel.prototype.send;
  RTCDataChannel.prototype.send = function (data) {
    if (data instanceof Uint8Array && data.length >= 16 && data[0] === 0x57) {
      window.__sent.push([data[2], new DataView(data.buffer, data.byteOffset, 16).getUint32(8, true)]);
    }
    return send.call(this, data);
  };
});

// A database of `bytes` random bytes in Bob's origin (something else of the site's taking room), or
// its deletion (the user freeing space).
const fill = (page, bytes) => page.evaluate(async (size) => {
  const db = await new Promise((ok, fail) => {
    const r = indexedDB.open('wt-filler', 1);
    r.onupgradeneeded = () => r.result.createObjectStore('filler');
    r.onsuccess = () => ok(r.result);
    r.onerror = () => fail(r.error);
  });
  // In records of 1 MiB, as the pieces are (Chromium counts one huge Blob only later).
  await new Promise((ok, fail) => {
    const tx = db.transaction('filler', 'readwrite');
    for (let at = 0; at < size; at += 1048576) {
      const parts = [];
      for (let k = 0; k < Math.min(1048576, size - at); k += 65536) parts.push(crypto.getRandomValues(new Uint8Array(Math.min(65536, size - at - k))));
      tx.objectStore('filler').put(new Blob(parts), at);
    }
    tx.oncomplete = ok;
    tx.onabort = () => fail(tx.error);
  });
  db.close();
}, bytes);
const unfill = (page) => page.evaluate(() => new Promise((ok, fail) => {
  const r = indexedDB.deleteDatabase('wt-filler');
  r.onsuccess = ok;
  r.onerror = () => fail(r.error);
}));
const estimate = (page) => page.evaluate(() => navigator.storage.estimate().then(({ quota, usage }) => ({ quota, usage })));

// Bob's browser with QUOTA for the site: in Chromium a context of the project's browser with the
// override; in Firefox a browser of its own, launched with the limit (it is read at start-up only).
async function tightBob(browser, info, { playwright, launchOptions, channel }, bobId, prepare) {
  if (info.project.name === 'chromium') {
    const bob = await openAs(browser, bobId, async (page) => {
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(process.env.WT_BASE_URL).origin, quotaSize: QUOTA });
      await prepare(page);
    });
    return { ...bob, close: () => bob.context.close() };
  }
  const own = await playwright.firefox.launch({
    ...launchOptions, channel,
    // The group limit is a fifth of the fixed limit (in KiB): 20 MiB.
    firefoxUserPrefs: { ...launchOptions.firefoxUserPrefs, 'dom.quotaManager.temporaryStorage.fixedLimit': 5 * QUOTA / 1024 },
  });
  const bob = await openAs(own, bobId, prepare);
  return { ...bob, close: () => own.close() };
}

test('storage full mid-transfer: paused with the reason on both sides, nothing lost or asked for; space freed, it goes on by itself and arrives byte-identical',
  async ({ browser, playwright, launchOptions, channel }, info) => {
    const [aliceId, bobId] = users('full');
    const alice = await openAs(browser, aliceId);
    let arrived = null;
    const bob = await tightBob(browser, info, { playwright, launchOptions, channel }, bobId, async (page) => {
      arrived = await recordArrivals(page.context());
      await recordSentFrames(page);
    });
    try {
      // Accepted with room to spare (Accept checks the free space), sent at 0.1 MB/s at first.
      const size = 14 * MiB + 4321;
      const file = makeFile(join(dir, 'full.mp4'), size);
      // Firefox's estimate() reports the small quota: Accept's question (the file is random bytes, so
      // it asks anyway) also warns that storage is nearly full. Chromium's does not report the
      // overridden quota: no such warning. Each browser must say its own, so a warning that stops
      // showing (or shows wrongly) fails here.
      const nearlyFull = 'If it runs out, the transfer pauses until space is freed.';
      const firefox = info.project.name === 'firefox';
      const id = await sendFile(alice.page, bob.page, bobId, file, {
        notAMovie: true, uploadMBps: 0.1, asked: firefox ? { also: [nearlyFull] } : { not: [nearlyFull] },
      });
      // Meanwhile something else of the site's takes all but 6 MiB: what is left of the file cannot
      // fit (at 0.1 MB/s, more than 2 minutes of sending away). Chromium's estimate() does not report
      // the overridden quota, so that figure is ours; the usage is real.
      const { usage } = await estimate(bob.page);
      await fill(bob.page, QUOTA - usage - 6 * MiB);
      expect((await transferView(bob.page, id))?.fraction ?? 0).toBeLessThan(0.5);
      await setUploadLimit(alice.page, 0);  // then no limit

      // Paused, with the reason, on both sides; not failed.
      const bobStatus = session(bob.page, id).locator('.transfer-status');
      await expect(bobStatus).toHaveText(FULL_TEXT, { timeout: 60_000 }).catch(async (e) => {
        throw new Error(`${e.message}\nBob's page: ${await bob.page.locator('#sessions').innerText()} | ${await bob.page.locator('#error').innerText()}`);
      });
      await expect(session(bob.page, id).locator('.retry-storage')).toBeVisible();
      await expect(session(alice.page, id).locator('.transfer-status')).toContainText(`Paused — ${bobId}'s storage is full`);
      await expect.poll(async () => (await transferView(alice.page, id))?.phase).toBe('storage-full');
      for (const side of [alice, bob]) await expect(session(side.page, id)).toHaveAttribute('data-status', 'downloading');
      await bob.page.screenshot({ path: info.outputPath('storage-full-bob.png'), fullPage: true });
      await alice.page.screenshot({ path: info.outputPath('storage-full-alice.png'), fullPage: true });
      const view = await transferView(bob.page, id);
      expect(view.stats.storagePauses).toBe(1);
      expect(view.fraction).toBeLessThan(1);

      // "Try again" while it is still full: tried at once, refused, still paused.
      const retries = view.stats.storageRetries;
      await session(bob.page, id).locator('.retry-storage').click();
      await expect.poll(async () => (await transferView(bob.page, id)).stats.storageRetries).toBeGreaterThan(retries);
      await expect(bobStatus).toHaveText(FULL_TEXT);

      // Bob frees the space; nobody clicks: the core's next retry stores what it holds and goes on.
      await unfill(bob.page);
      await waitReady(bob.page, id, 120_000);
      await waitReady(alice.page, id);
      expect(await savedSha256(bob.page, id, dir)).toBe(sha256sum(file));

      // No bytes wasted: no piece arrived twice, and Bob sent no request between pausing and going on.
      const twice = arrivedTwice(arrived, size);
      expect(twice.total).toBe(size);
      expect(twice.extraBytes).toBe(0);
      expect(interruptions(arrived)).toEqual([]);  // one channel carried it all
      const sent = await bob.page.evaluate(() => window.__sent);
      let paused = false, pauses = 0, whilePaused = 0, requestsWhilePaused = 0;
      for (const [type, sub] of sent) {
        if (type === 13) {
          pauses += paused || sub !== 1 ? 0 : 1;
          paused = sub === 1;
        } else if (paused) {
          whilePaused += 1;
          if (type === 5 || type === 12) requestsWhilePaused += 1;
        }
      }
      expect(pauses).toBe(1);
      expect(paused).toBe(false);  // it said it goes on
      expect(requestsWhilePaused).toBe(0);
      const final = (await transferView(bob.page, id)).stats;
      expect(final.storagePauses).toBe(1);
      console.log(`storage full (${info.project.name}): ${final.storagePauses} pause, ${final.storageRetries} pieces handed out again; `
        + `${whilePaused} frames sent while paused, none a request`);
      expect(alice.errors).toEqual([]);
      expect(bob.errors).toEqual([]);
    } finally {
      await alice.context.close();
      await bob.close();
    }
  });

test('a piece damaged in IndexedDB before a reload is found when read back, fetched again, and the file arrives byte-identical',
  async ({ browser }, info) => {
    const [aliceId, bobId] = users('damage');
    const alice = await openAs(browser, aliceId, gateReads);
    let arrived = null;
    const bob = await openAs(browser, bobId, async (page) => { arrived = await recordArrivals(page.context()); });
    try {
      const size = 24 * MiB + 99;
      const file = makeFile(join(dir, 'damage.mp4'), size);
      // Alice's reads stop at 40% of the file until Bob is back, so the rest cannot arrive before
      // the reload however slow this machine is; it goes at full speed after it.
      const id = await sendFile(alice.page, bob.page, bobId, file, { notAMovie: true, uploadMBps: 3, beforeAccept: () => setReadLimit(alice.page, Math.floor(size * 0.4)) });
      const damaged = 2;
      // Piece 2 is stored and its digest is in the stored ledger (the record the reload resumes from).
      const ledgerHolds = async () => (await storedLedgerPieces(bob.page, id, size)).includes(damaged);
      await expect.poll(ledgerHolds, { timeout: 60_000, intervals: [50] }).toBe(true);
      expect((await transferView(bob.page, id)).fraction).toBeLessThan(1);
      // One bit of it flips on disk.
      await bob.page.evaluate(async ([sid, piece]) => {
        const { store } = window.wtTestHook.transfers;
        const bytes = await store.readPiece(sid, piece);
        bytes[bytes.length >> 1] ^= 0x04;
        await store.writePieces(sid, [{ piece, bytes }]);
      }, [id, damaged]);
      const bobAgain = await reopen(bob, bobId);
      await setUploadLimit(alice.page, 0);
      await setReadLimit(alice.page, null);
      await waitReady(bobAgain, id);
      expect(await savedSha256(bobAgain, id, dir)).toBe(sha256sum(file));
      const stats = (await transferView(bobAgain, id)).stats;
      expect(stats.storedPiecesDamaged).toBe(1);
      // It had arrived whole before the reload and came once more after it; besides it, the reload
      // cost what it always may (the piece arriving and, at most, one verified piece not yet
      // stored), never another stored piece.
      const firstLoad = arrived[0].load;
      expect(arrived.filter((a) => a.load === firstLoad && a.piece === damaged).reduce((sum, a) => sum + a.bytes, 0)).toBe(MiB);
      expect(arrived.filter((a) => a.load !== firstLoad && a.piece === damaged).reduce((sum, a) => sum + a.bytes, 0)).toBe(MiB);
      const [cut, ...more] = interruptions(arrived);
      expect(more).toEqual([]);
      expect(cut.pieces).toContain(damaged);
      expect(cut.pieces.filter((p) => p !== damaged).length).toBeLessThanOrEqual(2);
      expect(arrivedTwice(arrived, size).extraBytes).toBe(cut.bytes);
      console.log(`damaged piece (${info.project.name}): fetched again; pieces that came twice ${JSON.stringify(cut)}`);
      expect(alice.errors).toEqual([]);
      expect(bob.errors).toEqual([]);
    } finally {
      await alice.context.close();
      await bob.context.close();
    }
  });

test('a piece damaged after the transfer ended, with the sender gone: Save says which and why, and nothing else is lost',
  async ({ browser }, info) => {
    const [aliceId, bobId] = users('save');
    const alice = await openAs(browser, aliceId);
    const bob = await openAs(browser, bobId);
    try {
      const size = 6 * MiB + 1234;  // 7 pieces
      const file = makeFile(join(dir, 'kept.mp4'), size);
      const id = await sendFile(alice.page, bob.page, bobId, file, { notAMovie: true });
      await waitReady(bob.page, id);
      await alice.context.close();  // the sender is gone
      const damaged = 3;
      await bob.page.evaluate(async ([sid, piece]) => {
        const { store } = window.wtTestHook.transfers;
        const bytes = await store.readPiece(sid, piece);
        bytes[100] ^= 0x01;
        await store.writePieces(sid, [{ piece, bytes }]);
      }, [id, damaged]);
      await session(bob.page, id).locator('.save').click();
      await expect(bob.page.locator('#error')).toContainText(
        `"kept.mp4" cannot be saved: piece ${damaged + 1} of 7 is damaged on this device (no longer what arrived: the checksum differs). `
        + `Nothing else is lost: the other 6 pieces are intact and kept. The transfer from ${aliceId} is over`);
      // The session is still there as received, the other pieces are stored as they arrived (SHA-256
      // of each, in the page, against the source file's slices), and the damaged one is no longer
      // counted as held in the stored ledger.
      await expect(session(bob.page, id)).toHaveAttribute('data-status', 'ready');
      const stillHeld = await storedLedgerPieces(bob.page, id, size);
      const held = [...Array(7).keys()].map((p) => stillHeld.includes(p));
      const after = await bob.page.evaluate(async (sid) => {
        const { store } = window.wtTestHook.transfers;
        const rec = await store.getTransfer(sid);
        const sums = [];
        for (let p = 0; p < 7; p++) {
          const piece = await store.readPiece(sid, p);
          sums.push([...new Uint8Array(await crypto.subtle.digest('SHA-256', piece))].map((b) => b.toString(16).padStart(2, '0')).join(''));
        }
        return { complete: rec.complete, sums };
      }, id);
      const source = readFileSync(file);
      for (let p = 0; p < 7; p++) {
        const want = createHash('sha256').update(source.subarray(p * MiB, Math.min(size, (p + 1) * MiB))).digest('hex');
        if (p === damaged) expect(after.sums[p]).not.toBe(want);
        else expect(after.sums[p]).toBe(want);
      }
      expect(held).toEqual([true, true, true, false, true, true, true]);
      expect(after.complete).toBe(true);
      await bob.page.screenshot({ path: info.outputPath('damaged-at-save-bob.png'), fullPage: true });
      expect(bob.errors).toEqual([]);
    } finally {
      await alice.context.close().catch(() => {});
      await bob.context.close();
    }
  });
