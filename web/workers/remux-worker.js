// The remuxer, in a worker so that the page stays smooth: a movie in any container mediabunny reads
// (MP4, MOV, Matroska/WebM, MPEG-TS) in, fragmented MP4 out for Media Source Extensions. One video
// track and one audio track, each its own stream (an init segment, then media segments of about a
// second) with the file's own timestamps, so that every viewer's media timeline is the same. The
// video is copied as it is; the audio is copied, or converted (decoded, mixed down to stereo and
// encoded as Opus with WebCodecs) when the core's plan says this browser cannot play it as it is:
// AC-3 and E-AC-3 through @mediabunny/ac3 (libavcodec in WebAssembly, loaded only for such a track).
//
// It never decides what to fetch: every byte comes from the page (`read` → `bytes`), which answers
// only with verified bytes and asks the core for what has not arrived; a read simply waits.
// Each output runs ahead of the playhead by at most `ahead` seconds of media, then waits.
//
// Page → worker: { op: 'open', size, blob? }  (blob: the whole file is here, read it directly)
//                { op: 'bytes', id, bytes } | { op: 'bytes', id, error }
//                { op: 'play', from, video, audio: { number, convert } | null }   (re)start both
//                { op: 'audio', from, audio: { number, convert } | null }        switch the audio track
//                { op: 'playhead', t, ahead } | { op: 'close' }
// Worker → page: { type: 'read', id, start, end }
//                { type: 'info', format, duration, video: { codec } | null, audio: [{ number, codec }] }
//                { type: 'init' | 'segment' | 'ended', kind: 'video' | 'audio', generation, mime?, bytes?, start? }
//                { type: 'error', kind?, message }
import {
  ALL_FORMATS, AudioSample, AudioSampleSink, AudioSampleSource, BlobSource, CustomSource, EncodedAudioPacketSource,
  EncodedPacketSink, EncodedVideoPacketSource, Input, MPEG_TS, Mp4OutputFormat, NullTarget, Output,
} from 'mediabunny';

const FRAGMENT_S = 1;         // media segments of about a second (video: from keyframe to keyframe)
const OPUS_BITRATE = 128_000;  // converted sound: stereo Opus, transparent at this rate
const NEEDS_DECODER = new Set(['ac3', 'eac3']);  // no browser decodes these: the wasm decoder does
// A switched audio track starts this far past the playhead as it stands once the track can start
// (its decoder loaded; the later of the page's time at the switch and its last playhead report):
// the page keeps the old track's sound up to the new one's first segment, so the new sound joins
// ahead of what plays, not under it. A first segment later than the lead cuts the sound under the
// playhead and the element stalls, which puts this viewer behind the group: with 0.5 s, converting
// AC-3 on a busy 2-core machine sometimes missed it (the viewers 150-250 ms apart after a switch).
const SWITCH_LEAD_S = 1.5;

let file = null;  // { size, blob }
let input = null;
let reads = new Map();  // id → { resolve, reject }
let nextRead = 1;
let playhead = { t: 0, ahead: Infinity };
let wake = [];  // loops waiting for the playhead to move
const generation = { video: 0, audio: 0 };
let ac3 = null;
// Media time 0 in the file's timestamps: an MPEG-TS carries its recorder's clock (1.4 s into the
// recording, or hours): its first timestamp becomes 0, as the core's walk counts it. Other
// containers keep their own timeline, which is the one every player of the file shows.
let origin = 0;

const post = (msg, transfer) => postMessage(msg, transfer);

function source() {
  if (file.blob) return new BlobSource(file.blob);
  return new CustomSource({
    getSize: () => file.size,
    // Reads widened to 64 KiB-aligned windows: a demuxer that walks a file packet by packet (an
    // MPEG-TS: 188 bytes at a time) would otherwise cross to the page once a packet.
    prefetchProfile: 'fileSystem',
    read: (start, end) => new Promise((resolve, reject) => {
      const id = nextRead++;
      reads.set(id, { resolve, reject });
      post({ type: 'read', id, start, end });
    }),
  });
}

function openInput() {
  input?.dispose();
  input = new Input({ formats: ALL_FORMATS, source: source() });
  return input;
}

async function info() {
  const inp = openInput();
  const format = await inp.getFormat();
  const video = await inp.getPrimaryVideoTrack();
  const audio = await inp.getAudioTracks();
  origin = format === MPEG_TS ? Math.max(0, await inp.getFirstTimestamp()) : 0;
  post({
    // From the header only (never a scan of the file, which may not have arrived): 0 when it does
    // not say (an MPEG-TS), and the core's walk knows it.
    type: 'info', format: format.name, duration: Math.max(0, (await inp.getDurationFromMetadata().catch(() => null) ?? origin) - origin),
    video: video && { codec: (await video.getDecoderConfig())?.codec ?? await video.getCodecParameterString() },
    audio: await Promise.all(audio.map(async (t) => ({ number: t.number, codec: await t.getCodecParameterString() }))),
  });
}

// One output: an init segment (ftyp + moov), then a media segment (moof + mdat) per fragment.
function output(kind, gen) {
  const head = [];
  let moof = null;
  const stale = () => gen !== generation[kind];
  const format = new Mp4OutputFormat({
    fastStart: 'fragmented',
    minimumFragmentDuration: FRAGMENT_S,
    onFtyp: (d) => head.push(d.slice()),
    onMoov: (d) => {
      head.push(d.slice());
      if (!stale()) send({ type: 'init', kind, generation: gen }, head);
    },
    onMoof: (d, _position, start) => { moof = { bytes: d.slice(), start }; },
    onMdat: (d) => { if (!stale()) send({ type: 'segment', kind, generation: gen, start: moof.start }, [moof.bytes, d]); },
  });
  return new Output({ format, target: new NullTarget() });
}

function send(msg, parts) {
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length;
  }
  post({ ...msg, bytes }, [bytes.buffer]);
}

// Waits while `t` lies more than `ahead` seconds past the playhead (or the loop went stale).
async function paced(t, stale) {
  while (!stale() && t > playhead.t + playhead.ahead) await new Promise((resolve) => wake.push(resolve));
}

async function videoLoop(gen, from) {
  const stale = () => gen !== generation.video || !input;
  const track = await input.getPrimaryVideoTrack();
  if (!track || stale()) return;
  const sink = new EncodedPacketSink(track);
  const start = await sink.getKeyPacket(from + origin, { verifyKeyPackets: true }) ?? await sink.getFirstKeyPacket();
  if (start && !stale()) await copyPackets('video', gen, stale, track, sink, start);
}

async function audioLoop(gen, from, choice, { switching = false } = {}) {
  const stale = () => gen !== generation.audio || !input;
  const track = (await input.getAudioTracks()).find((t) => t.number === choice.number);
  if (!track || stale()) return;
  if (choice.convert && NEEDS_DECODER.has(await track.getCodec())) {
    ac3 ??= import('@mediabunny/ac3').then((m) => m.registerAc3Decoder());
    await ac3;
    if (stale()) return;
  }
  if (switching) from = Math.max(from, playhead.t) + SWITCH_LEAD_S;
  if (!choice.convert) {
    const sink = new EncodedPacketSink(track);
    const start = await sink.getPacket(from + origin) ?? await sink.getFirstPacket();
    if (start && !stale()) await copyPackets('audio', gen, stale, track, sink, start);
    return;
  }
  const out = output('audio', gen);
  const src = new AudioSampleSource({ codec: 'opus', bitrate: OPUS_BITRATE });
  out.addAudioTrack(src);
  await out.start();
  for await (const sample of new AudioSampleSink(track).samples(from + origin)) {
    sample.setTimestamp(sample.timestamp - origin);
    await paced(sample.timestamp, stale);
    if (stale()) {
      sample.close();
      return out.cancel();
    }
    const stereo = toStereo(sample);
    await src.add(stereo);
    if (stereo !== sample) stereo.close();
    sample.close();
  }
  await end(out, 'audio', gen, stale);
}

// A track's packets as they are, from `start` (in decode order) to its end, paced.
async function copyPackets(kind, gen, stale, track, sink, start) {
  const out = output(kind, gen);
  const codec = await track.getCodec();
  const src = kind === 'video' ? new EncodedVideoPacketSource(codec) : new EncodedAudioPacketSource(codec);
  if (kind === 'video') out.addVideoTrack(src);
  else out.addAudioTrack(src);
  await out.start();
  const config = await track.getDecoderConfig();
  let first = true;
  for await (const packet of sink.packets(start)) {
    await paced(packet.timestamp - origin, stale);
    if (stale()) return out.cancel();
    await src.add(shifted(packet), first ? { decoderConfig: config } : undefined);
    first = false;
  }
  await end(out, kind, gen, stale);
}

// The track has ended: its last segment, then word that nothing follows (unless a newer start took over).
async function end(out, kind, gen, stale) {
  if (stale()) return out.cancel();
  await out.finalize();
  if (!stale()) post({ type: 'ended', kind, generation: gen });
}

const shifted = (packet) => (origin ? packet.clone({ timestamp: packet.timestamp - origin }) : packet);

// Surround sound mixed down to stereo (ITU-R BS.775: centre and surrounds at -3 dB, LFE left out),
// normalised so that a full-scale mix does not clip. Channel order: WebCodecs' (L R C LFE Ls Rs …).
function toStereo(sample) {
  const channels = sample.numberOfChannels;
  if (channels <= 2) return sample;
  const n = sample.numberOfFrames;
  const plane = (i) => {
    const p = new Float32Array(n);
    sample.copyTo(p, { planeIndex: i, format: 'f32-planar' });
    return p;
  };
  const [l, r] = [plane(0), plane(1)];
  const c = channels >= 3 ? plane(2) : null;
  const ls = channels >= 5 ? plane(channels >= 6 ? 4 : 3) : null;
  const rs = channels >= 5 ? plane(channels >= 6 ? 5 : 4) : null;
  const k = Math.SQRT1_2;
  const norm = 1 / (1 + (c ? k : 0) + (ls ? k : 0));
  const out = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    const centre = c ? k * c[i] : 0;
    out[i] = (l[i] + centre + (ls ? k * ls[i] : 0)) * norm;
    out[n + i] = (r[i] + centre + (rs ? k * rs[i] : 0)) * norm;
  }
  return new AudioSample({ data: out, format: 'f32-planar', numberOfChannels: 2, sampleRate: sample.sampleRate, timestamp: sample.timestamp });
}

// A loop's failure is news only while it is current: a newer start gives up the old loops' input
// and reads, and those fail on their way out.
function run(kind, gen, loop) {
  loop.catch((e) => {
    if (gen === generation[kind] && input) post({ type: 'error', kind, generation: gen, message: e?.message ?? String(e) });
  });
}

function wakeAll() {
  const waiting = wake;
  wake = [];
  for (const w of waiting) w();
}

onmessage = ({ data: m }) => {
  switch (m.op) {
    case 'open':
      file = { size: m.size, blob: m.blob ?? null };
      info().catch((e) => post({ type: 'error', message: e?.message ?? String(e) }));
      break;
    case 'bytes': {
      const r = reads.get(m.id);
      reads.delete(m.id);
      if (m.error) r?.reject(new Error(m.error));
      else r?.resolve(m.bytes);
      break;
    }
    case 'play': {
      // A new input: reads the old loops are still waiting for are given up with it.
      const pending = reads;
      reads = new Map();
      openInput();
      for (const r of pending.values()) r.reject(new Error('superseded'));
      playhead.t = m.from;
      generation.video += 1;
      generation.audio += 1;
      wakeAll();
      if (m.video) run('video', generation.video, videoLoop(generation.video, m.from));
      if (m.audio) run('audio', generation.audio, audioLoop(generation.audio, m.from, m.audio));
      break;
    }
    case 'audio':
      generation.audio += 1;
      wakeAll();
      if (m.audio) run('audio', generation.audio, audioLoop(generation.audio, m.from, m.audio, { switching: true }));
      break;
    case 'playhead':
      playhead = { t: m.t, ahead: m.ahead };
      wakeAll();
      break;
    case 'close':
      generation.video += 1;
      generation.audio += 1;
      input?.dispose();
      input = null;
      wakeAll();
      close();
      break;
    default:
      break;
  }
};
