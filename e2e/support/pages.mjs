// Opening the app as a user, for the browser tests.
import { test as base, chromium, expect, firefox } from '@playwright/test';
import { CHROMIUM_ARGS, FIREFOX_PREFS } from '../playwright.config.mjs';

// The user ids of one test's people (`names`, e.g. 'alice', 'bob'): one database serves every
// worker of both projects (and both of npm test's Playwright runs), so an id ends with its
// project's initial, its worker process (a worker that replaced a failed one starts its counters
// again) and a count, and each test meets only its own people, whatever an earlier or concurrent
// test left behind. The app takes ids of up to 32 characters: the name and tag are shortened to
// fit, never the ending that makes the id unique.
let people = 0;
export function userIds(tag, ...names) {
  people += 1;
  const end = `-${base.info().project.name[0]}${process.pid.toString(36)}-${people}`;
  return names.map((name) => `${name}-${tag}`.slice(0, 32 - end.length) + end);
}

// baseUrl: the page server's; the one global-setup started unless a test runs its own stack.
// The stand-alone page (web/standalone/index.html): the product without a messenger around it.
export const appUrl = (user, baseUrl = process.env.WT_BASE_URL) => `${baseUrl}/standalone/?user=${user}`;

// A fresh context (its own storage, like another person's browser) with the page loaded and ready;
// `errors` collects uncaught page errors so that tests can assert there were none. `prepare(page)`
// runs before the page loads (init scripts).
export async function openAs(browser, user, prepare, { baseUrl } = {}) {
  const context = await browser.newContext();
  const page = await context.newPage();
  if (prepare) await prepare(page);
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(appUrl(user, baseUrl));
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  return { context, page, errors };
}

// The tests' API, with `other`: Debian's other browser than this project's, for tests of one
// browser with the other (the project's browser takes one role, this one the other, so each project
// runs the pairing one way). Like `browser`, it is launched once per worker, when a test first asks
// for it, and each test opens its own contexts in it (openAs).
export const test = base.extend({
  other: [async ({}, use, workerInfo) => {
    const other = await (workerInfo.project.name === 'chromium'
      ? firefox.launch({ channel: 'moz-firefox', executablePath: '/usr/bin/firefox-esr', firefoxUserPrefs: FIREFOX_PREFS })
      : chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS }));
    await use(other);
    await other.close();
  }, { scope: 'worker' }],
});
export const browserName = (browser) => browser.browserType().name() === 'firefox' ? 'Firefox' : 'Chromium';

// The page again, with the same browser storage: a reload (Firefox: closed and opened again, as
// Playwright's Firefox driver loses the frame on reload). Returns the page now showing the app.
export async function reopen(side, user, { baseUrl } = {}) {
  let page = side.page;
  if (page.context().browser().browserType().name() === 'firefox') {
    await page.close();
    page = await side.context.newPage();
    page.on('pageerror', (e) => side.errors.push(e.message));
    await page.goto(appUrl(user, baseUrl));
  } else {
    await page.reload();
  }
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  return page;
}

// A page signed in as `uid` that can write anything it likes through the SDK (the peer-link
// harness: window.wt.database(uid), window.wtFirebase): a stranger, or a participant's own page
// playing a lying peer.
export async function openSdkPage(browser, uid) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${process.env.WT_BASE_URL}/harness/peer-link.html`);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  await page.evaluate((u) => window.wt.database(u), uid);
  return { context, page, uid };
}
