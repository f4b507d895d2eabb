// How long a killed peer connection takes to be replaced (web/adapters/peer-link.js in Chromium, through the
// embedded database): from the kill to a new channel open on both sides, each side killed in turn.
// A wall-clock figure, so it lives here and not in the browser tests. Each kill comes once the link
// has been up for longer than peer-link's stableMs (5 s), as a real network failure would: a link
// that flaps sooner backs off on purpose (500 ms doubling to 15 s), which is not this figure.
import { chromium } from '@playwright/test';
import { CHROMIUM_ARGS } from '../playwright.config.mjs';

const ROUNDS = 6;
const STABLE_MS = 5_000 + 1_000;  // peer-link's stableMs, and a watchdog tick

export async function reconnectBench({ baseUrl }) {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const open = async () => {
      const page = await (await browser.newContext()).newPage();
      await page.goto(`${baseUrl}/harness/peer-link.html`);
      await page.waitForFunction(() => document.body.dataset.ready === 'true');
      return page;
    };
    const [offerer, answerer] = [await open(), await open()];
    const sessionId = `bench-reconnect-${Date.now().toString(36)}`;
    const channels = (page) => page.evaluate(() => window.wt.info().channels.filter((c) => c.readyState === 'open').length);
    const openedAt = (page) => page.evaluate(() => window.wt.info().channels.at(-1).openedAt);
    const waitChannels = async (n) => {
      for (const page of [offerer, answerer]) {
        await page.waitForFunction((k) => window.wt.info().channels.length === k && window.wt.info().channels.at(-1).readyState === 'open', n, { timeout: 30_000 });
      }
    };
    const t0 = Date.now();
    await offerer.evaluate((o) => window.wt.open(o), { sessionId, selfId: 'receiver', role: 'offerer' });
    await answerer.evaluate((o) => window.wt.open(o), { sessionId, selfId: 'sender', role: 'answerer' });
    await waitChannels(1);
    const first = Math.max(await openedAt(offerer), await openedAt(answerer)) - t0;
    const times = [];
    for (let i = 0; i < ROUNDS; ++i) {
      const victim = i % 2 ? offerer : answerer;
      await offerer.waitForFunction((ms) => Date.now() - window.wt.info().channels.at(-1).openedAt > ms, STABLE_MS, { timeout: 30_000 });
      const killedAt = await victim.evaluate(() => window.wt.kill());
      await waitChannels(i + 2);
      times.push(Math.max(await openedAt(offerer), await openedAt(answerer)) - killedAt);
      if (await channels(offerer) !== 1) throw new Error('the offerer has more than one open channel');
    }
    times.sort((a, b) => a - b);
    return {
      first_connect_ms: Math.round(first),
      reconnect_median_ms: Math.round(times[Math.floor(times.length / 2)]),
      reconnect_all_ms: times.map(Math.round).join(' '),
      reconnect_max_ms: Math.round(times.at(-1)),
    };
  } finally {
    await browser.close();
  }
}
