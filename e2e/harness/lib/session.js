// For the harness pages: the database as a signed-in user, and the watch session a link is signaled
// through. The database rules let only a session's two participants use its signaling, so a harness
// link needs the session record the app would have made: created here, as its initiator (the
// sender, the answerer), whichever page gets there first.
import { get, ref, serverTimestamp, update } from 'firebase/database';
import { connectDatabase, loadDatabaseConfig } from '../../../web/adapters/database.js';

const connections = new Map();  // uid → Promise<db>

export function databaseAs(uid) {
  if (!connections.has(uid)) connections.set(uid, loadDatabaseConfig().then((config) => connectDatabase(config, { userId: uid })).then((c) => c.db));
  return connections.get(uid);
}

// The ids of a link's two sides: the offerer is the recipient, the answerer the initiator.
export function linkIds({ selfId, peerId, role }) {
  const peer = peerId ?? (role === 'offerer' ? 'sender' : 'receiver');
  return role === 'offerer' ? { peerId: peer, initiatorId: peer, recipientId: selfId } : { peerId: peer, initiatorId: selfId, recipientId: peer };
}

// Creates the session unless it exists (the rules refuse a second creation: that is the "exists").
export async function ensureSession(sessionId, { initiatorId, recipientId }) {
  const db = await databaseAs(initiatorId);
  try {
    await update(ref(db), {
      [`watch-sessions/${sessionId}`]: {
        initiatorId, recipientId, fileName: 'harness.bin', fileSize: 0, mimeType: '', fileHash: '', mode: 'transfer',
        createdAt: serverTimestamp(), status: 'pending',
      },
    });
  } catch (e) {
    if (!/permission.denied/i.test(e.message)) throw e;
    const existing = await get(ref(db, `watch-sessions/${sessionId}/recipientId`)).catch(() => null);
    if (existing?.val() !== recipientId) throw new Error(`cannot create the harness session ${sessionId}: ${e.message}`);
  }
}
