// First load of the demo messenger (`/`), before any watch session: what the browser downloads, what
// of that the embedded <watch-together> component adds, and that the wasm core is not fetched.
//
// - messenger_first_load_kB: the page opened in Chromium until it is ready and the network is idle;
//   the sum of response.body() lengths of every HTTP response (HTML, CSS, JS chunks, config.json…).
//   The static server does not compress, so these are uncompressed bytes. Not counted: headers, and
//   database traffic over the WebSocket (frames are not HTTP responses).
// - component_extra_kB: the messenger entry built again in memory (esbuild, buildWeb's options and
//   entries, write: false) with web/component/watch-together.js replaced by a stub exporting no-op
//   defineWatchTogether and watchSessionList; for both builds, the bytes of the entry chunk plus every
//   chunk reachable from it through static `import-statement` imports (esbuild's metafile; dynamic
//   imports, like the session screen and the core, do not count); real − stub. The static closure of
//   the real build is checked against the JS files Chromium actually requested: if they differ, the
//   measure is wrong and the bench fails.
// - first_load_wasm_requests: requests for a .wasm or watch_core.mjs during that first load.
import { chromium } from '@playwright/test';
import { join, relative } from 'node:path';
import { webOptions } from '../../tools/build.mjs';
import { ROOT } from '../../tools/setup.mjs';
import { CHROMIUM_ARGS } from '../playwright.config.mjs';

const kB = (bytes) => Math.round(bytes / 1000 * 10) / 10;  // kB = 1000 bytes
const MESSENGER = join(ROOT, 'web/messenger/messenger.js');
const COMPONENT = join(ROOT, 'web/component/watch-together.js');
const IDLE_MS = 1000;  // no request in flight for this long: the network is idle

// The same entries and options as tools/build.mjs's buildWeb({ test: true }), so that output names
// (content hashes) equal the files the server serves from build/web-test — the cross-check below relies on it.
async function buildMessenger({ stub }) {
  const esbuild = await import('esbuild');
  const stubPlugin = {
    name: 'stub-watch-together',
    setup(build) {
      // Only the messenger's import; the component's own entry point stays as it is.
      build.onResolve({ filter: /\/component\/watch-together\.js$/ }, (args) => (
        args.importer === MESSENGER ? { path: 'watch-together-stub', namespace: 'wt-stub' } : undefined));
      build.onLoad({ filter: /.*/, namespace: 'wt-stub' }, () => ({
        contents: 'export function defineWatchTogether() {}\nexport function watchSessionList() { return () => {}; }\n',
        loader: 'js',
      }));
    },
  };
  const result = await esbuild.build({
    ...webOptions({ test: true }),  // the bundle the bench's server serves
    write: false,  // names only: the outputs stay in memory
    metafile: true,
    absWorkingDir: ROOT,
    plugins: stub ? [stubPlugin] : [],
  });
  const { outputs } = result.metafile;
  const entry = Object.keys(outputs).find((o) => outputs[o].entryPoint === relative(ROOT, MESSENGER));
  if (!entry) throw new Error('load bench: no messenger entry in the metafile');
  const closure = new Set();
  const visit = (o) => {
    if (closure.has(o)) return;
    closure.add(o);
    for (const imp of outputs[o].imports) if (imp.kind === 'import-statement' && !imp.external) visit(imp.path);
  };
  visit(entry);
  const bytes = [...closure].reduce((sum, o) => sum + outputs[o].bytes, 0);
  // Input → bytes it puts into the first-load JS (for the breakdown).
  const inputs = new Map();
  for (const o of closure) {
    for (const [input, { bytesInOutput }] of Object.entries(outputs[o].inputs)) inputs.set(input, (inputs.get(input) ?? 0) + bytesInOutput);
  }
  return { closure, bytes, inputs };
}

// Inputs in the real first-load JS that the stub build lacks (or has fewer bytes of), largest first.
function breakdown(real, stub) {
  return [...real.inputs].map(([input, b]) => [input, b - (stub.inputs.get(input) ?? 0)])
    .filter(([, b]) => b > 0).sort((a, b) => b[1] - a[1]);
}

async function firstLoad(baseUrl) {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const page = await (await browser.newContext()).newPage();
    const requests = [];
    const bodies = [];
    let inFlight = 0, lastActivity = Date.now();
    page.on('request', (req) => { requests.push(req.url()); ++inFlight; lastActivity = Date.now(); });
    const done = () => { --inFlight; lastActivity = Date.now(); };
    page.on('requestfinished', done);
    page.on('requestfailed', done);
    page.on('response', (res) => {
      bodies.push(res.body().then((b) => ({ url: res.url(), bytes: b.length }), () => ({ url: res.url(), bytes: 0 })));
    });
    await page.goto(`${baseUrl}/?user=load-bench&name=Bench`);
    await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 30_000 });
    await page.waitForLoadState('networkidle');
    while (inFlight > 0 || Date.now() - lastActivity < IDLE_MS) await page.waitForTimeout(100);
    const responses = await Promise.all(bodies);
    return { requests, responses };
  } finally {
    await browser.close();
  }
}

export async function loadBench({ baseUrl }) {
  const [real, stub] = [await buildMessenger({ stub: false }), await buildMessenger({ stub: true })];
  const { requests, responses } = await firstLoad(baseUrl);

  // Cross-check: the JS the browser loaded from /bundle/ is the static closure of the real build.
  const bundle = (p) => p.replace(/^build\/web-test\//, '');
  const expected = new Set([...real.closure].map(bundle));
  const loaded = new Set(requests.map((u) => new URL(u).pathname).filter((p) => p.startsWith('/bundle/') && p.endsWith('.js'))
    .map((p) => p.slice('/bundle/'.length)));
  const missing = [...expected].filter((f) => !loaded.has(f));
  const extra = [...loaded].filter((f) => !expected.has(f));
  if (missing.length || extra.length) {
    throw new Error(`load bench: the JS Chromium loaded at first is not the messenger's static closure `
      + `(the measure is wrong; is build/web-test out of date or built with other options?): `
      + `computed but not loaded: ${missing.join(', ') || 'none'}; loaded but not computed: ${extra.join(', ') || 'none'}`);
  }
  const loadedJsBytes = responses.filter(({ url }) => expected.has(new URL(url).pathname.slice('/bundle/'.length)))
    .reduce((s, r) => s + r.bytes, 0);
  if (loadedJsBytes !== real.bytes) {
    throw new Error(`load bench: the first-load JS is ${real.bytes} bytes in the metafile but ${loadedJsBytes} bytes over the network`);
  }

  const extraBytes = real.bytes - stub.bytes;
  const total = responses.reduce((s, r) => s + r.bytes, 0);
  const wasm = requests.filter((u) => { const p = new URL(u).pathname; return p.endsWith('.wasm') || p.endsWith('watch_core.mjs'); });
  process.stderr.write(`  first load: ${responses.length} responses, ${total} bytes (uncompressed): `
    + `${responses.map(({ url, bytes }) => `${new URL(url).pathname} ${bytes}`).join(', ')}\n`);
  process.stderr.write(`  first-load JS: real ${real.bytes} bytes in ${real.closure.size} files, with the component stubbed ${stub.bytes} bytes in ${stub.closure.size}\n`);
  if (wasm.length) process.stderr.write(`  core requests at first load: ${wasm.join(', ')}\n`);
  const parts = breakdown(real, stub);
  process.stderr.write(`  what the component adds to the first-load JS (input: bytesInOutput, real − stub):\n`);
  for (const [input, b] of parts.slice(0, 25)) process.stderr.write(`    ${String(b).padStart(8)}  ${input}\n`);
  if (parts.length > 25) process.stderr.write(`    … ${parts.length - 25} more, ${parts.slice(25).reduce((s, [, b]) => s + b, 0)} bytes\n`);
  return {
    messenger_first_load_kB: kB(total),
    component_extra_kB: kB(extraBytes),
    first_load_wasm_requests: wasm.length,
  };
}
