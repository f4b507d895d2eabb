// Browser tests in Debian's Chromium and Firefox ESR (never a downloaded browser).
import { defineConfig } from '@playwright/test';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Playwright 1.58 sees no 'download' event from Firefox ESR (WebDriver BiDi) for an <a download> of a
// blob: URL, so Firefox saves into this folder and the tests watch it: one folder per parallel
// worker (Playwright sets TEST_PARALLEL_INDEX before a worker loads this file), as a test empties it.
export const FIREFOX_DOWNLOADS = join(tmpdir(), `wt-firefox-downloads-${process.env.TEST_PARALLEL_INDEX ?? 'main'}`);

// Chromium preloads two browser-UI renderers (the omnibox popup) for every window it opens; a page
// under test never shows them, and on a 2-core machine their start-up lands in whatever is measured
// next (the transfer benchmark's CPU figures), so they are turned off (one --disable-features: only
// the last such switch counts).
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
  '--disable-features=WebRtcHideLocalIpsWithMdns,PreloadTopChromeWebUI,WebUIOmniboxPopup,WebUIOmniboxAimPopup',
  '--autoplay-policy=no-user-gesture-required',
  // This machine has no sound device (no /dev/snd, no sound server): Chromium's audio output then
  // fails to open and falls back to a silent one, and once in a clean-clone run an element's sound
  // failed mid-play instead (MediaError "OnMediaSinkAudioError"). The silent output from the start,
  // as on a machine without sound; the element's sound is still heard through captureStream().
  '--disable-audio-output',
];
export const FIREFOX_PREFS = {
  'media.peerconnection.ice.obfuscate_host_addresses': false,
  'media.autoplay.default': 0,
  'media.autoplay.blocking_policy': 0,
  'browser.download.folderList': 2,
  'browser.download.dir': FIREFOX_DOWNLOADS,
  'browser.download.useDownloadDir': true,
};

// The specs whose checks time what the browsers present (frames, drift between players, sound):
// two tests at once would share this machine's two cores and measure the load (a formats run with
// two workers: presented frames fell to 132 of 180, drift p95 133 ms), so they run one at a time,
// always. npm test runs them as one set (WT_E2E_SET=timed), then the others (parallel), each with
// the set's workers; without WT_E2E_SET every spec runs, one test at a time. The other set runs one
// at a time too: its bulk transfers are CPU-bound, and two workers gained nothing on two cores
// (590–687 s against about 600 s). Its tests hold the sender's reads where a step must come before
// the transfer's end (a reload mid-transfer, a damaged piece before a reload), so that they do not
// depend on the machine's speed with any number of workers.
const PARALLEL_WORKERS = 1;
export const TIMED_SPECS = ['formats', 'outage', 'progressive', 'sync', 'watch'];
const timed = new RegExp(`(^|/)(${TIMED_SPECS.join('|')})\\.spec\\.mjs$`);
const SET = process.env.WT_E2E_SET;
if (SET && !['timed', 'parallel'].includes(SET)) throw new Error(`WT_E2E_SET=${SET}: timed, parallel or unset`);

export default defineConfig({
  testDir: '.',
  testMatch: SET === 'timed' ? timed : /.*\.spec\.mjs$/,
  testIgnore: SET === 'parallel' ? timed : undefined,
  globalSetup: './global-setup.mjs',
  timeout: 120_000,
  expect: { timeout: 15_000 },
  workers: SET === 'parallel' ? PARALLEL_WORKERS : 1,
  retries: 0,
  reporter: process.env.CI ? [['list']] : [['list']],
  // Screenshots and failure artifacts; each set its own folder, as a run empties its folder first.
  outputDir: SET ? `./.artifacts/${SET}` : './.artifacts',
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
