'use strict';
// Embedded Realtime-Database-compatible server for dev and tests: firebase-server@1.1.0 plus the
// protocol actions it lacks but the modular SDK (v12) uses — `g` (get) and the onDisconnect
// family `o` / `om` / `oc` / `on`. Without them `get()` and `onDisconnect()` hang forever.
//
// firebase-server keeps its per-connection state (auth token, send helper) in closures inside
// handleConnection(), with no hook for extra actions. So a small subclass adds a second
// 'message' listener on the same WebSocket: firebase-server ignores actions it does not know,
// and we ignore the ones it handles. Our writes go to the same data (the server's internal
// firebase@8 ref, so its listeners fire and push to clients) and the same targaryen rules
// database (so rules see them).

const EventEmitter = require('events');
const FirebaseServer = require('firebase-server');
const { getFirebaseHash } = require('firebase-server/dist/lib/firebase-hash');

const TIMESTAMP = { '.sv': 'timestamp' };

// Replace every {'.sv':'timestamp'} with `now`, as firebase-server does for ordinary writes.
function resolveServerValues(value, now) {
  if (value === null || typeof value !== 'object') return value;
  if (value['.sv'] === TIMESTAMP['.sv'] && Object.keys(value).length === 1) return now;
  const out = Array.isArray(value) ? [] : {};
  for (const [k, v] of Object.entries(value)) out[k] = resolveServerValues(v, now);
  return out;
}

// Rebuild a get()'s query (the SDK's wire form, see queryParamsGetQueryObject in
// @firebase/database) on the server's firebase@8 ref, so filters and limits are applied here as
// the real database does: the SDK takes a get()'s answer as the query's result unfiltered.
function applyQuery(ref, q) {
  if (!q || Object.keys(q).length === 0) return ref;
  let query = ref;
  if (q.i === '.key') query = query.orderByKey();
  else if (q.i === '.value') query = query.orderByValue();
  else if (q.i && q.i !== '.priority') query = query.orderByChild(q.i);
  // startAfter/endBefore without a key arrive with the sentinel names [MAX_NAME]/[MIN_NAME].
  const key = (name) => (name === undefined || /^\[M(AX|IN)_NAME\]$/.test(name) ? undefined : name);
  if ('sp' in q) query = q.sin === false ? query.startAfter(q.sp, key(q.sn)) : query.startAt(q.sp, key(q.sn));
  if ('ep' in q) query = q.ein === false ? query.endBefore(q.ep, key(q.en)) : query.endAt(q.ep, key(q.en));
  if ('l' in q) query = q.vf === 'r' ? query.limitToLast(q.l) : query.limitToFirst(q.l);
  return query;
}

function normalize(path) {
  return String(path || '').replace(/^\/+|\/+$/g, '');
}

// True when `path` is `base` or lies below it.
function isAtOrBelow(path, base) {
  return base === '' || path === base || path.startsWith(base + '/');
}

class EmbeddedServer extends FirebaseServer {
  // firebase-server evaluates every request as `targaryen.as(authData())` on one shared rules
  // database, and stores each write's result (which carries the writer's auth) back as that shared
  // database. targaryen's as(undefined) and as(null) keep the auth already there, so a connection
  // without a token was judged as the last writer. Here the shared database never holds an auth:
  // every request is judged with its own connection's auth, or as unauthenticated (null).
  get targaryen() {
    return this.rulesDb;
  }

  set targaryen(db) {
    this.rulesDb = db.auth == null ? db : new db.constructor({ rules: db.rules, data: db.root, now: db.timestamp, auth: null, debug: db.debug });
  }

  handleConnection(ws, req) {
    // A client configured by databaseURL alone (no connectDatabaseEmulator) reconnects to the
    // host named in the handshake (`h`), which firebase-server fills with its name. Echo the Host
    // header the client dialled, so reconnects go back the same way (e.g. through a proxy).
    const name = this.name;
    this.name = (req && req.headers.host) || name;
    // firebase-server sees the socket through `inner`: every message reaches our layer first, which
    // handles some actions itself and passes the others on, whole.
    const inner = new EventEmitter();
    inner.send = (...args) => ws.send(...args);
    inner._socket = ws._socket;
    try {
      super.handleConnection(inner);
    } finally {
      this.name = name;
    }
    this.addMissingActions(ws, (text) => inner.emit('message', text));
  }

  // Our layer of the protocol. `pass(text)` hands a whole message to firebase-server.
  addMissingActions(ws, pass) {
    const server = this;
    let frameBuffer = '';
    let authToken = null;
    const onDisconnectOps = []; // {action: 'set'|'merge', path, data}, in registration order

    function sendMessage(message) {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
    }

    // A reply. (Sent as one frame: the SDK joins frames only when told a count first.)
    function send(requestId, status, data) {
      sendMessage({ t: 'd', d: { r: requestId, b: { s: status, d: data } } });
    }

    // The current value at a path, as a listener update.
    function push(path, data) {
      sendMessage({ t: 'd', d: { a: 'd', b: { p: path, d: data } } });
    }

    // Mirrors firebase-server's private authData(), for rules evaluation.
    function auth() {
      if (!authToken) return undefined;
      try {
        const t = server.tokenValidator.decode(authToken);
        return 'd' in t ? t.d : { provider: t.provider_id, token: t, uid: t.user_id || t.sub };
      } catch (e) {
        return undefined;
      }
    }

    const handlers = {
      // A transaction's write (a set carrying the hash of the value it was computed from).
      // firebase-server checks the rules, stores the rules' copy of the data, and only then
      // compares the hash: a stale attempt, refused with 'datastale', still changed the data the
      // rules see, and the retry was then judged against data that never was. Here the hash comes
      // first and the rules' copy changes only with the data.
      p(requestId, path, data, query, body) {
        if (typeof body.h !== 'string') return false;  // an ordinary set: firebase-server's
        const ref = server.refAt(path);
        server.getSnap(ref).then((snap) => {
          const current = snap.exportVal();
          if (getFirebaseHash(current) !== body.h) {
            push(path, current);  // the client retries from the current value
            return send(requestId, 'datastale', 'Transaction hash does not match');
          }
          const now = server.clock || Date.now();
          const value = resolveServerValues(data, now);
          const result = server.targaryen.as(auth()).write(path, value, { now });
          if (!result.allowed) return send(requestId, 'permission_denied', 'Permission denied');
          server.targaryen = result.newDatabase;
          ref.set(value);
          return send(requestId, 'ok', {});
        });
        return true;
      },
      g(requestId, path, data, query) {
        if (!server.targaryen.as(auth()).read(path).allowed) {
          return send(requestId, 'permission_denied', 'Permission denied');
        }
        // firebase-server applies a set a few microtasks after receiving it; answer on a later
        // macrotask so a get sent after a set sees that set.
        setImmediate(() => {
          let target;
          try {
            target = applyQuery(server.refAt(path), query);
          } catch (e) {
            return send(requestId, 'invalid_query', String(e.message || e));
          }
          server.getSnap(target).then((snap) => send(requestId, 'ok', snap.exportVal()));
        });
      },
      o(requestId, path, data) {
        register(requestId, { action: 'set', path, data });
      },
      on(requestId, path) {
        register(requestId, { action: 'set', path, data: null });
      },
      om(requestId, path, data) {
        register(requestId, { action: 'merge', path, data });
      },
      oc(requestId, path) {
        for (let i = onDisconnectOps.length - 1; i >= 0; i--) {
          if (isAtOrBelow(onDisconnectOps[i].path, path)) onDisconnectOps.splice(i, 1);
        }
        send(requestId, 'ok', null);
      },
    };

    // Rules are checked when the operation is registered (as the real database does), against
    // current data; the write itself happens at disconnect.
    function register(requestId, op) {
      const now = server.clock || Date.now();
      const data = resolveServerValues(op.data, now);
      const db = server.targaryen.as(auth());
      const result = op.action === 'merge' ? db.update(op.path, data, now) : db.write(op.path, data, now);
      if (!result.allowed) return send(requestId, 'permission_denied', 'Permission denied');
      onDisconnectOps.push(op);
      send(requestId, 'ok', null);
    }

    ws.on('message', (raw) => {
      const text = raw.toString();
      // A bare number is a keepalive ('0') or the frame count of a message split into frames.
      if (frameBuffer === '' && /^\d+$/.test(text)) return;
      let msg;
      try {
        msg = JSON.parse(frameBuffer + text);
        frameBuffer = '';
      } catch (e) {
        frameBuffer += text;
        return;
      }
      if (!msg || msg.t !== 'd' || !msg.d || !msg.d.b) return pass(JSON.stringify(msg));
      const { a: action, r: requestId, b: body } = msg.d;
      if (action === 'auth' || action === 'gauth') authToken = body.cred;
      // Signing out: firebase-server has no 'unauth' and would keep judging this connection by the
      // old token. Closing the socket makes the SDK reconnect, unauthenticated, and listen again.
      if (action === 'unauth') {
        ws.close();
        return undefined;
      }
      const handler = Object.prototype.hasOwnProperty.call(handlers, action) && handlers[action];
      if (handler && handler(requestId, normalize(body.p), body.d, body.q, body) !== false) return undefined;
      return pass(JSON.stringify(msg));
    });

    ws.on('close', () => {
      for (const op of onDisconnectOps.splice(0)) server.applyWrite(op);
    });
  }

  refAt(path) {
    return path ? this.baseRef.child(path) : this.baseRef;
  }

  // A write made by the server itself (onDisconnect): rules were checked at registration, so it
  // updates both stores unconditionally.
  applyWrite({ action, path, data }) {
    const now = this.clock || Date.now();
    const value = resolveServerValues(data, now);
    const root = this.targaryen.root;
    const newRoot = action === 'merge' ? root.$merge(path || '/', value, now) : root.$set(path || '/', value, undefined, now);
    this.targaryen = this.targaryen.with({ data: newRoot, now });
    if (action === 'merge') this.refAt(path).update(value);
    else this.refAt(path).set(value);
  }
}

// Start the server on loopback (it has no auth of its own: never expose it). Port 0 picks a
// free port. `rules` is the content of a database.rules.json, enforced through targaryen.
//
// The handle can also take the database away and bring it back, as an outage looks to clients:
// stop() drops every client socket (applying their onDisconnect operations, as a real server does
// when it notices the drops) and stops listening; start() listens again on the same port with the
// same rules and the data as it was, as a real project keeps its data through an outage.
async function startEmbeddedDatabase({ host = '127.0.0.1', port = 0, namespace = 'watch-together', rules, log = false } = {}) {
  if (!/^(127(\.\d{1,3}){3}|::1|localhost)$/.test(host)) throw new Error(`refusing to bind to non-loopback host ${host}`);
  if (log) require('debug').enable('firebase-server');

  // Bind a plain HTTP server first so that port 0 works, then let firebase-server's ws attach.
  // `data` seeds a server started again after stop().
  async function listen(atPort, data) {
    const http = require('http').createServer((req, res) => {
      res.writeHead(404);
      res.end();
    });
    await new Promise((resolve, reject) => {
      http.once('error', reject);
      http.listen(atPort, host, resolve);
    });
    const boundPort = http.address().port;
    const hostPort = host.includes(':') ? `[${host}]:${boundPort}` : `${host}:${boundPort}`;
    // The name is the handshake host for clients that send no Host header (see handleConnection).
    const server = new EmbeddedServer({ server: http }, hostPort, data);
    if (rules) server.setRules(rules);
    return { http, server, port: boundPort, hostPort };
  }

  // Drops every client (each socket's 'close' applies its onDisconnect operations first), stops
  // listening and returns the data as the dropped clients left it.
  async function shutDown({ http, server }) {
    const stopped = new Promise((resolve) => http.close(() => resolve()));  // no new connections from here on
    // (A socket whose upgrade was under way joins the clients late: hence the loop.)
    while (server.wss.clients.size > 0) {
      await Promise.all([...server.wss.clients].map((ws) => new Promise((dropped) => {
        ws.once('close', dropped);  // after addMissingActions' own 'close' listener
        ws.terminate();
      })));
    }
    http.closeAllConnections();
    await stopped;
    const data = await server.exportData();
    await server.close();
    await server.app.delete().catch(() => {});
    return data;
  }

  let live = await listen(port, null);
  const { port: fixedPort, hostPort } = live;
  let stopped = null;   // a promise of the data while down, null while up
  let changing = Promise.resolve();  // stop/start/close, one at a time
  let closed = null;
  const serialize = (fn) => (changing = changing.then(fn, fn));

  const handle = {
    host,
    port: fixedPort,
    namespace,
    url: `http://${hostPort}`,
    emulatorHost: hostPort,
    // The running FirebaseServer, e.g. for server.getValue() in tests (a new one after a restart).
    get server() {
      return live.server;
    },
    get running() {
      return stopped === null && closed === null;
    },
    // Sets `path` to `value` as the server itself, without rules (tests seed data this way, as
    // rules-unit-testing's withSecurityRulesDisabled); listeners are told as for any write.
    write(path, value) {
      if (!handle.running) return Promise.reject(new Error('the embedded database is stopped'));
      live.server.applyWrite({ action: 'set', path: normalize(path), data: value });
      return Promise.resolve();
    },
    // The outage: every client is dropped and cannot connect until start().
    stop() {
      return serialize(async () => {
        if (stopped || closed) return;
        stopped = shutDown(live);
        await stopped;
      });
    },
    // Back on the same port, with the data as it was when stopped.
    start() {
      return serialize(async () => {
        if (!stopped || closed) return;
        live = await listen(fixedPort, await stopped);
        stopped = null;
      });
    },
    // stop(), `downMs` unreachable, start().
    async restart({ downMs = 0 } = {}) {
      await handle.stop();
      await new Promise((resolve) => setTimeout(resolve, downMs));
      await handle.start();
    },
    close() {
      if (!closed) {
        closed = serialize(async () => {
          // ws 7 terminates open client sockets on close; their onDisconnect ops are moot then.
          if (!stopped) await shutDown(live);
        });
      }
      return closed;
    },
  };
  return handle;
}

module.exports = { startEmbeddedDatabase };
