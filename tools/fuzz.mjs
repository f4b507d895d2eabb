// Runs each libFuzzer target (tests/fuzz/<name>.cpp, built by build.mjs as build/sanitize/fuzz_<name>)
// for a bounded time, one after the other, and prints one line per target:
//   fuzz ok   wire_frame: 12050904 runs in 31 s
//   fuzz FAIL container_walk: crashed (AddressSanitizer: heap-buffer-overflow ...), input saved to build/fuzz/artifacts/...
// A crash, a sanitizer report, an invariant of the target, a hang (-timeout) or a missing "Done"
// line fails the target; the exit code is 1 when any failed. npm test runs it as its "fuzz" step.
//
// Inputs: the committed seeds (tests/fuzz/corpus/<name>/) and those the build makes
// (build/sanitize/fuzz-seeds/<name>/); the inputs libFuzzer finds go to build/fuzz/corpus/<name>/
// (its first corpus directory, the only one it writes), so git never sees them and later runs on
// this machine start from them. Each target's full output is kept in build/fuzz/logs/<name>.log.
//
// `node tools/fuzz.mjs [--seconds N] [name ...]` (default: every target, WT_FUZZ_SECONDS or 30 s).
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './setup.mjs';

const BUILD = join(ROOT, 'build');
export const FUZZ_BUILD = join(BUILD, 'sanitize');
const OUT = join(BUILD, 'fuzz');

export function fuzzTargets() {
  return readdirSync(join(ROOT, 'tests/fuzz')).filter((f) => f.endsWith('.cpp')).map((f) => f.slice(0, -4)).sort();
}

// Runs one target; resolves to { name, ok, runs, seconds, why }.
function fuzzOne(name, seconds) {
  const exe = join(FUZZ_BUILD, `fuzz_${name}`);
  if (!existsSync(exe)) return Promise.resolve({ name, ok: false, why: `${relative(ROOT, exe)} is not built` });
  const corpus = join(OUT, 'corpus', name);
  const artifacts = join(OUT, 'artifacts');
  const logs = join(OUT, 'logs');
  for (const d of [corpus, artifacts, logs]) mkdirSync(d, { recursive: true });
  const seeds = [join(ROOT, 'tests/fuzz/corpus', name), join(FUZZ_BUILD, 'fuzz-seeds', name)].filter(existsSync);
  const args = [
    `-max_total_time=${seconds}`,
    '-timeout=10',  // an input running 10 s is a hang (a walk that never ends), reported as a failure
    '-rss_limit_mb=2048',
    `-artifact_prefix=${join(artifacts, `${name}-`)}`,
    corpus, ...seeds,
  ];
  const log = join(logs, `${name}.log`);
  const sink = createWriteStream(log);
  return new Promise((resolve) => {
    const child = spawn(exe, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const keep = (d) => { sink.write(d); out += d; if (out.length > 1 << 20) out = out.slice(-(1 << 19)); };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (e) => resolve({ name, ok: false, why: `could not run: ${e.message}` }));
    child.on('close', (code, signal) => {
      sink.end();
      const done = out.match(/Done (\d+) runs in (\d+) second/);
      if (code === 0 && done) {
        resolve({ name, ok: true, runs: Number(done[1]), seconds: Number(done[2]) });
        return;
      }
      const report = out.match(/invariant failed: .*/)?.[0] ?? out.match(/runtime error: .*/)?.[0]
        ?? out.match(/^(?:==\d+==\s*)?ERROR: (.*)$/m)?.[1] ?? `exit ${signal ?? code}`;
      const saved = out.match(/Test unit written to (\S+)/)?.[1];
      resolve({
        name, ok: false, log,
        why: `crashed (${report.trim()})${saved ? `, input saved to ${relative(ROOT, saved)}` : ''}; full output in ${relative(ROOT, log)}`,
        tail: out.split('\n').filter((l) => /ERROR|SUMMARY|invariant failed|runtime error|^\s+#\d+ /.test(l)).slice(0, 30).join('\n'),
      });
    });
  });
}

// Targets run side by side, one per core (each libFuzzer process is single-threaded), so every target
// still gets its full `seconds` while the step takes about targets / cores of that.
export async function runFuzz({ seconds = Number(process.env.WT_FUZZ_SECONDS) || 30, names = fuzzTargets(), jobs = availableParallelism() } = {}) {
  const results = new Array(names.length);
  let next = 0;
  const worker = async () => {
    while (next < names.length) {
      const i = next++;
      const r = await fuzzOne(names[i], seconds);
      results[i] = r;
      if (r.ok) console.log(`fuzz ok   ${r.name}: ${r.runs} runs in ${r.seconds} s`);
      else console.log(`fuzz FAIL ${r.name}: ${r.why}${r.tail ? `\n${r.tail}` : ''}`);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, names.length)) }, worker));
  return results;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const argv = process.argv.slice(2);
  const at = argv.indexOf('--seconds');
  const seconds = at >= 0 ? Number(argv.splice(at, 2)[1]) : undefined;
  const results = await runFuzz({ seconds, names: argv.length ? argv : undefined });
  process.exit(results.every((r) => r.ok) ? 0 : 1);
}
