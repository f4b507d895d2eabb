// `npm start`: builds what is missing, starts the database (embedded unless configured otherwise)
// and the page server on localhost, and prints the two URLs to open as two users.
import { buildAll } from './build.mjs';
import { openDatabase } from './database-config.mjs';
import { iceConfigFromEnv, withIceConfig } from './ice-config.mjs';
import { withSetupErrors } from './setup.mjs';
import { startStaticServer } from './static-server.mjs';

await withSetupErrors(async () => {
  await buildAll({ native: false });
  const ice = iceConfigFromEnv();
  const db = await openDatabase();
  const clientConfig = withIceConfig(db.client, ice);
  const web = await startStaticServer({ clientConfig, port: Number(process.env.PORT || 8080) })
    .catch(() => startStaticServer({ clientConfig, port: 0 }));  // 8080 taken: any free port
  // The URLs come last, where a user looks.
  console.log(`\nWatch Together is running (database: ${db.client.label}; ICE servers: ${ice ? 'configured' : 'none, direct paths only'}). Press Ctrl+C to stop.`);
  console.log('Open the demo messenger as two people (two browser windows or two machines):');
  console.log(`  ${web.url}/?user=alice&name=Alice&chat=bob`);
  console.log(`  ${web.url}/?user=bob&name=Bob&chat=alice`);
  console.log(`The product on its own, without a messenger: ${web.url}/standalone/?user=alice`);
  const stop = async () => {
    await web.close();
    await db.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
});
