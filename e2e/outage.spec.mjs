// The database going away mid-session and coming back (the embedded server stopped and started
// again on the same port with the same data, as an outage looks to clients): both pages show the
// offline banner, what goes peer to peer goes on, local playback controls keep working, the SDK's
// queued writes reach the server once it is back, and both viewers converge. These tests run their
// own database and page server (global-setup's live in another process and serve other tests).
import { test, expect } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../tools/database-config.mjs';
import { startStaticServer } from '../tools/static-server.mjs';
import { openAs, userIds } from './support/pages.mjs';
import { expectInSync, recordFrames, startSameFileSession } from './support/sync-helpers.mjs';
import { testMovieNamed } from './support/test-movies.mjs';
import { MiB, acceptAnyway, makeFile, savedSha256, sendAnyway, sendFile, sha256sum, transferView, waitReady } from './support/transfer-helpers.mjs';

let dir, stack;

test.beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wt-outage-'));
  const db = await openDatabase({ ...process.env, WT_DATABASE_PORT: '' });  // a free port, not global-setup's
  const web = await startStaticServer({ clientConfig: db.client, port: 0, testBundle: true });
  stack = { db: db.embedded, url: web.url, close: async () => { await web.close(); await db.close(); } };
});
test.afterAll(async () => {
  await stack?.close();
  rmSync(dir, { recursive: true, force: true });
});
test.beforeEach(() => {
  test.skip(!stack.db, 'the database is not the embedded server (WT_FIREBASE_CONFIG or an emulator): it cannot be restarted from here');
});

// Every text the page's error line shows (a MutationObserver: one replaced a moment later counts).
const recordErrors = (page) => page.addInitScript(() => {
  window.__errors = [];
  new MutationObserver(() => {
    const p = document.getElementById('error');
    if (p && !p.hidden && p.textContent && window.__errors.at(-1) !== p.textContent) window.__errors.push(p.textContent);
  }).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
});
const shownErrors = (side) => side.page.evaluate(() => window.__errors);
// Uncaught page errors, less Firefox's report of each refused WebSocket while the database is away
// (Playwright hears it as a page error; the SDK handles the refusal and tries again).
// Firefox words it two ways: a refused connection, and one the server dropped ("The connection to
// ws://… was interrupted while the page was loading"); only messages about a ws:// URL are left out.
const pageErrors = (side) => side.errors.filter((e) => !/(can.t establish a connection to the server at|The connection to) ws:\/\//.test(e));
const open = (browser, user) => openAs(browser, user, recordErrors, { baseUrl: stack.url });
const dbState = (side) => side.page.locator('#db-status');
// What the server holds, read as the server itself (no rules): the truth the pages converge on.
const serverValue = (path) => stack.db.server.getValue(stack.db.server.baseRef.child(path));

// Takes the database away; resolves once both pages show they are offline.
async function takeDown(sides) {
  await stack.db.stop();
  for (const side of sides) await expect(dbState(side)).toHaveAttribute('data-state', 'offline');
}

// Brings it back; resolves once both pages are connected again.
async function bringBack(sides) {
  await stack.db.start();
  for (const side of sides) await expect(dbState(side)).toHaveAttribute('data-state', 'ok', { timeout: 30_000 });
}

test('the database restarted twice during a transfer: offline banner, the transfer goes on and ends byte-identical, one session record', async ({ browser }, info) => {
  test.setTimeout(180_000);
  const [aliceId, bobId] = userIds('outage-tx', 'alice', 'bob');
  const alice = await open(browser, aliceId);
  const bob = await open(browser, bobId);
  const size = 24 * MiB + 4321;
  const file = makeFile(join(dir, 'outage movie.mp4'), size);
  const id = await sendFile(alice.page, bob.page, bobId, file, { notAMovie: true, uploadMBps: 4 });
  const fraction = async () => (await transferView(bob.page, id))?.fraction ?? 0;

  // First outage, a quarter of the way: the pieces keep coming peer to peer while the database is
  // away (waited for: a tenth of the file more), then it comes back.
  await expect.poll(fraction, { timeout: 60_000, intervals: [100] }).toBeGreaterThan(0.25);
  await takeDown([alice, bob]);
  await expect(dbState(bob)).toContainText('offline — reconnecting to embedded database at');
  const atDrop = await fraction();
  await expect.poll(fraction, { timeout: 30_000, intervals: [100] }).toBeGreaterThan(atDrop + 0.1);
  await bob.page.screenshot({ path: info.outputPath('receiver-offline.png'), fullPage: true });
  await bringBack([alice, bob]);

  // Second outage, from 70 % until every byte has arrived: the receiver's 'ready' is written while
  // the database is away and reaches it once it is back.
  await expect.poll(fraction, { timeout: 60_000, intervals: [100] }).toBeGreaterThan(0.7);
  await takeDown([alice, bob]);
  await expect.poll(fraction, { timeout: 60_000, intervals: [100] }).toBe(1);
  await alice.page.screenshot({ path: info.outputPath('sender-offline.png'), fullPage: true });
  await bringBack([alice, bob]);

  await waitReady(bob.page, id);
  await waitReady(alice.page, id);
  expect(await savedSha256(bob.page, id, dir)).toBe(sha256sum(file));

  await expectOneReadySession(aliceId, bobId, id, 'outage movie.mp4', size);
  // Both announced themselves again after each drop (the server removed them when it dropped them).
  for (const user of [aliceId, bobId]) expect(await serverValue(`presence/${user}`)).toMatchObject({ name: user });
  // No error about the database, ever (the file is random bytes: that it is no playable movie is
  // the one thing the receiver may say).
  for (const side of [alice, bob]) {
    expect((await shownErrors(side)).filter((e) => !/^The video could not be played/.test(e))).toEqual([]);
    expect(pageErrors(side)).toEqual([]);
  }
  await Promise.all([alice.context.close(), bob.context.close()]);
});

// Expects exactly one session record between the pair on the server, `ready`, with both users'
// index entries and nothing else under them.
async function expectOneReadySession(aliceId, bobId, id, fileName, size) {
  const sessions = Object.entries(await serverValue('watch-sessions') ?? {})
    .filter(([, s]) => s.initiatorId === aliceId || s.recipientId === bobId);
  expect(sessions.map(([key]) => key)).toEqual([id]);
  const [[, record]] = sessions;
  expect(record).toMatchObject({ initiatorId: aliceId, recipientId: bobId, fileName, fileSize: size, status: 'ready', bytesDownloaded: size });
  expect(await serverValue(`user-sessions/${aliceId}`)).toEqual({ [id]: { role: 'initiator', createdAt: record.createdAt } });
  expect(await serverValue(`user-sessions/${bobId}`)).toEqual({ [id]: { role: 'recipient', createdAt: record.createdAt } });
}

test('an invitation sent and accepted while the database is away: one session record, and the file arrives byte-identical once it is back', async ({ browser }, info) => {
  const [aliceId, bobId] = userIds('outage-invite', 'alice', 'bob');
  const alice = await open(browser, aliceId);
  const bob = await open(browser, bobId);
  const size = 6 * MiB + 777;
  const file = makeFile(join(dir, 'invited while offline.mp4'), size);
  await alice.page.locator(`#partner option[value="${bobId}"]`).waitFor({ state: 'attached' });

  // Alice invites Bob while the database is away: the page shows the invitation at once (the SDK
  // applies its own writes locally) and sends it when the database is back.
  await takeDown([alice, bob]);
  await alice.page.locator('#partner').selectOption(bobId);
  await alice.page.locator('#movie-input').setInputFiles(file);
  await alice.page.locator('#invite').click();
  await sendAnyway(alice.page);  // random bytes: asked first, as offline as online
  const mine = alice.page.locator('li.session[data-status="pending"]');
  await expect(mine).toHaveCount(1);
  const id = await mine.getAttribute('data-session');
  await alice.page.screenshot({ path: info.outputPath('invited-offline.png'), fullPage: true });
  await bringBack([alice, bob]);
  const invite = bob.page.locator(`li.session[data-session="${id}"][data-status="pending"]`);
  await expect(invite).toBeVisible();

  // Bob accepts while it is away again: his acceptance and his first signaling wait in the SDK's
  // queue, and the transfer starts once the database is back.
  await takeDown([alice, bob]);
  await invite.locator('.accept').click();
  await acceptAnyway(invite);
  await expect(bob.page.locator(`li.session[data-session="${id}"]`)).toHaveAttribute('data-status', 'downloading');
  await bringBack([alice, bob]);
  await waitReady(bob.page, id);
  await waitReady(alice.page, id);
  expect(await savedSha256(bob.page, id, dir)).toBe(sha256sum(file));
  await expectOneReadySession(aliceId, bobId, id, 'invited while offline.mp4', size);
  for (const side of [alice, bob]) {
    expect((await shownErrors(side)).filter((e) => !/^The video could not be played/.test(e))).toEqual([]);
    expect(pageErrors(side)).toEqual([]);
  }
  await Promise.all([alice.context.close(), bob.context.close()]);
});

test('the database restarted during synced playback: local play, pause and seek work while it is away, and both converge on the last action once it is back', async ({ browser }, info) => {
  test.setTimeout(150_000);
  const movie = testMovieNamed(dir, 'counter.webm', 'counter', { seconds: 120 }).path;
  const [aliceId, bobId] = userIds('outage-play', 'alice', 'bob');
  const alice = await open(browser, aliceId);
  const bob = await open(browser, bobId);
  await startSameFileSession(alice.page, bob.page, bobId, movie);
  for (const side of [alice, bob]) await expect(side.page.locator('#player-box')).toBeVisible();
  const player = (side, fn) => side.page.evaluate(fn);
  const paused = (side) => player(side, () => document.getElementById('player').paused);
  const currentTime = (side) => player(side, () => document.getElementById('player').currentTime);
  const stats = (side) => player(side, () => window.wtTestHook.sync.stats());
  const id = await bob.page.locator('li.session').first().getAttribute('data-session');

  await player(alice, () => document.getElementById('player').play());
  await expect.poll(() => paused(bob), { timeout: 10_000 }).toBe(false);
  await expect.poll(() => currentTime(bob), { timeout: 10_000 }).toBeGreaterThan(2);
  const before = await serverValue(`watch-playback/${id}`);
  const bobBefore = await stats(bob);

  await takeDown([alice, bob]);
  // Bob pauses: his player stops and stays stopped (the core does not put it back to the group's
  // playing state it last heard), while Alice, who cannot hear him, plays on.
  await player(bob, () => document.getElementById('player').pause());
  await expect(bob.page.locator('#sync-status')).toHaveAttribute('data-state', 'paused');
  const pausedAt = await currentTime(bob);
  await expect.poll(() => currentTime(alice), { timeout: 10_000 }).toBeGreaterThan(pausedAt + 1);
  expect(await paused(bob)).toBe(true);
  expect(await currentTime(bob)).toBeCloseTo(pausedAt, 1);
  // He seeks to 60 s: his player goes there.
  await player(bob, () => { document.getElementById('player').currentTime = 60; });
  await expect.poll(() => currentTime(bob), { timeout: 10_000 }).toBeCloseTo(60, 0);
  expect(await paused(bob)).toBe(true);
  // And plays from there.
  await player(bob, () => document.getElementById('player').play());
  await expect.poll(() => currentTime(bob), { timeout: 10_000 }).toBeGreaterThan(61);
  expect(await paused(bob)).toBe(false);
  await bob.page.screenshot({ path: info.outputPath('viewer-offline.png'), fullPage: true });
  const bobActed = await stats(bob);
  expect(bobActed.userActions - bobBefore.userActions).toBe(3);

  await bringBack([alice, bob]);
  // Bob's writes made while away reached the server, in order: the record is his last one
  // (playing from 60 s), one seq per action he published.
  await expect.poll(async () => (await serverValue(`watch-playback/${id}`))?.lastUpdateBy, { timeout: 15_000 }).toBe(bobId);
  await expect.poll(async () => (await serverValue(`watch-playback/${id}`))?.seq, { timeout: 15_000 })
    .toBe(before.seq + (bobActed.published - bobBefore.published));
  // Both viewers report again (the server removed their reports when it dropped them).
  await expect.poll(async () => Object.keys(await serverValue(`watch-viewers/${id}`) ?? {}).sort(), { timeout: 15_000 })
    .toEqual([aliceId, bobId].sort());
  const after = await serverValue(`watch-playback/${id}`);
  expect(after.state).toBe('playing');
  expect(after.currentTime).toBeGreaterThanOrEqual(59.5);
  expect(after.currentTime).toBeLessThan(62);
  // Alice comes to Bob's position (she jumps there: he pressed play while she could not hear him,
  // so the group is seconds past 60 s), lands, and both play in sync.
  await expect.poll(async () => {
    const [a, b, stopped] = await Promise.all([currentTime(alice), currentTime(bob), paused(alice)]);
    return !stopped && b > 60 && Math.abs(a - b) < 0.1;
  }, { timeout: 20_000 }).toBe(true);
  for (const side of [alice, bob]) await recordFrames(side.page);
  await expectInSync(alice.page, bob.page, Date.now() + 2000, 5000, 'after the database came back: ');
  // Every write was a user's action (Alice's play, Bob's three): nothing echoed, nothing replayed.
  for (const side of [alice, bob]) {
    const st = await stats(side);
    expect(st.published - st.systemWrites).toBe(st.userActions);
    expect(await shownErrors(side)).toEqual([]);
    expect(pageErrors(side)).toEqual([]);
  }
  await Promise.all([alice.context.close(), bob.context.close()]);
});
