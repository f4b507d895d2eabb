// `npm test`: every test of the project, in order, each step's output shown as it runs:
//   1. Catch2 unit tests, native (ctest)      2. the same Catch2 tests as wasm under Node (ctest)
//   3. the set-up path and the embedded database server (node --test tests/setup tests/server)
//   4. Playwright in Debian's Chromium and Firefox ESR (e2e/)
// It installs what is missing first (see setup.mjs) and ends with one line "tests: N passed, N failed".
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { BUILD, EM_ENV, buildNative, buildWasm, buildWeb } from './build.mjs';
import { ROOT, checkNode, ensureNpmDependencies, ensureSystemPackages, withSetupErrors } from './setup.mjs';


// Runs a command, streaming its output, and returns { code, out }.
function run(cmd, args, { cwd = ROOT, env = process.env } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const relay = (stream, sink) => stream.on('data', (d) => { out += d; sink.write(d); });
    relay(child.stdout, process.stdout);
    relay(child.stderr, process.stderr);
    child.on('error', (e) => resolve({ code: 127, out: String(e) }));
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
  });
}

const counters = {
  ctest: (out) => {
    const m = out.match(/tests passed, (\d+) tests? failed out of (\d+)/);
    return m ? { passed: Number(m[2]) - Number(m[1]), failed: Number(m[1]) } : null;
  },
  node: (out) => {
    const pass = out.match(/^# pass (\d+)/m), fail = out.match(/^# fail (\d+)/m);
    return pass && fail ? { passed: Number(pass[1]), failed: Number(fail[1]) } : null;
  },
  playwright: (out) => {
    const pass = out.match(/^\s*(\d+) passed/m), fail = out.match(/^\s*(\d+) failed/m);
    const flaky = out.match(/^\s*(\d+) flaky/m);
    if (!pass && !fail) return null;
    return { passed: Number(pass?.[1] ?? 0), failed: Number(fail?.[1] ?? 0) + Number(flaky?.[1] ?? 0) };
  },
};

await withSetupErrors(async () => {
  const started = Date.now();
  checkNode();
  ensureSystemPackages(['build', 'test']);
  ensureNpmDependencies();
  buildNative();
  buildWasm();
  await buildWeb();

  const steps = [
    ['Catch2, native', 'ctest', ['--test-dir', join(BUILD, 'native'), '--output-on-failure', '-j2'], counters.ctest],
    ['Catch2, wasm under Node', 'ctest', ['--test-dir', join(BUILD, 'wasm'), '--output-on-failure', '-j2'], counters.ctest, EM_ENV],
    ['set-up and embedded database server', process.execPath, ['--test', '--test-reporter=tap', 'tests/setup/', 'tests/server/'], counters.node],
    ['browsers (Playwright)', process.execPath, [join(ROOT, 'node_modules/@playwright/test/cli.js'), 'test', '-c', 'e2e/playwright.config.mjs'], counters.playwright],
  ];
  let passed = 0, failed = 0;
  const summary = [];
  for (const [name, cmd, args, count, env] of steps) {
    console.log(`\n=== ${name} ===`);
    const { code, out } = await run(cmd, args, { env });
    const c = count(out) ?? { passed: 0, failed: 1 };  // no counts at all: the step itself broke
    if (code !== 0 && c.failed === 0) c.failed = 1;
    passed += c.passed;
    failed += c.failed;
    summary.push(`${code === 0 ? 'ok  ' : 'FAIL'} ${name}: ${c.passed} passed, ${c.failed} failed`);
  }
  console.log(`\n=== summary (${Math.round((Date.now() - started) / 1000)} s) ===`);
  for (const line of summary) console.log(line);
  console.log(`tests: ${passed} passed, ${failed} failed`);
  process.exit(failed === 0 && passed > 0 ? 0 : 1);
});
