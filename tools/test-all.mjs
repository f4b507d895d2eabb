// `npm test`: every test of the project, in order, each step's output shown as it runs:
//   1. Catch2 unit tests, native (ctest)      2. the same Catch2 tests as wasm under Node (ctest)
//   3. the same Catch2 tests with AddressSanitizer + UBSan (ctest, build/sanitize)
//   4. each libFuzzer target for WT_FUZZ_SECONDS (30 s) from its seeds, one per core side by side (fuzz.mjs): a target is a test
//   5. the set-up path and the embedded database server (node --test tests/setup tests/server)
//   6. Playwright in Debian's Chromium and Firefox ESR (e2e/)
// It installs what is missing first (see setup.mjs) and ends with one line
// "tests: N passed, N failed, N skipped", after the name and reason of every skipped test. A browser
// test skipped in every project it is in fails the run: it would be a test that never runs.
// WT_TEST_ONLY=native,wasm,sanitize,fuzz,setup,browsers (any of them) runs and builds only those
// steps, for working on one part; the summary then says which steps did not run.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BUILD, EM_ENV, buildNative, buildSanitize, buildWasm, buildWeb } from './build.mjs';
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
  // fuzz.mjs's lines, one per target: "fuzz ok   <name>: N runs in S s" or "fuzz FAIL <name>: why".
  fuzz: (out) => {
    const ok = out.match(/^fuzz ok /gm)?.length ?? 0, bad = out.match(/^fuzz FAIL /gm)?.length ?? 0;
    return ok + bad > 0 ? { passed: ok, failed: bad } : null;
  },
  node: (out) => {
    const pass = out.match(/^# pass (\d+)/m), fail = out.match(/^# fail (\d+)/m);
    return pass && fail ? { passed: Number(pass[1]), failed: Number(fail[1]) } : null;
  },
  // From Playwright's JSON report: every test in every project, with its status and skip reason.
  // (The report may list a spec once per project: runs are gathered by file, line and title.)
  playwright: () => {
    if (!existsSync(PLAYWRIGHT_REPORT)) return null;
    const report = JSON.parse(readFileSync(PLAYWRIGHT_REPORT, 'utf8'));
    const c = { passed: 0, failed: 0, skipped: [], neverRun: [] };
    const runs = new Map();  // spec → { name, total, skipped }
    const walk = (suite, path) => {
      for (const spec of suite.specs ?? []) {
        const name = [...path, spec.title].join(' › ');
        const key = `${spec.file}:${spec.line}:${name}`;
        const r = runs.get(key) ?? { name, total: 0, skipped: 0 };
        runs.set(key, r);
        for (const t of spec.tests) {
          r.total += 1;
          if (t.status === 'skipped') {
            const why = t.annotations.find((a) => a.type === 'skip')?.description ?? 'no reason given';
            c.skipped.push(`[${t.projectName}] ${name} (${why})`);
            r.skipped += 1;
          } else if (t.status === 'expected') c.passed += 1;
          else c.failed += 1;  // unexpected, and flaky: a test that needed a retry is not a pass
        }
      }
      for (const child of suite.suites ?? []) walk(child, [...path, child.title]);
    };
    for (const file of report.suites ?? []) walk(file, [file.title]);
    for (const r of runs.values()) if (r.total > 0 && r.skipped === r.total) c.neverRun.push(r.name);
    c.failed += c.neverRun.length + (report.errors?.length ?? 0);
    return c;
  },
};
const PLAYWRIGHT_REPORT = join(BUILD, 'playwright-report.json');

await withSetupErrors(async () => {
  const started = Date.now();
  checkNode();
  ensureSystemPackages(['build', 'test']);
  ensureNpmDependencies();
  const only = process.env.WT_TEST_ONLY ? process.env.WT_TEST_ONLY.split(',').map((s) => s.trim()) : null;
  const wanted = (...ids) => !only || ids.some((id) => only.includes(id));
  const timed = async (what, build) => {
    const t0 = Date.now();
    await build();
    console.log(`[build] ${what}: ${Math.round((Date.now() - t0) / 1000)} s`);
  };
  if (wanted('native')) await timed('native', buildNative);
  if (wanted('wasm', 'browsers')) await timed('wasm', buildWasm);
  if (wanted('browsers')) await timed('web bundle', buildWeb);
  if (wanted('sanitize', 'fuzz')) await timed('ASan+UBSan and fuzz targets (build/sanitize)', buildSanitize);

  const steps = [
    ['native', 'Catch2, native', 'ctest', ['--test-dir', join(BUILD, 'native'), '--output-on-failure', '-j2'], counters.ctest],
    ['wasm', 'Catch2, wasm under Node', 'ctest', ['--test-dir', join(BUILD, 'wasm'), '--output-on-failure', '-j2'], counters.ctest, EM_ENV],
    ['sanitize', 'Catch2, ASan+UBSan', 'ctest', ['--test-dir', join(BUILD, 'sanitize'), '--output-on-failure', '-j2'], counters.ctest],
    ['fuzz', 'fuzz', process.execPath, [join(ROOT, 'tools/fuzz.mjs')], counters.fuzz],
    ['setup', 'set-up and embedded database server', process.execPath, ['--test', '--test-reporter=tap', 'tests/setup/', 'tests/server/'], counters.node],
    ['browsers', 'browsers (Playwright)', process.execPath, [join(ROOT, 'node_modules/@playwright/test/cli.js'), 'test', '-c', 'e2e/playwright.config.mjs', '--reporter=list,json'],
      counters.playwright, { ...process.env, PLAYWRIGHT_JSON_OUTPUT_FILE: PLAYWRIGHT_REPORT }],
  ];
  rmSync(PLAYWRIGHT_REPORT, { force: true });
  let passed = 0, failed = 0;
  const summary = [], skipped = [], neverRun = [];
  for (const [id, name, cmd, args, count, env] of steps) {
    if (!wanted(id)) {
      summary.push(`-    ${name}: not run (WT_TEST_ONLY=${only.join(',')})`);
      continue;
    }
    console.log(`\n=== ${name} ===`);
    const t0 = Date.now();
    const { code, out } = await run(cmd, args, { env });
    const secs = Math.round((Date.now() - t0) / 1000);
    const c = count(out) ?? { passed: 0, failed: 1 };  // no counts at all: the step itself broke
    if (code !== 0 && c.failed === 0) c.failed = 1;
    passed += c.passed;
    failed += c.failed;
    skipped.push(...(c.skipped ?? []));
    neverRun.push(...(c.neverRun ?? []));
    const skips = c.skipped ? `, ${c.skipped.length} skipped` : '';
    summary.push(`${code === 0 && c.failed === 0 ? 'ok  ' : 'FAIL'} ${name}: ${c.passed} passed, ${c.failed} failed${skips} (${secs} s)`);
  }
  console.log(`\n=== summary (${Math.round((Date.now() - started) / 1000)} s) ===`);
  if (skipped.length) console.log(`skipped (each runs in the other project):\n${skipped.map((s) => `  ${s}`).join('\n')}`);
  if (neverRun.length) console.log(`FAIL: skipped in every project, so never run:\n${neverRun.map((s) => `  ${s}`).join('\n')}`);
  for (const line of summary) console.log(line);
  console.log(`tests: ${passed} passed, ${failed} failed, ${skipped.length} skipped`);
  process.exit(failed === 0 && passed > 0 ? 0 : 1);
});
