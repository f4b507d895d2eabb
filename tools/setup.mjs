// Installs what a fresh Debian 12 machine lacks for `npm start` / `npm test`, or says plainly what to
// install where it cannot (not root, not Debian). Nothing here downloads a toolchain or a browser of
// its own: system tools come from Debian's packages, JS dependencies from the npm lockfiles.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';

export const ROOT = new URL('..', import.meta.url).pathname.replace(/\/$/, '');

// What each job needs: Debian package → a file that proves it is installed.
export const PACKAGES = {
  build: {
    cmake: '/usr/bin/cmake',
    'g++': '/usr/bin/g++',
    emscripten: '/usr/bin/emcmake',
  },
  test: {
    catch2: '/usr/include/catch2/catch.hpp',
    chromium: '/usr/bin/chromium',
    'firefox-esr': '/usr/bin/firefox-esr',
    ffmpeg: '/usr/bin/ffmpeg',
    // Matroska files as mkvmerge writes them (its zlib-compressed subtitle tracks), and zlib to
    // inflate those in the native tests (tests/media/make_fixtures.sh, embedded_subtitles_test).
    mkvtoolnix: '/usr/bin/mkvmerge',
    'zlib1g-dev': '/usr/include/zlib.h',
    // The sanitizer build and the fuzz targets (build/sanitize): clang and its sanitizer and libFuzzer
    // runtimes. emscripten pulls clang-14 in, but not the runtimes (libclang-common-14-dev only recommends them).
    'clang-14': '/usr/bin/clang++-14',
    'libclang-rt-14-dev': '/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a',
    // A TURN relay for the relayed-connection tests (e2e/relay.spec.mjs starts its own on loopback).
    coturn: '/usr/bin/turnserver',
  },
};

// The proof files are looked up under this root: '/' on a real machine; the set-up test
// (tests/setup/) points it at a scratch tree so that it decides what is "missing".
const proofRoot = () => process.env.WT_SETUP_PROOF_ROOT || '/';

export class SetupError extends Error {}

export function missingPackages(jobs) {
  const missing = [];
  for (const job of jobs) {
    for (const [pkg, file] of Object.entries(PACKAGES[job])) {
      if (!existsSync(join(proofRoot(), file)) && !missing.includes(pkg)) missing.push(pkg);
    }
  }
  return missing;
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.error) throw new SetupError(`could not run ${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new SetupError(`${cmd} ${args.join(' ')} failed with exit code ${r.status}`);
}

// The executable `cmd` on PATH, or null (no shell involved, so a bare PATH works too).
export function findOnPath(cmd) {
  for (const dir of (process.env.PATH || '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, cmd), constants.X_OK);
      return join(dir, cmd);
    } catch { /* not here */ }
  }
  return null;
}

// Installs the Debian packages that `jobs` need and are missing: `apt-get update`, then one
// `apt-get install` of exactly those, non-interactively; as root directly, otherwise through
// password-less sudo. Without either, or without apt, it stops with one line saying what to install.
export function ensureSystemPackages(jobs) {
  const missing = missingPackages(jobs);
  if (missing.length === 0) return;
  if (!findOnPath('apt-get') || !findOnPath('dpkg')) {
    throw new SetupError(
      `missing tools: ${missing.join(', ')}. This machine has no apt-get; install them with your system's ` +
        'package manager (Emscripten 3.1.6 as pinned in emsdk-version.txt, Catch2 v2, Chromium, Firefox ESR, ffmpeg), see README.md.');
  }
  const asRoot = process.getuid?.() === 0;
  const sudo = !asRoot && findOnPath('sudo') && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0;
  if (!asRoot && !sudo) {
    throw new SetupError(
      `missing Debian packages (${missing.join(', ')}), and this user is not root and has no password-less sudo; ` +
        `install them with: sudo apt-get install -y ${missing.join(' ')}`);
  }
  // sudo resets the environment, so DEBIAN_FRONTEND goes on the command line through env(1).
  const frontend = 'DEBIAN_FRONTEND=noninteractive';
  const apt = asRoot
    ? (...args) => run('apt-get', args, { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })
    : (...args) => run('sudo', ['-n', 'env', frontend, 'apt-get', ...args]);
  console.log(`[setup] installing Debian packages: ${missing.join(' ')}`);
  apt('update', '-qq');
  apt('install', '-y', '-qq', ...missing);
  const still = missingPackages(jobs);
  if (still.length) throw new SetupError(`apt-get ran but these are still missing: ${still.join(', ')}`);
}

// A node_modules folder is current when it was installed from this very lockfile: `npm ci` leaves
// a copy of the lockfile's package list (.package-lock.json), and we keep the SHA-256 of the lockfile
// it came from beside it. By content, not by date: a fresh checkout or a git worktree gives the
// lockfile a new date without changing it, and `npm ci` would empty the folder for nothing (through
// a symlink, someone else's).
const LOCK_MARKER = '.wt-lockfile-sha256';
const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');

function current(modules, lockfile) {
  const marker = join(modules, LOCK_MARKER);
  if (existsSync(marker)) return readFileSync(marker, 'utf8').trim() === sha256(lockfile);
  // Installed before the marker existed: trust npm's own record if it is not older than the lockfile.
  const npmRecord = join(modules, '.package-lock.json');
  if (!existsSync(npmRecord) || statSync(lockfile).mtimeMs > statSync(npmRecord).mtimeMs) return false;
  writeFileSync(marker, `${sha256(lockfile)}\n`);
  return true;
}

function install(dir) {
  const prefix = dir === ROOT ? [] : ['--prefix', relative(ROOT, dir)];
  run('npm', ['ci', '--no-audit', '--no-fund', ...prefix], { cwd: ROOT });
  writeFileSync(join(dir, 'node_modules', LOCK_MARKER), `${sha256(join(dir, 'package-lock.json'))}\n`);
}

export function ensureNpmDependencies() {
  const db = join(ROOT, 'tools/rtdb');
  if (!current(join(ROOT, 'node_modules'), join(ROOT, 'package-lock.json'))) {
    console.log('[setup] installing npm dependencies (npm ci)');
    install(ROOT);  // its postinstall installs tools/rtdb too
  }
  if (!current(join(db, 'node_modules'), join(db, 'package-lock.json'))) {
    console.log('[setup] installing the embedded database server (tools/rtdb)');
    install(db);
  }
}

export function checkNode() {
  const [major] = process.versions.node.split('.').map(Number);
  if (major < 20) throw new SetupError(`Node.js ${process.versions.node} is too old: install Node.js 20 or newer.`);
}

// Runs fn and turns a SetupError into one clear line and exit code 2, never a stack trace.
export async function withSetupErrors(fn) {
  try {
    await fn();
  } catch (e) {
    if (e instanceof SetupError) {
      console.error(`\nwatch-together: ${e.message}`);
      process.exit(2);
    }
    throw e;
  }
}

// `node tools/setup.mjs [build] [test]`: only the system packages (what the set-up test drives).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const jobs = process.argv.slice(2);
  await withSetupErrors(() => ensureSystemPackages(jobs.length ? jobs : ['build', 'test']));
}
