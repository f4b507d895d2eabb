// Builds the tests' page bundle (tools/build.mjs: the product's, plus the test pages and the
// stand-alone page's test hook), starts the embedded database and the page server once for the whole
// run (tests find the page at process.env.WT_BASE_URL), and makes the test movies that are not made
// yet. Returns the teardown.
import { buildWeb } from '../tools/build.mjs';
import { openDatabase } from '../tools/database-config.mjs';
import { startStaticServer } from '../tools/static-server.mjs';
import { makeTestMovies } from './support/test-movies.mjs';

export default async function globalSetup() {
  const { made, seconds } = await makeTestMovies();
  if (made) console.log(`[movies] ${made} test movies made in ${seconds.toFixed(0)} s`);
  await buildWeb({ test: true });
  const db = await openDatabase();
  const web = await startStaticServer({ clientConfig: db.client, port: 0, testBundle: true });
  process.env.WT_BASE_URL = web.url;
  process.env.WT_DB_PORT = String(db.port ?? '');
  return async () => {
    await web.close();
    await db.close();
  };
}
