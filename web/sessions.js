// Watch sessions in the Realtime Database (Firebase SDK only; no policy here).
//   /watch-sessions/{sessionId}   the spec's record: initiatorId, recipientId, fileName, fileSize,
//                                 createdAt, status, plus mimeType, fileHash, mode, reason, endedAt,
//                                 bytesDownloaded, acceptedAt; signaling/{attemptId} (web/peer-link.js)
//   /user-sessions/{userId}/{sessionId}  an index so each user listens to their own sessions only
// Creating a session writes both in one atomic multi-path update.
import { onValue, push, ref, serverTimestamp, update } from 'firebase/database';

export const MODES = { transfer: 'transfer', sameFile: 'same-file' };
const ENDED = new Set(['declined', 'cancelled', 'failed', 'complete']);

export function isEnded(status) {
  return ENDED.has(status);
}

export async function createSession(db, { initiatorId, recipientId, fileName, fileSize, mimeType, fileHash, mode }) {
  const id = push(ref(db, 'watch-sessions')).key;
  const session = {
    initiatorId, recipientId, fileName, fileSize, mimeType: mimeType || '', fileHash: fileHash || '', mode,
    createdAt: serverTimestamp(), status: 'pending',
  };
  await update(ref(db), {
    [`watch-sessions/${id}`]: session,
    [`user-sessions/${initiatorId}/${id}`]: { role: 'initiator', createdAt: serverTimestamp() },
    [`user-sessions/${recipientId}/${id}`]: { role: 'recipient', createdAt: serverTimestamp() },
  });
  return id;
}

export function setStatus(db, sessionId, status, extra = {}) {
  const change = { status, ...extra };
  if (isEnded(status)) change.endedAt = serverTimestamp();
  return update(ref(db, `watch-sessions/${sessionId}`), change);
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

export function watchSession(db, sessionId, onChange) {
  return onValue(ref(db, `watch-sessions/${sessionId}`), (snap) => onChange(snap.exists() ? { id: sessionId, ...snap.val() } : null));
}

// Calls onChange([session, …]) with every session the user takes part in, newest first. Each
// session is followed through its own listener so status changes arrive live.
export function watchUserSessions(db, userId, onChange) {
  const sessions = new Map();
  const unsubs = new Map();
  const emit = () => onChange([...sessions.values()].sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0)));
  const unsubIndex = onValue(ref(db, `user-sessions/${userId}`), (snap) => {
    const ids = new Set();
    snap.forEach((child) => { ids.add(child.key); });
    for (const [id, unsub] of unsubs) {
      if (!ids.has(id)) {
        unsub();
        unsubs.delete(id);
        sessions.delete(id);
      }
    }
    for (const id of ids) {
      if (unsubs.has(id)) continue;
      unsubs.set(id, watchSession(db, id, (s) => {
        if (s) sessions.set(id, s);
        else sessions.delete(id);
        emit();
      }));
    }
    emit();
  });
  return () => {
    unsubIndex();
    for (const unsub of unsubs.values()) unsub();
  };
}
