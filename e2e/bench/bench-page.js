// In-page benchmarks, driven by e2e/bench/run.mjs through window.wtBench. Every competitor hashes
// the same bytes in the same page; digests are cross-checked so a fast wrong answer cannot win.
import { createSHA256 } from 'hash-wasm';
import { MediaSourceBuffer } from '../../web/adapters/media-source-buffer.js';
import { Remuxer } from '../../web/adapters/remuxer.js';
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

// The product's sound path alone: the remux worker turns audio track `number` of the movie chosen in
// the page's #bench-file input into fragmented MP4 (converted to Opus, or copied) as fast as it can (no pacing), appended to a
// SourceBuffer of an element in this page, as the player does. Resolves when the track has ended.
async function remuxAudio({ number = 1, convert }) {
  const blob = document.getElementById('bench-file').files[0];
  const video = document.body.appendChild(document.createElement('video'));
  const mse = new MediaSourceBuffer(video);
  await mse.opened;
  const t0 = performance.now();
  let segments = 0, bytes = 0;
  await new Promise((resolve, reject) => {
    const remux = new Remuxer({
      size: blob.size, blob,
      onInfo: (info) => {
        const codec = info.audio.find((a) => a.number === number)?.codec;
        mse.addTrack('audio', convert ? 'audio/mp4; codecs="opus"' : `audio/mp4; codecs="${codec}"`);
        remux.playhead(0, Infinity);
        remux.play(0, { video: false, audio: { number, convert } });
      },
      onInit: (kind, b) => mse.append(kind, b),
      onSegment: (kind, b) => {
        segments += 1;
        bytes += b.length;
        mse.append(kind, b);
      },
      onEnded: () => mse.endOfStream().then(() => {
        remux.close();
        resolve();
      }),
      onError: (text) => reject(new Error(text)),
    });
  });
  const buffered = mse.tracks.get('audio').sb.buffered;
  const seconds = buffered.length ? buffered.end(buffered.length - 1) - buffered.start(0) : 0;
  mse.close();
  video.remove();
  return { ms: performance.now() - t0, segments, bytes, seconds };
}

window.wtBench = { sha256, remuxAudio };
document.getElementById('status').textContent = 'ready';
document.body.dataset.ready = 'true';
