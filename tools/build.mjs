// Builds what is missing or out of date: the wasm core (ES module + .wasm) and the browser bundle,
// which is the app `npm start` serves, and for the tests the native core + Catch2 tests, the same
// tests as wasm, and the AddressSanitizer + UBSan and fuzz build.
// `node tools/build.mjs` (the app) or `node tools/build.mjs [--native] [--wasm] [--wasm-tests] [--web]
// [--sanitize] [--web-test]` (--native, --wasm-tests and --sanitize build the tests; --web-test the
// tests' page bundle).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, SetupError, ensureNpmDependencies, ensureSystemPackages, checkNode, withSetupErrors } from './setup.mjs';

export const BUILD = join(ROOT, 'build');
// Trap 1 of Debian's emscripten: its optimiser needs acorn from /usr/share/nodejs.
export const EM_ENV = { ...process.env, NODE_PATH: ['/usr/share/nodejs', process.env.NODE_PATH].filter(Boolean).join(':') };

function run(cmd, args, env = process.env) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: ROOT, env });
  if (r.error) throw new SetupError(`could not run ${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new SetupError(`build step failed: ${cmd} ${args.join(' ')}`);
}

// A build folder counts as configured only after a configure with these arguments has finished: the
// marker below is written once cmake succeeds, never before. A configure that failed or was
// interrupted leaves a CMakeCache.txt (and maybe no Makefile) but no marker, so the next command
// starts that folder's configure afresh (cache and CMakeFiles/ removed, as `cmake --fresh` does)
// instead of building from a half-made tree. `accepted`: argument lists any of which will do, the
// first being the one to configure with.
const CONFIGURED = '.wt-configured';

export function configure(dir, accepted, runCmake) {
  const marker = join(dir, CONFIGURED);
  const made = existsSync(marker) && existsSync(join(dir, 'Makefile')) ? readFileSync(marker, 'utf8') : null;
  if (made !== null && accepted.some((args) => JSON.stringify(args) === made)) return;
  if (made === null && existsSync(join(dir, 'CMakeCache.txt'))) {
    console.log(`[build] ${relative(ROOT, dir)}: the last configure did not finish; configuring afresh`);
    rmSync(join(dir, 'CMakeCache.txt'), { force: true });
    rmSync(join(dir, 'CMakeFiles'), { recursive: true, force: true });
  }
  rmSync(marker, { force: true });
  runCmake(accepted[0]);
  writeFileSync(marker, JSON.stringify(accepted[0]));
}

// The native core and its Catch2 tests (and the sync simulator the bench runs): npm test's.
export function configureNative() {
  const dir = join(BUILD, 'native');
  configure(dir, [['-DCMAKE_BUILD_TYPE=Release', '-DWT_TESTS=ON']],
    (args) => run('cmake', ['-S', '.', '-B', dir, ...args]));
  return dir;
}

export function buildNative() {
  run('cmake', ['--build', configureNative(), '-j2']);
}

// The wasm core the pages load (build/wasm/watch_core.{mjs,wasm}); with tests, also the Catch2 tests
// as wasm. The app's build (tests: false) needs neither Catch2 nor ffmpeg and builds only the core
// module; a folder already configured with the tests serves it as well. `coreOnly`: configured
// with the tests, but only the core module built (npm test builds the tests beside the browsers).
export function buildWasm({ tests = true, coreOnly = !tests } = {}) {
  const dir = join(BUILD, 'wasm');
  // Traps 2 and 3: emcmake's default emulator flag is rejected by Node 20, and 3.1.6 cannot fetch
  // its .wasm from a file path under Node >= 18.
  const base = ['-DCMAKE_BUILD_TYPE=Release', '-DCMAKE_CROSSCOMPILING_EMULATOR=/usr/bin/node;--no-experimental-fetch'];
  const withTests = [...base, '-DWT_TESTS=ON'];
  configure(dir, tests ? [withTests] : [[...base, '-DWT_TESTS=OFF'], withTests],
    (args) => run('emcmake', ['cmake', '-S', '.', '-B', dir, ...args], EM_ENV));
  run('cmake', ['--build', dir, '-j2', ...(coreOnly ? ['--target', 'watch_core'] : [])], EM_ENV);
}

// Hostile bytes, for npm test: the core and the Catch2 tests with AddressSanitizer + UBSan, and the
// libFuzzer targets of tests/fuzz, all from one sanitized core (CMake's WT_FUZZ), with Debian's
// clang-14 (libFuzzer needs clang). -O2 -g: fast enough to fuzz, with line numbers in reports.
export function buildSanitize() {
  const dir = join(BUILD, 'sanitize');
  configure(dir, [['-DCMAKE_BUILD_TYPE=RelWithDebInfo', '-DCMAKE_CXX_COMPILER=clang++-14', '-DWT_FUZZ=ON']],
    (args) => run('cmake', ['-S', '.', '-B', dir, ...args]));
  run('cmake', ['--build', dir, '-j2']);
}

// The page bundle's entries and esbuild options (the load bench builds the same in memory, so that
// its output names are the served files'). Two bundles:
// - the product's (`build/web`, what `npm start` serves): the stand-alone page, the demo messenger,
//   the component and the remux worker;
// - the tests' (`build/web-test`, what the browser tests and `npm run bench` serve): the same, plus
//   the test pages that drive one browser-API module alone (e2e/harness/*.js → /bundle/harness/*.js)
//   and the bench page; in it, the stand-alone page's app.js is built from the tests' own entry
//   (e2e/harness/lib/standalone-app.js), which starts the same page with one hook into its state
//   (window.wtTestHook). The product's source holds no hook.
export function webEntries({ test = false } = {}) {
  const entries = {
    app: join(ROOT, 'web/standalone/app.js'), messenger: join(ROOT, 'web/messenger/messenger.js'),
    'watch-together': join(ROOT, 'web/component/watch-together.js'),
    // Started by web/adapters/remuxer.js (new URL('./remux-worker.js', import.meta.url)): its own
    // entry, so that mediabunny loads only in the worker, only when a movie needs it.
    'remux-worker': join(ROOT, 'web/workers/remux-worker.js'),
  };
  if (!test) return entries;
  entries.app = join(ROOT, 'e2e/harness/lib/standalone-app.js');
  entries.bench = join(ROOT, 'e2e/bench/bench-page.js');
  const harness = join(ROOT, 'e2e/harness');
  for (const f of readdirSync(harness)) if (f.endsWith('.js')) entries[`harness/${f.slice(0, -3)}`] = join(harness, f);
  return entries;
}

export const webDir = ({ test = false } = {}) => join(BUILD, test ? 'web-test' : 'web');

export function webOptions({ test = false } = {}) {
  return {
    entryPoints: webEntries({ test }),
    outdir: webDir({ test }),
    bundle: true,
    format: 'esm',
    splitting: true,  // code only some pages need (Firebase Auth, for a real project) loads on demand
    target: ['chrome120', 'firefox115'],
    sourcemap: true,
    minify: false,
    external: ['/core/*'],  // the wasm core is loaded at run time from the server, not bundled
    logLevel: 'warning',
  };
}

export async function buildWeb({ test = false } = {}) {
  const esbuild = await import('esbuild');
  rmSync(webDir({ test }), { recursive: true, force: true });  // no chunk of an earlier build left to serve
  mkdirSync(webDir({ test }), { recursive: true });
  await esbuild.build(webOptions({ test }));
}

// npm start's build is the app: the wasm core and the page bundle, with only the build's Debian
// packages. With the native tests or the sanitizer build (npm run bench: its simulator), the test
// packages too; with wasmTests, the Catch2 tests as wasm (npm test's).
export async function buildAll({ native = true, wasm = true, wasmTests = false, web = true, sanitize = false } = {}) {
  checkNode();
  ensureSystemPackages(native || sanitize || wasmTests ? ['build', 'test'] : ['build']);
  ensureNpmDependencies();
  if (native) buildNative();
  if (wasmTests) buildWasm({ tests: true });
  else if (wasm) buildWasm({ tests: false });
  if (web) await buildWeb();
  if (sanitize) buildSanitize();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = new Set(process.argv.slice(2));
  const some = ['--native', '--wasm', '--wasm-tests', '--web', '--sanitize', '--web-test'].some((a) => args.has(a));
  await withSetupErrors(() => buildAll(some
    ? { native: args.has('--native'), wasm: args.has('--wasm'), wasmTests: args.has('--wasm-tests'), web: args.has('--web'), sanitize: args.has('--sanitize') }
    : { native: false }));
  if (args.has('--web-test')) await buildWeb({ test: true });
}
