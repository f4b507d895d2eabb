// Browser tests in Debian's Chromium and Firefox ESR (never a downloaded browser).
import { defineConfig } from '@playwright/test';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Playwright 1.58 sees no 'download' event from Firefox ESR (WebDriver BiDi) for an <a download> of a
// blob: URL, so Firefox saves into this folder and the tests watch it.
export const FIREFOX_DOWNLOADS = join(tmpdir(), 'wt-firefox-downloads');

// Chromium preloads two browser-UI renderers (the omnibox popup) for every window it opens; a page
// under test never shows them, and on a 2-core machine their start-up lands in whatever is measured
// next (the transfer benchmark's CPU figures), so they are turned off (one --disable-features: only
// the last such switch counts).
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
  '--disable-features=WebRtcHideLocalIpsWithMdns,PreloadTopChromeWebUI,WebUIOmniboxPopup,WebUIOmniboxAimPopup',
  '--autoplay-policy=no-user-gesture-required',
];
export const FIREFOX_PREFS = {
  'media.peerconnection.ice.obfuscate_host_addresses': false,
  'media.autoplay.default': 0,
  'media.autoplay.blocking_policy': 0,
  'browser.download.folderList': 2,
  'browser.download.dir': FIREFOX_DOWNLOADS,
  'browser.download.useDownloadDir': true,
};

export default defineConfig({
  testDir: '.',
  testMatch: /.*\.spec\.mjs$/,
  globalSetup: './global-setup.mjs',
  timeout: 120_000,
  expect: { timeout: 15_000 },
  workers: 1,
  retries: 0,
  reporter: process.env.CI ? [['list']] : [['list']],
  outputDir: './.artifacts',
  use: { trace: 'off', screenshot: 'only-on-failure' },
  projects: [
    {
      name: 'chromium',
      use: { browserName: 'chromium', launchOptions: { executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS } },
    },
    {
      name: 'firefox',
      use: {
        browserName: 'firefox',
        channel: 'moz-firefox',
        launchOptions: { executablePath: '/usr/bin/firefox-esr', firefoxUserPrefs: FIREFOX_PREFS },
      },
    },
  ],
});
