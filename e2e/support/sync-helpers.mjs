// Shared by the sync browser tests and the sync benchmark: a generated test video, a same-file
// session set up through the page's own UI, and drift measured from presented frames.
import { execFileSync } from 'node:child_process';

// 30 fps with a running counter burned in (testsrc), VP8 so that both browsers decode it.
export function generateCounterVideo(path, seconds = 120) {
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc=size=320x240:rate=30:duration=${seconds}`,
    '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '400k', '-g', '30', '-an', path]);
}

// Alice invites Bob with `movie`, Bob joins with his copy (`bobMovie`, the same file by default);
// resolves when both players have the video loaded.
export async function startSameFileSession(alice, bob, bobId, movie, bobMovie = movie, timeout = 30_000) {
  await alice.locator(`#partner option[value="${bobId}"]`).waitFor({ state: 'attached', timeout });
  await alice.locator('#partner').selectOption(bobId);
  await alice.locator('#movie-input').setInputFiles(movie);
  await alice.locator('#mode').selectOption('same-file');
  await alice.locator('#invite').click();
  const invite = bob.locator('li.session[data-status="pending"]');
  await invite.waitFor({ timeout });
  await invite.locator('.join-input').setInputFiles(bobMovie);
  for (const page of [alice, bob]) {
    await page.waitForFunction(() => document.getElementById('player')?.readyState >= 1, null, { timeout });
  }
}

// Starts recording [epochMs, mediaTime] of every frame the element presents.
export function recordFrames(page) {
  return page.evaluate(() => {
    const video = document.getElementById('player');
    window.__frames = [];
    const onFrame = (_, meta) => {
      window.__frames.push([performance.timeOrigin + meta.expectedDisplayTime, meta.mediaTime]);
      video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
  });
}

export const takeFrames = (page) => page.evaluate(() => window.__frames.splice(0));

// Drift (ms) of A against B at each of A's frames after `from` (epoch ms): B's media time at that
// instant is interpolated between its two presented frames around it.
export function drifts(a, b, from) {
  const out = [];
  let j = 0;
  for (const [t, m] of a) {
    if (t < from) continue;
    while (j + 1 < b.length && b[j + 1][0] < t) ++j;
    if (j + 1 >= b.length || b[j][0] > t) continue;
    const [t0, m0] = b[j], [t1, m1] = b[j + 1];
    if (t1 - t0 > 100) continue;  // B was not playing continuously here (paused or seeking)
    out.push((m - (m0 + (m1 - m0) * (t - t0) / (t1 - t0))) * 1000);
  }
  return out;
}

export const percentile = (xs, p) => [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.floor(p * xs.length))];

// Arms a one-shot listener for the element's next `type` event (resolves once it is attached);
// eventTime(page) then waits for that event and returns its wall-clock instant (epoch ms).
export function armEvent(page, type) {
  return page.evaluate((t) => {
    window.__event = null;
    document.getElementById('player').addEventListener(t, () => { window.__event = performance.timeOrigin + performance.now(); }, { once: true });
  }, type);
}

export async function eventTime(page, timeoutMs = 10_000) {
  try {
    await page.waitForFunction(() => window.__event !== null, null, { timeout: timeoutMs, polling: 20 });
  } catch {
    const state = await page.evaluate(() => {
      const v = document.getElementById('player');
      return `paused=${v.paused} t=${v.currentTime.toFixed(2)} status="${document.getElementById('sync-status').textContent}"`;
    });
    throw new Error(`the expected event did not come within ${timeoutMs} ms (${state})`);
  }
  return page.evaluate(() => window.__event);
}

// Runs fn in the page and returns the epoch ms just before it ran.
export function actAt(page, fn) {
  return page.evaluate(`(() => { const t = performance.timeOrigin + performance.now(); (${fn})(document.getElementById('player')); return t; })()`);
}
