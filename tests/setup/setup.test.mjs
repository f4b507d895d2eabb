// The set-up path of README's two commands (tools/setup.mjs), checked without a clean machine:
// the installer runs as a child process with a PATH of stand-in `apt-get`, `dpkg` and `sudo` that
// record their arguments and environment, against a scratch tree of "installed" files
// (WT_SETUP_PROOF_ROOT). Run: node --test tests/setup/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PACKAGES } from '../../tools/setup.mjs';

const SETUP = new URL('../../tools/setup.mjs', import.meta.url).pathname;
const ALL = Object.assign({}, ...Object.values(PACKAGES));  // package → proof file
const isRoot = process.getuid() === 0;
const NOBODY = 65534;

// A scratch machine: `present` packages have their proof file; `tools` are the stand-ins on PATH.
// sudo: 'ok' (password-less) or 'refuses'. apt: 'installs' (creates the proof files), 'noop', 'fails'.
function machine(t, { present = [], tools = ['apt-get', 'dpkg', 'sudo'], sudo = 'ok', apt = 'installs' } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'wt-setup-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const bin = join(dir, 'bin'), root = join(dir, 'root'), log = join(dir, 'log.jsonl');
  mkdirSync(bin);
  mkdirSync(root);
  writeFileSync(log, '');
  for (const pkg of present) touch(join(root, ALL[pkg]));
  const record = `require('fs').appendFileSync(${JSON.stringify(log)}, JSON.stringify({ cmd: require('path').basename(process.argv[1]), args: process.argv.slice(2), frontend: process.env.DEBIAN_FRONTEND ?? null }) + '\\n');`;
  const scripts = {
    'apt-get': `${record}
const [verb, ...rest] = process.argv.slice(2);
if (${JSON.stringify(apt)} === 'fails') process.exit(100);
if (verb === 'update' && rest.some((a) => !a.startsWith('-'))) { console.error('E: The update command takes no arguments'); process.exit(100); }
if (verb === 'install' && ${JSON.stringify(apt)} === 'installs') {
  const proofs = ${JSON.stringify(ALL)};
  for (const p of rest.filter((a) => !a.startsWith('-'))) {
    if (!proofs[p]) { console.error('E: Unable to locate package ' + p); process.exit(100); }
    const f = ${JSON.stringify(root)} + proofs[p];
    require('fs').mkdirSync(require('path').dirname(f), { recursive: true });
    require('fs').writeFileSync(f, '');
  }
}`,
    dpkg: record,
    // Like sudo -n: runs the command (with a PATH that finds env(1)), or refuses without a password.
    sudo: `${record}
if (${JSON.stringify(sudo)} !== 'ok') { console.error('sudo: a password is required'); process.exit(1); }
const args = process.argv.slice(2).filter((a) => a !== '-n');
const r = require('child_process').spawnSync(args[0], args.slice(1), { stdio: 'inherit', env: { ...process.env, PATH: ${JSON.stringify(bin)} + ':/usr/bin:/bin' } });
process.exit(r.status ?? 1);`,
  };
  for (const name of tools) {
    writeFileSync(join(bin, name), `#!${process.execPath}\n${scripts[name]}\n`);
    chmodSync(join(bin, name), 0o755);
  }
  // The ordinary user (nobody, when the test runs as root) writes the log and "installs" files.
  chmodSync(dir, 0o777);
  chmodSync(log, 0o666);
  spawnSync('chmod', ['-R', 'a+rwX', root]);
  return {
    // Runs `node setup.mjs build test` as root or as an ordinary user (uid nobody when we are root).
    run({ asRoot }) {
      const uid = asRoot ? {} : isRoot ? { uid: NOBODY, gid: NOBODY } : {};
      const r = spawnSync(process.execPath, [SETUP, 'build', 'test'], {
        ...uid, encoding: 'utf8', cwd: dir,
        env: { PATH: bin, HOME: dir, WT_SETUP_PROOF_ROOT: root },
      });
      const calls = readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
      const lastLine = r.stderr.trim().split('\n').at(-1) ?? '';
      return { status: r.status, stdout: r.stdout, stderr: r.stderr, lastLine, calls };
    },
    installed: (pkg) => existsSync(join(root, ALL[pkg])),
  };
}

function touch(file) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, '');
}

const line = (c) => [c.cmd, ...c.args].join(' ');
const everything = Object.keys(ALL);
const allBut = (...missing) => everything.filter((p) => !missing.includes(p));

test('as root: apt-get update, then one install of exactly the missing packages, non-interactive', { skip: !isRoot && 'needs root' }, (t) => {
  const m = machine(t, { present: allBut('catch2', 'ffmpeg') });
  const r = m.run({ asRoot: true });
  assert.equal(r.status, 0, r.stderr);
  const apt = r.calls.filter((c) => c.cmd === 'apt-get');
  assert.deepEqual(apt.map(line), ['apt-get update -qq', 'apt-get install -y -qq catch2 ffmpeg']);
  for (const c of apt) assert.equal(c.frontend, 'noninteractive', `${line(c)} without DEBIAN_FRONTEND`);
  assert.ok(!r.calls.some((c) => c.cmd === 'sudo'), 'root needs no sudo');
  assert.ok(m.installed('catch2') && m.installed('ffmpeg'));
});

test('without root but with password-less sudo: the same commands through sudo -n, frontend passed through env', (t) => {
  const m = machine(t, { present: allBut('emscripten') });
  const r = m.run({ asRoot: false });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.calls.map(line), [
    'sudo -n true',
    'sudo -n env DEBIAN_FRONTEND=noninteractive apt-get update -qq',
    'apt-get update -qq',
    'sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq emscripten',
    'apt-get install -y -qq emscripten',
  ]);
  for (const c of r.calls.filter((x) => x.cmd === 'apt-get')) assert.equal(c.frontend, 'noninteractive');
  assert.ok(m.installed('emscripten'));
});

test('without root or sudo: one line naming the apt-get install to run, and nothing is run', (t) => {
  const m = machine(t, { present: allBut('chromium', 'firefox-esr'), sudo: 'refuses' });
  const r = m.run({ asRoot: false });
  assert.equal(r.status, 2);
  assert.equal(r.lastLine,
    'watch-together: missing Debian packages (chromium, firefox-esr), and this user is not root and has no ' +
    'password-less sudo; install them with: sudo apt-get install -y chromium firefox-esr');
  assert.equal(r.stderr.trim().split('\n').length, 1, `one line, not: ${r.stderr}`);
  assert.ok(!r.calls.some((c) => c.cmd === 'apt-get'), 'apt-get must not run');
});

test('not Debian (no apt-get, no dpkg): says which tools to install with the system package manager', (t) => {
  const m = machine(t, { present: allBut('cmake'), tools: ['sudo'] });
  const r = m.run({ asRoot: isRoot });
  assert.equal(r.status, 2);
  assert.match(r.lastLine, /^watch-together: missing tools: cmake\. This machine has no apt-get; install them with your system's package manager/);
  assert.deepEqual(r.calls, []);
});

test('everything present: nothing is run', (t) => {
  const m = machine(t, { present: everything });
  const r = m.run({ asRoot: isRoot });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.calls, []);
  assert.equal(r.stdout, '');
});

test('apt-get failing stops with its command and exit code', (t) => {
  const m = machine(t, { present: allBut('catch2'), apt: 'fails' });
  const r = m.run({ asRoot: false });
  assert.equal(r.status, 2);
  assert.match(r.lastLine, /^watch-together: sudo -n env DEBIAN_FRONTEND=noninteractive apt-get update -qq failed with exit code 100$/);
  assert.ok(!r.calls.some((c) => c.args.includes('install')), 'no install after a failed update');
});

test('an install that leaves a package missing is reported, not passed over', (t) => {
  const m = machine(t, { present: allBut('ffmpeg'), apt: 'noop' });
  const r = m.run({ asRoot: false });
  assert.equal(r.status, 2);
  assert.equal(r.lastLine, 'watch-together: apt-get ran but these are still missing: ffmpeg');
});
