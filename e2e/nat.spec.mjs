// Behind NATs and firewalls. Firefox's built-in NAT simulator (media.peerconnection.nat_simulator.*:
// Mozilla's own WebRTC tests use it) puts a Firefox's WebRTC traffic behind a simulated NAT of a given
// mapping and filtering type, or blocks its UDP or TCP; each such Firefox is launched by the test with
// those prefs. The page server hands out Debian's coturn on this machine over UDP and TCP (time-limited
// credentials, fresh for every connection) with the product's usual policy: direct paths first, the
// relay when nothing else works. The truth is outside the app: the browsers' own getStats (the
// selected pair's candidate types and the relay's protocol) and sha256sum of what was saved.
import { expect, firefox } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStaticServer } from '../tools/static-server.mjs';
import { turnRestIceServers } from '../web/adapters/turn-credentials.js';
import { FIREFOX_PREFS } from './playwright.config.mjs';
import { openAs, reopen, test, userIds } from './support/pages.mjs';
import { MiB, gateReads, instrument, makeFile, savedSha256, sendFile, session, setReadLimit, sha256sum, transferView, waitReady } from './support/transfer-helpers.mjs';
import { startTurnServer } from './support/turn-server.mjs';

const SECRET = 'nat-test-secret';
// A symmetric NAT: a new external port for every destination, and only replies from that destination.
const SYMMETRIC = { mapping_type: 'PORT_DEPENDENT', filtering_type: 'PORT_DEPENDENT' };
let dir, file, fileSum, turn, web;
let relay = true;  // whether the page server hands out the relay now

test.beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wt-nat-'));
  file = makeFile(join(dir, 'nat movie.mp4'), 6 * 1000 * 1000 + 321);
  fileSum = sha256sum(file);
  turn = await startTurnServer({ secret: SECRET });
  const base = await (await fetch(`${process.env.WT_BASE_URL}/config.json`)).json();
  const urls = [`turn:${turn.ip}:${turn.port}?transport=udp`, `turn:${turn.ip}:${turn.port}?transport=tcp`];
  web = await startStaticServer({
    clientConfig: async () => ({
      ...base, iceServersRefresh: true,
      iceServers: relay ? await turnRestIceServers({ urls, secret: SECRET, user: 'nat-test' }) : [],
    }),
    port: 0, testBundle: true,
  });
});

test.afterAll(async () => {
  await web?.close();
  await turn?.close();
  rmSync(dir, { recursive: true, force: true });
});

test.beforeEach(() => { relay = true; });

// Every page records its peer connections; the sender's reads of the file can be held (setReadLimit),
// so that the connection is still carrying the file while the test looks at it, however fast or
// slow this machine is.
const open = (browser, user) => openAs(browser, user, async (page) => { await instrument(page); await gateReads(page); }, { baseUrl: web.url });
const HOLD_AT = 2 * MiB;
const natFirefox = (nat) => firefox.launch({
  channel: 'moz-firefox', executablePath: '/usr/bin/firefox-esr',
  firefoxUserPrefs: { ...FIREFOX_PREFS, ...Object.fromEntries(Object.entries(nat).map(([k, v]) => [`media.peerconnection.nat_simulator.${k}`, v])) },
});

// The selected candidate pair of the page's connected peer connections, from the browser's getStats.
const selectedPairs = (page) => page.evaluate(async () => {
  const out = [];
  for (const pc of window.__pcs) {
    if (pc.connectionState !== 'connected') continue;
    const stats = await pc.getStats();
    stats.forEach((r) => {
      if (r.type !== 'candidate-pair' || r.state !== 'succeeded' || !(r.selected || r.nominated)) return;
      const local = stats.get(r.localCandidateId);
      out.push({ local: local?.candidateType, relayProtocol: local?.relayProtocol ?? null, remote: stats.get(r.remoteCandidateId)?.candidateType });
    });
  }
  return out;
});

// How many peer connections the page has made (instrument's list): one per connection attempt.
const attempts = (page) => page.evaluate(() => window.__pcs.length);
// Each of them: signaling, gathering, ICE and connection states, and its local candidates' types.
const pcStates = (page) => page.evaluate(async () => Promise.all(window.__pcs.map(async (pc) => {
  const local = [];
  (await pc.getStats()).forEach((r) => { if (r.type === 'local-candidate') local.push(`${r.candidateType}/${r.protocol}${r.relayProtocol ? `/${r.relayProtocol}` : ''}`); });
  return `${pc.signalingState}/${pc.iceGatheringState}/${pc.iceConnectionState}/${pc.connectionState} [${local.join(' ')}]`;
})));

// Alice sends the file to Bob, her reads held after its first 2 MiB (so that the connection still
// carries it when its pair is read); both say "Relayed connection"; `check(pairs of watched's
// page)`; then the rest goes, and what Bob saved is the file.
async function transferThrough(alice, bob, bobId, watched, check) {
  const id = await sendFile(alice.page, bob.page, bobId, file, { notAMovie: true, beforeAccept: () => setReadLimit(alice.page, HOLD_AT) });
  const t0 = Date.now();
  // Both say so; a failure says what each side showed instead (its link and transfer lines) and
  // the state of each peer connection it made.
  const link = async (page) => {
    const item = session(page, id);
    const [type, status] = await Promise.all(['.link-type', '.transfer-status'].map((c) => item.locator(c).allTextContents().then((t) => t.join(' '))));
    return `${type || '(no link)'}; "${status}"; connections ${JSON.stringify(await pcStates(page))}`;
  };
  await expect.poll(async () => `Alice: ${await link(alice.page)} | Bob: ${await link(bob.page)}`, { timeout: 60_000, intervals: [500] })
    .toMatch(/^Alice: Relayed connection;.*\| Bob: Relayed connection;/);
  console.log(`relayed after ${Date.now() - t0} ms, ${await attempts(bob.page)} connection attempt(s) by the receiver`);
  check(await selectedPairs(watched.page));
  await setReadLimit(alice.page, null);
  await waitReady(bob.page, id);
  expect(await savedSha256(bob.page, id, dir)).toBe(fileSum);
  expect((await transferView(bob.page, id)).stats.link).toBe('relayed');
  return id;
}

test('a Firefox viewer whose UDP is blocked reaches the other browser through the relay over TCP', async ({ browser, other }, info) => {
  const blocked = await natFirefox({ ...SYMMETRIC, block_udp: true });
  const chromium = info.project.name === 'chromium' ? browser : other;
  // Each project sends one way: Chromium to the blocked Firefox, then the blocked Firefox to Chromium.
  const [aliceBrowser, bobBrowser] = info.project.name === 'chromium' ? [chromium, blocked] : [blocked, chromium];
  const [aliceId, bobId] = userIds('udp-blocked', 'alice', 'bob');
  const sides = [];
  try {
    const alice = await open(aliceBrowser, aliceId);
    const bob = await open(bobBrowser, bobId);
    sides.push(alice, bob);
    // The Firefox side reaches the relay over TCP (its UDP is blocked); Chromium talks to the relay's
    // address over UDP, as any peer of a relayed candidate does.
    const firefoxSide = info.project.name === 'chromium' ? bob : alice;
    await transferThrough(alice, bob, bobId, firefoxSide, (pairs) => {
      expect(pairs.length).toBeGreaterThan(0);
      for (const pair of pairs) expect(pair).toEqual({ local: 'relay', relayProtocol: 'tcp', remote: expect.any(String) });
    });
    expect(alice.errors).toEqual([]);
    expect(bob.errors).toEqual([]);
  } finally {
    // The Chromium side's page too: its link would otherwise stay open into the next test.
    await Promise.all(sides.map((side) => side.context.close()));
    await blocked.close();
  }
});

test('two viewers each behind a symmetric NAT: no direct path, "Could not connect" without a relay, and the file crosses through one', async ({ browser }, info) => {
  test.skip(info.project.name !== 'firefox', 'both viewers are Firefox behind the simulator\'s NATs: once, in the Firefox project');
  const [aliceNat, bobNat] = [await natFirefox(SYMMETRIC), await natFirefox(SYMMETRIC)];
  const [aliceId, bobId] = userIds('symmetric', 'alice', 'bob');
  try {
    relay = false;
    const alice = await open(aliceNat, aliceId);
    const bob = await open(bobNat, bobId);
    const id = await sendFile(alice.page, bob.page, bobId, file, { notAMovie: true, beforeAccept: () => setReadLimit(alice.page, HOLD_AT) });
    // Each NAT lets in only replies to what went out from its own side to that very address: the
    // connection checks of either side are dropped by the other's NAT, so no attempt connects.
    const message = `Could not connect to ${aliceId}: your networks block direct connections and no relay is configured`;
    await expect(session(bob.page, id).locator('.transfer-status')).toHaveText(message, { timeout: 90_000 });
    await expect(session(bob.page, id)).toHaveAttribute('data-status', 'downloading');  // not failed
    // With the relay handed out again, Bob's page (reloaded) connects through it.
    relay = true;
    const bobAgain = { ...bob, page: await reopen(bob, bobId, { baseUrl: web.url }) };
    for (const side of [alice, bobAgain]) await expect(session(side.page, id).locator('.link-type')).toHaveText('Relayed connection', { timeout: 30_000 });
    // Every connected pair on Alice's side goes through the relay, or reaches Bob's relayed address
    // (her page may still hold the connection of an attempt Bob's reload replaced, while it closes).
    const pairs = await selectedPairs(alice.page);
    expect(pairs.length).toBeGreaterThan(0);
    for (const pair of pairs) expect([pair.local, pair.remote]).toContain('relay');
    await setReadLimit(alice.page, null);
    await waitReady(bobAgain.page, id);
    expect(await savedSha256(bobAgain.page, id, dir)).toBe(fileSum);
    // Firefox reports the first attempts' ICE failure itself (a console error, not the page's).
    const own = (errors) => errors.filter((e) => !e.startsWith('ICE failed, add a STUN server'));
    expect(own(alice.errors)).toEqual([]);
    expect(own(bob.errors)).toEqual([]);
  } finally {
    await Promise.all([aliceNat.close(), bobNat.close()]);
  }
});
