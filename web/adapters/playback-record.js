// The playback record and everything sync needs from the Realtime Database (Firebase SDK only):
//   /watch-playback/{sessionId}            the group's record (spec fields + seq, state, anchorAt, …)
//   /watch-viewers/{sessionId}/{userId}    each viewer's download report (kept apart so that the
//                                          record's write transaction never retries on a report)
//   /clock-probe/{userId}                  timed round trips for the shared clock
import {
  get, onDisconnect, onValue, ref, remove, runTransaction, serverTimestamp, set,
} from 'firebase/database';

export function watchRecord(db, sessionId, onRecord) {
  return onValue(ref(db, `watch-playback/${sessionId}`), (snap) => onRecord(snap.val()));
}

// Writes the record unless the database already holds one that wins over it (higher seq, ties
// by writer): then the transaction aborts and the listener delivers the winner.
// The SDK gives up a transaction it had sent when the connection dropped ('disconnect': the server
// may or may not have applied it), where a plain write would be sent again. So it is run again,
// waiting in the SDK's queue until the database is back: the same check makes that safe (at worst
// our record is written twice, which the core takes as its own coming back).
export async function writeRecord(db, sessionId, record, supersedes) {
  for (;;) {
    try {
      const result = await runTransaction(ref(db, `watch-playback/${sessionId}`), (current) => {
        if (current && supersedes(current, record)) return undefined;  // abort: theirs wins
        return { ...record, lastUpdateAt: serverTimestamp() };
      }, { applyLocally: false });
      return result.committed;
    } catch (e) {
      if (e?.message !== 'disconnect') throw e;
    }
  }
}

export function watchViewers(db, sessionId, onViewers) {
  return onValue(ref(db, `watch-viewers/${sessionId}`), (snap) => {
    const reports = [];
    snap.forEach((child) => { reports.push({ ...child.val(), userId: child.key }); });
    onViewers(reports);
  });
}

export async function writeViewerReport(db, sessionId, userId, report) {
  const me = ref(db, `watch-viewers/${sessionId}/${userId}`);
  const { userId: _, ...fields } = report;
  await set(me, fields);
}

// A viewer that closes the tab disappears from the others' lists (the server applies this).
export function removeViewerOnDisconnect(db, sessionId, userId) {
  return onDisconnect(ref(db, `watch-viewers/${sessionId}/${userId}`)).remove();
}

export function removeViewer(db, sessionId, userId) {
  return remove(ref(db, `watch-viewers/${sessionId}/${userId}`));
}

// One NTP-style round trip: local send time, the server's stamp of the write, local ack time.
export async function probeServerClock(db, userId) {
  const probe = ref(db, `clock-probe/${userId}`);
  const t0 = performance.now();
  await set(probe, serverTimestamp());
  const t1 = performance.now();
  const stamp = (await get(probe)).val();
  if (typeof stamp !== 'number') throw new Error('the database returned no server timestamp');
  return { t0, serverMs: stamp, t1 };
}
