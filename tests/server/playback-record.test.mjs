// The playback record's glue (web/adapters/playback-record.js) against the embedded server with the
// unmodified SDK, through a database outage. Run: node --test tests/server/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import net from 'node:net';
import { initializeApp, deleteApp } from 'firebase/app';
import { connectDatabaseEmulator, getDatabase, onValue, ref } from 'firebase/database';
import { watchRecord, writeRecord } from '../../web/adapters/playback-record.js';

const require = createRequire(import.meta.url);
const { startEmbeddedDatabase } = require('../../tools/rtdb/index.cjs');

const STEP_TIMEOUT = 10_000;
let appCounter = 0;

function withTimeout(promise, label, ms = STEP_TIMEOUT) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${label}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function until(db, path, predicate, label) {
  let unsubscribe;
  const seen = new Promise((resolve) => {
    unsubscribe = onValue(ref(db, path), (snap) => { if (predicate(snap.val())) resolve(snap.val()); });
  });
  return withTimeout(seen, label).finally(() => unsubscribe());
}

// A loopback TCP proxy that can hold what clients send: bytes sent while held never reach the
// server (a request in flight when the connection drops). What the server sends always passes.
async function startHoldingProxy(targetPort) {
  let holding = false;
  const sockets = new Set();
  const proxy = net.createServer((client) => {
    const upstream = net.connect({ host: '127.0.0.1', port: targetPort });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    client.on('data', (d) => { if (!holding) upstream.write(d); });
    upstream.on('data', (d) => client.write(d));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    port: proxy.address().port,
    hold(on) { holding = on; },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => proxy.close(() => resolve()));
    },
  };
}

// The order of records (the core's PlaybackSync.recordSupersedes: higher seq, ties by writer).
const supersedes = (a, b) => (a.seq !== b.seq ? a.seq > b.seq : a.lastUpdateBy > b.lastUpdateBy);
const record = (seq, by, state) => ({ seq, state, currentTime: seq, anchorAt: 0, lastUpdateBy: by });

// A transaction the SDK had sent when the connection dropped is given up by the SDK ('disconnect':
// it cannot know whether the server applied it). The record is the user's action: it must still
// reach the database once it is back, without an error for the page to show.
test('a record write in flight when the database goes away reaches it once it is back', { timeout: 30_000 }, async (t) => {
  const server = await startEmbeddedDatabase();
  const proxy = await startHoldingProxy(server.port);
  const app = initializeApp({ projectId: 'outage-test', databaseURL: `http://127.0.0.1:${proxy.port}?ns=${server.namespace}` }, `outage-${appCounter++}`);
  t.after(async () => {
    await deleteApp(app).catch(() => {});
    await proxy.close();
    await server.close();
  });
  const db = getDatabase(app);
  connectDatabaseEmulator(db, '127.0.0.1', proxy.port, { mockUserToken: { user_id: 'bob', sub: 'bob' } });
  await server.write('watch-playback/s1', { ...record(1, 'alice', 'playing'), lastUpdateAt: 1 });
  const heard = [];
  watchRecord(db, 's1', (r) => heard.push(r));
  await until(db, 'watch-playback/s1', (v) => v?.seq === 1, 'the first record heard');

  // Sent, but held on its way: the server drops the connection without having seen it.
  proxy.hold(true);
  const written = writeRecord(db, 's1', record(2, 'bob', 'paused'), supersedes);
  await server.stop();
  await until(db, '.info/connected', (v) => v === false, 'offline');
  assert.equal((await server.server.getValue(server.server.baseRef.child('watch-playback/s1'))).seq, 1);
  proxy.hold(false);
  await server.start();
  assert.equal(await withTimeout(written, 'the write after the restart'), true);
  const stored = await server.server.getValue(server.server.baseRef.child('watch-playback/s1'));
  assert.equal(stored.seq, 2);
  assert.equal(stored.lastUpdateBy, 'bob');
  assert.equal(stored.state, 'paused');
  await until(db, 'watch-playback/s1', (v) => v?.seq === 2, 'the record heard back');
  assert.deepEqual(heard.map((r) => r?.seq), [1, 2]);
});
