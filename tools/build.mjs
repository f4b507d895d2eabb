// Builds what is missing or out of date: the native core + tests, the wasm core (ES module + .wasm)
// and the browser bundle. `node tools/build.mjs [--native] [--wasm] [--web] [--sanitize]`
// (default: the first three; --sanitize, the tests' AddressSanitizer + UBSan and fuzz build, is npm test's).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
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

export function buildNative() {
  const dir = join(BUILD, 'native');
  if (!existsSync(join(dir, 'CMakeCache.txt'))) run('cmake', ['-S', '.', '-B', dir, '-DCMAKE_BUILD_TYPE=Release']);
  run('cmake', ['--build', dir, '-j2']);
}

export function buildWasm() {
  const dir = join(BUILD, 'wasm');
  if (!existsSync(join(dir, 'CMakeCache.txt'))) {
    // Trap 2 and 3: emcmake's default emulator flag is rejected by Node 20, and 3.1.6 cannot fetch
    // its .wasm from a file path under Node >= 18.
    run('emcmake', ['cmake', '-S', '.', '-B', dir, '-DCMAKE_BUILD_TYPE=Release',
      '-DCMAKE_CROSSCOMPILING_EMULATOR=/usr/bin/node;--no-experimental-fetch'], EM_ENV);
  }
  run('cmake', ['--build', dir, '-j2'], EM_ENV);
}

// Hostile bytes, for npm test: the core and the Catch2 tests with AddressSanitizer + UBSan, and the
// libFuzzer targets of tests/fuzz, all from one sanitized core (CMake's WT_FUZZ), with Debian's
// clang-14 (libFuzzer needs clang). -O2 -g: fast enough to fuzz, with line numbers in reports.
export function buildSanitize() {
  const dir = join(BUILD, 'sanitize');
  if (!existsSync(join(dir, 'CMakeCache.txt'))) {
    run('cmake', ['-S', '.', '-B', dir, '-DCMAKE_BUILD_TYPE=RelWithDebInfo', '-DCMAKE_CXX_COMPILER=clang++-14', '-DWT_FUZZ=ON']);
  }
  run('cmake', ['--build', dir, '-j2']);
}

export async function buildWeb() {
  const esbuild = await import('esbuild');
  mkdirSync(join(BUILD, 'web'), { recursive: true });
  const entries = {
    app: join(ROOT, 'web/standalone/app.js'), messenger: join(ROOT, 'web/messenger/messenger.js'),
    'watch-together': join(ROOT, 'web/component/watch-together.js'), bench: join(ROOT, 'e2e/bench/bench-page.js'),
  };
  // Test pages that drive one browser-API module alone (e2e/harness/*.js → /bundle/harness/*.js).
  const harness = join(ROOT, 'e2e/harness');
  if (existsSync(harness)) {
    for (const f of readdirSync(harness)) if (f.endsWith('.js')) entries[`harness/${f.slice(0, -3)}`] = join(harness, f);
  }
  await esbuild.build({
    entryPoints: entries,
    outdir: join(BUILD, 'web'),
    bundle: true,
    format: 'esm',
    splitting: true,  // code only some pages need (Firebase Auth, for a real project) loads on demand
    target: ['chrome120', 'firefox115'],
    sourcemap: true,
    minify: false,
    external: ['/core/*'],  // the wasm core is loaded at run time from the server, not bundled
    logLevel: 'warning',
  });
}

export async function buildAll({ native = true, wasm = true, web = true, sanitize = false } = {}) {
  checkNode();
  ensureSystemPackages(sanitize ? ['build', 'test'] : ['build']);  // clang-14's sanitizers: a test need
  ensureNpmDependencies();
  if (native) buildNative();
  if (wasm) buildWasm();
  if (web) await buildWeb();
  if (sanitize) buildSanitize();
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = new Set(process.argv.slice(2));
  const some = args.has('--native') || args.has('--wasm') || args.has('--web') || args.has('--sanitize');
  await withSetupErrors(() => buildAll(some
    ? { native: args.has('--native'), wasm: args.has('--wasm'), web: args.has('--web'), sanitize: args.has('--sanitize') }
    : {}));
}
