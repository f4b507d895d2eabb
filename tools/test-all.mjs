// `npm test`: every test of the project, each step timed, in two lanes on this machine's cores:
//   beside the browsers, at the lowest CPU priority (SCHED_IDLE), one after another, each step's output
//   kept in build/test-logs/ and shown when it fails:
//     1. Catch2 unit tests, native (ctest)      2. the same Catch2 tests as wasm under Node (ctest)
//     3. the boundary's types (node --test tests/types): web/ type-checked (tsc, web/tsconfig.json)
//        against src/bindings/watch_core.d.ts, and that .d.ts against what the wasm module exports
//     4. the same Catch2 tests with AddressSanitizer + UBSan (ctest, build/sanitize)
//     5. each libFuzzer target for WT_FUZZ_SECONDS (30 s) from its seeds, one per core side by side
//        (fuzz.mjs): a target is a test
//     6. the set-up path and the embedded database server (node --test tests/setup tests/server)
//   (each builds what it runs first); and in the foreground, its output shown as it runs:
//     7. Playwright in Debian's Chromium and Firefox ESR (e2e/), once the wasm core and the page
//        bundle are built and the test movies made (e2e/support/test-movies.mjs, beside the build).
// The browsers keep the CPU they ask for; the lane beside them fills the time they leave. It is held
// while the timed specs run (below): even at SCHED_IDLE, two busy processes beside them made the
// Firefox player in formats' two-sound-tracks test fall 130-400 ms behind (p95, 6 runs of 6), against
// 11-23 ms with the machine otherwise quiet (4 of 4).
// Order: the other specs first, with the lane beside them; then the timed specs, the lane held (a
// build stopped where it is, SIGSTOP; a test step, whose own timeouts count wall time, finished
// first); then the rest of the lane.
// It installs what is missing first (see setup.mjs) and ends with each step's time and one line
// "tests: N passed, N failed, N skipped", after the name and reason of every skipped test. A browser
// test skipped in every project it is in fails the run: it would be a test that never runs.
// WT_TEST_ONLY=native,wasm,types,sanitize,fuzz,setup,browsers (any of them) runs and builds only those
// steps, for working on one part; the summary then says which steps did not run.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILD, EM_ENV, buildWasm } from './build.mjs';
import { ROOT, checkNode, ensureNpmDependencies, ensureSystemPackages, withSetupErrors } from './setup.mjs';


// Runs a command and returns { code, out }; its output is streamed unless `quiet`. With `group`, in a
// process group of its own, handed to group(child) (to stop and continue it with what it started).
function run(cmd, args, { cwd = ROOT, env = process.env, quiet = false, group = null } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: Boolean(group) });
    group?.(child);
    let out = '';
    const relay = (stream, sink) => stream.on('data', (d) => { out += d; if (!quiet) sink.write(d); });
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
  playwright: (path) => {
    if (!existsSync(path)) return null;
    const report = JSON.parse(readFileSync(path, 'utf8'));
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
const playwrightReport = (set) => join(BUILD, `playwright-report-${set}.json`);

const LOGS = join(BUILD, 'test-logs');
const seconds = (t0) => Math.round((Date.now() - t0) / 1000);

await withSetupErrors(async () => {
  const started = Date.now();
  checkNode();
  ensureSystemPackages(['build', 'test']);
  ensureNpmDependencies();
  const only = process.env.WT_TEST_ONLY ? process.env.WT_TEST_ONLY.split(',').map((s) => s.trim()) : null;
  const wanted = (...ids) => !only || ids.some((id) => only.includes(id));
  rmSync(LOGS, { recursive: true, force: true });
  mkdirSync(LOGS, { recursive: true });

  const node = (script, ...args) => [process.execPath, [join(ROOT, script), ...args]];
  const ctest = (dir) => ['ctest', ['--test-dir', join(BUILD, dir), '--output-on-failure', '-j2']];
  // [id, name, build command or null, test command, counter, env]
  const besideSteps = [
    ['native', 'Catch2, native', node('tools/build.mjs', '--native'), ctest('native'), counters.ctest],
    ['wasm', 'Catch2, wasm under Node', node('tools/build.mjs', '--wasm-tests'), ctest('wasm'), counters.ctest, EM_ENV],
    ['types', 'types: web/ and the wasm module against watch_core.d.ts', node('tools/build.mjs', '--wasm'),
      [process.execPath, ['--test', '--test-reporter=tap', 'tests/types/']], counters.node, EM_ENV],
    ['sanitize', 'Catch2, ASan+UBSan', node('tools/build.mjs', '--sanitize'), ctest('sanitize'), counters.ctest],
    ['fuzz', 'fuzz', node('tools/build.mjs', '--sanitize'), node('tools/fuzz.mjs'), counters.fuzz],
    ['setup', 'set-up and embedded database server', null, [process.execPath, ['--test', '--test-reporter=tap', 'tests/setup/', 'tests/server/']], counters.node],
  ];

  let passed = 0, failed = 0;
  const summary = [], skipped = [], neverRun = [], failedLogs = [];
  const record = (name, code, c, secs, buildSecs = null) => {
    if (code !== 0 && c.failed === 0) c.failed = 1;
    passed += c.passed;
    failed += c.failed;
    skipped.push(...(c.skipped ?? []));
    neverRun.push(...(c.neverRun ?? []));
    const skips = c.skipped ? `, ${c.skipped.length} skipped` : '';
    const build = buildSecs === null ? '' : `, after a ${buildSecs} s build`;
    return `${code === 0 && c.failed === 0 ? 'ok  ' : 'FAIL'} ${name}: ${c.passed} passed, ${c.failed} failed${skips} (${secs} s${build})`;
  };

  // The browsers' build first (the wasm folder is the wasm tests' too), with the test movies made
  // meanwhile; then the lane beside the browsers starts.
  let movies = null;
  if (wanted('browsers')) {
    movies = run(...node('e2e/support/test-movies.mjs'), { quiet: true });
    const t0 = Date.now();
    buildWasm({ tests: true, coreOnly: true });  // the page bundle: Playwright's global setup
    console.log(`[build] wasm core: ${seconds(t0)} s`);
  }

  // The lane beside the browsers: each step's build, then its tests, output to a log, under Linux's
  // SCHED_IDLE policy (chrt, util-linux): it runs only on CPU time nothing else wants, and a browser
  // thread that wakes takes the core from it at once (nice 19 alone still shares a core for a
  // scheduler slice: a formats test's presented frames fell behind while the fuzzers ran at nice 19).
  const idle = (command) => ['chrt', ['--idle', '0', ...command]];
  // The lane's hold: hold() resolves once nothing of the lane runs (its build stopped, its test step
  // over), release() lets it go on. Between its phases the lane waits while held.
  const lane = { held: false, phase: null, child: null, stopped: false, phaseEnded: null, released: null };
  const signalLane = (sig) => { try { process.kill(-lane.child.pid, sig); } catch { /* already gone */ } };
  const hold = async () => {
    lane.held = true;
    if (lane.phase === 'build' && lane.child) {
      signalLane('SIGSTOP');
      lane.stopped = true;
    } else if (lane.phase === 'test') {
      await lane.phaseEnded;
    }
  };
  const release = () => {
    lane.held = false;
    if (lane.stopped) signalLane('SIGCONT');
    lane.stopped = false;
    lane.released?.();
  };
  const phase = async (kind, command, env) => {
    while (lane.held) await new Promise((resolve) => { lane.released = resolve; });
    let ended;
    lane.phase = kind;
    lane.phaseEnded = new Promise((resolve) => { ended = resolve; });
    try {
      return await run(...idle(command), { env, quiet: true, group: (child) => { lane.child = child; } });
    } finally {
      lane.phase = lane.child = null;
      ended();
    }
  };
  // Ctrl-C or a failure must not leave a stopped or running group behind (it has its own group).
  process.on('exit', () => { if (lane.child) { signalLane('SIGCONT'); signalLane('SIGTERM'); } });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));
  const beside = (async () => {
    for (const [id, name, build, [cmd, args], count, env] of besideSteps) {
      if (!wanted(id)) {
        summary.push(`-    ${name}: not run (WT_TEST_ONLY=${only.join(',')})`);
        continue;
      }
      const log = join(LOGS, `${id}.log`);
      let out = '', code = 0, buildSecs = null;
      if (build) {
        const t0 = Date.now();
        ({ code, out } = await phase('build', build.flat(), env));
        buildSecs = seconds(t0);
      }
      const t0 = Date.now();
      let c = { passed: 0, failed: 1 };
      if (code === 0) {
        const r = await phase('test', [cmd, ...args], env);
        code = r.code;
        out += r.out;
        c = count(r.out) ?? { passed: 0, failed: 1 };  // no counts at all: the step itself broke
      }
      writeFileSync(log, out);
      const line = record(name, code, c, seconds(t0), buildSecs);
      summary.push(line);
      console.log(`[beside the browsers] ${line}`);
      if (line.startsWith('FAIL')) failedLogs.push([name, log, out]);
    }
  })();

  if (movies) {
    let t0 = Date.now();
    const made = await movies;
    if (made.code !== 0) throw new Error(`making the test movies failed:\n${made.out}`);
    console.log(`${made.out.trim()} (${seconds(t0)} s more after the build)`);
    // The other specs, beside the lane; then the specs that time what the browsers present, one
    // test at a time, with the lane held (e2e/playwright.config.mjs: WT_E2E_SET, PARALLEL_WORKERS).
    for (const [set, name] of [['parallel', 'browsers, other specs (Playwright)'], ['timed', 'browsers, timed specs (Playwright)']]) {
      console.log(`\n=== ${name} ===`);
      if (set === 'timed') {
        t0 = Date.now();
        await hold();
        console.log(`[beside the browsers] held while the timed specs run (after ${seconds(t0)} s for its test step to end)`);
      }
      t0 = Date.now();
      const report = playwrightReport(set);
      rmSync(report, { force: true });
      const { code } = await run(...node('node_modules/@playwright/test/cli.js', 'test', '-c', 'e2e/playwright.config.mjs', '--reporter=list,json'),
        { env: { ...process.env, WT_E2E_SET: set, PLAYWRIGHT_JSON_OUTPUT_FILE: report } });
      summary.push(record(name, code, counters.playwright(report) ?? { passed: 0, failed: 1 }, seconds(t0)));
    }
    release();
  } else {
    summary.push(`-    browsers (Playwright): not run (WT_TEST_ONLY=${only.join(',')})`);
  }
  await beside;

  for (const [name, log, out] of failedLogs) console.log(`\n=== ${name}: FAILED (${log}) ===\n${out}`);
  console.log(`\n=== summary (${seconds(started)} s) ===`);
  if (skipped.length) console.log(`skipped (each runs in the other project):\n${skipped.map((s) => `  ${s}`).join('\n')}`);
  if (neverRun.length) console.log(`FAIL: skipped in every project, so never run:\n${neverRun.map((s) => `  ${s}`).join('\n')}`);
  for (const line of summary) console.log(line);
  console.log(`tests: ${passed} passed, ${failed} failed, ${skipped.length} skipped`);
  process.exit(failed === 0 && passed > 0 ? 0 : 1);
});
