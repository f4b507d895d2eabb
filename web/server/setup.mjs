// Installs what a fresh Debian 12 machine lacks for `npm start` / `npm test`, or says plainly what to
// install where it cannot (not root, not Debian). Nothing here downloads a toolchain or a browser of
// its own: system tools come from Debian's packages, JS dependencies from the npm lockfiles.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');

// What each job needs: Debian package → a file that proves it is installed.
const PACKAGES = {
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
  },
};

export class SetupError extends Error {}

function missingPackages(jobs) {
  const missing = [];
  for (const job of jobs) {
    for (const [pkg, file] of Object.entries(PACKAGES[job])) if (!existsSync(file)) missing.push(pkg);
  }
  return missing;
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.error) throw new SetupError(`could not run ${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new SetupError(`${cmd} ${args.join(' ')} failed with exit code ${r.status}`);
}

function isDebianLike() {
  return existsSync('/usr/bin/apt-get') && existsSync('/usr/bin/dpkg');
}

export function ensureSystemPackages(jobs) {
  const missing = missingPackages(jobs);
  if (missing.length === 0) return;
  if (!isDebianLike()) {
    throw new SetupError(
      `missing tools: ${missing.join(', ')}. This machine has no apt-get; install them with your system's ` +
        'package manager (Emscripten 3.1.6 as pinned in emsdk-version.txt, Catch2 v2, Chromium, Firefox ESR, ffmpeg) — see README.md.');
  }
  const asRoot = process.getuid?.() === 0;
  const sudo = !asRoot && spawnSync('sudo', ['-n', 'true']).status === 0;
  if (!asRoot && !sudo) {
    throw new SetupError(`missing Debian packages: ${missing.join(' ')}.\n  Install them with: sudo apt-get install -y ${missing.join(' ')}`);
  }
  const prefix = asRoot ? [] : ['sudo', '-n'];
  const apt = (...args) => (prefix.length ? run(prefix[0], [...prefix.slice(1), 'apt-get', ...args]) : run('apt-get', args));
  console.log(`[setup] installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  apt('update', '-qq', { env });
  apt('install', '-y', '-qq', ...missing, { env });
  const still = missingPackages(jobs);
  if (still.length) throw new SetupError(`apt-get ran but these are still missing: ${still.join(', ')}`);
}

function stale(installedMarker, lockfile) {
  if (!existsSync(installedMarker)) return true;
  return statSync(lockfile).mtimeMs > statSync(installedMarker).mtimeMs;
}

export function ensureNpmDependencies() {
  const rootMarker = join(ROOT, 'node_modules/.package-lock.json');
  const dbMarker = join(ROOT, 'web/server/rtdb/node_modules/.package-lock.json');
  if (stale(rootMarker, join(ROOT, 'package-lock.json'))) {
    console.log('[setup] installing npm dependencies (npm ci)');
    run('npm', ['ci', '--no-audit', '--no-fund'], { cwd: ROOT });  // its postinstall installs web/server/rtdb
  } else if (stale(dbMarker, join(ROOT, 'web/server/rtdb/package-lock.json'))) {
    console.log('[setup] installing the embedded database server (web/server/rtdb)');
    run('npm', ['ci', '--no-audit', '--no-fund', '--prefix', 'web/server/rtdb'], { cwd: ROOT });
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

export function commandExists(cmd) {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
