// Test page for web/adapters/peer-link.js alone (e2e/peer-link.spec.mjs). It exposes the module and the
// database glue on window, plus `wt`, a recorder that keeps what a link reported (states, channels,
// the messages each channel carried) in a form page.evaluate can return.
import { get, onValue, ref, set, update } from 'firebase/database';
import * as peerLink from '../../web/adapters/peer-link.js';
import { databaseAs, ensureSession, linkIds } from './lib/session.js';

window.peerLink = peerLink;
window.wtFirebase = { get, onValue, ref, set, update };  // for tests that play a misbehaving peer or a stranger by hand

let selfId = null;  // who this page signed in as, with its first link
const database = (uid = selfId) => databaseAs(uid);

// Per channel: its properties as opened, and what arrived on it (text kept, bytes concatenated).
function recordChannel(channel, attempt) {
  const rec = {
    channel, attempt, openedAt: Date.now(), closedAt: null, texts: [], chunks: [], bytes: 0,
    props: {
      label: channel.label, ordered: channel.ordered, maxPacketLifeTime: channel.maxPacketLifeTime,
      maxRetransmits: channel.maxRetransmits, binaryType: channel.binaryType, readyState: channel.readyState,
      negotiated: channel.negotiated,
    },
  };
  channel.addEventListener('message', (e) => {
    if (typeof e.data === 'string') rec.texts.push(e.data);
    else {
      rec.chunks.push(new Uint8Array(e.data));
      rec.bytes += e.data.byteLength;
    }
  });
  channel.addEventListener('close', () => { rec.closedAt = Date.now(); });
  return rec;
}

const toBase64 = (bytes) => {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
};
const fromBase64 = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));

window.wt = {
  link: null, states: [], channels: [],
  database,
  // A new link starts a fresh record (the page may have closed an earlier one).
  async open(options) {
    const ids = linkIds(options);
    selfId = options.selfId;
    await ensureSession(options.sessionId, ids);
    const db = await database();
    this.states = [];
    this.channels = [];
    // adopt: true → the host connection this page set up (window.hostPc), through openSessionLink.
    const open = options.adopt ? peerLink.openSessionLink : peerLink.openPeerLink;
    this.link = open({
      db, peerId: ids.peerId, ...options, adopt: options.adopt ? window.hostPc : undefined,
      onState: (state, detail) => this.states.push({ state, ...detail, at: Date.now() }),
      onChannel: (channel, { attempt }) => this.channels.push(recordChannel(channel, attempt)),
    });
  },
  latest() { return this.channels[this.channels.length - 1]; },
  // What the test reads: everything but the live objects.
  info() {
    return {
      state: this.link?.state, attempt: this.link?.attempt, adopted: this.link?.adopted ?? false, states: this.states,
      channels: this.channels.map(({ channel, chunks, ...rest }) => ({ ...rest, readyState: channel.readyState })),
    };
  },
  send(text) { this.latest().channel.send(text); },
  // Sends bytes in 64 KiB messages, keeping bufferedAmount bounded.
  async sendBytes(b64) {
    const bytes = fromBase64(b64);
    const { channel } = this.latest();
    channel.bufferedAmountLowThreshold = 1 << 20;
    for (let off = 0; off < bytes.length; off += 65536) {
      if (channel.bufferedAmount > 4 << 20) await new Promise((ok) => channel.addEventListener('bufferedamountlow', ok, { once: true }));
      channel.send(bytes.subarray(off, off + 65536));
    }
  },
  receivedBytes() {
    const { chunks, bytes } = this.latest();
    const all = new Uint8Array(bytes);
    let off = 0;
    for (const c of chunks) {
      all.set(c, off);
      off += c.length;
    }
    return toBase64(all);
  },
  kill() {
    const at = Date.now();
    this.link.pc.close();
    return at;
  },
  async signalingKeys(sessionId) {
    const snap = await get(ref(await database(), `watch-sessions/${sessionId}/signaling`));
    return Object.keys(snap.val() ?? {});
  },
};

document.body.dataset.ready = 'true';
