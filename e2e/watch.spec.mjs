// Watching together after a transfer (transfer mode, the main flow): Alice sends a movie, it
// arrives whole, and both watch it in sync; a viewer who reloads, or comes back later, lands on the
// group's position; a tab the browser hides and pauses leaves the group playing and catches up when
// it is shown again. Drift is measured from presented frames (sync-helpers).
import { test, expect } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appUrl, openAs, reopen, userIds } from './support/pages.mjs';
import { expectInSync, recordFrames } from './support/sync-helpers.mjs';
import { testMovieNamed } from './support/test-movies.mjs';
import { savedSha256, sendFile, waitReady } from './support/transfer-helpers.mjs';

let dir, movie, movieSum;

test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wt-watch-'));
  ({ path: movie, sum: movieSum } = testMovieNamed(dir, 'counter.webm', 'counter', { seconds: 120 }));
});
test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

const player = (page, fn) => page.evaluate(fn);
const paused = (page) => player(page, () => document.getElementById('player').paused);
const currentTime = (page) => player(page, () => document.getElementById('player').currentTime);
const play = (page) => player(page, () => { document.getElementById('player').play().catch(() => {}); });
const syncStats = (page) => page.evaluate(() => window.wtTestHook.sync.stats());

// Waits until `page` plays within `tolerance` s of `ref` (positions read together). The wait is
// generous (a loaded machine joins slowly); what is asserted is the position, and a failure says
// where both players last were.
async function expectWith(page, ref, { tolerance = 0.3, timeout = 30_000 } = {}) {
  await expect.poll(async () => {
    const [t, r, stopped] = await Promise.all([currentTime(page), currentTime(ref), paused(page)]);
    return !stopped && Math.abs(t - r) <= tolerance ? 'with the group'
      : `at ${t.toFixed(3)} s${stopped ? ' (paused)' : ''}, the group at ${r.toFixed(3)} s`;
  }, { timeout }).toBe('with the group');
}

// Alice sends the movie to Bob; both have it whole and their players loaded.
async function watchPair(browser, tag) {
  const [aliceId, bobId] = userIds(tag, 'alice', 'bob');
  const alice = await openAs(browser, aliceId);
  const bob = await openAs(browser, bobId);
  const id = await sendFile(alice.page, bob.page, bobId, movie);
  await waitReady(bob.page, id);
  await waitReady(alice.page, id);
  expect(await savedSha256(bob.page, id, dir)).toBe(movieSum);
  for (const side of [alice, bob]) await waitForPlayer(side.page);
  return { alice, bob, aliceId, bobId, id, close: () => Promise.all([alice.context.close(), bob.context.close()]) };
}

async function waitForPlayer(page) {
  await expect(page.locator('#player-box')).toBeVisible();
  await page.waitForFunction(() => document.getElementById('player')?.readyState >= 1, null, { timeout: 30_000 });
}

test('after the transfer, both watch together: play, pause and seek in sync', async ({ browser }, info) => {
  const p = await watchPair(browser, `watch-${info.project.name}`);
  const [alice, bob] = [p.alice.page, p.bob.page];
  for (const page of [alice, bob]) await recordFrames(page);
  await play(alice);
  await expect.poll(() => paused(bob), { timeout: 10_000 }).toBe(false);
  await expectInSync(alice, bob, Date.now() + 3000, 8000);
  await bob.screenshot({ path: info.outputPath('watching-after-transfer.png'), fullPage: true });

  // Bob pauses: Alice stops on Bob's position.
  await player(bob, () => document.getElementById('player').pause());
  await expect.poll(() => paused(alice), { timeout: 5_000 }).toBe(true);
  await expect.poll(async () => Math.abs(await currentTime(alice) - await currentTime(bob)), { timeout: 5_000 }).toBeLessThan(0.1);
  // Alice seeks to 90 s while paused: Bob follows, and stays paused.
  await player(alice, () => { document.getElementById('player').currentTime = 90; });
  await expect.poll(() => currentTime(bob), { timeout: 5_000 }).toBeCloseTo(90, 0);
  expect(await paused(bob)).toBe(true);
  // Bob plays from there: both run on from 90 s, together.
  await play(bob);
  await expect.poll(() => currentTime(alice), { timeout: 10_000 }).toBeGreaterThan(91);
  await expectWith(bob, alice);
  // Every database write was a user's action (play, pause, seek, play): no echo.
  const [sa, sb] = [await syncStats(alice), await syncStats(bob)];
  expect(sa.published - sa.systemWrites).toBe(sa.userActions);
  expect(sb.published - sb.systemWrites).toBe(sb.userActions);
  expect(sa.userActions + sb.userActions).toBe(4);
  expect(p.alice.errors).toEqual([]);
  expect(p.bob.errors).toEqual([]);
  await p.close();
});

test('a viewer who reloads mid-play, or comes back later, lands on the group position and plays in sync', async ({ browser }, info) => {
  const p = await watchPair(browser, `rejoin-${info.project.name}`);
  const alice = p.alice.page;
  await play(alice);
  await expect.poll(() => currentTime(p.bob.page), { timeout: 30_000 }).toBeGreaterThan(5);

  // A reload: the page comes back with the file from its own storage and joins where the group is.
  const reloaded = await reopen(p.bob, p.bobId);
  await waitForPlayer(reloaded);
  await expectWith(reloaded, alice);
  // Joining is not an action (checked first: if the group did go back, this says whether the page
  // that came back published it).
  expect((await syncStats(reloaded)).userActions).toBe(0);
  expect(await currentTime(reloaded)).toBeGreaterThan(5);  // never back to the start

  // Later: Bob closes the app; Alice watches on alone; Bob opens it again.
  await reloaded.close();
  const leftAt = await currentTime(alice);
  await expect.poll(() => currentTime(alice), { timeout: 30_000 }).toBeGreaterThan(leftAt + 5);
  expect(await paused(alice)).toBe(false);  // the group did not wait for the one who left
  const late = await p.bob.context.newPage();
  late.on('pageerror', (e) => p.bob.errors.push(e.message));
  await late.goto(appUrl(p.bobId));
  await expect(late.locator('body')).toHaveAttribute('data-ready', 'true');
  await waitForPlayer(late);
  await expectWith(late, alice);
  expect(await currentTime(late)).toBeGreaterThan(leftAt + 5);
  // Joining is not an action: the page that came back wrote nothing (it would move the group).
  expect((await syncStats(late)).userActions).toBe(0);
  for (const page of [alice, late]) await recordFrames(page);
  await expectInSync(alice, late, Date.now() + 2000, 5000, 'after coming back: ');
  expect(p.alice.errors).toEqual([]);
  expect(p.bob.errors).toEqual([]);
  await p.close();
});

test('a tab the browser hides and pauses leaves the group playing, and catches up once it is shown', async ({ browser }, info) => {
  const p = await watchPair(browser, `hidden-${info.project.name}`);
  const [alice, bob] = [p.alice.page, p.bob.page];
  await play(alice);
  await expectWith(bob, alice);
  const before = [await syncStats(alice), await syncStats(bob)];
  // What a browser does to a background tab: the page becomes hidden, and its media is paused by
  // the browser (not by the user).
  const setVisibility = (page, state) => page.evaluate((s) => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => s });
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => s === 'hidden' });
    document.dispatchEvent(new Event('visibilitychange'));
    if (s === 'hidden') document.getElementById('player').pause();
  }, state);
  await setVisibility(bob, 'hidden');
  const hiddenAt = await currentTime(alice);
  await expect.poll(() => currentTime(alice), { timeout: 20_000 }).toBeGreaterThan(hiddenAt + 5);
  expect(await paused(alice)).toBe(false);  // the group plays on
  expect(await paused(bob)).toBe(true);     // and the hidden tab is not restarted behind the browser's back
  await expect(alice.locator('#sync-status')).toHaveAttribute('data-state', 'playing');

  await setVisibility(bob, 'visible');
  await expectWith(bob, alice, { tolerance: 0.1 });
  for (const page of [alice, bob]) await recordFrames(page);
  await expectInSync(alice, bob, Date.now() + 2000, 5000, 'after being shown: ');
  // The browser's pause was not a user's: nobody wrote anything for it.
  const after = [await syncStats(alice), await syncStats(bob)];
  for (const i of [0, 1]) expect(after[i].userActions).toBe(before[i].userActions);
  expect(p.alice.errors).toEqual([]);
  expect(p.bob.errors).toEqual([]);
  await p.close();
});
