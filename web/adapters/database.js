// The one module that talks to the Firebase Realtime Database (modular SDK v12). The same code runs
// against the embedded server, the official emulator or a real project: only /config.json differs.
import { getApps, initializeApp } from 'firebase/app';
import {
  connectDatabaseEmulator, forceWebSockets, getDatabase, onDisconnect, onValue, ref, serverTimestamp, set,
} from 'firebase/database';

export async function loadDatabaseConfig() {
  const res = await fetch('/config.json', { cache: 'no-store' });
  if (!res.ok) throw new Error(`cannot load /config.json (${res.status})`);
  return res.json();
}

const STANDALONE_APP = 'watch-together';

// Connects as a user and returns { db, uid }. Every database rule keys on auth.uid:
//  - a real project: Firebase Authentication. `auth` is the host messenger's Auth instance with its
//    signed-in user; without one (the stand-alone page) the page signs in anonymously.
//  - the embedded server and the official emulator: the emulator convention, a mock token for
//    `userId` (connectDatabaseEmulator's mockUserToken), which both servers check in rules.
// `userId` is required in emulator mode; in a real project the signed-in user decides.
/**
 * @param {{ mode: string, [key: string]: any }} config
 * @param {{ userId?: string, auth?: import('firebase/auth').Auth | null }} [as]
 */
export async function connectDatabase(config, { userId, auth = null } = {}) {
  if (config.mode === 'firebase') {
    if (auth) {
      if (!auth.currentUser) throw new Error('the messenger passed an Auth instance with nobody signed in');
      return { db: getDatabase(auth.app), uid: auth.currentUser.uid };
    }
    // One app name for every load of the page: Firebase Auth keeps its signed-in user per app name,
    // so a reload comes back as the same anonymous user (and so to the same sessions).
    const app = getApps().find((a) => a.name === STANDALONE_APP) ?? initializeApp(config.firebase, STANDALONE_APP);
    const { getAuth, signInAnonymously } = await import('firebase/auth');
    const own = getAuth(app);
    const cred = own.currentUser ? { user: own.currentUser } : await signInAnonymously(own);
    return { db: getDatabase(app), uid: cred.user.uid };
  }
  if (!isUserId(userId)) throw new Error(`connectDatabase: a user id (${USER_ID_RULE}) is required to sign in to the ${config.mode} database`);
  const { host, port } = config.emulator;
  // The embedded server speaks WebSocket only. After one failed WebSocket attempt (an outage, a
  // restarted dev server) the SDK remembers the failure in localStorage and tries long polling
  // first, which the embedded server does not serve: the page would never reconnect.
  if (config.mode === 'embedded') forceWebSockets();
  const app = initializeApp(
    { projectId: config.namespace, databaseURL: `http://${host}:${port}?ns=${config.namespace}` },
    `wt-${crypto.randomUUID()}`);
  const db = getDatabase(app);
  connectDatabaseEmulator(db, host, port, { mockUserToken: { user_id: userId, sub: userId } });
  return { db, uid: userId };
}

// Ids become database keys and rule values: a safe alphabet only (Firebase uids fit it).
export const USER_ID_RULE = 'letters, digits, - and _, up to 128';
export function isUserId(id) {
  return typeof id === 'string' && /^[A-Za-z0-9_-]{1,128}$/.test(id);
}

// Calls onChange(true|false) as the connection to the database comes and goes.
export function watchConnection(db, onChange) {
  return onValue(ref(db, '.info/connected'), (snap) => onChange(snap.val() === true));
}

// Presence: /presence/{userId} exists while the user has the page open. The server removes it when
// the connection drops (onDisconnect), so the others see a closed tab without any polling.
export function announcePresence(db, userId, displayName) {
  const me = ref(db, `presence/${userId}`);
  return watchConnection(db, async (connected) => {
    if (!connected) return;
    await onDisconnect(me).remove();
    await set(me, { name: displayName, since: serverTimestamp() });
  });
}

// Calls onChange([{ id, name, since }]) with everyone present, sorted by id.
export function watchPresence(db, onChange) {
  return onValue(ref(db, 'presence'), (snap) => {
    const people = [];
    snap.forEach((child) => {
      const v = child.val() ?? {};
      people.push({ id: child.key, name: typeof v.name === 'string' ? v.name : child.key, since: v.since });
    });
    onChange(people.sort((a, b) => a.id.localeCompare(b.id)));
  });
}
