// Where a page's CPU time goes, for the transfer benchmark (WT_BENCH_PROFILE=<dir>): the V8 sampling
// profiler over CDP on one page, summed by function (self time) and by kind of work, and the whole
// profile saved as a .cpuprofile that Chromium's DevTools opens. Sampling adds a little CPU of its
// own, so profiled runs are for finding where the time goes, not for the figures.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export async function startProfile(page, { intervalUs = 500 } = {}) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: intervalUs });
  await cdp.send('Profiler.start');
  return async function stop(dir, name) {
    const { profile } = await cdp.send('Profiler.stop');
    await cdp.detach().catch(() => {});
    if (dir) writeFileSync(join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
    return summarize(profile);
  };
}

// Self time per function ("name url:line") and per kind: wasm, the page's JS, the browser's own
// work the profiler sees as (program), (garbage collector), (idle).
export function summarize(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const deltas = profile.timeDeltas;
  for (let i = 0; i < profile.samples.length; i++) {
    const n = byId.get(profile.samples[i]);
    const dt = (deltas[i + 1] ?? 0) / 1000;  // the time until the next sample belongs to this one
    self.set(n, (self.get(n) ?? 0) + dt);
  }
  const fns = new Map();
  const kinds = {};
  for (const [n, ms] of self) {
    const f = n.callFrame;
    const file = f.url ? f.url.replace(/^.*\//, '') : '';
    const key = `${f.functionName || '(anonymous)'}${file ? ` ${file}:${f.lineNumber + 1}` : ''}`;
    fns.set(key, (fns.get(key) ?? 0) + ms);
    const kind = /^\(/.test(f.functionName) ? f.functionName
      : f.url.startsWith('wasm://') || /\.wasm/.test(f.url) ? 'wasm'
        : f.url ? 'page JS' : 'native (no url)';
    kinds[kind] = (kinds[kind] ?? 0) + ms;
  }
  const totalMs = [...self.values()].reduce((a, b) => a + b, 0);
  const top = [...fns].sort((a, b) => b[1] - a[1]).slice(0, 20).map(([k, ms]) => [k, Math.round(ms)]);
  return { totalMs: Math.round(totalMs), kinds: Object.fromEntries(Object.entries(kinds).map(([k, v]) => [k, Math.round(v)])), top };
}

export const showProfile = (label, s) => `${label}: ${s.totalMs} ms sampled; by kind ${JSON.stringify(s.kinds)}\n`
  + s.top.map(([k, ms]) => `      ${String(ms).padStart(6)} ms  ${k}`).join('\n');
