// Opening the app as a user, for the browser tests.
import { expect } from '@playwright/test';

export const appUrl = (user) => `${process.env.WT_BASE_URL}/?user=${user}`;

// A fresh context (its own storage, like another person's browser) with the page loaded and ready;
// `errors` collects uncaught page errors so that tests can assert there were none. `prepare(page)`
// runs before the page loads (init scripts).
export async function openAs(browser, user, prepare) {
  const context = await browser.newContext();
  const page = await context.newPage();
  if (prepare) await prepare(page);
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(appUrl(user));
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  return { context, page, errors };
}
