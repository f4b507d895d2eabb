// Across networks: transfers through a TURN relay. The test starts Debian's coturn on loopback
// (time-limited credentials, the TURN REST scheme, minted by the page server for every request as
// tools/ice-config.mjs does) and a page server of its own whose /config.json forces
// iceTransportPolicy 'relay', so nothing can silently go direct. The truth is outside the app:
// sha256sum of the source and of what the receiving browser saved, and the browser's own getStats.
import { expect } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStaticServer } from '../tools/static-server.mjs';
import { iceConfigFromEnv } from '../tools/ice-config.mjs';
import { browserName, openAs, reopen, test, userIds } from './support/pages.mjs';
import { MiB, cutConnection, instrument, makeFile, savedSha256, sendFile, session, setUploadLimit, sha256sum, transferView, waitReady } from './support/transfer-helpers.mjs';
import { startTurnServer } from './support/turn-server.mjs';
import { startUdpDelay } from './support/udp-delay.mjs';

const SECRET = 'relay-test-secret';
let dir, file, fileSum, turn, web, far;
// What the page server hands out as ICE servers now: 'good' credentials, 'wrong' ones (signed with
// another secret: the relay refuses them), 'none' (no relay at all), or 'far' (good ones, reached
// through the delaying UDP relay `far`: a 100 ms longer round trip). Always relay-only.
let relayMode = 'good';

test.beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wt-relay-'));
  file = makeFile(join(dir, 'relayed movie.mp4'), 20 * 1000 * 1000 + 4321);
  fileSum = sha256sum(file);
  turn = await startTurnServer({ secret: SECRET });
  far = await startUdpDelay({ host: turn.ip, targetPort: turn.port, delayMs: 25 });
  const base = await (await fetch(`${process.env.WT_BASE_URL}/config.json`)).json();
  const iceFor = {
    good: iceConfigFromEnv({ WT_TURN_URLS: turn.url, WT_TURN_SECRET: SECRET, WT_ICE_TRANSPORT_POLICY: 'relay' }),
    wrong: iceConfigFromEnv({ WT_TURN_URLS: turn.url, WT_TURN_SECRET: 'not-the-secret', WT_ICE_TRANSPORT_POLICY: 'relay' }),
    none: iceConfigFromEnv({ WT_ICE_TRANSPORT_POLICY: 'relay' }),
    far: iceConfigFromEnv({ WT_TURN_URLS: `turn:${turn.ip}:${far.port}?transport=udp`, WT_TURN_SECRET: SECRET, WT_ICE_TRANSPORT_POLICY: 'relay' }),
  };
  web = await startStaticServer({ clientConfig: async () => ({ ...base, ...(await iceFor[relayMode]()) }), port: 0, testBundle: true });
});

test.afterAll(async () => {
  await web?.close();
  far?.close();
  await turn?.close();  // by its own process id
  rmSync(dir, { recursive: true, force: true });
});

test.beforeEach(() => { relayMode = 'good'; });

const users = (tag) => userIds(tag, 'alice', 'bob');
const open = (browser, user, prepare) => openAs(browser, user, prepare, { baseUrl: web.url });

// The candidate types of the page's connected peer connections, from the browser's getStats.
const selectedTypes = (page) => page.evaluate(async () => {
  const out = [];
  for (const pc of window.__pcs) {
    if (pc.connectionState !== 'connected') continue;
    const stats = await pc.getStats();
    stats.forEach((r) => {
      if (r.type === 'candidate-pair' && r.state === 'succeeded' && (r.selected || r.nominated)) out.push(stats.get(r.localCandidateId)?.candidateType);
    });
  }
  return out;
});

const linkText = (page, id) => session(page, id).locator('.link-type');
const storedPieces = (page, id, count) => page.evaluate(async ({ sid, count: c }) => {
  const have = [];
  for (let p = 0; p < c; p++) if (await window.wtTestHook.transfers.store.readPieceBlob(sid, p)) have.push(p);
  return have;
}, { sid: id, count });
const verifiedBytes = (page, id) => page.evaluate((sid) => window.wtTestHook.transfers.transfers.get(sid)?.driver?.bytesVerified ?? 0, id);

test('a 20 MB file crosses a relay-only connection byte-identical, says "Relayed connection", and a cut reconnects through the relay and resumes', async ({ browser }, info) => {
  const name = browserName(browser);
  const [aliceId, bobId] = users('relay');
  const alice = await open(browser, aliceId, instrument);
  const bob = await open(browser, bobId, instrument);
  const started = Date.now();
  // Slow enough that the cut comes mid-way on any machine; lifted once the new connection is up.
  const id = await sendFile(alice.page, bob.page, bobId, file, { notAMovie: true, uploadMBps: 1 });
  await expect(linkText(bob.page, id)).toHaveText('Relayed connection', { timeout: 30_000 });
  await expect(linkText(alice.page, id)).toHaveText('Relayed connection');
  expect(await selectedTypes(bob.page)).toEqual(['relay']);
  await bob.page.screenshot({ path: info.outputPath('relayed-connection.png'), fullPage: true });
  await expect.poll(() => verifiedBytes(bob.page, id), { timeout: 30_000 }).toBeGreaterThanOrEqual(2 * MiB);
  expect(await cutConnection(bob.page)).toBe(1);
  // A new connection, through the relay again (relay-only: it cannot be anything else).
  await expect.poll(() => bob.page.evaluate(() => window.__pcs.length >= 2 && window.__pcs.at(-1).connectionState === 'connected'), { timeout: 30_000 }).toBe(true);
  await expect(linkText(bob.page, id)).toHaveText('Relayed connection', { timeout: 30_000 });
  expect(await selectedTypes(bob.page)).toEqual(['relay']);
  await setUploadLimit(alice.page, 0);
  await waitReady(bob.page, id);
  const seconds = (Date.now() - started) / 1000;
  expect(await savedSha256(bob.page, id, dir)).toBe(fileSum);
  const view = await transferView(bob.page, id);
  expect(view.link).toBe('relayed');
  expect(view.stats.link).toBe('relayed');
  console.log(`20 MB ${name}→${name} through the relay with one cut: ${seconds.toFixed(1)} s`);
  expect(alice.errors).toEqual([]);
  expect(bob.errors).toEqual([]);
  await Promise.all([alice.context.close(), bob.context.close()]);
});

test('the other browser receives 20 MB through the relay byte-identical', async ({ browser, other }, testInfo) => {
  const [aliceId, bobId] = users('relay-x');
  const alice = await open(browser, aliceId, instrument);
  const bob = await open(other, bobId, instrument);
  const started = Date.now();
  const id = await sendFile(alice.page, bob.page, bobId, file, { notAMovie: true });
  await waitReady(bob.page, id);
  const seconds = (Date.now() - started) / 1000;
  expect(await savedSha256(bob.page, id, dir)).toBe(fileSum);
  expect((await transferView(bob.page, id)).link).toBe('relayed');
  console.log(`20 MB ${browserName(browser)}→${browserName(other)} through the relay: ${seconds.toFixed(1)} s`);
  expect(alice.errors).toEqual([]);
  expect(bob.errors).toEqual([]);
  await Promise.all([alice.context.close(), bob.context.close()]);
});

test('a relay that refuses the credentials, then no relay at all: "Could not connect to …" in bounded time, and no stored piece is lost', async ({ browser }) => {
  const [aliceId, bobId] = users('blocked');
  const alice = await open(browser, aliceId, instrument);
  const bob = await open(browser, bobId, instrument);
  const id = await sendFile(alice.page, bob.page, bobId, file, { notAMovie: true, uploadMBps: 2 });
  const pieceCount = Math.ceil(20_004_321 / MiB);
  await expect.poll(() => storedPieces(bob.page, id, pieceCount).then((p) => p.length), { timeout: 30_000 }).toBeGreaterThanOrEqual(3);
  const message = `Could not connect to ${aliceId}: your networks block direct connections and no relay is configured`;
  let bobPage = bob.page;
  const before = await storedPieces(bobPage, id, pieceCount);
  for (const mode of ['wrong', 'none']) {
    relayMode = mode;
    bobPage = await reopen({ ...bob, page: bobPage }, bobId, { baseUrl: web.url });
    // Three attempts that gather no candidate, with backoff between them: seconds, not forever.
    await expect(session(bobPage, id).locator('.transfer-status')).toHaveText(message, { timeout: 30_000 });
    await expect(session(bobPage, id)).toHaveAttribute('data-status', 'downloading');  // not failed: nothing is cleaned up
    const after = await storedPieces(bobPage, id, pieceCount);
    expect(after).toEqual(expect.arrayContaining(before));
    console.log(`relay ${mode}: "${message}", ${after.length} of ${pieceCount} pieces still stored`);
  }
  // With the relay back, a reload goes on from what was stored and finishes byte-identical.
  relayMode = 'good';
  await setUploadLimit(alice.page, 0);
  bobPage = await reopen({ ...bob, page: bobPage }, bobId, { baseUrl: web.url });
  await waitReady(bobPage, id);
  expect(await savedSha256(bobPage, id, dir)).toBe(fileSum);
  expect(alice.errors).toEqual([]);
  expect(bob.errors).toEqual([]);
  await Promise.all([alice.context.close(), bob.context.close()]);
});

test('across a 100 ms longer round trip the sender measures the path and spreads the file over extra connections (lanes); it arrives byte-identical', async ({ browser }, info) => {
  relayMode = 'far';
  const name = browserName(browser);
  const [aliceId, bobId] = users('lanes');
  const alice = await open(browser, aliceId, instrument);
  const bob = await open(browser, bobId, instrument);
  const started = Date.now();
  const id = await sendFile(alice.page, bob.page, bobId, file, { notAMovie: true });
  await expect(linkText(bob.page, id)).toHaveText('Relayed connection', { timeout: 30_000 });
  // The sender's core saw the round trip (the relay adds 4 × 25 ms) and asked for four lanes; the
  // pages opened them over the main channel: four connected peer connections on each side.
  await expect.poll(() => bob.page.evaluate(() => window.__pcs.filter((pc) => pc.connectionState === 'connected').length), { timeout: 30_000 }).toBe(4);
  await bob.page.screenshot({ path: info.outputPath('lanes-transferring.png'), fullPage: true });
  await waitReady(bob.page, id, 120_000);
  const seconds = (Date.now() - started) / 1000;
  expect(await savedSha256(bob.page, id, dir)).toBe(fileSum);
  const sent = (await transferView(alice.page, id)).stats;
  const got = (await transferView(bob.page, id)).stats;
  console.log(`20 MB ${name}→${name} across +100 ms: ${seconds.toFixed(1)} s; sender ${JSON.stringify(sent)}; receiver lane bytes ${got.laneChunkBytes}`);
  expect(sent.minRoundTripMs).toBeGreaterThanOrEqual(100);
  // A quarter of the file at least came over the lanes (about three quarters here: the main channel
  // carries its share too, and alone only until the lanes open), and the receiver counted them.
  expect(sent.lanePiecesStarted).toBeGreaterThanOrEqual(5);
  expect(got.laneChunkBytes).toBeGreaterThanOrEqual(5 * MiB);
  expect(got.laneChunkBytes).toBeLessThanOrEqual(sent.laneBytesSent);
  expect(alice.errors).toEqual([]);
  expect(bob.errors).toEqual([]);
  await Promise.all([alice.context.close(), bob.context.close()]);
});
