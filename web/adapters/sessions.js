// Watch sessions in the Realtime Database (Firebase SDK only; no policy here).
//   /watch-sessions/{sessionId}   the spec's record: initiatorId, recipientId, fileName, fileSize,
//                                 createdAt, status, plus mimeType, fileHash, mode, reason, endedAt,
//                                 bytesDownloaded, acceptedAt, media (what the file holds), expect (what
//                                 the recipient's browser will make of it), playerErrors/{userId};
//                                 signaling/{attemptId} (web/adapters/peer-link.js);
//                                 subtitles/{subId} { by, name, sha256, size, data (base64), at }:
//                                 a subtitle file a participant added, for both (written once)
//   /user-sessions/{userId}/{sessionId}  an index so each user listens to their own sessions only
// Creating a session writes both in one atomic multi-path update.
import { onChildAdded, onValue, push, ref, serverTimestamp, set, update } from 'firebase/database';

export const MODES = { transfer: 'transfer', sameFile: 'same-file' };
const ENDED = new Set(['declined', 'cancelled', 'failed', 'complete']);

export function isEnded(status) {
  return ENDED.has(status);
}

// Sessions this page created that the database has not acknowledged yet, per database. After a
// reconnect the SDK sends its listens before its queued writes, so the listen on a session created
// while offline reaches the database before the session does, and the rules (participants only)
// deny it: it is listened to again once the creation is acknowledged (watchUserSessions).
const creating = new WeakMap();  // db → Map(sessionId → the creating write)
const creations = (db) => {
  if (!creating.has(db)) creating.set(db, new Map());
  return creating.get(db);
};

// media: what the file holds (the core's media summary of its header), so that the recipient's page
// can say before Accept what will play there; '' when it could not be read.
export async function createSession(db, { initiatorId, recipientId, fileName, fileSize, mimeType, fileHash, mode, media = '' }) {
  const id = push(ref(db, 'watch-sessions')).key;
  const session = {
    initiatorId, recipientId, fileName, fileSize, mimeType: mimeType || '', fileHash: fileHash || '', mode,
    createdAt: serverTimestamp(), status: 'pending', ...(media ? { media } : {}),
  };
  const written = update(ref(db), {
    [`watch-sessions/${id}`]: session,
    [`user-sessions/${initiatorId}/${id}`]: { role: 'initiator', createdAt: serverTimestamp() },
    [`user-sessions/${recipientId}/${id}`]: { role: 'recipient', createdAt: serverTimestamp() },
  });
  creations(db).set(id, written);
  try {
    await written;
  } finally {
    creations(db).delete(id);
  }
  return id;
}

export function setStatus(db, sessionId, status, extra = {}) {
  /** @type {Record<string, unknown>} */
  const change = { status, ...extra };
  if (isEnded(status)) change.endedAt = serverTimestamp();
  return update(ref(db, `watch-sessions/${sessionId}`), change);
}

// The recipient's browser's answer to the file's media summary, for both sides' invitation lines:
// kind is the core's expectation ('progressive', 'after-arrival', 'video-unplayable', 'not-a-movie').
export function reportExpectation(db, sessionId, kind, text) {
  return update(ref(db, `watch-sessions/${sessionId}`), { expect: kind, expectText: text });
}

// A player that could not play (in plain words), for the other side to see too; '' clears it.
export function reportPlayerError(db, sessionId, userId, text) {
  return update(ref(db, `watch-sessions/${sessionId}/playerErrors`), { [userId]: text || null });
}

// A subtitle file added to the session, for both participants: its id (a push id) is given first,
// so that the page that adds it knows it when it comes back.
export const newSubtitleId = (db, sessionId) => push(ref(db, `watch-sessions/${sessionId}/subtitles`)).key;
export function addSessionSubtitle(db, sessionId, id, { by, name, sha256, size, data }) {
  return set(ref(db, `watch-sessions/${sessionId}/subtitles/${id}`), { by, name, sha256, size, data, at: serverTimestamp() });
}
// onAdded(id, record) for each subtitle file of the session, those there first; returns the unsubscribe.
export function watchSessionSubtitles(db, sessionId, onAdded, onError = () => {}) {
  return onChildAdded(ref(db, `watch-sessions/${sessionId}/subtitles`), (snap) => onAdded(snap.key, snap.val()), onError);
}

// The recipient's download progress, for both sides' displays (written a few times a second at most).
export function reportBytesDownloaded(db, sessionId, bytes) {
  return update(ref(db, `watch-sessions/${sessionId}`), { bytesDownloaded: bytes });
}

// Garbage collection of an old ended session: its record, playback state, signaling and both
// users' index entries, in one atomic multi-path update.
export function deleteSessionRecords(db, session) {
  return update(ref(db), {
    [`watch-sessions/${session.id}`]: null,
    [`watch-playback/${session.id}`]: null,
    [`watch-viewers/${session.id}`]: null,
    [`user-sessions/${session.initiatorId}/${session.id}`]: null,
    [`user-sessions/${session.recipientId}/${session.id}`]: null,
  });
}

// onDenied(error): the database refused the listen (the listener is gone).
export function watchSession(db, sessionId, onChange, onDenied) {
  return onValue(ref(db, `watch-sessions/${sessionId}`), (snap) => onChange(snap.exists() ? { id: sessionId, ...snap.val() } : null), onDenied);
}

// Calls onChange([session, …]) with every session the user takes part in, newest first. Each
// session is followed through its own listener so status changes arrive live.
export function watchUserSessions(db, userId, onChange) {
  const sessions = new Map();
  const unsubs = new Map();
  let ids = new Set();
  let closed = false;
  const emit = () => onChange([...sessions.values()].sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0)));
  const follow = (id) => {
    unsubs.set(id, watchSession(db, id, (s) => {
      if (s) sessions.set(id, s);
      else sessions.delete(id);
      emit();
    }, () => {
      unsubs.delete(id);
      const creation = creations(db).get(id);
      // Our own session, still on its way to the database (see `creating`): follow it once there.
      if (creation) creation.then(() => { if (!closed && ids.has(id) && !unsubs.has(id)) follow(id); }, () => {});
    }));
  };
  const unsubIndex = onValue(ref(db, `user-sessions/${userId}`), (snap) => {
    ids = new Set();
    snap.forEach((child) => { ids.add(child.key); });
    for (const [id, unsub] of unsubs) {
      if (!ids.has(id)) {
        unsub();
        unsubs.delete(id);
      }
    }
    for (const id of sessions.keys()) if (!ids.has(id)) sessions.delete(id);
    for (const id of ids) if (!unsubs.has(id)) follow(id);
    emit();
  });
  return () => {
    closed = true;
    unsubIndex();
    for (const unsub of unsubs.values()) unsub();
  };
}
