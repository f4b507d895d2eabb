// Writes the committed seed corpora under tests/fuzz/corpus/<target>/ (run by hand when the formats
// change: `node tests/fuzz/make_seeds.mjs`). Valid inputs from the Catch2 tests' vectors, each a
// few hundred bytes at most, in the form each target reads (see the comment atop each target).
// The box walker's seeds are small real movies made by ffmpeg at build time (make_walk_seeds.sh).
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const CORPUS = new URL('./corpus/', import.meta.url).pathname;
const abc = createHash('sha256').update('abc').digest();  // FIPS 180-2 "abc": ba7816bf…f20015ad
const zero = Buffer.alloc(32);

// A frame as wire_frame.hpp lays it out: 16-byte little-endian header, digest, payload.
function frame(type, index, sub, payload = Buffer.alloc(0), digest = null) {
  const h = Buffer.alloc(16);
  h.writeUInt8(0x57, 0);
  h.writeUInt8(1, 1);
  h.writeUInt8(type, 2);
  h.writeUInt32LE(index, 4);
  h.writeUInt32LE(sub, 8);
  h.writeUInt32LE(payload.length, 12);
  return Buffer.concat([h, ...(digest ? [digest] : []), payload]);
}

const manifest = (name, hash) => JSON.stringify({
  type: 'file-transfer-init', transferId: 'session-42:movie', fileName: name, fileSize: 1234567890,
  fileType: 'video/x-matroska', fileHash: hash, chunkSize: 65536, pieceSize: 1048576,
});
const plainManifest = manifest('Été "cut".mkv', null);
const hashedManifest = manifest('movie.mp4', `sha256-${abc.toString('hex')}`);
const hostileManifest = manifest('<img src=x onerror=alert(1)> фильм ..\\..\\evil\u202Egnp.mp4', null);
// 10 pieces, the first ten held: bytes ff 03.
const ack = JSON.stringify({ type: 'file-transfer-ack', transferId: 's-1', pieces: 10, have: Buffer.from([0xff, 0x03]).toString('base64') });
const emptyAck = JSON.stringify({ type: 'file-transfer-ack', transferId: 's-1', pieces: 0, have: '' });

const ping = Buffer.alloc(8);
ping.writeDoubleLE(1234.5);
const pong = Buffer.alloc(16);
pong.writeDoubleLE(1234.5);
pong.writeDoubleLE(98765.25, 8);

const record = {
  seq: 7, state: 'playing', currentTime: 12.5, anchorAt: 1764146400000, rate: 1, duration: 5400,
  lastUpdateBy: 'alice', waitingFor: '', isPlaying: true, lastUpdateAt: 1764146399000,
};
// The raw form of the record target: 0, five doubles (seq, currentTime, anchorAt, rate, duration),
// a state byte (2: paused), then lastUpdateBy.
const rawRecord = Buffer.alloc(42);
[1, 30, 1764146400000, 1, 5400].forEach((v, i) => rawRecord.writeDoubleLE(v, 1 + 8 * i));
rawRecord.writeUInt8(2, 41);

const u16 = (n) => { const b = Buffer.alloc(2); b.writeUInt16LE(n); return b; };
const seeds = {
  wire_frame: {
    'chunk.bin': frame(4, 0x01020304, 7, Buffer.from([0xaa, 0xbb, 0xcc])),
    'chunk-1000.bin': frame(4, 3, 15, Buffer.alloc(1000, 0x5a)),
    'manifest.bin': frame(1, 0, 0, Buffer.from(hashedManifest), abc),
    'manifest-ack.bin': frame(2, 0, 0, Buffer.from(ack)),
    'piece-digest.bin': frame(3, 9, 0, undefined, abc),
    'request.bin': frame(5, 4, 12),
    'urgent-request.bin': frame(12, 40, 3),
    'piece-ok.bin': frame(6, 5, 0),
    'piece-bad.bin': frame(7, 6, 0),
    'ping.bin': frame(8, 77, 0, ping),
    'pong.bin': frame(9, 77, 0, pong),
    'cancel.bin': frame(10, 0, 0, Buffer.from('user cancelled')),
    'complete.bin': frame(11, 0, 0),
  },
  transfer_manifest: {
    'manifest-no-hash.bin': Buffer.concat([Buffer.from([1]), zero, Buffer.from(plainManifest)]),
    'manifest-hash.bin': Buffer.concat([Buffer.from([1]), abc, Buffer.from(hashedManifest)]),
    'manifest-hostile-name.bin': Buffer.concat([Buffer.from([1]), zero, Buffer.from(hostileManifest)]),
    'ack.bin': Buffer.concat([Buffer.from([2]), u16(10), Buffer.from(ack)]),
    'ack-empty.bin': Buffer.concat([Buffer.from([2]), u16(0), Buffer.from(emptyAck)]),
    'frame-manifest.bin': Buffer.concat([Buffer.from([0]), frame(1, 0, 0, Buffer.from(hashedManifest), abc)]),
    'frame-ack.bin': Buffer.concat([Buffer.from([0]), frame(2, 0, 0, Buffer.from(ack))]),
  },
  flat_json: {
    'manifest.json': plainManifest,
    'manifest-hash.json': hashedManifest,
    'ack.json': ack,
    'empty.json': '{}',
    'values.json': '{ "s": "\\u00e9\\ud83d\\ude00\\n\\"", "n": -1.5e+3, "t": true, "f": false, "z": null, "max": 9007199254740991, "big": 9007199254740992 }',
    'record.json': JSON.stringify(record),
  },
  playback_record: {
    'playing.json': JSON.stringify(record),
    'waiting.json': JSON.stringify({ ...record, seq: 8, state: 'waiting', waitingFor: 'bob', isPlaying: false }),
    'paused-max-seq.json': JSON.stringify({ ...record, seq: 2147483647, state: 'paused', isPlaying: false }),
    'forged-seq.json': JSON.stringify({ ...record, seq: 4294967295 }),
    'minimal.json': JSON.stringify({ seq: 1, state: 'idle', currentTime: 0, anchorAt: 0, lastUpdateBy: 'bob' }),
    'raw-paused.bin': Buffer.concat([rawRecord, Buffer.from('bob')]),
  },
};

for (const [target, files] of Object.entries(seeds)) {
  const dir = join(CORPUS, target);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
}
console.log(`seeds written under ${CORPUS}`);
