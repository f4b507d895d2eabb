// The one module that owns RTCPeerConnection. It connects the two browsers of a watch session through
// signaling in the Realtime Database, hands out an open data channel labelled 'file-transfer'
// (ordered, fully reliable, binaryType 'arraybuffer') and reconnects by itself.
//
// Roles: the 'offerer' is the receiver of the file (it holds the ledger, so it drives reconnects);
// the 'answerer' is the sender. Signaling lives at /watch-sessions/{sessionId}/signaling/{attemptId}:
//   by, at, offer {type, sdp}    the offerer, once per (re)connection attempt
//   offerCandidates/{pushId}     trickled ICE, offerer → answerer
//   answer {type, sdp}           the answerer
//   answerCandidates/{pushId}    trickled ICE, answerer → offerer
//   restart: true                the answerer asks for a new attempt: its side died, or it found the
//                                newest attempt already answered by an earlier page of its own
// Attempt ids are push ids, which sort in creation order, so "newest" needs no clock. The offerer
// creates one attempt per connection and removes the older ones; the answerer answers only the newest.
import {
  child, onChildAdded, onChildChanged, onChildRemoved, onDisconnect, onValue, push, ref, runTransaction,
  serverTimestamp, update,
} from 'firebase/database';

export const CHANNEL_LABEL = 'file-transfer';
// A fixed data channel id for adoptPeerConnection, chosen by both sides without talking.
export const ADOPTED_CHANNEL_ID = 42;

// Exponential backoff with "equal jitter": the ceiling doubles per failure up to maxMs, and the delay
// is drawn from its upper half, so it still grows while two peers that failed together spread out.
// jitter() returns a number in [0, 1]; jitter = () => 1 gives the ceiling itself.
export function backoffDelay(failures, { baseMs = 500, maxMs = 15000, jitter = Math.random } = {}) {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, failures));
  return Math.round(ceiling / 2 + (jitter() * ceiling) / 2);
}

// RTCIceCandidate.toJSON() may carry undefined fields, which the database refuses.
function candidateRecord(c) {
  const j = c.toJSON ? c.toJSON() : c;
  const out = {};
  for (const k of ['candidate', 'sdpMid', 'sdpMLineIndex', 'usernameFragment']) if (j[k] != null) out[k] = j[k];
  return out;
}

const description = (d) => ({ type: d.type, sdp: d.sdp });

// The path the connection took, from the selected candidate pair in getStats: 'relayed' when either
// end is a TURN relay candidate, 'direct' otherwise (host, srflx, prflx). Chromium names the pair in
// its transport stats; Firefox marks the pair `selected` (or, before it does, `nominated` once it
// succeeded). null while there is no such pair yet.
export async function linkType(pc) {
  const stats = await pc.getStats();
  /** @type {any} */
  let pair = null;
  stats.forEach((r) => {
    if (r.type === 'transport' && r.selectedCandidatePairId) pair ??= stats.get(r.selectedCandidatePairId);
  });
  if (!pair) stats.forEach((r) => { if (r.type === 'candidate-pair' && r.selected && r.state === 'succeeded') pair ??= r; });
  if (!pair) stats.forEach((r) => { if (r.type === 'candidate-pair' && r.nominated && r.state === 'succeeded') pair ??= r; });
  const local = pair && stats.get(pair.localCandidateId);
  const remote = pair && stats.get(pair.remoteCandidateId);
  if (!local || !remote) return null;
  // The other side's relay address may be learnt from its first check before its candidate is
  // signaled: the pair's remote is then peer-reflexive, at the address of a relay candidate the
  // other side announced (Chromium against a Firefox relaying over TCP).
  const where = (c) => `${c.address ?? c.ip}:${c.port}`;
  let remoteRelay = remote.candidateType === 'relay';
  stats.forEach((r) => { if (r.type === 'remote-candidate' && r.candidateType === 'relay' && where(r) === where(remote)) remoteRelay = true; });
  const relayed = local.candidateType === 'relay' || remoteRelay;
  return { type: relayed ? 'relayed' : 'direct', local: local.candidateType, remote: remote.candidateType, protocol: local.protocol ?? '' };
}

// Asks linkType for as long as the attempt is the current one, and reports the link whenever it
// differs from the last report: every 250 ms until the pair is first known (once a channel is open;
// a browser may publish the selection later), then every 2 s, because what it says can change: the
// pair may change, and the other side's relay candidate may be signaled only after its first check
// made it known as peer-reflexive (see linkType).
function reportLinkType(pc, onLink, isCurrent, last = '') {
  linkType(pc).then((link) => {
    if (!isCurrent()) return;
    const key = link ? JSON.stringify(link) : '';
    if (link && key !== last) onLink(link);
    setTimeout(() => reportLinkType(pc, onLink, isCurrent, key || last), link || last ? 2000 : 250);
  }, () => {});
}

// peerId: the other side's user id. The answerer answers only attempts written by it (the database
// rules let only the session's recipient write offers; this is the page's own check of the same).
/**
 * @typedef {{ db: import('firebase/database').Database, sessionId: string, selfId: string, peerId: string,
 *   role: 'offerer' | 'answerer', onChannel?: (channel: RTCDataChannel, detail: { attempt: number }) => void,
 *   onState?: (state: string, detail: { attempt: number, reason?: string, adopted?: boolean }) => void,
 *   backoff?: { baseMs?: number, maxMs?: number, jitter?: () => number },
 *   iceServers?: RTCIceServer[] | (() => RTCIceServer[] | Promise<RTCIceServer[]>), iceTransportPolicy?: RTCIceTransportPolicy,
 *   onLink?: (link: { type: string, local: string, remote: string, protocol: string }) => void, unreachableAfter?: number,
 *   attemptTimeoutMs?: number, disconnectedGraceMs?: number, stableMs?: number, watchdogMs?: number }} PeerLinkOptions
 */

/** @param {PeerLinkOptions} options */
export function openPeerLink({
  db, sessionId, selfId, peerId, role, onChannel = () => {}, onState = () => {}, backoff = {},
  // STUN/TURN servers: an array, or a function returning one (or a promise of one), called for every
  // connection attempt, for time-limited TURN credentials. iceTransportPolicy 'relay' forbids direct
  // paths (the relay tests set it; the product default is 'all').
  iceServers = [], iceTransportPolicy = 'all',
  onLink = () => {},           // (link) once the selected candidate pair of an open channel is known: see linkType
  unreachableAfter = 3,        // attempts in a row that never connected before the link gives up ('unreachable')
  attemptTimeoutMs = 10_000,   // from the answer to an open channel
  disconnectedGraceMs = 3_000, // 'disconnected' often heals by itself; wait this long before giving up
  stableMs = 5_000,            // a channel open this long resets the backoff
  watchdogMs = 250,            // a pc closed locally need not fire any event (per spec), so it is polled
}) {
  if (role !== 'offerer' && role !== 'answerer') throw new TypeError(`openPeerLink: role must be 'offerer' or 'answerer', not ${role}`);
  if (!db || !sessionId || !selfId || !peerId) throw new TypeError('openPeerLink: db, sessionId, selfId and peerId are required');
  const offerer = role === 'offerer';
  const signaling = ref(db, `watch-sessions/${sessionId}/signaling`);
  const sessionUnsubs = [];
  let state = null;
  let attempt = 0;      // attempts made (offerer) or answered (answerer)
  let failures = 0;     // consecutive attempts that did not stay open (offerer)
  let cur = null;       // the current attempt: { key, number, ref, pc, channel, ... }
  let everConnected = false;
  let unconnected = 0;  // attempts in a row that ended without an open channel, for an ICE reason
  let retryTimer = null;
  let closed = false;

  function report(s, detail = {}) {
    if (closed && s !== 'closed') return;
    state = s;
    try {
      onState(s, { attempt, ...detail });
    } catch (e) {
      console.error('peer-link onState:', e);
    }
  }

  // The ICE servers for one attempt: fn(servers) at once when they are fixed, after the host's
  // function returned fresh ones otherwise; fail(error) when it threw.
  function withIceServers(fn, fail) {
    if (typeof iceServers !== 'function') {
      fn(iceServers);
      return;
    }
    Promise.resolve().then(() => iceServers()).then((servers) => fn(servers ?? []), fail);
  }

  function newAttempt(key, ownCandidates, servers) {
    const a = {
      key, number: attempt, ref: child(signaling, key), pc: new RTCPeerConnection({ iceServers: servers, iceTransportPolicy }), channel: null,
      events: new AbortController(), unsubs: [], dead: false, answeredAt: null,
      openedAt: null, disconnectedSince: null, remoteSet: false, remoteQueue: [], localQueue: [], signalOut: false,
      candidates: 0, gathered: false,
    };
    const { signal } = a.events;
    a.pc.addEventListener('icecandidate', (e) => {
      // A null candidate (or an empty one, per m-line) marks the end of gathering: nothing to send, the
      // other side keeps checking the pairs it has.
      if (!e.candidate || !e.candidate.candidate) return;
      a.candidates += 1;
      const rec = candidateRecord(e.candidate);
      if (a.signalOut) writeCandidate(a, ownCandidates, rec);
      else a.localQueue.push(rec);
    }, { signal });
    a.pc.addEventListener('connectionstatechange', () => {
      const cs = a.pc.connectionState;
      if (cs === 'failed') lose(a, 'connection failed', { ice: true });
      else if (cs === 'disconnected') a.disconnectedSince ??= performance.now();
      else a.disconnectedSince = null;
    }, { signal });
    // Gathering over with no candidate at all: this side has no path to offer (relay-only with no
    // relay, or a relay that refused the credentials), so the attempt cannot connect.
    a.pc.addEventListener('icegatheringstatechange', () => {
      if (a.pc.iceGatheringState !== 'complete' || a.gathered) return;
      a.gathered = true;
      if (a.candidates === 0 && a.openedAt == null) lose(a, 'no ICE candidates', { ice: true });
    }, { signal });
    return a;
  }

  function writeCandidate(a, field, rec) {
    if (a.dead) return;
    push(child(a.ref, field), rec).catch((e) => console.warn('peer-link: cannot write a candidate:', e.message));
  }

  // Our own description is in the database: send what was gathered meanwhile, then trickle.
  function signalOut(a, field) {
    a.signalOut = true;
    for (const rec of a.localQueue.splice(0)) writeCandidate(a, field, rec);
  }

  function addRemoteCandidate(a, c) {
    if (a.dead || !c || !c.candidate) return;  // '' is an end-of-candidates marker: nothing to add
    if (!a.remoteSet) {
      a.remoteQueue.push(c);
      return;
    }
    a.pc.addIceCandidate(c).catch((e) => { if (!a.dead) console.warn('peer-link: addIceCandidate:', e.message); });
  }

  function remoteDescriptionSet(a) {
    a.remoteSet = true;
    for (const c of a.remoteQueue.splice(0)) addRemoteCandidate(a, c);
  }

  function useChannel(a, ch) {
    a.channel = ch;
    ch.binaryType = 'arraybuffer';
    const { signal } = a.events;
    const opened = () => {
      if (a.dead || a.openedAt != null) return;
      a.openedAt = performance.now();
      everConnected = true;
      unconnected = 0;
      report('connected', { reason: 'channel open' });
      reportLinkType(a.pc, (link) => { try { onLink(link); } catch (e) { console.error('peer-link onLink:', e); } }, () => !a.dead && a === cur);
      try {
        onChannel(ch, { attempt: a.number });
      } catch (e) {
        console.error('peer-link onChannel:', e);
      }
    };
    ch.addEventListener('open', opened, { signal });
    ch.addEventListener('close', () => lose(a, 'data channel closed'), { signal });
    if (ch.readyState === 'open') opened();
  }

  function teardown(a) {
    if (a.dead) return;
    a.dead = true;
    a.events.abort();
    for (const unsub of a.unsubs.splice(0)) unsub();
    try {
      a.channel?.close();
    } catch { /* already closed */ }
    try {
      a.pc.close();
    } catch { /* already closed */ }
  }

  // The current attempt is gone: the offerer schedules the next one, the answerer waits for it.
  // The answerer asks the offerer for a new attempt unless it lost this one to another page of its own.
  function lose(a, reason, { askForNew = true, ice = false } = {}) {
    if (closed || a.dead || a !== cur) return;
    teardown(a);
    // A link that never had a channel and whose attempts keep failing at ICE has no path between the
    // two networks: it says so and stops, instead of trying forever. One that connected once keeps
    // reconnecting (a network that went away may come back).
    if (ice && a.openedAt == null) unconnected += 1;
    if (!everConnected && unconnected >= unreachableAfter) {
      report('unreachable', { reason });
      return;
    }
    if (offerer) {
      const delayMs = backoffDelay(failures, backoff);
      failures += 1;
      report('reconnecting', { delayMs, reason });
      retryTimer = setTimeout(() => startAttempt(reason), delayMs);
    } else {
      report('reconnecting', { reason });
      if (askForNew) askForNewAttempt(a.key);
    }
  }

  function watchdog() {
    const a = cur;
    if (!a || a.dead) return;
    const now = performance.now();
    if (a.pc.signalingState === 'closed') lose(a, 'peer connection closed');
    else if (a.channel?.readyState === 'closed') lose(a, 'data channel closed');
    else if (a.disconnectedSince != null && now - a.disconnectedSince > disconnectedGraceMs) lose(a, 'disconnected');
    // An attempt is only timed out once it has an answer: before that it is simply waiting for the
    // other person's page, and a fresh offer would not make them come sooner.
    else if (offerer && a.openedAt == null && a.answeredAt != null && now - a.answeredAt > attemptTimeoutMs) lose(a, 'attempt timed out', { ice: true });
    else if (offerer && a.openedAt != null && now - a.openedAt > stableMs) failures = 0;
  }
  const watchdogTimer = setInterval(watchdog, watchdogMs);

  // ---- offerer -------------------------------------------------------------------------------
  const knownKeys = new Set();  // attempt nodes present under signaling
  const removing = new Set();   // of those, the ones whose removal is on its way

  function removeOlderAttempts() {
    if (!cur) return;
    const gone = {};
    for (const key of knownKeys) {
      if (key < cur.key && !removing.has(key)) {
        gone[key] = null;
        removing.add(key);
        onDisconnect(child(signaling, key)).cancel().catch(() => {});
      }
    }
    if (Object.keys(gone).length) update(signaling, gone).catch((e) => console.warn('peer-link: cannot remove old attempts:', e.message));
  }

  function startAttempt(reason) {
    retryTimer = null;
    if (closed) return;
    const token = {};
    starting = token;
    withIceServers((servers) => { if (!closed && starting === token) beginAttempt(reason, servers); }, (e) => {
      if (closed || starting !== token) return;
      const delayMs = backoffDelay(failures, backoff);
      failures += 1;
      report('reconnecting', { delayMs, reason: `cannot get the ICE servers: ${e?.message ?? e}` });
      retryTimer = setTimeout(() => startAttempt(reason), delayMs);
    });
  }

  let starting = null;  // the latest startAttempt: an older one whose servers arrive late is dropped
  function beginAttempt(reason, servers) {
    attempt += 1;
    const a = newAttempt(push(signaling).key, 'offerCandidates', servers);
    cur = a;
    removeOlderAttempts();
    report('connecting', { reason });
    useChannel(a, a.pc.createDataChannel(CHANNEL_LABEL, { ordered: true }));
    (async () => {
      const offer = await a.pc.createOffer();
      await a.pc.setLocalDescription(offer);
      if (a.dead) return;
      // update(), not set(): it never wipes candidates, whatever order the writes land in.
      update(a.ref, { by: selfId, at: serverTimestamp(), offer: description(offer) })
        .catch((e) => lose(a, `cannot write the offer: ${e.message}`));
      onDisconnect(a.ref).remove().catch(() => {});  // a closed tab leaves no attempt behind
      signalOut(a, 'offerCandidates');
      a.unsubs.push(
        onValue(child(a.ref, 'answer'), (snap) => applyAnswer(a, snap.val())),
        onChildAdded(child(a.ref, 'answerCandidates'), (snap) => addRemoteCandidate(a, snap.val())),
        onValue(child(a.ref, 'restart'), (snap) => { if (snap.val() === true) lose(a, 'the answerer asked for a new attempt'); }),
      );
    })().catch((e) => lose(a, `cannot make an offer: ${e.message}`));
  }

  function applyAnswer(a, answer) {
    if (a.dead || !answer || a.answeredAt != null) return;
    a.answeredAt = performance.now();
    a.pc.setRemoteDescription(answer)
      .then(() => remoteDescriptionSet(a))
      .catch((e) => lose(a, `bad answer: ${e.message}`));
  }

  // ---- answerer ------------------------------------------------------------------------------
  let newest = null;       // { key, offer, answered } of the newest offer seen
  let takeScheduled = false;
  const askedKeys = new Set();

  function noteAttempt(snap) {
    const v = snap.val();
    if (!v || !v.offer || v.by !== peerId) return;  // only the peer's attempts, never a stranger's
    if (newest && snap.key <= newest.key) return;
    newest = { key: snap.key, offer: v.offer, answered: v.answer != null };
    // The first listen delivers every stored attempt at once: take only the newest of the batch.
    if (!takeScheduled) {
      takeScheduled = true;
      queueMicrotask(() => {
        takeScheduled = false;
        if (!closed && newest && newest.key !== cur?.key) answerAttempt(newest);
      });
    }
  }

  function answerAttempt(n) {
    if (cur) teardown(cur);
    if (n.answered) {
      // Answered by an earlier page of ours (this one never saw it): that connection is gone.
      cur = { key: n.key, dead: true };
      report('reconnecting', { reason: 'the newest attempt was answered by an earlier page' });
      askForNewAttempt(n.key);
      return;
    }
    const waiting = { key: n.key, dead: true };  // until the ICE servers are here
    cur = waiting;
    withIceServers((servers) => { if (!closed && cur === waiting) answerWith(n, servers); }, (e) => {
      if (closed || cur !== waiting) return;
      report('reconnecting', { reason: `cannot get the ICE servers: ${e?.message ?? e}` });
      askForNewAttempt(n.key);
    });
  }

  function answerWith(n, servers) {
    attempt += 1;
    const a = newAttempt(n.key, 'answerCandidates', servers);
    cur = a;
    report('connecting', { reason: 'answering' });
    a.pc.addEventListener('datachannel', (e) => {
      if (e.channel.label === CHANNEL_LABEL && !a.dead) useChannel(a, e.channel);
    }, { signal: a.events.signal });
    (async () => {
      await a.pc.setRemoteDescription(n.offer);
      if (a.dead) return;
      remoteDescriptionSet(a);
      a.unsubs.push(onChildAdded(child(a.ref, 'offerCandidates'), (snap) => addRemoteCandidate(a, snap.val())));
      const answer = await a.pc.createAnswer();
      await a.pc.setLocalDescription(answer);
      if (a.dead) return;
      // A transaction, so that an attempt the offerer removed meanwhile is not brought back as an
      // orphan holding only an answer, and so that two pages cannot both answer one attempt.
      const res = await runTransaction(a.ref, (v) => (v && v.offer && !v.answer ? { ...v, answer: description(answer) } : undefined), { applyLocally: false });
      if (a.dead) return;
      if (!res.committed) {
        lose(a, 'the attempt was withdrawn or answered elsewhere', { askForNew: false });
        return;
      }
      signalOut(a, 'answerCandidates');
    })().catch((e) => lose(a, `cannot answer: ${e.message}`));
  }

  // Conditional, like the answer: only an attempt that still exists gets the request.
  function askForNewAttempt(key) {
    if (closed || !key || askedKeys.has(key)) return;
    askedKeys.add(key);
    runTransaction(child(signaling, key), (v) => (v && v.offer && !v.restart ? { ...v, restart: true } : undefined), { applyLocally: false })
      .catch((e) => console.warn('peer-link: cannot ask for a new attempt:', e.message));
  }

  // ---- start -----------------------------------------------------------------------------------
  if (offerer) {
    sessionUnsubs.push(
      onChildAdded(signaling, (snap) => {
        knownKeys.add(snap.key);
        // Anything older than our attempt is a leftover: an earlier page's attempt, or a candidate the
        // answerer wrote into an attempt just after we removed it.
        if (cur && snap.key < cur.key) removeOlderAttempts();
      }),
      onChildRemoved(signaling, (snap) => {
        knownKeys.delete(snap.key);
        removing.delete(snap.key);
      }),
    );
    startAttempt('open');
  } else {
    report('connecting', { reason: 'waiting for an offer' });
    sessionUnsubs.push(onChildAdded(signaling, noteAttempt), onChildChanged(signaling, noteAttempt));
  }

  return {
    // Stops everything. The offerer also removes its attempt nodes; the returned promise settles
    // when that removal is written.
    close() {
      if (closed) return Promise.resolve();
      let removal = Promise.resolve();
      if (offerer) {
        const gone = {};
        for (const key of knownKeys) if (!cur || key <= cur.key) gone[key] = null;
        if (cur) gone[cur.key] = null;
        for (const key of Object.keys(gone)) onDisconnect(child(signaling, key)).cancel().catch(() => {});
        // Written before the pc closes, so that the answerer finds the attempt gone when it notices.
        removal = update(signaling, gone).catch((e) => console.warn('peer-link: cannot remove attempts:', e.message));
      }
      closed = true;
      clearInterval(watchdogTimer);
      clearTimeout(retryTimer);
      for (const unsub of sessionUnsubs.splice(0)) unsub();
      if (cur && !cur.dead) teardown(cur);
      report('closed', { reason: 'closed' });
      return removal;
    },
    // Offerer: drop the current attempt and start a new one at once. Answerer: ask the offerer to.
    reconnectNow() {
      if (closed) return;
      if (offerer) {
        clearTimeout(retryTimer);
        if (cur) teardown(cur);
        startAttempt('reconnectNow');
      } else if (cur) {
        askedKeys.delete(cur.key);
        askForNewAttempt(cur.key);
      }
    },
    get state() { return state; },
    get attempt() { return attempt; },
    get pc() { return cur && !cur.dead ? cur.pc : null; },
  };
}

// The data channel id both sides of a session use on a host's connection, derived from the session
// id (FNV-1a) in 256..1023: clear of the low ids the browser gives a host's own channels, and
// different for two sessions sharing one host connection (a collision: 1 in 768, and then the second
// one's channel cannot be created, so it goes over its own connection, below).
export function adoptedChannelId(sessionId) {
  let h = 0x811c9dc5;
  for (let i = 0; i < sessionId.length; i++) h = Math.imul(h ^ sessionId.charCodeAt(i), 0x01000193) >>> 0;
  return 256 + (h % 768);
}

// A session's link over the host messenger's connection when it passes one (the spec's "extend your
// existing peer connection"): a negotiated channel on it, no signaling. When that channel closes (the
// host closed or lost its connection, the other page reloaded) or has not opened within
// adoptTimeoutMs (the other side is not on this connection), the link goes on over a connection of
// its own, signaled through the database, with its reconnects: a transfer never depends on the host
// keeping its connection up. Without a usable host connection it is openPeerLink.
/** @param {PeerLinkOptions & { adopt?: RTCPeerConnection | null, adoptTimeoutMs?: number }} options */
export function openSessionLink({ adopt = null, adoptTimeoutMs = 5_000, ...options }) {
  const usable = adopt && adopt.signalingState !== 'closed' && !['closed', 'failed'].includes(adopt.connectionState);
  if (!usable) return openPeerLink(options);
  const { onChannel = () => {}, onState = () => {}, onLink = () => {} } = options;
  let current = null;
  let adopted = true;
  let closed = false;
  let timer = null;
  const fallBack = () => {
    if (closed || !adopted) return;
    adopted = false;
    clearTimeout(timer);
    const old = current;
    current = openPeerLink(options);
    old?.close();  // its own 'closed' report is not passed on (adopted is false by now)
  };
  try {
    current = adoptPeerConnection(adopt, {
      id: adoptedChannelId(options.sessionId),
      onLink: (link) => { if (adopted) onLink(link); },
      onChannel: (channel, detail) => {
        clearTimeout(timer);
        onChannel(channel, detail);
      },
      onState: (s, detail) => {
        if (!adopted) return;
        if (s === 'closed') fallBack();
        else onState(s, { ...detail, adopted: true });
      },
    });
  } catch (e) {
    console.warn(`peer-link: the host's connection cannot carry this session (${e.message}); using its own`);
    adopted = false;
    return openPeerLink(options);
  }
  if (adopted && current.state !== 'connected') timer = setTimeout(fallBack, adoptTimeoutMs);
  return {
    close() {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      current.close();
    },
    get state() { return current.state; },
    get pc() { return current.pc; },
    get attempt() { return current.attempt ?? 1; },
    get adopted() { return adopted; },
  };
}

// For a host messenger that already has a connected RTCPeerConnection: a negotiated channel (both
// sides call this with the same id, no signaling). If the pc carries no data channel yet, adding
// this one fires 'negotiationneeded', and renegotiating is the host's job, as is reconnecting.
/**
 * @param {RTCPeerConnection} pc
 * @param {Pick<PeerLinkOptions, 'onChannel' | 'onState' | 'onLink'> & { id?: number }} [options]
 */
export function adoptPeerConnection(pc, { id = ADOPTED_CHANNEL_ID, onChannel = () => {}, onState = () => {}, onLink = () => {} } = {}) {
  let state = null;
  const report = (s, detail = {}) => {
    if (state === 'closed') return;
    state = s;
    try {
      onState(s, { attempt: 1, ...detail });
    } catch (e) {
      console.error('peer-link onState:', e);
    }
  };
  const events = new AbortController();
  const channel = pc.createDataChannel(CHANNEL_LABEL, { negotiated: true, id, ordered: true });
  channel.binaryType = 'arraybuffer';
  const finish = (reason) => {
    events.abort();
    report('closed', { reason });
  };
  const opened = () => {
    report('connected', { reason: 'channel open' });
    reportLinkType(pc, (link) => { try { onLink(link); } catch (e) { console.error('peer-link onLink:', e); } }, () => state === 'connected');
    try {
      onChannel(channel, { attempt: 1 });
    } catch (e) {
      console.error('peer-link onChannel:', e);
    }
  };
  channel.addEventListener('open', opened, { signal: events.signal });
  channel.addEventListener('close', () => finish('data channel closed'), { signal: events.signal });
  // The host closing its pc need not fire any channel event (per spec), so that is polled.
  const watch = setInterval(() => { if (pc.signalingState === 'closed' || channel.readyState === 'closed') finish('peer connection closed'); }, 250);
  events.signal.addEventListener('abort', () => clearInterval(watch));
  report('connecting', { reason: 'adopted' });
  if (channel.readyState === 'open') opened();
  return {
    close() {
      if (state === 'closed') return;
      channel.close();
      finish('closed');
    },
    get state() { return state; },
    get pc() { return pc; },
  };
}

// ---- lanes ---------------------------------------------------------------------------------------
// Extra connections beside a session's channel, for a long path: one SCTP association carries about
// 64 KiB per round trip whatever its buffers (e2e/bench/figures.md, "Across a long path"), so the
// sender's core asks for more connections as the round trip grows, and the transfer spreads its
// pieces over them (piece_sender.hpp). They are signaled over the main channel itself, as text
// messages (the transfer's frames are binary; a page that does not know lanes ignores text): the
// offer, the answer and each side's candidates as they are gathered. They take the same ICE servers
// and policy, and close with the main channel. The initiator (the sender) also measures the path:
// the selected candidate pair's currentRoundTripTime (ICE's own checks: a busy page does not add to
// it), when the channel opens and later while it is quiet (see measure below); the core keeps the
// smallest. A browser that reports none gives no sample: one connection.
export const LANE_LABEL = 'file-transfer-lane';
const LANE_CONTROL_LABEL = 'file-transfer-lanes';
const LANE_TAG = 'wt-lane';
const LANE_ATTEMPTS = 3;  // a lane that failed this often on one channel is not tried again
const QUIET_BYTES = 64 * 1024;  // a channel holding less than this is quiet enough to measure

// The selected pair's round trip in ms, or null when none is known. Firefox reports 0 for a path
// shorter than a millisecond: that is a sample too (0.5 ms), so that the core's smallest-sample rule
// has the truth from the open on, and a reading taken later while a transfer loads this machine
// (15 ms and more, measured) cannot open lanes on one machine (clean-clone run cc19: a Firefox
// sender on loopback sent 73 of 100 MB over lanes).
async function pairRoundTrip(pc) {
  const stats = await pc.getStats();
  /** @type {number | null} */
  let rtt = null;
  stats.forEach((r) => {
    if (r.type === 'transport' && r.selectedCandidatePairId) rtt ??= stats.get(r.selectedCandidatePairId)?.currentRoundTripTime ?? null;
  });
  if (rtt == null) stats.forEach((r) => { if (r.type === 'candidate-pair' && (r.selected || r.nominated) && r.state === 'succeeded') rtt ??= r.currentRoundTripTime ?? null; });
  if (rtt == null || !(rtt >= 0)) return null;
  return rtt > 0 ? rtt * 1000 : 0.5;
}

/**
 * @param {RTCDataChannel} channel the session's open channel
 * @param {RTCPeerConnection | null} pc its connection (for round trips from getStats)
 * @param {{ initiator: boolean, iceServers?: PeerLinkOptions['iceServers'], iceTransportPolicy?: RTCIceTransportPolicy,
 *   wanted?: () => number, onRoundTrip?: (ms: number) => void,
 *   onLane?: (lane: number, channel: RTCDataChannel) => void, maxLanes?: number }} options
 */
export function openLanes(channel, pc, { initiator, iceServers = [], iceTransportPolicy = 'all', wanted = () => 1, onRoundTrip = () => {}, onLane = () => {}, maxLanes = 4 }) {
  const lanes = new Map();     // lane number → { pc, channel, events, remoteSet, remoteQueue }
  const attempts = new Map();  // lane number → attempts made on this channel
  const early = new Map();     // lane number → candidates that came before its connection was made
  const events = new AbortController();
  let closed = false;
  let statsTimer = null;
  // The initiator's signaling goes on a channel of its own once the other side has answered on it
  // (see below); until then, and everything the other side sends, on the main channel.
  let control = null;
  let viaControl = false;
  const send = (msg) => {
    const ch = viaControl && control?.readyState === 'open' ? control : channel;
    if (closed || ch.readyState !== 'open') return;
    try { ch.send(JSON.stringify({ [LANE_TAG]: msg })); } catch { /* closing */ }
  };
  const servers = () => Promise.resolve(typeof iceServers === 'function' ? iceServers() : iceServers).then((s) => s ?? []);
  const failed = (n, l) => (e) => {
    if (lanes.get(n) !== l) return;
    console.warn(`peer-link: lane ${n}: ${e.message}`);
    drop(n);
  };

  function drop(n) {
    const l = lanes.get(n);
    if (!l) return;
    lanes.delete(n);
    l.events.abort();
    try { l.channel?.close(); } catch { /* closed */ }
    try { l.pc.close(); } catch { /* closed */ }
  }

  // A new lane's connection: its candidates go to the other side as they are gathered.
  function track(n, lanePc) {
    const l = { pc: lanePc, channel: null, events: new AbortController(), remoteSet: false, remoteQueue: early.get(n) ?? [] };
    early.delete(n);
    lanes.set(n, l);
    const { signal } = l.events;
    lanePc.addEventListener('icecandidate', (e) => { if (e.candidate?.candidate) send({ lane: n, candidate: candidateRecord(e.candidate) }); }, { signal });
    lanePc.addEventListener('connectionstatechange', () => { if (lanePc.connectionState === 'failed') drop(n); }, { signal });
    return l;
  }

  function remoteSet(n, l) {
    l.remoteSet = true;
    for (const c of l.remoteQueue.splice(0)) l.pc.addIceCandidate(c).catch(failed(n, l));
  }

  function useLaneChannel(n, l, ch) {
    l.channel = ch;
    ch.binaryType = 'arraybuffer';
    const { signal } = l.events;
    let told = false;  // an answerer's channel may be open already and still fire 'open'
    const opened = () => {
      if (told || closed || lanes.get(n) !== l) return;
      told = true;
      onLane(n, ch);
    };
    ch.addEventListener('open', opened, { signal });
    ch.addEventListener('close', () => { if (lanes.get(n) === l) drop(n); }, { signal });
    if (ch.readyState === 'open') opened();
  }

  // Initiator: lanes up to what the core wants, each tried a few times at most; those beyond it
  // close (the upload limit was lowered, or nothing is left to send).
  function ensure() {
    if (closed || !initiator) return;
    const want = Math.min(maxLanes, Math.max(1, wanted()));
    for (const n of [...lanes.keys()]) if (n >= want) drop(n);
    for (let n = 1; n < want; n++) {
      if (lanes.has(n) || (attempts.get(n) ?? 0) >= LANE_ATTEMPTS) continue;
      attempts.set(n, (attempts.get(n) ?? 0) + 1);
      offerLane(n).catch((e) => { console.warn(`peer-link: lane ${n}: ${e.message}`); drop(n); });
    }
  }

  async function offerLane(n) {
    const lanePc = new RTCPeerConnection({ iceServers: await servers(), iceTransportPolicy });
    if (closed) { lanePc.close(); return; }
    const l = track(n, lanePc);
    useLaneChannel(n, l, lanePc.createDataChannel(LANE_LABEL, { ordered: true }));
    await lanePc.setLocalDescription(await lanePc.createOffer());
    if (lanes.get(n) === l) send({ lane: n, offer: description(lanePc.localDescription) });
  }

  async function answerLane(n, offer) {
    drop(n);
    const lanePc = new RTCPeerConnection({ iceServers: await servers(), iceTransportPolicy });
    if (closed) { lanePc.close(); return; }
    const l = track(n, lanePc);
    lanePc.addEventListener('datachannel', (e) => { if (e.channel.label === LANE_LABEL && lanes.get(n) === l) useLaneChannel(n, l, e.channel); }, { signal: l.events.signal });
    await lanePc.setRemoteDescription(offer);
    remoteSet(n, l);
    await lanePc.setLocalDescription(await lanePc.createAnswer());
    if (lanes.get(n) === l) send({ lane: n, answer: description(lanePc.localDescription) });
  }

  function sample(ms) {
    if (closed || !(ms > 0)) return;
    try { onRoundTrip(ms); } catch (e) { console.error('peer-link onRoundTrip:', e); }
    ensure();
  }

  const onMessage = (ev) => {
    if (typeof ev.data !== 'string' || closed) return;
    let msg;
    try { msg = JSON.parse(ev.data)?.[LANE_TAG]; } catch { return; }
    if (!msg || typeof msg !== 'object') return;
    const n = msg.lane;
    if (msg.hello && initiator && ev.target === control) viaControl = true;
    else if (!Number.isInteger(n) || n < 1 || n >= maxLanes) return;
    else if (msg.offer?.type === 'offer' && !initiator) {
      early.delete(n);  // what follows the offer belongs to it
      answerLane(n, msg.offer).catch((e) => { console.warn(`peer-link: lane ${n}: ${e.message}`); drop(n); });
    } else if (msg.answer?.type === 'answer' && initiator) {
      const l = lanes.get(n);
      if (l && l.pc.signalingState === 'have-local-offer') l.pc.setRemoteDescription(msg.answer).then(() => remoteSet(n, l), failed(n, l));
    } else if (msg.candidate && typeof msg.candidate === 'object') {
      const l = lanes.get(n);
      if (!l) {
        // The answerer's connection is made once the ICE servers are in hand: keep them until then.
        if (!initiator) early.set(n, [...(early.get(n) ?? []), msg.candidate].slice(-64));
        return;
      }
      if (l.remoteSet) l.pc.addIceCandidate(msg.candidate).catch(failed(n, l));
      else l.remoteQueue.push(msg.candidate);
    }
  };
  channel.addEventListener('message', onMessage, { signal: events.signal });
  // The control channel: negotiated (no handshake), the main channel's id + 1 on both sides. An
  // association takes turns between its streams, so a candidate sent on it does not wait behind
  // the megabyte of pieces queued on the main channel (it did: across the +100 ms path the lanes
  // opened seconds late). The other side says hello on it when it opens; only then does the
  // initiator use it (a page without it, or a host connection where that id is taken, keeps the
  // main channel).
  if (pc && channel.id != null) {
    try {
      control = pc.createDataChannel(LANE_CONTROL_LABEL, { negotiated: true, id: channel.id + 1, ordered: true });
      control.addEventListener('message', onMessage, { signal: events.signal });
      if (!initiator) {
        const hello = () => { try { control?.send(JSON.stringify({ [LANE_TAG]: { hello: 1 } })); } catch { /* closing */ } };
        if (control.readyState === 'open') hello();
        else control.addEventListener('open', hello, { signal: events.signal });
      }
    } catch {
      control = null;  // the id is taken: signaling stays on the main channel
    }
  }

  function close() {
    if (closed) return;
    closed = true;
    events.abort();
    clearInterval(statsTimer);
    try { control?.close(); } catch { /* closed */ }
    for (const n of [...lanes.keys()]) drop(n);
  }
  channel.addEventListener('close', close, { signal: events.signal });

  if (initiator) {
    // At once (both browsers know the pair's round trip from the checks that made it, and nothing
    // is queued yet: measured 104-106 ms at the open across the test's +100 ms path), then every 2 s,
    // counted only while the channel is quiet: on one machine, a round trip read while a transfer
    // fills the channel measured 15 ms and more (busy network thread), enough to open lanes where
    // none help. Asked again every 2 s even without a sample: what the core wants moves with the
    // upload cap.
    const measure = (always) => {
      const quiet = always || channel.bufferedAmount < QUIET_BYTES;
      if (!pc || !quiet) ensure();
      else pairRoundTrip(pc).then((ms) => { if (ms) sample(ms); else ensure(); }, () => ensure());
    };
    measure(true);
    statsTimer = setInterval(() => measure(false), 2000);
  }
  return { close };
}
