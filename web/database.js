// The one module that talks to the Firebase Realtime Database (modular SDK v12). The same code runs
// against the embedded server, the official emulator or a real project: only /config.json differs.
import { initializeApp } from 'firebase/app';
import {
  connectDatabaseEmulator, getDatabase, onDisconnect, onValue, ref, serverTimestamp, set,
} from 'firebase/database';

export async function loadDatabaseConfig() {
  const res = await fetch('/config.json', { cache: 'no-store' });
  if (!res.ok) throw new Error(`cannot load /config.json (${res.status})`);
  return res.json();
}

export function connectDatabase(config) {
  if (config.mode === 'firebase') {
    const app = initializeApp(config.firebase, `wt-${crypto.randomUUID()}`);
    return getDatabase(app);
  }
  const { host, port } = config.emulator;
  const app = initializeApp(
    { projectId: config.namespace, databaseURL: `http://${host}:${port}?ns=${config.namespace}` },
    `wt-${crypto.randomUUID()}`);
  const db = getDatabase(app);
  connectDatabaseEmulator(db, host, port);
  return db;
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
