// The product as a messenger embeds it, driven through the demo messenger only (web/messenger/, the
// page `npm start` opens): Alice opens her chat with Bob, shares a movie from the quick action, Bob
// accepts from the card in the conversation, both watch, Alice ends the session, both see it ended,
// and Bob deletes the file: its pieces are gone from IndexedDB. Alice's page holds a second
// component (her chat with Carol) that must stay out of it. Before any session no page loaded wasm.
// Then the other ways through: Decline on the card, the Watch Together button and the panel's own
// Share, End by the one who received, and Save after the end.
import { test, expect } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testMovieNamed } from './support/test-movies.mjs';
import { userIds } from './support/pages.mjs';
import { downloadedSha256 } from './support/transfer-helpers.mjs';

let dir, movie, movieSize, movieSum;
test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wt-messenger-'));
  ({ path: movie, size: movieSize, sum: movieSum } = testMovieNamed(dir, 'holiday.webm', 'counter', { seconds: 30 }));
});
test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

const messengerUrl = (user, name, chat) => `${process.env.WT_BASE_URL}/?user=${user}&name=${name}${chat ? `&chat=${chat}` : ''}`;

// A person's messenger in a fresh browser context, with every request it makes recorded.
async function openMessenger(browser, user, name, chat, prepare) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  const page = await context.newPage();
  await prepare?.(page);
  const errors = [];
  const requests = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(messengerUrl(user, name, chat));
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  return { context, page, errors, requests };
}

// The component of the conversation with `partner`, and what it shows (Playwright's locators
// pierce its open shadow root).
const component = (page, partner) => page.locator(`watch-together[data-partner="${partner}"]`);
const sessionItem = (page, partner) => component(page, partner).locator('li.session');
const video = (page, partner) => ({
  state: () => page.evaluate((p) => {
    const v = document.querySelector(`watch-together[data-partner="${p}"]`).shadowRoot.querySelector('video');
    return { paused: v.paused, time: v.currentTime, ready: v.readyState };
  }, partner),
  play: () => page.evaluate((p) => {
    document.querySelector(`watch-together[data-partner="${p}"]`).shadowRoot.querySelector('video').play().catch(() => {});
  }, partner),
});
const storedPieces = (page, sessionId) => page.evaluate((id) => new Promise((resolve, reject) => {
  const open = indexedDB.open('watch-together');
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const db = open.result;
    const count = db.transaction('pieces').objectStore('pieces').count(IDBKeyRange.bound([id, 0], [id, Infinity]));
    count.onsuccess = () => { db.close(); resolve(count.result); };
    count.onerror = () => reject(count.error);
  };
}), sessionId);
const wasmLoaded = (side) => side.requests.filter((u) => /\.wasm(\?|$)|watch_core\.mjs/.test(u));

test('a messenger embeds Watch Together: share from the chat, accept from the card, watch, end, delete', async ({ browser }, info) => {
  const [aliceId, bobId, carolId] = userIds('m', 'alice', 'bob', 'carol');
  const ids = { alice: aliceId, bob: bobId, carol: carolId };
  const alice = await openMessenger(browser, ids.alice, 'Alice');
  const bob = await openMessenger(browser, ids.bob, 'Bob', ids.alice);
  const carol = await openMessenger(browser, ids.carol, 'Carol');

  // Alice opens her chat with Carol (one component), then the one with Bob (a second one).
  await alice.page.locator(`.contact[data-user="${ids.carol}"]`).click();
  await expect(alice.page.locator('#chat-title')).toHaveText('Carol');
  await alice.page.locator(`.contact[data-user="${ids.bob}"]`).click();
  await expect(alice.page.locator('#chat-title')).toHaveText('Bob');
  await expect(alice.page.locator('watch-together')).toHaveCount(2);

  // A real chat: a message sent arrives.
  await alice.page.locator('#message-input').fill('Movie tonight?');
  await alice.page.locator('#send').click();
  await expect(bob.page.locator('.message.theirs .text')).toHaveText('Movie tonight?');
  // Before any session: the messengers loaded no wasm, no core.
  for (const side of [alice, bob, carol]) expect(wasmLoaded(side)).toEqual([]);
  await alice.page.screenshot({ path: info.outputPath('1-chat-before-session.png') });

  // "Share a movie with Bob", from the quick action.
  await expect(alice.page.locator('#share-movie')).toHaveText('Share a movie with Bob');
  const chooser = alice.page.waitForEvent('filechooser');
  await alice.page.locator('#share-movie').click();
  await (await chooser).setFiles(movie);
  const card = bob.page.locator('.invite-card');
  await expect(card).toHaveAttribute('data-status', 'pending');
  await expect(card.locator('.invite-title')).toHaveText('Alice invites you to watch');
  await expect(card.locator('.invite-file')).toHaveText('holiday.webm');
  const sessionId = await card.getAttribute('data-session');
  await expect(sessionItem(alice.page, ids.bob)).toHaveAttribute('data-status', 'pending');
  await bob.page.screenshot({ path: info.outputPath('2-invitation-card.png') });

  // Bob accepts from the card: the file travels, and both have it whole.
  await card.locator('.card-accept').click();
  for (const [side, other] of [[alice, ids.bob], [bob, ids.alice]]) {
    await expect(sessionItem(side.page, other)).toHaveAttribute('data-status', 'ready', { timeout: 60_000 });
  }
  await expect(bob.page.locator(`.active-session[data-session="${sessionId}"]`)).toBeVisible();
  await bob.page.screenshot({ path: info.outputPath('3-ready.png') });

  // Alice plays: both watch, and the record says Playing.
  for (const [side, other] of [[alice, ids.bob], [bob, ids.alice]]) {
    await expect.poll(async () => (await video(side.page, other).state()).ready, { timeout: 30_000 }).toBeGreaterThanOrEqual(1);
  }
  await video(alice.page, ids.bob).play();
  for (const [side, other] of [[alice, ids.bob], [bob, ids.alice]]) {
    await expect.poll(async () => { const v = await video(side.page, other).state(); return !v.paused && v.time > 1; }, { timeout: 30_000 }).toBe(true);
    await expect(sessionItem(side.page, other)).toHaveAttribute('data-status', 'playing');
  }
  await expect(bob.page.locator('.invite-card .invite-stage')).toHaveText('Watching');
  // Each side's screen says the other one watches too.
  for (const [side, other] of [[alice, ids.bob], [bob, ids.alice]]) {
    await expect(sessionItem(side.page, other).locator('.peer-line')).toHaveText('Watching with you');
  }
  await bob.page.screenshot({ path: info.outputPath('4-playing.png') });
  // At a phone's width: one column, nothing wider than the screen, the controls still there.
  await bob.page.setViewportSize({ width: 390, height: 844 });
  expect(await bob.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await expect(component(bob.page, ids.alice).locator('button.end')).toBeVisible();
  await expect(bob.page.locator('#message-input')).toBeVisible();
  await bob.page.screenshot({ path: info.outputPath('4-playing-phone.png') });
  await bob.page.setViewportSize({ width: 1100, height: 800 });

  // Carol's conversation on Alice's page stayed out of it.
  expect(await component(alice.page, ids.carol).evaluate((wt) => wt.sessions)).toEqual([]);
  await expect(sessionItem(alice.page, ids.carol)).toHaveCount(0);

  // Alice ends the session: both see it ended, and both players stop.
  await component(alice.page, ids.bob).locator('button.end').click();
  for (const [side, other] of [[alice, ids.bob], [bob, ids.alice]]) {
    await expect(sessionItem(side.page, other)).toHaveAttribute('data-status', 'complete');
    await expect(sessionItem(side.page, other)).toContainText('Session ended');
    await expect(sessionItem(side.page, other)).toContainText('ended by Alice');
    await expect(component(side.page, other).locator('#player-box')).toBeHidden();
  }
  await expect(bob.page.locator('.invite-card .invite-stage')).toHaveText('Session ended');
  await bob.page.screenshot({ path: info.outputPath('5-session-ended.png') });

  // Bob deletes the file now: its pieces leave IndexedDB.
  expect(await storedPieces(bob.page, sessionId)).toBeGreaterThan(0);
  await component(bob.page, ids.alice).locator('button.delete').click();
  await expect(component(bob.page, ids.alice).locator('button.delete')).toHaveCount(0);
  await expect.poll(() => storedPieces(bob.page, sessionId)).toBe(0);
  await expect(component(bob.page, ids.alice).locator('button.save')).toHaveCount(0);
  await bob.page.screenshot({ path: info.outputPath('6-deleted.png') });

  // Carol never had a session, so her messenger never loaded the core.
  expect(wasmLoaded(carol)).toEqual([]);
  for (const side of [alice, bob, carol]) expect(side.errors).toEqual([]);
  await Promise.all([alice, bob, carol].map((s) => s.context.close()));
});

test('in the messenger: Decline on the card; the Watch Together button and its Share; End by the one who received; Save after the end', async ({ browser }, info) => {
  const [aliceId, bobId] = userIds('m2', 'alice', 'bob');
  // Bob opens his chat with Alice before she has ever been here, so his messenger does not know her
  // name yet; once she comes, his chat and its Watch Together say it (setPartnerName).
  // Bob's browser saves by download, as Firefox's always does (Chromium would otherwise open its
  // save dialog, which no test can answer): the Save button's whole path, its file checked below.
  const bob = await openMessenger(browser, bobId, 'Bob', aliceId,
    (page) => page.addInitScript(() => { delete window.showSaveFilePicker; }));
  await expect(component(bob.page, aliceId).locator('.share-label')).toHaveText(`Share a movie with ${aliceId}`);
  const alice = await openMessenger(browser, aliceId, 'Alice');
  await expect(bob.page.locator('#chat-title')).toHaveText('Alice');
  await expect(component(bob.page, aliceId).locator('.share-label')).toHaveText('Share a movie with Alice');
  await alice.page.locator(`.contact[data-user="${bobId}"]`).click();
  await expect(alice.page.locator('#chat-title')).toHaveText('Bob');

  // Alice shares from the quick action; Bob declines from the card, and both see it declined.
  const chooser = alice.page.waitForEvent('filechooser');
  await alice.page.locator('#share-movie').click();
  await (await chooser).setFiles(movie);
  const declined = bob.page.locator('.invite-card').first();
  await expect(declined).toHaveAttribute('data-status', 'pending');
  // Bob's panel opens above the conversation with the same invitation once its screen has loaded,
  // moving the card down: clicked before that, the click lands where the card was (seen in Firefox,
  // whose screen loads later). A person clicks what they see once it stands still: so does the test.
  await expect(sessionItem(bob.page, aliceId).locator('button.decline')).toBeVisible();
  await declined.locator('.card-decline').click();
  await expect(declined).toHaveAttribute('data-status', 'declined');
  await expect(declined.locator('.card-accept, .card-decline')).toHaveCount(0);
  await expect(sessionItem(alice.page, bobId)).toHaveAttribute('data-status', 'declined');
  await alice.page.screenshot({ path: info.outputPath('7-declined.png') });

  // The Watch Together button closes the panel (open since she shared) and opens it again; Alice
  // shares from the panel's own button.
  const watchButton = alice.page.locator('#watch-button');
  await expect(watchButton).toHaveAttribute('aria-expanded', 'true');
  await watchButton.click();
  await expect(watchButton).toHaveAttribute('aria-expanded', 'false');
  await expect(component(alice.page, bobId)).toBeHidden();
  await watchButton.click();
  await expect(watchButton).toHaveAttribute('aria-expanded', 'true');
  await expect(component(alice.page, bobId)).toBeVisible();
  await expect(component(alice.page, bobId).locator('.share-label')).toHaveText('Share a movie with Bob');
  await component(alice.page, bobId).locator('.share-input').setInputFiles(movie);
  // Bob's panel opens with the invitation (his chat with Alice is open); its card is in the
  // conversation too, once, as the quick action's was; he accepts in the panel.
  const live = (page, other) => component(page, other).locator('li.session:not([data-status="declined"])');
  await expect(component(bob.page, aliceId)).toBeVisible();
  await expect(live(bob.page, aliceId)).toContainText('Alice wants to send you holiday.webm');
  const liveId = await live(bob.page, aliceId).getAttribute('data-session');
  for (const side of [alice, bob]) {
    await expect(side.page.locator('.invite-card')).toHaveCount(2);
    await expect(side.page.locator('.invite-card').nth(1)).toHaveAttribute('data-session', liveId);
  }
  await expect(bob.page.locator('.invite-card').nth(1)).toHaveAttribute('data-status', 'pending');
  await live(bob.page, aliceId).locator('button.accept').click();
  for (const [side, other] of [[alice, bobId], [bob, aliceId]]) {
    await expect(live(side.page, other)).toHaveAttribute('data-status', /^(ready|playing)$/, { timeout: 60_000 });
  }

  // Bob, who received it, ends the session: both see it ended by him.
  await component(bob.page, aliceId).locator('button.end').click();
  for (const [side, other] of [[alice, bobId], [bob, aliceId]]) {
    await expect(live(side.page, other)).toHaveAttribute('data-status', 'complete');
    await expect(live(side.page, other)).toContainText('ended by Bob');
  }

  // After the end, Bob saves the file: what lands on disk is the file Alice shared.
  const saved = await downloadedSha256(bob.page, () => live(bob.page, aliceId).locator('button.save').click(), movieSize, join(dir, 'saved-m2'));
  expect(saved).toBe(movieSum);
  await bob.page.screenshot({ path: info.outputPath('8-ended-by-bob-saved.png') });
  for (const side of [alice, bob]) expect(side.errors).toEqual([]);
  await Promise.all([alice, bob].map((s) => s.context.close()));
});
