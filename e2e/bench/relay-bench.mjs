// The product's transfer through a TURN relay against the same transfer direct, same run, two
// contexts of one Debian Chromium (for information: the relay is the bottleneck; the ratio shows
// that the product adds no cost of its own on that path).
//  - direct_transfer_MBps: a file of random bytes through the product (Alice invites, Bob accepts),
//    timed in Bob's page from Accept to "ready" (transfer-bench's productRun), the page server's
//    usual config (no ICE servers: host candidates);
//  - relay_transfer_MBps: the same through Debian's coturn on this machine, the page server's config
//    forcing iceTransportPolicy 'relay' (REST credentials, as tools/ice-config.mjs mints them);
//    the receiver's stats must say link 'relayed', the direct run's 'direct';
//  - relay_ratio_vs_direct: relay / direct. Runs alternate, ROUNDS each, better of each.
import { chromium } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { iceConfigFromEnv } from '../../tools/ice-config.mjs';
import { startStaticServer } from '../../tools/static-server.mjs';
import { CHROMIUM_ARGS } from '../playwright.config.mjs';
import { MiB, makeFile } from '../support/transfer-helpers.mjs';
import { startTurnServer } from '../support/turn-server.mjs';
import { productRun } from './transfer-bench.mjs';

export const ROUNDS = Math.max(1, Number(process.env.WT_BENCH_RELAY_ROUNDS) || 2);
const FILE_BYTES = Math.max(1, Number(process.env.WT_BENCH_RELAY_MIB) || 64) * MiB;
const SECRET = 'relay-bench-secret';
const round = (x, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

export async function relayBench({ db, baseUrl }) {
  const dir = mkdtempSync(join(tmpdir(), 'wt-relay-bench-'));
  const turn = await startTurnServer({ secret: SECRET });
  const ice = iceConfigFromEnv({ WT_TURN_URLS: turn.url, WT_TURN_SECRET: SECRET, WT_ICE_TRANSPORT_POLICY: 'relay' });
  const relayWeb = await startStaticServer({ clientConfig: async () => ({ ...db.client, ...(await ice()) }), port: 0, testBundle: true });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const file = makeFile(join(dir, 'relay bench movie.mp4'), FILE_BYTES);
    const best = { direct: 0, relayed: 0 };
    for (let i = 0; i < ROUNDS; i++) {
      for (const [path, url] of [['direct', baseUrl], ['relayed', relayWeb.url]]) {
        const r = await productRun([browser, browser], url, file, FILE_BYTES);
        if (r.stats?.link !== path) throw new Error(`relay bench: a ${path} run's receiver reports link ${r.stats?.link}`);
        process.stderr.write(`  ${path} round ${i + 1}: ${r.MBps.toFixed(1)} MB/s (${(r.ms / 1000).toFixed(1)} s, data phase ${r.dataMBps.toFixed(1)} MB/s)\n`);
        best[path] = Math.max(best[path], r.MBps);
      }
    }
    return {
      direct_transfer_MBps: round(best.direct, 1),
      relay_transfer_MBps: round(best.relayed, 1),
      relay_ratio_vs_direct: round(best.relayed / best.direct, 3),
    };
  } finally {
    await browser.close();
    await relayWeb.close();
    await turn.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
