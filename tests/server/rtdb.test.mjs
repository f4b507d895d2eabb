// Tests for the embedded Realtime Database server (tools/rtdb), driven by the unmodified
// modular SDK the app uses. Run: node --test tests/server/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import net from 'node:net';
import { initializeApp, deleteApp } from 'firebase/app';
import {
  getDatabase, connectDatabaseEmulator, ref, set, get, onValue, onDisconnect, update, remove,
  runTransaction, serverTimestamp, goOffline, goOnline, query, limitToLast, orderByChild, equalTo, startAfter,
} from 'firebase/database';

const require = createRequire(import.meta.url);
const { startEmbeddedDatabase } = require('../../tools/rtdb/index.cjs');
const { startDelayProxy } = require('../../tools/rtdb/delay-proxy.cjs');

const TEST_TIMEOUT = 15_000;
const STEP_TIMEOUT = 5_000; // any single SDK round trip; a hang fails here instead of stalling

let appCounter = 0;

function withTimeout(promise, label, ms = STEP_TIMEOUT) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${label}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// Starts a server and returns a factory for SDK clients; everything is torn down after the test.
async function setup(t, options = {}) {
  const server = await startEmbeddedDatabase(options);
  const apps = [];
  t.after(async () => {
    await Promise.all(apps.map((app) => deleteApp(app).catch(() => {})));
    await server.close();
  });
  // emulator: false configures the client by databaseURL alone, without connectDatabaseEmulator.
  // mockUser: sign in as that uid through the emulator convention (connectDatabaseEmulator's mockUserToken).
  function client(port = server.port, { emulator = true, mockUser = null } = {}) {
    const app = initializeApp(
      { projectId: 'rtdb-test', databaseURL: `http://127.0.0.1:${port}?ns=${server.namespace}` },
      `rtdb-test-${appCounter++}`,
    );
    apps.push(app);
    const db = getDatabase(app);
    if (emulator) connectDatabaseEmulator(db, '127.0.0.1', port, mockUser ? { mockUserToken: { user_id: mockUser, sub: mockUser } } : {});
    return { app, db };
  }
  return { server, client };
}

// Resolves with the first value at `path` that satisfies `predicate`.
function waitForValue(db, path, predicate, label = path) {
  let unsubscribe;
  const seen = new Promise((resolve) => {
    unsubscribe = onValue(ref(db, path), (snap) => {
      if (predicate(snap.val())) resolve(snap.val());
    });
  });
  return withTimeout(seen, `waiting for ${label}`).finally(() => unsubscribe());
}

test('two app instances see each other\'s writes', { timeout: TEST_TIMEOUT }, async (t) => {
  const { client } = await setup(t);
  const a = client();
  const b = client();
  const seenByB = waitForValue(b.db, 'smoke/shared', (v) => v !== null);
  await withTimeout(set(ref(a.db, 'smoke/shared'), { from: 'a', n: 1 }), 'set in a');
  assert.deepEqual(await seenByB, { from: 'a', n: 1 });

  const seenByA = waitForValue(a.db, 'smoke/shared', (v) => v && v.from === 'b');
  await withTimeout(update(ref(b.db, 'smoke/shared'), { from: 'b' }), 'update in b');
  assert.deepEqual(await seenByA, { from: 'b', n: 1 });
});

test('a client reconnects after goOffline/goOnline', { timeout: TEST_TIMEOUT }, async (t) => {
  // The SDK reuses the host from the server's handshake when it reconnects.
  const { client } = await setup(t);
  const a = client();
  const b = client();
  await withTimeout(set(ref(a.db, 'smoke/reconnect'), 1), 'first set');
  goOffline(a.db);
  goOnline(a.db);
  const seenByB = waitForValue(b.db, 'smoke/reconnect', (v) => v === 2);
  await withTimeout(set(ref(a.db, 'smoke/reconnect'), 2), 'set after reconnect');
  assert.equal(await seenByB, 2);
});

test('get() reads paths that were never listened to', { timeout: TEST_TIMEOUT }, async (t) => {
  const { client } = await setup(t);
  const writer = client();
  const reader = client();
  await withTimeout(set(ref(writer.db, 'smoke/get/item'), { title: 'movie', size: 42 }), 'set');

  const snap = await withTimeout(get(ref(reader.db, 'smoke/get/item')), 'get existing');
  assert.equal(snap.exists(), true);
  assert.deepEqual(snap.val(), { title: 'movie', size: 42 });

  const child = await withTimeout(get(ref(reader.db, 'smoke/get/item/size')), 'get leaf');
  assert.equal(child.val(), 42);

  const absent = await withTimeout(get(ref(reader.db, 'smoke/get/nothing-here')), 'get absent');
  assert.equal(absent.exists(), false);
  assert.equal(absent.val(), null);

  // Queries are applied by the server: the SDK takes a get()'s answer as the query result.
  await withTimeout(set(ref(writer.db, 'smoke/get/list'), {
    k1: { r: 'x', n: 1 }, k2: { r: 'y', n: 2 }, k3: { r: 'x', n: 3 },
  }), 'set list');
  const keys = (snap) => { const out = []; snap.forEach((c) => { out.push(c.key); }); return out; };
  const list = ref(reader.db, 'smoke/get/list');
  assert.deepEqual(keys(await withTimeout(get(query(list, limitToLast(1))), 'get limitToLast')), ['k3']);
  assert.deepEqual(keys(await withTimeout(get(query(list, orderByChild('r'), equalTo('x'))), 'get equalTo')), ['k1', 'k3']);
  assert.deepEqual(keys(await withTimeout(get(query(list, orderByChild('n'), startAfter(1))), 'get startAfter')), ['k2', 'k3']);

  // The writer's own get, right after its set, sees that set.
  await withTimeout(set(ref(writer.db, 'smoke/get/fresh'), 'v2'), 'set fresh');
  assert.equal((await withTimeout(get(ref(writer.db, 'smoke/get/fresh')), 'get fresh')).val(), 'v2');
});

test('onDisconnect set/update/remove are applied when the writer disconnects', { timeout: TEST_TIMEOUT }, async (t) => {
  const { client } = await setup(t);
  const writer = client();
  const observer = client();
  await withTimeout(set(ref(writer.db, 'presence/u1'), { online: true, name: 'Ann' }), 'initial presence');
  await withTimeout(set(ref(writer.db, 'smoke/od/removed'), 'still here'), 'initial removable');

  await withTimeout(onDisconnect(ref(writer.db, 'smoke/od/flag')).set({ gone: true, at: serverTimestamp() }), 'od set');
  await withTimeout(onDisconnect(ref(writer.db, 'presence/u1')).update({ online: false, lastSeen: serverTimestamp() }), 'od update');
  await withTimeout(onDisconnect(ref(writer.db, 'smoke/od/removed')).remove(), 'od remove');

  // Nothing is applied while the writer is connected.
  assert.equal((await withTimeout(get(ref(observer.db, 'smoke/od/flag')), 'get before')).exists(), false);

  const flag = waitForValue(observer.db, 'smoke/od/flag', (v) => v !== null);
  const presence = waitForValue(observer.db, 'presence/u1', (v) => v && v.online === false);
  const removed = waitForValue(observer.db, 'smoke/od/removed', (v) => v === null);
  const before = Date.now();
  goOffline(writer.db);

  const flagValue = await flag;
  assert.equal(flagValue.gone, true);
  assert.equal(typeof flagValue.at, 'number');
  assert.ok(Math.abs(flagValue.at - before) < 5_000, `server timestamp ${flagValue.at} near ${before}`);

  const presenceValue = await presence;
  assert.equal(presenceValue.name, 'Ann', 'update keeps the other children');
  assert.equal(typeof presenceValue.lastSeen, 'number');
  assert.ok(Math.abs(presenceValue.lastSeen - before) < 5_000);

  assert.equal(await removed, null);
});

test('onDisconnect is also applied when the writer app is deleted', { timeout: TEST_TIMEOUT }, async (t) => {
  const { client } = await setup(t);
  const writer = client();
  const observer = client();
  // The large value makes the SDK split the message into several WebSocket frames.
  const note = 'n'.repeat(40_000);
  await withTimeout(onDisconnect(ref(writer.db, 'presence/u2')).set({ online: false, note }), 'od set');
  const seen = waitForValue(observer.db, 'presence/u2', (v) => v !== null);
  await deleteApp(writer.app);
  assert.deepEqual(await seen, { online: false, note });
});

test('onDisconnect().cancel() prevents the operations at or below its path', { timeout: TEST_TIMEOUT }, async (t) => {
  const { client } = await setup(t);
  const writer = client();
  const observer = client();
  await withTimeout(set(ref(writer.db, 'smoke/cancel'), { a: 'kept', b: 'kept' }), 'initial');
  await withTimeout(onDisconnect(ref(writer.db, 'smoke/cancel/a')).set('overwritten'), 'od a');
  await withTimeout(onDisconnect(ref(writer.db, 'smoke/cancel/b')).remove(), 'od b');
  await withTimeout(onDisconnect(ref(writer.db, 'smoke/cancel')).cancel(), 'cancel');
  // Registered after the cancel, so it still runs: it tells us the disconnect was processed.
  await withTimeout(onDisconnect(ref(writer.db, 'smoke/cancel-marker')).set('done'), 'od marker');

  const marker = waitForValue(observer.db, 'smoke/cancel-marker', (v) => v === 'done');
  goOffline(writer.db);
  await marker;
  const snap = await withTimeout(get(ref(observer.db, 'smoke/cancel')), 'get after');
  assert.deepEqual(snap.val(), { a: 'kept', b: 'kept' });
});

test('runTransaction increments correctly under two concurrent clients', { timeout: TEST_TIMEOUT }, async (t) => {
  const { client } = await setup(t);
  const a = client();
  const b = client();
  const counter = 'smoke/counter';
  const increment = (db) => runTransaction(ref(db, counter), (n) => (n || 0) + 1);
  const runs = [];
  for (let i = 0; i < 20; i++) runs.push(increment(a.db), increment(b.db));
  const results = await withTimeout(Promise.all(runs), '40 transactions', 10_000);
  assert.ok(results.every((r) => r.committed));
  assert.equal((await withTimeout(get(ref(b.db, counter)), 'get counter')).val(), 40);
});

// firebase-server judged every request on one shared rules database that kept the last writer's
// auth, so a connection without a token inherited the identity of whoever wrote last.
test('rules see each connection\'s own auth: none stays none after a signed-in client wrote', { timeout: TEST_TIMEOUT }, async (t) => {
  const rules = { rules: { u: { $uid: { '.read': true, '.write': 'auth != null && auth.uid === $uid' } } } };
  const { client } = await setup(t, { rules });
  const signedIn = (uid) => client(undefined, { mockUser: uid });
  const anon = client();
  const alice = signedIn('alice');
  await assert.rejects(withTimeout(set(ref(anon.db, 'u/alice'), 'anon'), 'anon first'), /permission/i);
  await withTimeout(set(ref(alice.db, 'u/alice'), 'alice'), 'alice writes her own');
  await assert.rejects(withTimeout(set(ref(anon.db, 'u/alice'), 'anon'), 'anon after alice wrote'), /permission/i);
  await assert.rejects(withTimeout(set(ref(alice.db, 'u/bob'), 'alice'), 'alice writes bob\'s'), /permission/i);
  const bob = signedIn('bob');
  await withTimeout(set(ref(bob.db, 'u/bob'), 'bob'), 'bob writes his own');
  await assert.rejects(withTimeout(set(ref(alice.db, 'u/bob'), 'alice'), 'alice after bob wrote'), /permission/i);
  // onDisconnect registrations and get() are judged the same way.
  await assert.rejects(withTimeout(onDisconnect(ref(anon.db, 'u/bob')).remove(), 'anon onDisconnect'), /permission/i);
  await withTimeout(onDisconnect(ref(bob.db, 'u/bob')).remove(), 'bob onDisconnect');
  assert.equal((await withTimeout(get(ref(anon.db, 'u/bob')), 'anon reads')).val(), 'bob');
});

// firebase-server checked a transaction's rules and stored the rules' copy of the data before it
// compared the hash: a stale attempt (answered 'datastale') still changed what the rules saw, and
// the retry was judged against data that never was. A client's first attempt is computed from an
// empty cache, so it is stale whenever the path holds data.
test('a stale transaction attempt leaves the data the rules see unchanged', { timeout: TEST_TIMEOUT }, async (t) => {
  const rules = { rules: { t: { '.read': true, '.write': true, $k: { keep: { '.validate': 'data.exists() && data.val() === newData.val()' } } } } };
  const { server, client } = await setup(t, { rules });
  await server.write('t/k', { keep: 'seeded', n: 0 });
  const { db } = client();
  let attempts = 0;
  const result = await withTimeout(runTransaction(ref(db, 't/k'), (v) => {
    attempts += 1;
    return { ...(v ?? {}), n: (v?.n ?? 0) + 1 };
  }, { applyLocally: false }), 'transaction');
  assert.equal(result.committed, true);
  assert.ok(attempts >= 2, `the first attempt was not stale (${attempts} attempt)`);
  assert.deepEqual(await server.server.getValue(server.server.baseRef.child('t/k')), { keep: 'seeded', n: 1 });
  // And the rules' copy agrees: the immutable field is still there for them.
  await assert.rejects(withTimeout(set(ref(db, 't/k/keep'), 'changed'), 'change keep'), /permission/i);
});

// Resolves once `db`'s connection state is `connected` (the SDK's own .info/connected).
function waitConnected(db, connected, label) {
  return waitForValue(db, '.info/connected', (v) => v === connected, label);
}

// An outage as clients see it: the server drops every socket, cannot be reached, and comes back on
// the same port with its rules and data. The SDK's own offline queue carries what was written
// meanwhile.
test('restart: back on the same port with data and rules; writes and a transaction queued while down arrive, listeners hear again', { timeout: TEST_TIMEOUT }, async (t) => {
  const rules = { rules: { u: { $uid: { '.read': 'auth != null', '.write': 'auth != null && auth.uid === $uid' } } } };
  const { server, client } = await setup(t, { rules });
  const alice = client(undefined, { mockUser: 'alice' });
  const bob = client(undefined, { mockUser: 'bob' });
  const port = server.port;
  await withTimeout(set(ref(alice.db, 'u/alice'), { note: 'before', n: 0 }), 'alice before');
  await withTimeout(set(ref(bob.db, 'u/bob'), 'untouched'), 'bob before');
  const heardByBob = [];
  onValue(ref(bob.db, 'u/alice/note'), (snap) => { heardByBob.push(snap.val()); });
  await waitForValue(bob.db, 'u/alice/note', (v) => v === 'before');

  const oldServer = server.server;
  await server.stop();
  assert.equal(server.running, false);
  await Promise.all([waitConnected(alice.db, false, 'alice offline'), waitConnected(bob.db, false, 'bob offline')]);
  await assert.rejects(withTimeout(new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => { socket.destroy(); resolve(); });
    socket.once('error', reject);
  }), 'connect while down'), /ECONNREFUSED/);

  // Written while down: each waits in the SDK's queue (not acknowledged) until the server is back.
  let acked = false;
  const queuedSet = set(ref(alice.db, 'u/alice/note'), 'while down').then(() => { acked = true; });
  const queuedTransaction = runTransaction(ref(alice.db, 'u/alice/n'), (n) => (n ?? 0) + 1, { applyLocally: false });
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(acked, false, 'a write was acknowledged while the server was down');

  await server.start();
  assert.equal(server.running, true);
  assert.equal(server.port, port);
  assert.notEqual(server.server, oldServer, 'the handle points to the new server');
  await withTimeout(queuedSet, 'queued set acknowledged after the restart', 10_000);
  const tx = await withTimeout(queuedTransaction, 'queued transaction after the restart', 10_000);
  assert.equal(tx.committed, true);
  assert.deepEqual(await server.server.getValue(server.server.baseRef.child('u')),
    { alice: { note: 'while down', n: 1 }, bob: 'untouched' });
  await waitForValue(bob.db, 'u/alice/note', (v) => v === 'while down', 'bob hears the queued write');
  // A write made after the restart by a client that was listening before it reaches the listener.
  await withTimeout(set(ref(alice.db, 'u/alice/note'), 'after'), 'alice after');
  await waitForValue(bob.db, 'u/alice/note', (v) => v === 'after', 'bob hears a write after the restart');
  assert.deepEqual(heardByBob.filter((v, i) => v !== heardByBob[i - 1]), ['before', 'while down', 'after']);
  // The rules came back too: bob still cannot write alice's node, a fresh client reads old data.
  await assert.rejects(withTimeout(set(ref(bob.db, 'u/alice/note'), 'bob'), 'bob writes alice\'s'), /permission/i);
  const fresh = client(undefined, { mockUser: 'carol' });
  assert.equal((await withTimeout(get(ref(fresh.db, 'u/bob')), 'fresh client reads')).val(), 'untouched');
});

test('restart: the onDisconnect operations of dropped clients are applied once, when the server drops them', { timeout: TEST_TIMEOUT }, async (t) => {
  const { server, client } = await setup(t);
  const carol = client(undefined, { mockUser: 'carol' });
  await withTimeout(set(ref(carol.db, 'presence/carol'), { online: true, name: 'Carol' }), 'presence');
  await withTimeout(onDisconnect(ref(carol.db, 'presence/carol')).update({ online: false, lastSeen: serverTimestamp() }), 'od update');
  await withTimeout(onDisconnect(ref(carol.db, 'log/carol')).set('dropped'), 'od set');

  const before = Date.now();
  await server.stop();
  await server.start();
  // Applied at the drop, before the data was kept for the restart.
  const after = await server.server.getValue();
  assert.equal(after.log.carol, 'dropped');
  assert.equal(after.presence.carol.online, false);
  assert.equal(after.presence.carol.name, 'Carol');
  assert.ok(Math.abs(after.presence.carol.lastSeen - before) < 5_000);

  // Carol is back and says so, without registering anything again. A second outage applies
  // nothing: the operations ran once, and neither the server nor the SDK kept them.
  await waitConnected(carol.db, true, 'carol back');
  await withTimeout(set(ref(carol.db, 'presence/carol'), { online: true, name: 'Carol' }), 'presence again');
  await withTimeout(set(ref(carol.db, 'log/carol'), 'back'), 'log again');
  await server.restart();
  await waitConnected(carol.db, true, 'carol back again');
  assert.deepEqual(await server.server.getValue(), { presence: { carol: { online: true, name: 'Carol' } }, log: { carol: 'back' } });
});

test('delay proxy: a round trip takes at least 2 x delayMs', { timeout: TEST_TIMEOUT }, async (t) => {
  const echo = net.createServer((socket) => socket.pipe(socket));
  await new Promise((resolve) => echo.listen(0, '127.0.0.1', resolve));
  const delayMs = 50;
  const proxy = await startDelayProxy({ targetHost: '127.0.0.1', targetPort: echo.address().port, delayMs });
  t.after(async () => {
    await proxy.close();
    await new Promise((resolve) => echo.close(resolve));
  });

  const socket = net.connect({ host: '127.0.0.1', port: proxy.port });
  socket.setNoDelay(true);
  await withTimeout(new Promise((resolve) => socket.once('connect', resolve)), 'connect');
  let received = '';
  socket.on('data', (d) => { received += d; });
  const roundTrip = async (text) => {
    const start = performance.now();
    received = '';
    socket.write(text);
    await withTimeout(new Promise((resolve) => {
      const check = () => (received === text ? resolve() : setTimeout(check, 1));
      check();
    }), 'echo');
    return performance.now() - start;
  };
  for (const text of ['ping', 'a longer message with more bytes', 'x'.repeat(100_000)]) {
    const ms = await roundTrip(text);
    assert.ok(ms >= 2 * delayMs - 1, `round trip ${ms.toFixed(1)} ms >= ${2 * delayMs} ms`);
    assert.ok(ms < 2 * delayMs + 1_000, `round trip ${ms.toFixed(1)} ms not unreasonably slow`);
  }
  socket.destroy();
});

test('delay proxy: an SDK client works through it', { timeout: TEST_TIMEOUT }, async (t) => {
  const { server, client } = await setup(t);
  const delayMs = 50;
  const proxy = await startDelayProxy({ targetHost: '127.0.0.1', targetPort: server.port, delayMs });
  t.after(() => proxy.close());
  const slow = client(proxy.port);
  const direct = client();

  await withTimeout(set(ref(slow.db, 'smoke/proxy/warmup'), true), 'warm-up set');
  const start = performance.now();
  await withTimeout(set(ref(slow.db, 'smoke/proxy/value'), 'via proxy'), 'set via proxy');
  const ackMs = performance.now() - start;
  assert.ok(ackMs >= 2 * delayMs - 1, `set acknowledged after ${ackMs.toFixed(1)} ms`);
  assert.equal((await withTimeout(get(ref(direct.db, 'smoke/proxy/value')), 'direct get')).val(), 'via proxy');

  const seenBySlow = waitForValue(slow.db, 'smoke/proxy/back', (v) => v === 'hello');
  await withTimeout(set(ref(direct.db, 'smoke/proxy/back'), 'hello'), 'direct set');
  assert.equal(await seenBySlow, 'hello');

  // A client configured by databaseURL alone adopts the host named in the server's handshake
  // for reconnects; it must be the proxy it dialled, not the server's own address.
  const byUrl = client(proxy.port, { emulator: false });
  await withTimeout(set(ref(byUrl.db, 'smoke/proxy/warmup'), 1), 'databaseURL-only client set');
  goOffline(byUrl.db);
  goOnline(byUrl.db);
  await withTimeout(set(ref(byUrl.db, 'smoke/proxy/warmup'), 2), 'set after reconnect');
  const again = performance.now();
  await withTimeout(set(ref(byUrl.db, 'smoke/proxy/value'), 'again'), 'second set via proxy');
  const reconnectAckMs = performance.now() - again;
  assert.ok(reconnectAckMs >= 2 * delayMs - 1, `after reconnect, set acknowledged after ${reconnectAckMs.toFixed(1)} ms`);
});
