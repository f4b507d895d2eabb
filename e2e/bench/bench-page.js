// In-page benchmarks, driven by e2e/bench/run.mjs through window.wtBench. Every competitor hashes
// the same bytes in the same page; digests are cross-checked so a fast wrong answer cannot win.
import { createSHA256 } from 'hash-wasm';
import { loadCore } from '../../web/controllers/core.js';

const SLICE = 8 * 1024 * 1024;

function randomData(bytes) {
  const data = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i += 65536) crypto.getRandomValues(data.subarray(i, Math.min(i + 65536, bytes)));
  return data;
}

const hex = (buf) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('');

// Each runner hashes `data` fed in SLICE-sized pieces, as a file would be read; returns the hex digest.
async function makeRunners() {
  const core = await loadCore();
  const sha = new core.Sha256Stream(SLICE);
  const hw = await createSHA256();
  return {
    core: (data) => {
      sha.reset();
      for (let at = 0; at < data.length; at += SLICE) {
        const part = data.subarray(at, Math.min(at + SLICE, data.length));
        sha.window().set(part);  // the one copy into the wasm heap
        sha.updateFromWindow(part.length);
      }
      return sha.finishHex();
    },
    hashwasm: (data) => {
      hw.init();
      for (let at = 0; at < data.length; at += SLICE) hw.update(data.subarray(at, Math.min(at + SLICE, data.length)));
      return hw.digest('hex');
    },
    webcrypto: async (data) => hex(await crypto.subtle.digest('SHA-256', data)),
  };
}

async function sha256({ megabytes = 64, rounds = 5 } = {}) {
  const data = randomData(megabytes * 1024 * 1024);
  const runners = await makeRunners();
  const times = { core: [], hashwasm: [], webcrypto: [] };
  const digests = {};
  const names = Object.keys(times);
  for (let r = 0; r < rounds; ++r) {
    // Rotate the order each round so no competitor always runs first (warm-up, GC, turbo).
    for (let k = 0; k < names.length; ++k) {
      const name = names[(k + r) % names.length];
      const t0 = performance.now();
      const d = await runners[name](data);
      times[name].push(performance.now() - t0);
      digests[name] = d;
    }
  }
  if (new Set(Object.values(digests)).size !== 1) throw new Error(`digests disagree: ${JSON.stringify(digests)}`);
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const mbps = (ms) => (data.length / 1e6) / (ms / 1000);
  return {
    sha256_core_MBps: mbps(median(times.core)),
    sha256_hashwasm_MBps: mbps(median(times.hashwasm)),
    sha256_webcrypto_MBps: mbps(median(times.webcrypto)),
    bytes: data.length,
    rounds,
  };
}

window.wtBench = { sha256 };
document.getElementById('status').textContent = 'ready';
document.body.dataset.ready = 'true';
