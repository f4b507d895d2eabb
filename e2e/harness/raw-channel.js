// Baseline page for the transfer benchmark (e2e/bench/transfer-bench.mjs): the same file sent over a
// bare RTCDataChannel, opened the product's way (web/adapters/peer-link.js, signaled through the database), with
// the product's flow control: 64 KiB messages, bufferedAmount kept under 4 MiB, woken at 1 MiB by
// 'bufferedamountlow', the File read in 1 MiB slices (the next slice read while the current one is
// sent). The receiver only counts bytes. Only the data is timed: Date.now() in the sending page once
// the first slice is read, Date.now() in the receiving page when the last byte arrived (one machine, one
// clock). No hashing, no storing: this is what the channel itself can carry.
//
// With { hashed: true } each side also runs the SHA-256 work that verification requires of any
// transfer that meets the issue, with the product's own hash (the wasm core's Sha256Stream): every
// byte hashed twice on each side, once for its 1 MiB piece's digest and once for the whole file's.
// Nothing else (no frames, no ledger, no storing): the ceiling for a verified transfer on this machine.
import * as peerLink from '../../web/adapters/peer-link.js';
import { loadCore } from '../../web/controllers/core.js';
import { loadDatabaseConfig } from '../../web/adapters/database.js';
import { databaseAs, ensureSession, linkIds } from './lib/session.js';

const MESSAGE = 64 * 1024;
const SLICE = 1024 * 1024;
const HIGH_WATER = 4 * 1024 * 1024;
const LOW_WATER = 1024 * 1024;


// A piece digest and the whole file's digest over the same bytes, fed in order (one copy into each
// stream's window in the wasm heap, as the product copies once into its core).
class TwoDigests {
  constructor(core) {
    this.piece = new core.Sha256Stream(SLICE);
    this.file = new core.Sha256Stream(SLICE);
    this.inPiece = 0;
    this.pieceDigests = 0;
  }

  // bytes: a Uint8Array that does not cross a piece boundary.
  update(bytes) {
    for (const s of [this.piece, this.file]) {
      s.window().set(bytes);
      s.updateFromWindow(bytes.byteLength);
    }
    this.inPiece += bytes.byteLength;
    if (this.inPiece === SLICE) this.endPiece();
  }

  endPiece() {
    if (!this.inPiece) return;
    this.piece.finishHex();
    this.pieceDigests += 1;
    this.inPiece = 0;
  }

  finish() {
    this.endPiece();
    const digest = this.file.finishHex();
    this.piece.delete();
    this.file.delete();
    return { digest, pieceDigests: this.pieceDigests };
  }
}

const bufferLow = (channel) => new Promise((resolve, reject) => {
  const done = () => { channel.removeEventListener('bufferedamountlow', done); channel.removeEventListener('close', closed); resolve(); };
  const closed = () => { channel.removeEventListener('bufferedamountlow', done); reject(new Error('the data channel closed while sending')); };
  channel.addEventListener('bufferedamountlow', done);
  channel.addEventListener('close', closed, { once: true });
});

window.raw = {
  link: null,
  channel: null,
  received: 0,
  expected: 0,
  firstByteAt: null,
  lastByteAt: null,
  done: null,

  // Opens the link; resolves once the data channel is open. role: 'offerer' (receiver) or 'answerer'.
  // The page server's ICE servers and policy apply, as in the product (a relay path, for the WAN bench).
  async open({ sessionId, selfId, peerId, role }) {
    const ids = linkIds({ selfId, role, peerId });
    await ensureSession(sessionId, ids);
    const db = await databaseAs(selfId);
    const { iceServers = [], iceTransportPolicy = 'all' } = await loadDatabaseConfig();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the data channel did not open within 30 s')), 30_000);
      this.link = peerLink.openPeerLink({
        db, sessionId, selfId, peerId: ids.peerId, role, iceServers, iceTransportPolicy,
        onChannel: (channel) => {
          clearTimeout(timer);
          this.channel = channel;
          channel.binaryType = 'arraybuffer';
          resolve({ maxMessageSize: this.link.pc?.sctp?.maxMessageSize ?? null });
        },
      });
    });
  },

  // Receiver: count bytes (and hash them, if hashed) until `expected` arrived; the promise `done`
  // resolves then.
  async expect(expected, { hashed = false } = {}) {
    this.received = 0;
    this.expected = expected;
    this.firstByteAt = this.lastByteAt = null;
    this.hashResult = null;
    const digests = hashed ? new TwoDigests(await loadCore()) : null;
    this.done = new Promise((resolve) => {
      this.channel.onmessage = (e) => {
        if (this.firstByteAt === null) this.firstByteAt = Date.now();
        digests?.update(new Uint8Array(e.data));
        this.received += e.data.byteLength;
        if (this.received >= this.expected) {
          if (digests) this.hashResult = digests.finish();
          this.lastByteAt = Date.now();
          this.channel.onmessage = null;
          resolve();
        }
      };
    });
  },

  // Resolves once everything arrived; rejects if nothing more arrives for stallMs.
  async waitDone({ stallMs = 30_000 } = {}) {
    let seen = -1, since = Date.now(), timer;
    const stalled = new Promise((resolve, reject) => {
      timer = setInterval(() => {
        if (this.received !== seen) [seen, since] = [this.received, Date.now()];
        else if (Date.now() - since > stallMs) reject(new Error(`stalled at ${this.received} of ${this.expected} bytes`));
      }, 500);
    });
    try {
      await Promise.race([this.done, stalled]);
    } finally {
      clearInterval(timer);
    }
    return { received: this.received, firstByteAt: this.firstByteAt, lastByteAt: this.lastByteAt, hash: this.hashResult };
  },

  // Sender: the picked file, 1 MiB slices (hashed first, if hashed), 64 KiB messages. Resolves with
  // the start time (the first slice read) and, if hashed, the digests.
  async send({ hashed = false } = {}) {
    const file = document.getElementById('file').files[0];
    if (!file) throw new Error('no file picked');
    const digests = hashed ? new TwoDigests(await loadCore()) : null;
    const ch = this.channel;
    ch.bufferedAmountLowThreshold = LOW_WATER;
    const read = (offset) => (offset < file.size ? file.slice(offset, offset + SLICE).arrayBuffer() : null);
    let startedAt = null;
    let next = read(0);
    for (let offset = 0; offset < file.size; offset += SLICE) {
      const buf = await next;
      startedAt ??= Date.now();
      next = read(offset + SLICE);  // read ahead while this slice goes out
      digests?.update(new Uint8Array(buf));
      for (let at = 0; at < buf.byteLength; at += MESSAGE) {
        const len = Math.min(MESSAGE, buf.byteLength - at);
        if (ch.bufferedAmount + len > HIGH_WATER) await bufferLow(ch);
        ch.send(new Uint8Array(buf, at, len));
      }
    }
    return { startedAt, size: file.size, hash: digests?.finish() ?? null };
  },

  async close() {
    await this.link?.close();
    this.link = this.channel = null;
  },
};

// The core is loaded with the page, as the product's page loads its own: no run counts compiling it.
await loadCore();
document.body.dataset.ready = 'true';
