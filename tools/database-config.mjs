// Which Realtime Database the app talks to. In order:
//   WT_FIREBASE_CONFIG=path/to/web-app-config.json  a real Firebase project (apiKey, databaseURL, ...)
//   FIREBASE_DATABASE_EMULATOR_HOST=host:port        the official emulator (namespace: WT_DATABASE_NAMESPACE)
//   (nothing)                                        the embedded server, started here on a free loopback port
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ROOT, SetupError } from './setup.mjs';

const require = createRequire(import.meta.url);
export const DEFAULT_NAMESPACE = 'watch-together';

export function loadRules() {
  return JSON.parse(readFileSync(join(ROOT, 'database.rules.json'), 'utf8'));
}

// Returns { client, close } where client is what the page receives as /config.json; with the
// embedded server also `embedded`, its handle (stop/start/restart for the outage tests).
export async function openDatabase(env = process.env) {
  if (env.WT_FIREBASE_CONFIG) {
    let firebase;
    try {
      firebase = JSON.parse(readFileSync(env.WT_FIREBASE_CONFIG, 'utf8'));
    } catch (e) {
      throw new SetupError(`WT_FIREBASE_CONFIG: cannot read ${env.WT_FIREBASE_CONFIG}: ${e.message}`);
    }
    if (!firebase.databaseURL) throw new SetupError('WT_FIREBASE_CONFIG: the config has no databaseURL');
    return { client: { mode: 'firebase', label: `Firebase project ${firebase.projectId ?? firebase.databaseURL}`, firebase }, close: async () => {} };
  }
  const namespace = env.WT_DATABASE_NAMESPACE || DEFAULT_NAMESPACE;
  if (env.FIREBASE_DATABASE_EMULATOR_HOST) {
    const [host, port] = env.FIREBASE_DATABASE_EMULATOR_HOST.split(':');
    return {
      client: { mode: 'emulator', label: `Firebase emulator at ${host}:${port}`, namespace, emulator: { host, port: Number(port) } },
      close: async () => {},
    };
  }
  const { startEmbeddedDatabase } = require('./rtdb/index.cjs');
  const db = await startEmbeddedDatabase({ port: Number(env.WT_DATABASE_PORT || 0), namespace, rules: loadRules() });
  return {
    client: { mode: 'embedded', label: `embedded database at ${db.host}:${db.port}`, namespace, emulator: { host: db.host, port: db.port } },
    close: () => db.close(),
    port: db.port,
    embedded: db,
  };
}
