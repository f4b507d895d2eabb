// The foundation in a real browser: the wasm core loads, two users see each other through the
// embedded database, and the core's SHA-256 of a 50 MB file equals sha256sum's.
import { openAs, userIds } from './support/pages.mjs';
import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';



test('the page loads the wasm core and connects to the embedded database', async ({ browser }) => {
  const { page, context, errors } = await openAs(browser, userIds('load', 'alice')[0]);
  await expect(page.locator('#core-version')).toHaveText('0.1.0');
  await expect(page.locator('#db-status')).toHaveAttribute('data-state', 'ok');
  await expect(page.locator('#db-status')).toContainText('embedded database at 127.0.0.1:');
  expect(errors).toEqual([]);
  await context.close();
});

test('two users see each other arrive and leave through the database', async ({ browser }, info) => {
  const [alice, bob] = userIds('presence', 'alice', 'bob');
  const a = await openAs(browser, alice);
  const b = await openAs(browser, bob);
  // Each page's list comes from the other's write to /presence.
  await expect(a.page.locator(`#people li[data-user="${bob}"]`)).toHaveText(bob);
  await expect(b.page.locator(`#people li[data-user="${alice}"]`)).toHaveText(alice);
  // Closing Bob's page drops his connection; the server applies his onDisconnect and Alice sees it.
  await b.context.close();
  await expect(a.page.locator(`#people li[data-user="${bob}"]`)).toHaveCount(0);
  expect(a.errors).toEqual([]);
  await a.context.close();
});

test('a user name with HTML in it is refused and shown as text, never markup', async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${process.env.WT_BASE_URL}/standalone/?user=${encodeURIComponent('<img src=x onerror=alert(1)>')}`);
  await expect(page.locator('#error')).toContainText('is not a valid user name');
  await expect(page.locator('#error img')).toHaveCount(0);
  await expect(page.locator('#user-name')).toHaveText(/^guest-/);
  await context.close();
});

// The core's SHA-256 as the page runs it (web/controllers/file-hasher.js), on its test page.
async function openHasher(browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${process.env.WT_BASE_URL}/harness/file-hasher.html`);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  return { page, context, errors };
}

test.describe('hashing a file in the page', () => {
  let dir, file, expected;
  test.beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'wt-hash-'));
    file = join(dir, 'movie-50MB.bin');
    writeFileSync(file, randomBytes(50 * 1000 * 1000 + 12345));  // not a multiple of any slice size
    expected = execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0];
  });
  test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("the core's SHA-256 of a 50 MB file equals sha256sum", async ({ browser }) => {
    const { page, context, errors } = await openHasher(browser);
    await page.locator('#file-input').setInputFiles(file);
    await expect(page.locator('#hash-result')).toHaveAttribute('data-sha256', /^[0-9a-f]{64}$/, { timeout: 60_000 });
    expect(await page.locator('#hash-result').getAttribute('data-sha256')).toBe(expected);
    await expect(page.locator('#hash-progress')).toHaveText('[█████████] 100% • done');
    expect(errors).toEqual([]);
    await context.close();
  });

  test('cancelling mid-hash stops cleanly and a new hash still works', async ({ browser }) => {
    const { page, context, errors } = await openHasher(browser);
    // Click Cancel the moment the first slice's progress appears (the file spans 6 slices), so the
    // cancel lands mid-hash however fast the machine is.
    const cancelled = page.evaluate(() => new Promise((resolve) => {
      const progress = document.getElementById('hash-progress');
      const observer = new MutationObserver(() => {
        if (!progress.textContent.includes('%')) return;
        observer.disconnect();
        document.getElementById('hash-cancel').click();
        resolve(progress.textContent);
      });
      observer.observe(progress, { childList: true, characterData: true, subtree: true });
    }));
    await page.locator('#file-input').setInputFiles(file);
    expect(await cancelled).not.toContain('100%');
    await expect(page.locator('#hash-progress')).toHaveText('Cancelled.');
    await expect(page.locator('#hash-result')).toHaveText('');
    await page.locator('#file-input').setInputFiles([]);
    await page.locator('#file-input').setInputFiles(file);
    await expect(page.locator('#hash-result')).toHaveAttribute('data-sha256', expected, { timeout: 60_000 });
    expect(errors).toEqual([]);
    await context.close();
  });
});
