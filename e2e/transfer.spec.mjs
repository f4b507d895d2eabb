// Browser-to-browser transfer through the product: Alice picks a file and invites Bob, Bob accepts,
// the file crosses a WebRTC data channel into Bob's IndexedDB, and Bob saves it. Every test ends by
// comparing sha256sum of the file Bob's browser saved with sha256sum of the source.
import { expect } from '@playwright/test';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { browserName, openAs, reopen, test, userIds } from './support/pages.mjs';
import { testMovie } from './support/test-movies.mjs';
import {
  MiB, acceptAnyway, arrivedTwice, gateReads, instrument, interruptions, makeFile, readGate, recordArrivals, recordRequests,
  requestedTwice, savedSha256, sendAnyway, sendFile, session, setReadLimit, setUploadLimit, sha256sum, storedLedgerPieces,
  transferView, waitReady,
} from './support/transfer-helpers.mjs';

let dir, small, large, smallSum, largeSum;

test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wt-transfer-'));
  small = makeFile(join(dir, 'small movie.mp4'), 10 * 1000 * 1000 + 12345);  // not a multiple of 64 KiB
  large = makeFile(join(dir, 'large movie.mp4'), 100 * 1000 * 1000 + 777);
  smallSum = sha256sum(small);
  largeSum = sha256sum(large);
});
test.afterAll(() => rmSync(dir, { recursive: true, force: true }));


async function pair(browser, tag, { bobBrowser = browser, instrumentAlice, instrumentBob, arrivals = false } = {}) {
  const [aliceId, bobId] = userIds(tag, 'alice', 'bob');
  const alice = await openAs(browser, aliceId, instrumentAlice);
  let arrived = null;
  const bob = await openAs(bobBrowser, bobId, async (page) => {
    if (arrivals) arrived = await recordArrivals(page.context());
    await instrumentBob?.(page);
  });
  return { alice, bob, aliceId, bobId, arrived, close: () => Promise.all([alice.context.close(), bob.context.close()]) };
}

// Every text the page's transfer status lines show, in order, per session (a MutationObserver: a
// status that lasts a few milliseconds on a fast transfer is still seen).
const recordStatuses = (page) => page.addInitScript(() => {
  window.__statuses = {};
  new MutationObserver(() => {
    for (const li of document.querySelectorAll('li.session[data-session]')) {
      const text = li.querySelector('.transfer-status')?.textContent;
      const seen = (window.__statuses[li.dataset.session] ??= []);
      if (text && seen.at(-1) !== text) seen.push(text);
    }
  }).observe(document, { subtree: true, childList: true, characterData: true });
});

async function transferAndCheck(p, file, sum, label) {
  const started = Date.now();
  const id = await sendFile(p.alice.page, p.bob.page, p.bobId, file, { notAMovie: true });
  // Two browsers on one machine reach each other directly: both say so while the file travels
  // (a 100 MB one takes seconds; a 10 MB one may be over before the line shows).
  if (statSync(file).size >= 100e6) {
    for (const side of [p.alice, p.bob]) await expect(session(side.page, id).locator('.link-type')).toHaveText('Direct connection');
  }
  await waitReady(p.bob.page, id);
  const seconds = (Date.now() - started) / 1000;
  await waitReady(p.alice.page, id);
  expect(await savedSha256(p.bob.page, id, dir)).toBe(sum);
  const bobView = await transferView(p.bob.page, id);
  expect(bobView.status).toBe('Complete');
  expect(bobView.progress).toContain('100%');
  // Both sides showed the transfer under way (on a file that takes seconds: a 10 MB one may finish
  // between two renders).
  if (statSync(file).size >= 100e6) {
    for (const side of [p.alice, p.bob]) expect(await side.page.evaluate((sid) => window.__statuses?.[sid] ?? [], id)).toContain('Transferring…');
  }
  console.log(`${label}: ${seconds.toFixed(1)} s, receiver stats ${JSON.stringify(bobView.stats)}`);
  // On one machine the path is short: one connection carries everything (no lanes: README).
  expect(bobView.stats.laneChunkBytes).toBe(0);
  expect(p.alice.errors).toEqual([]);
  expect(p.bob.errors).toEqual([]);
  return { id, bobView };
}

test('10 MB and 100 MB arrive byte-identical between two pages of the same browser', async ({ browser }) => {
  const name = browserName(browser);
  const p = await pair(browser, 'same', { instrumentAlice: recordStatuses, instrumentBob: recordStatuses });
  await transferAndCheck(p, small, smallSum, `10 MB ${name}→${name}`);
  const { id } = await transferAndCheck(p, large, largeSum, `100 MB ${name}→${name}`);
  // Alice saw the same end: progress at 100% and "Complete", from the core's line.
  await expect(session(p.alice.page, id)).toContainText('Sent large movie.mp4');
  const aliceView = await transferView(p.alice.page, id);
  expect(aliceView.status).toBe('Complete');
  await p.close();
});

test('100 MB to the other browser and 10 MB back, byte-identical', async ({ browser, other }, info) => {
  const [here, there] = [browserName(browser), browserName(other)];
  const p = await pair(browser, 'x', { bobBrowser: other, instrumentAlice: recordStatuses, instrumentBob: recordStatuses });
  await transferAndCheck(p, large, largeSum, `100 MB ${here}→${there}`);
  await p.close();
  const q = await pair(other, 'xb', { bobBrowser: browser, instrumentAlice: recordStatuses, instrumentBob: recordStatuses });
  await transferAndCheck(q, small, smallSum, `10 MB ${there}→${here}`);
  await q.close();
});

test('the connection cut twice at random points: resumes, byte-identical, at most one piece again per cut', async ({ browser }) => {
  const p = await pair(browser, 'cut', { instrumentAlice: async (page) => { await instrument(page); await gateReads(page); }, arrivals: true });
  const size = 30 * MiB + 4321;
  const file = makeFile(join(dir, 'cut.mp4'), size);
  const cuts = [0.2 + Math.random() * 0.2, 0.55 + Math.random() * 0.2].map((f) => Math.floor(f * size));
  // Alice can read the file only up to the next cut point (her fingerprint of it, before the
  // invitation, reads it whole first), and her page cuts its connection the moment her reads reach
  // it: whatever the speed of this machine, the rest of the file is still owed, so each cut
  // interrupts the transfer. Once the new connection is up, the gate moves on.
  const id = await sendFile(p.alice.page, p.bob.page, p.bobId, file, { notAMovie: true, uploadMBps: 8, beforeAccept: () => setReadLimit(p.alice.page, cuts[0], { cut: true }) });
  for (const [i, at] of cuts.entries()) {
    await expect.poll(async () => (await readGate(p.alice.page)).cuts, { timeout: 60_000, message: `Alice's reads reach byte ${at} and her page cuts the connection` }).toBe(i + 1);
    await expect.poll(async () => (await transferView(p.bob.page, id)).stats?.connections, { timeout: 30_000 }).toBe(i + 2);
    await setReadLimit(p.alice.page, cuts[i + 1] ?? null, { cut: true });
  }
  await waitReady(p.bob.page, id);
  const stats = (await transferView(p.bob.page, id)).stats;
  const alice = (await transferView(p.alice.page, id)).stats;
  const perCut = interruptions(p.arrived);
  const twice = arrivedTwice(p.arrived, size);
  console.log(`cuts at bytes ${cuts.join(', ')}: per cut, pieces again ${JSON.stringify(perCut)}; ${twice.extraBytes} bytes arrived twice; sender re-sent ${alice.piecesResent} pieces`);
  expect(twice.total).toBeGreaterThanOrEqual(size);  // the arrivals were seen at all
  expect(perCut).toHaveLength(2);  // data came over three channels: each cut was an interruption
  for (const cut of perCut) {
    expect(cut.pieces.length).toBeLessThanOrEqual(1);  // at most the piece that was arriving
    expect(cut.bytes).toBeLessThanOrEqual(MiB);
  }
  expect(twice.extraBytes).toBe(perCut.reduce((n, c) => n + c.bytes, 0));  // nothing else came twice
  expect(stats.chunkBytesReceived).toBe(twice.total);  // the product's counter agrees with the wire
  expect(await savedSha256(p.bob.page, id, dir)).toBe(sha256sum(file));
  await p.close();
});

test('a chunk corrupted on the wire is detected and fetched again', async ({ browser }) => {
  const p = await pair(browser, 'bad', { instrumentAlice: (page) => instrument(page, { corruptChunk: 37 }) });
  const id = await sendFile(p.alice.page, p.bob.page, p.bobId, small, { notAMovie: true });
  await waitReady(p.bob.page, id);
  expect(await p.alice.page.evaluate(() => window.__corrupted)).toBe(1);
  const stats = (await transferView(p.bob.page, id)).stats;
  expect(stats.piecesRejected).toBe(1);
  expect(await savedSha256(p.bob.page, id, dir)).toBe(smallSum);
  await p.close();
});

test('a channel on which the sender\'s first message is lost is given up and connected again', async ({ browser }) => {
  // Without its Manifest the receiver never asks for anything and the sender waits for the answer:
  // the receiver's core gives such a channel up after 10 s and the link connects again.
  const p = await pair(browser, 'silent', { instrumentAlice: (page) => instrument(page, { dropManifests: 1 }) });
  const file = makeFile(join(dir, 'silent.mp4'), 3 * MiB + 5);
  const id = await sendFile(p.alice.page, p.bob.page, p.bobId, file, { notAMovie: true });
  await waitReady(p.bob.page, id, 60_000);
  expect(await p.alice.page.evaluate(() => window.__droppedManifests)).toBe(1);
  const stats = (await transferView(p.bob.page, id))?.stats;
  expect(stats).toMatchObject({ silentChannels: 1, connections: 1, piecesVerified: 4 });
  expect(await savedSha256(p.bob.page, id, dir)).toBe(sha256sum(file));
  await p.close();
});

test('a sender that falls silent mid-transfer: after 15 s of nothing the receiver asks again for what is owed, and the file arrives byte-identical', async ({ browser }) => {
  // Alice's reads are held at 5 MiB (after her fingerprint, which reads the file whole before the
  // invitation): her page stays connected but sends nothing more, however fast this machine is.
  const p = await pair(browser, 'mute', { instrumentAlice: gateReads, instrumentBob: recordRequests });
  const size = 12 * MiB + 77;
  const file = makeFile(join(dir, 'mute.mp4'), size);
  const id = await sendFile(p.alice.page, p.bob.page, p.bobId, file, { notAMovie: true, beforeAccept: () => setReadLimit(p.alice.page, 5 * MiB) });
  await expect.poll(async () => (await readGate(p.alice.page)).held, { timeout: 30_000 }).toBe(true);
  await expect.poll(async () => (await transferView(p.bob.page, id))?.stats?.stalls, { timeout: 45_000, message: 'Bob\'s core notices the silence' }).toBeGreaterThanOrEqual(1);
  const held = await transferView(p.bob.page, id);
  expect(held.fraction).toBeLessThan(1);
  expect(held.phase).not.toBe('failed');
  // It asked again, on the wire, for pieces it had asked for and not received (those Alice's held
  // reads keep back: from piece 5 on).
  await expect.poll(() => requestedTwice(p.bob.page), { timeout: 15_000, message: 'Bob asks again for what is owed' })
    .toEqual(expect.arrayContaining([5]));
  await setReadLimit(p.alice.page, null);
  await waitReady(p.bob.page, id);
  expect(await savedSha256(p.bob.page, id, dir)).toBe(sha256sum(file));
  expect(p.alice.errors).toEqual([]);
  expect(p.bob.errors).toEqual([]);
  await p.close();
});

test('the receiver reloads mid-way and the transfer resumes from its stored pieces', async ({ browser }) => {
  const p = await pair(browser, 'reload', { arrivals: true, instrumentAlice: gateReads });
  const size = 24 * MiB + 99;
  const file = makeFile(join(dir, 'reload.mp4'), size);
  // Alice's reads stop at 60% of the file until Bob is back: however late the poll below sees 40%
  // on a loaded machine, the file cannot have arrived whole before the reload.
  const id = await sendFile(p.alice.page, p.bob.page, p.bobId, file, { notAMovie: true, uploadMBps: 6, beforeAccept: () => setReadLimit(p.alice.page, Math.floor(size * 0.6)) });
  await expect.poll(async () => (await transferView(p.bob.page, id))?.fraction ?? 0, { timeout: 60_000, intervals: [50] }).toBeGreaterThan(0.4);
  // The pieces Bob's stored ledger counts (the record a reload resumes from), read just before the
  // reload while data still flows: any committed after this read are kept too, so the check below
  // holds however the reload falls between pieces.
  const stored = await storedLedgerPieces(p.bob.page, id, size);
  const bob = await reopen(p.bob, p.bobId);
  await setReadLimit(p.alice.page, null);
  await waitReady(bob, id);
  const [cut, ...more] = interruptions(p.arrived);
  const twice = arrivedTwice(p.arrived, size);
  console.log(`receiver reload: ${stored.length} pieces stored before it; pieces again ${JSON.stringify(cut)}, ${twice.extraBytes} bytes arrived twice`);
  expect(stored.length).toBeGreaterThan(0);
  expect(more).toEqual([]);  // one interruption: the reload
  // The reload loses what was arriving or not yet committed when the page went (how much depends
  // on the machine's timing), never a piece the stored ledger counted: none of those arrives again.
  expect(cut.pieces.filter((piece) => stored.includes(piece))).toEqual([]);
  expect(twice.extraBytes).toBe(cut.bytes);
  expect(await savedSha256(bob, id, dir)).toBe(sha256sum(file));
  await p.close();
});

test('the sender reloads mid-way, picks the file again, and the transfer goes on', async ({ browser }) => {
  const p = await pair(browser, 'resend', { arrivals: true, instrumentAlice: gateReads });
  const size = 20 * MiB + 5;
  const file = makeFile(join(dir, 'resend.mp4'), size);
  // Alice's reads stop at 60% until she reloads (the reload takes the hold away): the file cannot
  // have arrived whole before, however late the poll below sees 30%.
  const id = await sendFile(p.alice.page, p.bob.page, p.bobId, file, { notAMovie: true, uploadMBps: 6, beforeAccept: () => setReadLimit(p.alice.page, Math.floor(size * 0.6)) });
  await expect.poll(async () => (await transferView(p.bob.page, id))?.fraction ?? 0, { timeout: 60_000, intervals: [50] }).toBeGreaterThan(0.3);
  const alice = await reopen(p.alice, p.aliceId);
  const pick = session(alice, id).locator('.resend-input');
  await expect(session(alice, id)).toContainText('choose resend.mp4 again');
  await pick.setInputFiles(small);  // the wrong file: refused with a reason
  await expect(alice.locator('#error')).toContainText('Choose the same file');
  await session(alice, id).locator('.resend-input').setInputFiles(file);
  await waitReady(p.bob.page, id);
  const [cut, ...more] = interruptions(p.arrived);
  const twice = arrivedTwice(p.arrived, size);
  console.log(`sender reload: pieces again ${JSON.stringify(cut)}, ${twice.extraBytes} bytes arrived twice`);
  expect(more).toEqual([]);  // one interruption: the reload
  expect(cut.pieces.length).toBeLessThanOrEqual(1);  // the receiver kept every piece it had
  expect(twice.extraBytes).toBe(cut.bytes);
  expect(twice.extraBytes).toBeLessThanOrEqual(MiB);
  expect(await savedSha256(p.bob.page, id, dir)).toBe(sha256sum(file));
  await p.close();
});

test('decline and cancel reach the other side; a closed tab is reported; a cancelled download is deleted', async ({ browser }) => {
  const p = await pair(browser, 'end');
  // Decline.
  const d = await sendDeclined(p);
  await expect(session(p.alice.page, d)).toHaveAttribute('data-status', 'declined');
  await expect(session(p.alice.page, d)).toContainText('declined');

  // Cancel by the sender mid-way: Bob hears it, and his stored pieces go.
  const id = await sendFile(p.alice.page, p.bob.page, p.bobId, large, { notAMovie: true, uploadMBps: 5 });
  await expect.poll(async () => (await transferView(p.bob.page, id))?.fraction ?? 0, { timeout: 60_000 }).toBeGreaterThan(0.05);
  await session(p.alice.page, id).locator('.cancel').click();
  await expect(session(p.bob.page, id)).toHaveAttribute('data-status', 'cancelled');
  await expect(session(p.bob.page, id)).toContainText(`cancelled by ${p.aliceId}`);
  await expect.poll(() => p.bob.page.evaluate((sid) => window.wtTestHook.transfers.store.readPiece(sid, 0), id)).toBeNull();

  // Bob closes his tab mid-transfer: Alice is told through presence.
  const id2 = await sendFile(p.alice.page, p.bob.page, p.bobId, large, { notAMovie: true, uploadMBps: 5 });
  await expect.poll(async () => (await transferView(p.alice.page, id2))?.phase, { timeout: 30_000 }).toBe('transferring');
  await p.bob.page.close();
  await expect(session(p.alice.page, id2).locator('.transfer-status')).toContainText(`${p.bobId} left`, { timeout: 20_000 });
  await p.close();

  async function sendDeclined(q) {
    await q.alice.page.locator('#partner').selectOption(q.bobId);
    await q.alice.page.locator('#movie-input').setInputFiles(small);
    await q.alice.page.locator('#invite').click();
    await sendAnyway(q.alice.page);
    const invite = q.bob.page.locator('li.session[data-status="pending"]');
    const sid = await invite.getAttribute('data-session');
    await expect(invite).toContainText(`${q.aliceId} wants to send you small movie.mp4 (10.0 MB)`);
    await invite.locator('.decline').click();
    return sid;
  }
});

test('without IndexedDB the page says it cannot receive, refuses Accept with the reason, and still sends', async ({ browser }) => {
  // Bob's browser refuses IndexedDB, as one with site storage blocked does.
  const noStore = (page) => page.addInitScript(() => {
    IDBFactory.prototype.open = function () { throw new DOMException('The operation is insecure.', 'SecurityError'); };
  });
  const p = await pair(browser, 'nostore', { instrumentBob: noStore });
  await expect(p.bob.page.locator('#error')).toContainText('Received files cannot be stored in this browser: could not open the piece store');
  await expect(p.bob.page.locator('#error')).toContainText('The operation is insecure');
  // Alice → Bob: Accept is refused with the reason; the invitation stays pending and can be declined.
  await p.alice.page.locator('#partner').selectOption(p.bobId);
  await p.alice.page.locator('#movie-input').setInputFiles(small);
  await p.alice.page.locator('#invite').click();
  await sendAnyway(p.alice.page);
  const invite = p.bob.page.locator('li.session[data-status="pending"]');
  const id = await invite.getAttribute('data-session');
  await invite.locator('.accept').click();
  await expect(invite.locator('.check-message.refused')).toContainText('You cannot accept "small movie.mp4" here: this page cannot store received files');
  await expect(session(p.alice.page, id)).toHaveAttribute('data-status', 'pending');
  await invite.locator('.decline').click();
  await expect(session(p.alice.page, id)).toHaveAttribute('data-status', 'declined');
  // Bob → Alice works: sending needs no storage on Bob's side.
  const back = await sendFile(p.bob.page, p.alice.page, p.aliceId, small, { notAMovie: true });
  await waitReady(p.alice.page, back);
  expect(await savedSha256(p.alice.page, back, dir)).toBe(smallSum);
  expect(p.bob.errors).toEqual([]);
  await p.close();
});

test('before sending: a file that is not a video asks "Send anyway"', async ({ browser }) => {
  const p = await pair(browser, 'type');
  const notVideo = makeFile(join(dir, 'notes <img src=x onerror=alert(1)>.txt'), 100_000);
  await p.alice.page.locator('#partner').selectOption(p.bobId);
  await p.alice.page.locator('#movie-input').setInputFiles(notVideo);
  await p.alice.page.locator('#invite').click();
  const box = p.alice.page.locator('#invite-question .check-box');
  await expect(box).toContainText('look like a video');
  await box.locator('.go-anyway').click();
  const invite = p.bob.page.locator('li.session[data-status="pending"]');
  await expect(invite).toContainText('notes');
  await expect(invite.locator('img')).toHaveCount(0);  // the name is text, never markup
  const id = await invite.getAttribute('data-session');
  await invite.locator('.accept').click();
  // Bob's page reads what Alice's found in it (nothing a player can play) and asks too.
  await acceptAnyway(invite);
  await waitReady(p.bob.page, id);
  expect(await savedSha256(p.bob.page, id, dir)).toBe(sha256sum(notVideo));
  await p.close();
});

test('before sending: a 1-byte ".mp4" and a corrupt one are read by the core and caught, with the reason', async ({ browser }) => {
  const p = await pair(browser, 'broken');
  const oneByte = join(dir, 'one byte.mp4');
  writeFileSync(oneByte, 'x');
  // A real MP4's first box (its ftyp), then 0xff bytes where its next box should be (a size past the end).
  const movie = readFileSync(testMovie('h264-faststart').path);
  const corrupt = join(dir, 'corrupt.mp4');
  writeFileSync(corrupt, Buffer.concat([movie.subarray(0, movie.readUInt32BE(0)), Buffer.alloc(65536, 0xff)]));
  for (const [file, name] of [[oneByte, 'one byte.mp4'], [corrupt, 'corrupt.mp4']]) {
    await p.alice.page.locator(`#partner option[value="${p.bobId}"]`).waitFor({ state: 'attached' });
    await p.alice.page.locator('#partner').selectOption(p.bobId);
    await p.alice.page.locator('#movie-input').setInputFiles(file);
    await p.alice.page.locator('#invite').click();
    const question = p.alice.page.locator('#invite-question .check-box');
    await expect(question).toContainText(new RegExp(`^"${name.replace('.', '\\.')}" does not look like a movie: it could not be read as one \\(.+\\)\\.`));
    await question.locator('.stop').click();  // "Don't send": nothing is created
    await expect(question).toHaveCount(0);
  }
  await expect(p.bob.page.locator('li.session')).toHaveCount(0);
  expect(p.alice.errors).toEqual([]);
  await p.close();
});

test('clean-up: received pieces go 24 h after the session ended, the record after 7 days (time passed in)', async ({ browser }) => {
  const p = await pair(browser, 'gc');
  const id = await sendFile(p.alice.page, p.bob.page, p.bobId, small, { notAMovie: true });
  await waitReady(p.bob.page, id);
  const run = (offsetMs) => p.bob.page.evaluate(async ([sid, off]) => {
    const t = window.wtTestHook.transfers;
    await t.store.updateTransfer(sid, { endedAt: Date.now(), lastActiveAt: Date.now() });
    t.transfers.delete(sid);  // no longer live in this page
    const plan = await t.runCleanup(Date.now() + off);
    return { plan, piece: await t.store.readPiece(sid, 0), record: await t.store.getTransfer(sid) };
  }, [id, offsetMs]);
  const hour = 3600_000;
  let r = await run(23 * hour);
  expect(r.piece).not.toBeNull();
  r = await run(25 * hour);
  expect(r.plan.deleteChunks).toContain(id);
  expect(r.piece).toBeNull();
  expect(r.record).toBeTruthy();
  r = await run(8 * 24 * hour);
  expect(r.plan.deleteSessions).toContain(id);
  expect(r.record).toBeUndefined();
  await p.close();
});

test('the upload limit reaches the sender, and a change mid-transfer takes effect', async ({ browser }) => {
  const p = await pair(browser, 'cap', { arrivals: true });
  // At 4 MB/s, then 1.5 MB/s: still arriving when both windows end, with room for a slow test
  // driver between them (48 MiB left 6 s of slack at 4 MB/s, and a run on a loaded machine saw the
  // transfer end before the second window).
  const size = 96 * MiB + 1;
  const file = makeFile(join(dir, 'cap.mp4'), size);
  const id = await sendFile(p.alice.page, p.bob.page, p.bobId, file, { notAMovie: true, uploadMBps: 4 });
  // Bytes per second that reached Bob between two instants (the wire as his page saw it).
  const rate = (from, to) => p.arrived.filter((a) => a.at >= from && a.at < to).reduce((n, a) => n + a.bytes, 0) / ((to - from) / 1000);
  const seen = (t) => expect.poll(() => p.arrived.at(-1)?.at ?? 0, { timeout: 30_000 }).toBeGreaterThan(t);
  // Only upper bounds: a slow machine sends slower, never faster, so none of this is timing luck.
  // The tolerance is a piece in the window on top of 10%.
  await expect.poll(() => arrivedTwice(p.arrived, size).total, { timeout: 30_000 }).toBeGreaterThan(2 * MiB);
  const t0 = Date.now();
  await seen(t0 + 3000);
  const at4 = rate(t0, t0 + 3000);
  expect(at4).toBeGreaterThan(0);
  expect(at4).toBeLessThanOrEqual(4e6 * 1.1 + MiB / 3);

  await setUploadLimit(p.alice.page, 1.5);
  const t1 = Date.now() + 1000;  // what was already on its way drains
  await seen(t1 + 4000).catch(async (e) => {
    throw new Error(`${e.message}\nnothing arrived for ${Date.now() - p.arrived.at(-1)?.at} ms after ${p.arrived.length} chunks; `
      + `sender ${JSON.stringify(await transferView(p.alice.page, id))}; receiver ${JSON.stringify(await transferView(p.bob.page, id))}`);
  });
  const at1_5 = rate(t1, t1 + 4000);
  console.log(`upload limit 4 MB/s: ${(at4 / 1e6).toFixed(2)} MB/s arrived; changed to 1.5 MB/s: ${(at1_5 / 1e6).toFixed(2)} MB/s`);
  expect(at1_5).toBeGreaterThan(0);
  expect(at1_5).toBeLessThanOrEqual(1.5e6 * 1.1 + MiB / 4);

  expect(arrivedTwice(p.arrived, size).total).toBeLessThan(size);  // both windows were within the transfer
  await setUploadLimit(p.alice.page, 0);  // no limit: the rest goes at once
  await waitReady(p.bob.page, id);
  expect(await savedSha256(p.bob.page, id, dir)).toBe(sha256sum(file));
  await p.close();
});

test('the sender cancels an invitation before it is answered: it is gone from both sides\' choices', async ({ browser }) => {
  const p = await pair(browser, 'uninvite');
  await p.alice.page.locator('#partner').selectOption(p.bobId);
  await p.alice.page.locator('#movie-input').setInputFiles(small);
  await p.alice.page.locator('#invite').click();
  await sendAnyway(p.alice.page);
  const invite = p.bob.page.locator('li.session[data-status="pending"]');
  await expect(invite).toContainText(`${p.aliceId} wants to send you small movie.mp4 (10.0 MB)`);
  const id = await invite.getAttribute('data-session');
  await session(p.alice.page, id).locator('.cancel').click();
  for (const page of [p.alice.page, p.bob.page]) {
    await expect(session(page, id)).toHaveAttribute('data-status', 'cancelled');
    await expect(session(page, id)).toContainText(`cancelled by ${p.aliceId}`);
  }
  // Nothing left to answer, and nothing was transferred or stored.
  await expect(session(p.bob.page, id).locator('.accept, .decline')).toHaveCount(0);
  expect(await p.bob.page.evaluate((sid) => window.wtTestHook.transfers.store.getTransfer(sid), id)).toBeUndefined();
  expect(p.alice.errors).toEqual([]);
  expect(p.bob.errors).toEqual([]);
  await p.close();
});

test('the receiver cancels mid-way: the sender stops and is told, and the received pieces go', async ({ browser }) => {
  const p = await pair(browser, 'rxcancel');
  const id = await sendFile(p.alice.page, p.bob.page, p.bobId, large, { notAMovie: true, uploadMBps: 5 });
  await expect.poll(async () => (await transferView(p.bob.page, id))?.fraction ?? 0, { timeout: 60_000 }).toBeGreaterThan(0.05);
  expect(await p.bob.page.evaluate((sid) => window.wtTestHook.transfers.store.readPiece(sid, 0), id)).not.toBeNull();
  await session(p.bob.page, id).locator('.cancel').click();
  await expect(session(p.alice.page, id)).toHaveAttribute('data-status', 'cancelled');
  await expect(session(p.alice.page, id)).toContainText(`cancelled by ${p.bobId}`);
  // The sender's transfer is over (it sends nothing more), and Bob's stored pieces are deleted.
  await expect.poll(() => p.alice.page.evaluate((sid) => window.wtTestHook.transfers.transfers.get(sid)?.closed ?? true, id)).toBe(true);
  await expect.poll(() => p.bob.page.evaluate((sid) => window.wtTestHook.transfers.store.readPiece(sid, 0), id)).toBeNull();
  expect(p.alice.errors).toEqual([]);
  expect(p.bob.errors).toEqual([]);
  await p.close();
});

test('Accept checks the free storage first: refused with the figures when it is short, accepted once there is room', async ({ browser }) => {
  // Bob's browser reports 5 MB free (StorageManager.estimate), until the test frees some.
  const tightDisk = (page) => page.addInitScript(() => {
    window.__freeBytes = 5e6;
    navigator.storage.estimate = async () => ({ quota: 1e9, usage: 1e9 - window.__freeBytes });
  });
  const p = await pair(browser, 'disk', { instrumentBob: tightDisk });
  await p.alice.page.locator('#partner').selectOption(p.bobId);
  await p.alice.page.locator('#movie-input').setInputFiles(small);
  await p.alice.page.locator('#invite').click();
  await sendAnyway(p.alice.page);
  const invite = p.bob.page.locator('li.session[data-status="pending"]');
  const id = await invite.getAttribute('data-session');
  await invite.locator('.accept').click();
  await expect(invite.locator('.check-message.refused')).toContainText('Not enough storage: this file needs 10.0 MB but only 5.0 MB is free.');
  await expect(session(p.alice.page, id)).toHaveAttribute('data-status', 'pending');
  expect(await p.bob.page.evaluate((sid) => window.wtTestHook.transfers.store.getTransfer(sid), id)).toBeUndefined();
  // Room is made: Accept goes through and the file arrives.
  await p.bob.page.evaluate(() => { window.__freeBytes = 500e6; });
  await invite.locator('.accept').click();
  await acceptAnyway(invite);
  await waitReady(p.bob.page, id);
  expect(await savedSha256(p.bob.page, id, dir)).toBe(smallSum);
  await p.close();
});

test('clean-up runs at start-up, and again by itself when the plan says (page clock moved forward)', async ({ browser }) => {
  const p = await pair(browser, 'gcrun');
  const files = [makeFile(join(dir, 'gc-a.mp4'), 2 * MiB + 1), makeFile(join(dir, 'gc-b.mp4'), 2 * MiB + 2)];
  const ids = [];
  for (const f of files) {
    const sid = await sendFile(p.alice.page, p.bob.page, p.bobId, f, { notAMovie: true });
    await waitReady(p.bob.page, sid);
    ids.push(sid);
  }
  const hour = 3600_000;
  // As Bob's store records them: the first session ended 25 h ago, the second 23 h ago.
  await p.bob.page.evaluate(async ([first, second, h]) => {
    const { store } = window.wtTestHook.transfers;
    await store.updateTransfer(first, { endedAt: Date.now() - 25 * h, lastActiveAt: Date.now() - 25 * h });
    await store.updateTransfer(second, { endedAt: Date.now() - 23 * h, lastActiveAt: Date.now() - 23 * h });
  }, [...ids, hour]);
  // Bob opens the app again, with a clock the test can move.
  await p.bob.context.clock.install();
  const bob = await reopen(p.bob, p.bobId);
  const piece = (sid) => bob.evaluate((s) => window.wtTestHook.transfers.store.readPiece(s, 0), sid);
  // At start-up: the first session's pieces go (24 h are up), the second's stay (an hour to go).
  await expect.poll(() => piece(ids[0])).toBeNull();
  expect(await piece(ids[1])).not.toBeNull();
  // An hour later, without a reload or a call, the timer the plan set deletes the second's.
  await bob.clock.fastForward(hour + 5000);
  await expect.poll(() => piece(ids[1])).toBeNull();
  expect(p.bob.errors).toEqual([]);
  await p.close();
});
