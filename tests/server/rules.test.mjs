// The deployed database.rules.json, tested as @firebase/rules-unit-testing does: the unmodified
// modular SDK signed in through the emulator convention (connectDatabaseEmulator's mockUserToken),
// against the embedded server, which judges each request with its own connection's auth. For every
// path: allowed and denied cases for the owner, the other participant, a signed-in stranger and an
// unauthenticated client; every attack of issue 14 is a denied case. Run: node --test tests/server/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { initializeApp, deleteApp } from 'firebase/app';
import {
  getDatabase, connectDatabaseEmulator, ref, set, get, update, remove, push, runTransaction, onDisconnect, onValue, serverTimestamp,
} from 'firebase/database';

const require = createRequire(import.meta.url);
const { startEmbeddedDatabase } = require('../../tools/rtdb/index.cjs');
const RULES = JSON.parse(readFileSync(new URL('../../database.rules.json', import.meta.url), 'utf8'));
const STEP_TIMEOUT = 5_000;

let appCounter = 0;

function withTimeout(promise, label, ms = STEP_TIMEOUT) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${label}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// The case counter the note reports: every allowed and denied case below goes through these two.
const tally = { allowed: 0, denied: 0 };

async function assertSucceeds(promise, label) {
  try {
    await withTimeout(promise, label);
  } catch (e) {
    assert.fail(`${label}: expected to be allowed, got ${e.message}`);
  }
  tally.allowed += 1;
}

async function assertFails(promise, label) {
  let error = null;
  try {
    await withTimeout(promise, label);
  } catch (e) {
    error = e;
  }
  assert.ok(error, `${label}: expected permission_denied, but it was allowed`);
  assert.match(String(error.message), /permission.denied/i, `${label}: denied for the wrong reason`);
  tally.denied += 1;
}

const HASH = 'ab'.repeat(32);
const SDP = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n';
const CANDIDATE = { candidate: 'candidate:1 1 udp 2113937151 192.0.2.1 50000 typ host', sdpMid: '0', sdpMLineIndex: 0 };

const session = (over = {}) => ({
  initiatorId: 'alice', recipientId: 'bob', fileName: 'movie.mp4', fileSize: 10 << 20, mimeType: 'video/mp4', fileHash: '',
  mode: 'transfer', createdAt: 1, status: 'pending', ...over,
});

// The state every case starts from, written with the rules off (as rules-unit-testing's
// withSecurityRulesDisabled): alice invited bob three times.
//   pending   a transfer waiting for bob's answer
//   same      a same-file session waiting for bob
//   live      a transfer being downloaded, with a signaling attempt, a playback record, bob's report
const FIXTURE = {
  'watch-sessions': {
    pending: session(),
    same: session({ mode: 'same-file', fileHash: HASH }),
    live: session({
      status: 'downloading', acceptedAt: 2, bytesDownloaded: 0,
      signaling: { a1: { by: 'bob', at: 3, offer: { type: 'offer', sdp: SDP }, offerCandidates: { c1: CANDIDATE } } },
    }),
  },
  'watch-playback': {
    live: { seq: 5, state: 'paused', isPlaying: false, currentTime: 10, duration: 100, rate: 1, anchorAt: 1000, lastUpdateBy: 'alice', lastUpdateAt: 4 },
  },
  'watch-viewers': { live: { bob: { horizon: 10, fraction: 0.5, at: 5 } } },
  presence: { alice: { name: 'alice', since: 1 }, bob: { name: 'bob', since: 1 } },
  'clock-probe': { alice: 1, bob: 1 },
  'user-sessions': {
    alice: { pending: { role: 'initiator', createdAt: 1 }, same: { role: 'initiator', createdAt: 1 }, live: { role: 'initiator', createdAt: 1 } },
    bob: { pending: { role: 'recipient', createdAt: 1 }, same: { role: 'recipient', createdAt: 1 }, live: { role: 'recipient', createdAt: 1 } },
  },
};

// One server for the whole file; `reset()` puts FIXTURE back before each case group.
async function rulesEnvironment(t) {
  const server = await startEmbeddedDatabase({ rules: RULES });
  const apps = [];
  t.after(async () => {
    await Promise.all(apps.map((app) => deleteApp(app).catch(() => {})));
    await server.close();
  });
  const connect = (uid) => {
    const app = initializeApp({ projectId: 'rules-test', databaseURL: `http://127.0.0.1:${server.port}?ns=${server.namespace}` }, `rules-${appCounter++}`);
    apps.push(app);
    const db = getDatabase(app);
    connectDatabaseEmulator(db, '127.0.0.1', server.port, uid ? { mockUserToken: { user_id: uid, sub: uid } } : {});
    return db;
  };
  return {
    server,
    alice: connect('alice'),     // the initiator (sender)
    bob: connect('bob'),         // the recipient
    mallory: connect('mallory'), // signed in, but in none of these sessions
    anon: connect(null),         // not signed in
    connect,
    reset: () => server.write('', FIXTURE),
    value: (path) => server.server.getValue(path ? server.server.baseRef.child(path) : undefined),
  };
}

const r = (db, path) => (path ? ref(db, path) : ref(db));

// A transaction as the app runs it: on a path the client already listens to (so the update
// function sees the current value), and a transaction that does not commit is an error here. A
// client that may not read sees null, as the real database gives it.
async function transaction(db, path, update) {
  let stop = () => {};
  await new Promise((resolve) => {
    stop = onValue(r(db, path), () => resolve(), () => resolve());
  });
  try {
    const result = await runTransaction(r(db, path), update, { applyLocally: false });
    if (!result.committed) throw new Error(`the transaction at ${path} did not commit`);
    return result;
  } finally {
    stop();
  }
}

test('database.rules.json: who may do what (rules-unit-testing style)', { timeout: 120_000 }, async (t) => {
  const env = await rulesEnvironment(t);
  const { alice, bob, mallory, anon } = env;

  await t.test('an unauthenticated client stays unauthenticated after signed-in clients wrote (per-connection auth)', async () => {
    await env.reset();
    await assertSucceeds(set(r(alice, 'presence/alice'), { name: 'alice', since: serverTimestamp() }), 'alice writes her presence');
    await assertFails(set(r(anon, 'presence/alice'), { name: 'alice', since: 1 }), 'anon after alice wrote');
    await assertFails(get(r(anon, 'presence')), 'anon reads presence');
    await assertSucceeds(set(r(bob, 'presence/bob'), { name: 'bob', since: 1 }), 'bob writes his presence');
    await assertFails(set(r(mallory, 'presence/bob'), { name: 'bob', since: 1 }), 'mallory after bob wrote');
  });

  await t.test('presence: only its owner writes it; every signed-in user reads it', async () => {
    await env.reset();
    await assertSucceeds(get(r(alice, 'presence')), 'alice lists presence');
    await assertSucceeds(get(r(mallory, 'presence')), 'a signed-in stranger lists presence');
    await assertFails(get(r(anon, 'presence')), 'anon lists presence');
    await assertSucceeds(update(r(mallory, 'presence/mallory'), { name: 'mallory', since: serverTimestamp() }), 'mallory announces herself');
    await assertFails(set(r(mallory, 'presence/bob'), { name: 'bob', since: 1 }), 'mallory spoofs bob\'s presence');
    await assertFails(remove(r(mallory, 'presence/bob')), 'mallory removes bob\'s presence');
    await assertFails(set(r(alice, 'presence/bob/name'), 'alice'), 'alice renames bob');
    await assertFails(set(r(anon, 'presence/anon'), { name: 'anon', since: 1 }), 'anon announces');
    await assertFails(set(r(alice, 'presence/alice'), { name: 'x'.repeat(65), since: 1 }), 'a 65-character name');
    await assertFails(set(r(alice, 'presence/alice'), { name: 'alice', since: 1, admin: true }), 'an extra field');
    await assertSucceeds(onDisconnect(r(alice, 'presence/alice')).remove(), 'alice registers her onDisconnect');
    await assertFails(onDisconnect(r(mallory, 'presence/alice')).remove(), 'mallory registers an onDisconnect on alice');
  });

  await t.test('clock probes: only their owner writes and reads them (no skewing another user\'s clock)', async () => {
    await env.reset();
    await assertSucceeds(set(r(alice, 'clock-probe/alice'), serverTimestamp()), 'alice probes');
    await assertSucceeds(get(r(alice, 'clock-probe/alice')), 'alice reads her probe');
    await assertFails(set(r(mallory, 'clock-probe/alice'), 0), 'mallory skews alice\'s probe');
    await assertFails(set(r(bob, 'clock-probe/alice'), 0), 'bob skews alice\'s probe');
    await assertFails(get(r(mallory, 'clock-probe/alice')), 'mallory reads alice\'s probe');
    await assertFails(set(r(anon, 'clock-probe/anon'), 1), 'anon probes');
    await assertFails(set(r(alice, 'clock-probe/alice'), 'now'), 'a probe that is not a number');
  });

  await t.test('sessions: only participants read them', async () => {
    await env.reset();
    await assertSucceeds(get(r(alice, 'watch-sessions/live')), 'the initiator reads');
    await assertSucceeds(get(r(bob, 'watch-sessions/live')), 'the recipient reads');
    await assertSucceeds(get(r(bob, 'watch-sessions/live/signaling')), 'the recipient reads the signaling');
    await assertFails(get(r(mallory, 'watch-sessions/live')), 'a stranger reads a session');
    await assertFails(get(r(mallory, 'watch-sessions/live/signaling')), 'a stranger reads its signaling');
    await assertFails(get(r(anon, 'watch-sessions/live')), 'anon reads a session');
    await assertFails(get(r(alice, 'watch-sessions')), 'anyone lists every session');
    await assertFails(get(r(mallory, 'watch-sessions/nothing-here')), 'a stranger probes a missing session');
  });

  await t.test('sessions: created by their initiator, whole and pending, with both index entries', async () => {
    await env.reset();
    const create = (db, id, s, who = s.initiatorId, other = s.recipientId) => update(r(db, ''), {
      [`watch-sessions/${id}`]: s,
      [`user-sessions/${who}/${id}`]: { role: 'initiator', createdAt: serverTimestamp() },
      [`user-sessions/${other}/${id}`]: { role: 'recipient', createdAt: serverTimestamp() },
    });
    await assertSucceeds(create(alice, 'n1', session({ createdAt: serverTimestamp() })), 'alice invites bob');
    await assertSucceeds(create(mallory, 'n2', session({ initiatorId: 'mallory' })), 'a signed-in user invites bob (an invitation bob may decline)');
    await assertFails(create(mallory, 'n3', session()), 'mallory creates a session in alice\'s name');
    await assertFails(create(anon, 'n4', session()), 'anon creates a session');
    await assertFails(create(mallory, 'n5', session({ initiatorId: 'mallory', status: 'downloading' })), 'a session created already downloading');
    await assertFails(create(alice, 'n6', session({ recipientId: 'alice' }), 'alice', 'alice'), 'a session with oneself');
    await assertFails(create(alice, 'n7', session({ fileName: 'x'.repeat(256) })), 'a 256-character file name');
    await assertFails(create(alice, 'n8', session({ fileSize: -1 })), 'a negative size');
    await assertFails(create(alice, 'n9', session({ fileSize: 1.5 })), 'a fractional size');
    await assertFails(create(alice, 'n10', session({ fileHash: 'not-a-hash' })), 'a malformed hash');
    await assertFails(create(alice, 'n11', session({ mode: 'exec' })), 'an unknown mode');
    await assertFails(create(alice, 'n12', session({ extra: 'x' })), 'an unknown field');
    const { fileName: _, ...nameless } = session();
    await assertFails(create(alice, 'n13', nameless), 'a session without a file name');
    await assertFails(create(alice, 'pending', session()), 'alice overwrites an existing session');
    await assertFails(create(mallory, 'n14', session({ initiatorId: 'mallory', bytesDownloaded: 20 << 20 })), 'bytes beyond the size');
  });

  await t.test('sessions: identity fields never change', async () => {
    await env.reset();
    for (const [field, value] of [['fileName', 'other.mp4'], ['fileSize', 1], ['fileHash', HASH], ['initiatorId', 'mallory'], ['recipientId', 'mallory'], ['mode', 'same-file'], ['mimeType', 'text/html'], ['createdAt', 9]]) {
      await assertFails(update(r(alice, 'watch-sessions/pending'), { [field]: value }), `the initiator changes ${field}`);
    }
    await assertFails(update(r(bob, 'watch-sessions/pending'), { fileName: 'other.mp4' }), 'the recipient changes the name');
    await assertFails(update(r(bob, 'watch-sessions/pending'), { fileName: null }), 'the recipient deletes the name');
    await assertFails(set(r(alice, 'watch-sessions/pending'), session({ fileName: 'swap.mp4' })), 'the initiator rewrites the whole record');
  });

  await t.test('sessions: status moves by role', async () => {
    const status = (db, id, s, extra = {}) => update(r(db, `watch-sessions/${id}`), { status: s, ...extra });
    await env.reset();
    await assertFails(status(alice, 'pending', 'downloading'), 'the initiator accepts her own invitation');
    await assertFails(status(mallory, 'pending', 'downloading', { acceptedAt: 1, bytesDownloaded: 0 }), 'a stranger forges downloading');
    await assertFails(status(anon, 'pending', 'downloading'), 'anon forges downloading');
    await assertFails(status(bob, 'pending', 'ready'), 'the recipient skips the download');
    await assertFails(status(bob, 'pending', 'bogus'), 'an unknown status');
    await assertSucceeds(status(bob, 'pending', 'downloading', { acceptedAt: 5, bytesDownloaded: 0 }), 'the recipient accepts');
    await assertFails(status(alice, 'pending', 'ready'), 'the initiator claims the download finished');
    await assertFails(status(bob, 'pending', 'Ready'), 'a status in the wrong case');
    await assertSucceeds(status(bob, 'pending', 'ready', { bytesDownloaded: 10 << 20 }), 'the recipient finishes');
    await assertSucceeds(status(alice, 'pending', 'playing'), 'either starts playing');
    await assertSucceeds(status(alice, 'pending', 'cancelled', { reason: 'cancelled by alice', endedAt: serverTimestamp() }), 'either ends it');
    await assertFails(status(bob, 'pending', 'downloading'), 'an ended session restarts');
    await assertFails(status(alice, 'pending', 'ready'), 'an ended session comes back');

    await env.reset();
    await assertFails(status(alice, 'pending', 'declined'), 'the initiator declines for bob');
    await assertFails(status(mallory, 'pending', 'declined'), 'a stranger declines');
    await assertSucceeds(status(bob, 'pending', 'declined', { reason: 'declined by the recipient' }), 'the recipient declines');

    await env.reset();
    await assertFails(status(mallory, 'live', 'cancelled', { reason: 'x' }), 'a stranger forges cancelled (which would delete bob\'s pieces)');
    await assertFails(status(anon, 'live', 'cancelled'), 'anon forges cancelled');
    await assertFails(update(r(mallory, 'watch-sessions/live'), { reason: 'hacked' }), 'a stranger writes a reason');
    await assertSucceeds(status(alice, 'live', 'failed', { reason: 'the file could not be read' }), 'the sender reports a failure');

    await env.reset();
    await assertSucceeds(status(bob, 'same', 'ready'), 'same-file: the recipient joins with his copy');
    await env.reset();
    await assertFails(status(bob, 'same', 'downloading'), 'same-file: nothing to download');
    await assertFails(status(bob, 'live', 'declined'), 'a download is declined after it began');
  });

  await t.test('sessions: progress fields belong to the recipient, ending fields to both', async () => {
    await env.reset();
    await assertSucceeds(update(r(bob, 'watch-sessions/live'), { bytesDownloaded: 4 << 20 }), 'the recipient reports progress');
    await assertFails(update(r(alice, 'watch-sessions/live'), { bytesDownloaded: 10 << 20 }), 'the initiator writes the recipient\'s progress');
    await assertFails(update(r(mallory, 'watch-sessions/live'), { bytesDownloaded: 1 }), 'a stranger writes progress');
    await assertFails(update(r(bob, 'watch-sessions/live'), { bytesDownloaded: 11 << 20 }), 'progress beyond the size');
    await assertFails(update(r(bob, 'watch-sessions/live'), { bytesDownloaded: 'all' }), 'progress that is not a number');
    await assertFails(update(r(alice, 'watch-sessions/live'), { acceptedAt: 1 }), 'the initiator writes acceptedAt');
    await assertSucceeds(update(r(alice, 'watch-sessions/live'), { reason: 'a reason', endedAt: 7 }), 'the initiator writes a reason');
    await assertFails(update(r(alice, 'watch-sessions/live'), { reason: 'x'.repeat(501) }), 'a 501-character reason');
    await assertFails(update(r(bob, 'watch-sessions/live'), { admin: true }), 'an unknown field');
  });

  await t.test('sessions: what the file holds is its initiator\'s, written once; the recipient\'s answer and each player\'s error are their own', async () => {
    await env.reset();
    const media = 'v1|matroska|V,1,avc,und,1,0,0,1280,720,,|A,2,ac3,fra,1,6,48000,0,0,Surround 5.1,';
    const create = (db, id, s) => update(r(db, ''), {
      [`watch-sessions/${id}`]: s,
      [`user-sessions/${s.initiatorId}/${id}`]: { role: 'initiator', createdAt: serverTimestamp() },
      [`user-sessions/${s.recipientId}/${id}`]: { role: 'recipient', createdAt: serverTimestamp() },
    });
    await assertSucceeds(create(alice, 'm1', session({ media })), 'alice invites with what the file holds');
    await assertFails(create(alice, 'm2', session({ media: 'x'.repeat(1025) })), 'a 1025-character summary');
    await assertFails(create(alice, 'm3', session({ media: 7 })), 'a summary that is not a string');
    await assertFails(update(r(alice, 'watch-sessions/m1'), { media: 'v1|mp4' }), 'the initiator rewrites it');
    await assertFails(update(r(alice, 'watch-sessions/pending'), { media }), 'the initiator adds it after the invitation');
    await assertFails(update(r(bob, 'watch-sessions/m1'), { media: 'v1|mp4' }), 'the recipient rewrites it');

    await assertSucceeds(update(r(bob, 'watch-sessions/m1'), { expect: 'video-unplayable', expectText: 'This browser cannot play its video (HEVC)' }), 'the recipient answers');
    await assertSucceeds(update(r(bob, 'watch-sessions/m1'), { expect: 'progressive', expectText: 'Plays while it arrives' }), 'the recipient answers again');
    await assertFails(update(r(alice, 'watch-sessions/m1'), { expect: 'progressive' }), 'the initiator answers for him');
    await assertFails(update(r(mallory, 'watch-sessions/m1'), { expectText: 'Plays while it arrives' }), 'a stranger answers');
    await assertFails(update(r(bob, 'watch-sessions/m1'), { expect: 'bogus' }), 'an unknown answer');
    await assertFails(update(r(bob, 'watch-sessions/m1'), { expectText: 'x'.repeat(301) }), 'a 301-character sentence');

    await assertSucceeds(update(r(alice, 'watch-sessions/m1/playerErrors'), { alice: 'This browser cannot play this file.' }), 'a player error in its own name');
    await assertSucceeds(update(r(bob, 'watch-sessions/m1/playerErrors'), { bob: 'The movie could not be decoded here.' }), 'the other one\'s, in his');
    await assertFails(update(r(alice, 'watch-sessions/m1/playerErrors'), { bob: 'forged' }), 'one in the other\'s name');
    await assertFails(update(r(mallory, 'watch-sessions/m1/playerErrors'), { mallory: 'x' }), 'a stranger\'s');
    await assertFails(update(r(alice, 'watch-sessions/m1/playerErrors'), { alice: 'x'.repeat(301) }), 'a 301-character error');
    await assertSucceeds(update(r(bob, 'watch-sessions/m1/playerErrors'), { bob: null }), 'cleared by its writer');
  });

  await t.test('sessions: a subtitle file is added by a participant in their own name, once, within bounds', async () => {
    await env.reset();
    const sub = (by, extra = {}) => ({ by, name: 'fr.srt', sha256: 'ab'.repeat(32), size: 3, data: 'YWJj', at: 1, ...extra });
    await assertSucceeds(set(r(alice, 'watch-sessions/live/subtitles/s1'), sub('alice')), 'the initiator adds one');
    await assertSucceeds(set(r(bob, 'watch-sessions/live/subtitles/s2'), sub('bob')), 'the recipient adds one');
    await assertSucceeds(get(r(bob, 'watch-sessions/live/subtitles/s1')), 'the other participant reads it');
    await assertFails(set(r(bob, 'watch-sessions/live/subtitles/s1'), sub('bob')), 'one replaced');
    await assertFails(set(r(alice, 'watch-sessions/live/subtitles/s1'), null), 'one removed on its own');
    await assertFails(set(r(alice, 'watch-sessions/live/subtitles/s3'), sub('bob')), 'one in the other\'s name');
    await assertFails(set(r(mallory, 'watch-sessions/live/subtitles/s4'), sub('mallory')), 'a stranger\'s');
    await assertFails(get(r(mallory, 'watch-sessions/live/subtitles/s1')), 'a stranger reads one');
    await assertFails(set(r(alice, 'watch-sessions/live/subtitles/s5'), sub('alice', { size: 4194305 })), 'over 4 MiB');
    await assertFails(set(r(alice, 'watch-sessions/live/subtitles/s6'), sub('alice', { sha256: 'nothex' })), 'a digest that is none');
    await assertFails(set(r(alice, 'watch-sessions/live/subtitles/s7'), sub('alice', { script: 'x' })), 'a field more');
    await assertFails(set(r(alice, 'watch-sessions/live/subtitles/s8'), { by: 'alice', name: 'fr.srt' }), 'a field less');
  });

  await t.test('sessions: participants delete old ones (clean-up), nobody else does', async () => {
    const collect = (db, id) => update(r(db, ''), {
      [`watch-sessions/${id}`]: null, [`watch-playback/${id}`]: null, [`watch-viewers/${id}`]: null,
      [`user-sessions/alice/${id}`]: null, [`user-sessions/bob/${id}`]: null,
    });
    await env.reset();
    await assertFails(collect(mallory, 'live'), 'a stranger deletes a session and its records');
    await assertFails(remove(r(mallory, 'watch-sessions/live')), 'a stranger deletes a session');
    await assertFails(remove(r(anon, 'watch-sessions/live')), 'anon deletes a session');
    await assertSucceeds(collect(bob, 'live'), 'the recipient collects an old session');
    assert.equal(await env.value('watch-sessions/live'), null);
    await env.reset();
    await assertSucceeds(collect(alice, 'live'), 'the initiator collects an old session');
  });

  await t.test('signaling: offers by the recipient, answers by the initiator, nothing by strangers', async () => {
    const attempt = (db, key, by = 'bob') => update(r(db, `watch-sessions/live/signaling/${key}`), { by, at: serverTimestamp(), offer: { type: 'offer', sdp: SDP } });
    await env.reset();
    await assertFails(attempt(mallory, '~x', 'mallory'), 'a stranger\'s attempt that sorts last (the takeover)');
    await assertFails(attempt(mallory, '~x', 'bob'), 'a stranger\'s attempt in bob\'s name');
    await assertFails(attempt(anon, '~x'), 'anon makes an attempt');
    await assertFails(attempt(alice, '~x', 'alice'), 'the initiator makes an offer');
    await assertFails(attempt(alice, '~x', 'bob'), 'the initiator makes an offer in bob\'s name');
    await assertSucceeds(attempt(bob, 'a2'), 'the recipient makes an attempt');
    await assertSucceeds(push(r(bob, 'watch-sessions/live/signaling/a2/offerCandidates'), CANDIDATE), 'the recipient trickles a candidate');
    await assertFails(push(r(alice, 'watch-sessions/live/signaling/a2/offerCandidates'), CANDIDATE), 'the initiator writes an offer candidate');
    await assertFails(push(r(mallory, 'watch-sessions/live/signaling/a2/answerCandidates'), CANDIDATE), 'a stranger writes an answer candidate');
    await assertFails(set(r(mallory, 'watch-sessions/live/signaling/a2/answer'), { type: 'answer', sdp: SDP }), 'a stranger answers');
    await assertFails(set(r(bob, 'watch-sessions/live/signaling/a2/answer'), { type: 'answer', sdp: SDP }), 'the recipient answers his own offer');
    // The answerer answers through a transaction on the whole attempt: everything else unchanged.
    const answer = (db, key, sdp = SDP, change = (v) => v) => transaction(db, `watch-sessions/live/signaling/${key}`,
      (v) => (v && v.offer && !v.answer ? change({ ...v, answer: { type: 'answer', sdp } }) : undefined));
    await assertFails(answer(alice, 'a1', SDP, (v) => ({ ...v, offer: { type: 'offer', sdp: `${SDP}a=evil\r\n` } })), 'the initiator rewrites the offer while answering');
    await assertFails(answer(alice, 'a1', SDP, (v) => ({ ...v, by: 'alice' })), 'the initiator rewrites who offered');
    await assertSucceeds(answer(alice, 'a1'), 'the initiator answers the recipient\'s attempt');
    await assertFails(set(r(alice, 'watch-sessions/live/signaling/a1/answer'), { type: 'answer', sdp: 'v=1' }), 'the answer is replaced');
    await assertSucceeds(push(r(alice, 'watch-sessions/live/signaling/a1/answerCandidates'), CANDIDATE), 'the initiator trickles a candidate');
    await assertFails(push(r(bob, 'watch-sessions/live/signaling/a1/answerCandidates'), CANDIDATE), 'the recipient writes an answer candidate');
    await assertFails(push(r(bob, 'watch-sessions/live/signaling/a1/offerCandidates'), { candidate: 'x'.repeat(1025) }), 'a 1025-character candidate');
    await assertFails(update(r(bob, 'watch-sessions/live/signaling/a3'), { by: 'bob', offer: { type: 'offer', sdp: 'x'.repeat(65537) } }), 'a 64 KiB + 1 offer');
    await assertFails(update(r(bob, 'watch-sessions/live/signaling/a3'), { by: 'bob', offer: { type: 'answer', sdp: SDP } }), 'an offer of the wrong type');
    await assertFails(update(r(bob, 'watch-sessions/live/signaling/a3'), { by: 'bob', script: 'x' }), 'an unknown field in an attempt');
    await assertSucceeds(update(r(bob, 'watch-sessions/live/signaling'), { a1: null, a2: null }), 'the recipient removes old attempts');
    await assertFails(update(r(mallory, 'watch-sessions/live/signaling'), { a1: null }), 'a stranger removes attempts');
    await assertSucceeds(onDisconnect(r(bob, 'watch-sessions/live/signaling/a4')).remove(), 'the recipient\'s attempt goes with his tab');
    await assertFails(onDisconnect(r(mallory, 'watch-sessions/live/signaling/a4')).remove(), 'a stranger registers an onDisconnect there');
  });

  await t.test('signaling: only the initiator asks for a new attempt', async () => {
    const restart = (db) => transaction(db, 'watch-sessions/live/signaling/a1', (v) => (v && v.offer && !v.restart ? { ...v, restart: true } : undefined));
    await env.reset();
    await assertFails(update(r(mallory, 'watch-sessions/live/signaling/a1'), { restart: true }), 'a stranger asks for a restart');
    await assertFails(set(r(bob, 'watch-sessions/live/signaling/a1/restart'), true), 'the recipient sets restart');
    await assertFails(set(r(alice, 'watch-sessions/live/signaling/a1/restart'), 'yes'), 'restart that is not true');
    await assertSucceeds(restart(alice), 'the initiator asks for a new attempt');
  });

  await t.test('playback: participants write the record in their own name, seq bounded and never going back', async () => {
    const record = (over = {}) => ({ seq: 6, state: 'playing', isPlaying: true, currentTime: 12, duration: 100, rate: 1, anchorAt: 2000, lastUpdateBy: 'bob', lastUpdateAt: serverTimestamp(), ...over });
    await env.reset();
    await assertSucceeds(get(r(bob, 'watch-playback/live')), 'a participant reads the record');
    await assertFails(get(r(mallory, 'watch-playback/live')), 'a stranger reads the record');
    await assertFails(set(r(mallory, 'watch-playback/live'), record({ lastUpdateBy: 'mallory' })), 'a stranger forges a pause or seek');
    await assertFails(set(r(anon, 'watch-playback/live'), record()), 'anon forges a record');
    await assertFails(set(r(bob, 'watch-playback/live'), record({ lastUpdateBy: 'alice' })), 'a record in the other\'s name');
    await assertFails(set(r(bob, 'watch-playback/live'), record({ seq: 4294967290 })), 'seq near 2^32 (would wrap the core\'s counter)');
    await assertFails(set(r(bob, 'watch-playback/live'), record({ seq: 2147483648 })), 'seq 2^31');
    await assertFails(set(r(bob, 'watch-playback/live'), record({ seq: 5 + 1001 })), 'seq jumping more than 1000 ahead');
    await assertFails(set(r(bob, 'watch-playback/live'), record({ seq: 4 })), 'seq going back');
    await assertFails(set(r(bob, 'watch-playback/live'), record({ seq: 6.5 })), 'a fractional seq');
    await assertFails(set(r(bob, 'watch-playback/live'), record({ seq: -1 })), 'a negative seq');
    await assertFails(set(r(bob, 'watch-playback/live'), record({ state: 'exploding' })), 'an unknown state');
    await assertFails(set(r(bob, 'watch-playback/live'), record({ currentTime: -5 })), 'a negative position');
    await assertFails(set(r(bob, 'watch-playback/live'), record({ rate: 1000 })), 'a rate of 1000');
    await assertFails(set(r(bob, 'watch-playback/live'), record({ waitingFor: 'x'.repeat(257) })), 'a 257-character waitingFor');
    await assertFails(set(r(bob, 'watch-playback/live'), record({ extra: 1 })), 'an unknown field');
    await assertSucceeds(transaction(bob, 'watch-playback/live', (v) => (v && v.seq === 5 ? record() : undefined)), 'the recipient writes seq 6 by transaction');
    await assertSucceeds(set(r(alice, 'watch-playback/live'), record({ lastUpdateBy: 'alice' })), 'a tie at the same seq (broken by writer id in the core)');
    await env.server.write('watch-playback/live', null);
    await assertSucceeds(set(r(alice, 'watch-playback/live'), record({ seq: 2147483647, lastUpdateBy: 'alice' })), 'the first record may start anywhere up to 2^31-1');
  });

  await t.test('viewer reports: each participant writes only their own', async () => {
    const report = { horizon: 20, fraction: 0.6, at: serverTimestamp(), rtt: 40, name: 'bob' };
    await env.reset();
    await assertSucceeds(set(r(bob, 'watch-viewers/live/bob'), report), 'the recipient reports');
    await assertSucceeds(get(r(alice, 'watch-viewers/live')), 'the initiator reads the reports');
    await assertFails(get(r(mallory, 'watch-viewers/live')), 'a stranger reads the reports');
    await assertFails(set(r(alice, 'watch-viewers/live/bob'), report), 'the initiator writes bob\'s report');
    await assertFails(set(r(mallory, 'watch-viewers/live/mallory'), report), 'a stranger joins as a viewer');
    await assertFails(set(r(bob, 'watch-viewers/live/bob'), { ...report, fraction: 2 }), 'a fraction above 1');
    await assertFails(set(r(bob, 'watch-viewers/live/bob'), { ...report, horizon: 1e9 + 1 }), 'a horizon beyond 1e9 s');
    await assertFails(set(r(bob, 'watch-viewers/live/bob'), { ...report, at: 1e16 }), 'an instant beyond 1e15 ms');
    await assertSucceeds(set(r(bob, 'watch-viewers/live/bob'), { ...report, horizon: 1e9, fraction: 1 }), 'the whole file here (horizon 1e9)');
    await assertFails(set(r(bob, 'watch-viewers/live/bob'), { ...report, name: 'x'.repeat(65) }), 'a 65-character name');
    await assertSucceeds(set(r(bob, 'watch-viewers/live/bob'), { ...report, pic: -12.5, step: 33.4 }), 'where his picture settled, and its step');
    await assertFails(set(r(bob, 'watch-viewers/live/bob'), { ...report, pic: 1001 }), 'a picture offset beyond 1000 ms');
    await assertFails(set(r(bob, 'watch-viewers/live/bob'), { ...report, pic: 'ahead' }), 'a picture offset that is no number');
    await assertFails(set(r(bob, 'watch-viewers/live/bob'), { ...report, step: -1 }), 'a negative picture step');
    await assertFails(set(r(bob, 'watch-viewers/live/bob'), { ...report, extra: 1 }), 'an unknown field');
    await assertSucceeds(onDisconnect(r(bob, 'watch-viewers/live/bob')).remove(), 'the recipient\'s report goes with his tab');
    await assertSucceeds(remove(r(bob, 'watch-viewers/live/bob')), 'the recipient removes his report');
    await assertFails(remove(r(mallory, 'watch-viewers/live')), 'a stranger removes the reports');
  });

  await t.test('user-sessions: read by their user only, written by the session\'s participants', async () => {
    await env.reset();
    await assertSucceeds(get(r(bob, 'user-sessions/bob')), 'bob reads his index');
    await assertFails(get(r(mallory, 'user-sessions/bob')), 'a stranger reads bob\'s index');
    await assertFails(get(r(alice, 'user-sessions/bob')), 'alice reads bob\'s index');
    await assertFails(get(r(anon, 'user-sessions/bob')), 'anon reads bob\'s index');
    await assertFails(set(r(mallory, 'user-sessions/bob/live'), { role: 'recipient', createdAt: 1 }), 'a stranger writes bob\'s index');
    await assertFails(set(r(mallory, 'user-sessions/mallory/live'), { role: 'recipient', createdAt: 1 }), 'a stranger adds herself to a session');
    await assertFails(remove(r(mallory, 'user-sessions/bob/live')), 'a stranger hides a session from bob');
    await assertFails(set(r(alice, 'user-sessions/bob/live'), { role: 'initiator', createdAt: 1 }), 'the wrong role');
    await assertSucceeds(remove(r(bob, 'user-sessions/bob/live')), 'bob removes his own entry');
  });

  await t.test('the demo messenger: a chat is read and written by its two members only, as themselves', async () => {
    await env.reset();
    const chat = 'alice~bob';
    const msg = (from, over = {}) => ({ from, kind: 'text', text: 'hi', at: serverTimestamp(), ...over });
    await assertSucceeds(set(r(alice, 'messenger-users/alice'), { name: 'Alice', online: true, lastSeen: serverTimestamp() }), 'alice says she is online');
    await assertSucceeds(onDisconnect(r(alice, 'messenger-users/alice')).set({ name: 'Alice', online: false, lastSeen: serverTimestamp() }), 'alice\'s offline-on-disconnect');
    await assertSucceeds(get(r(mallory, 'messenger-users')), 'a signed-in user lists people');
    await assertFails(get(r(anon, 'messenger-users')), 'anon lists people');
    await assertFails(set(r(mallory, 'messenger-users/alice'), { name: 'Alice', online: false }), 'mallory marks alice offline');
    await assertFails(set(r(alice, 'messenger-users/alice'), { name: 'Alice', online: true, admin: true }), 'an extra field on a person');
    await assertSucceeds(push(r(alice, `messenger-chats/${chat}`), msg('alice')), 'alice writes to her chat with bob');
    await assertSucceeds(push(r(bob, `messenger-chats/${chat}`), msg('bob', { kind: 'watch-invite', sessionId: 'sid', fileName: 'movie.mkv' })), 'bob posts an invitation card');
    await assertSucceeds(get(r(bob, `messenger-chats/${chat}`)), 'bob reads the chat');
    await assertFails(get(r(mallory, `messenger-chats/${chat}`)), 'a stranger reads the chat');
    await assertFails(get(r(anon, `messenger-chats/${chat}`)), 'anon reads the chat');
    await assertFails(push(r(mallory, `messenger-chats/${chat}`), msg('mallory')), 'a stranger writes into the chat');
    await assertFails(push(r(bob, `messenger-chats/${chat}`), msg('alice')), 'bob writes as alice');
    await assertFails(push(r(alice, `messenger-chats/${chat}`), msg('alice', { at: Date.now() + 3_600_000 })), 'a message dated in the future');
    await assertFails(push(r(alice, `messenger-chats/${chat}`), msg('alice', { kind: 'script' })), 'an unknown kind of message');
    await assertFails(push(r(alice, `messenger-chats/${chat}`), msg('alice', { text: 'x'.repeat(4001) })), 'a 4001-character message');
    await assertFails(push(r(mallory, 'messenger-chats/al~bob'), msg('mallory')), 'a chat id that only looks like a member\'s');
    await assertFails(push(r(alice, 'messenger-chats/alice~bob~mallory'), msg('alice')), 'a chat of three');
    const first = await get(r(bob, `messenger-chats/${chat}`));
    const key = Object.keys(first.val())[0];
    await assertFails(set(r(bob, `messenger-chats/${chat}/${key}`), msg('bob', { text: 'edited' })), 'rewriting a sent message');
    await assertFails(remove(r(alice, `messenger-chats/${chat}/${key}`)), 'deleting a sent message');
  });

  await t.test('nothing else is readable or writable', async () => {
    await env.reset();
    await assertFails(get(r(alice, '')), 'the whole database');
    await assertFails(set(r(alice, 'smoke/x'), 1), 'a test path');
    await assertFails(set(r(alice, 'anything/else'), 1), 'an unknown path');
    await assertFails(get(r(alice, 'anything')), 'reading an unknown path');
  });

  console.log(`# rules cases: ${tally.allowed + tally.denied} (${tally.allowed} allowed, ${tally.denied} denied)`);
});
