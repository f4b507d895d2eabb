// Starts the embedded database and the page server once for the whole run; tests find the page at
// process.env.WT_BASE_URL. Returns the teardown.
import { openDatabase } from '../tools/database-config.mjs';
import { startStaticServer } from '../tools/static-server.mjs';

export default async function globalSetup() {
  const db = await openDatabase();
  const web = await startStaticServer({ clientConfig: db.client, port: 0 });
  process.env.WT_BASE_URL = web.url;
  process.env.WT_DB_PORT = String(db.port ?? '');
  return async () => {
    await web.close();
    await db.close();
  };
}
