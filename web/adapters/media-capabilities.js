// What this browser can play, asked of its own APIs (MediaSource.isTypeSupported, WebCodecs'
// AudioDecoder / AudioEncoder.isConfigSupported, the element's canPlayType), as the plain data the
// core's plan_playback takes. Which pipeline a movie gets and what each of its tracks needs is the
// core's decision; this module only probes, once per page.

// One representative codec string per family (a common profile): enough to know whether the
// family plays at all; the player checks the file's exact string again when it sets up.
const MP4_PROBES = {
  avc: 'video/mp4; codecs="avc1.640028"',
  hevc: 'video/mp4; codecs="hvc1.1.6.L93.B0"',
  av1: 'video/mp4; codecs="av01.0.08M.08"',
  vp9: 'video/mp4; codecs="vp09.00.31.08"',
  aac: 'audio/mp4; codecs="mp4a.40.2"',
  mp3: 'audio/mp4; codecs="mp3"',
  opus: 'audio/mp4; codecs="opus"',
  flac: 'audio/mp4; codecs="flac"',
  ac3: 'audio/mp4; codecs="ac-3"',
  eac3: 'audio/mp4; codecs="ec-3"',
};
const WEBM_PROBES = {
  vp8: 'video/webm; codecs="vp8"',
  vp9: 'video/webm; codecs="vp9"',
  av1: 'video/webm; codecs="av01.0.08M.08"',
  opus: 'audio/webm; codecs="opus"',
  vorbis: 'audio/webm; codecs="vorbis"',
};
const DECODER_PROBES = { aac: 'mp4a.40.2', mp3: 'mp3', opus: 'opus', vorbis: 'vorbis', flac: 'flac', pcm: 'pcm-s16' };
// Decoded here without the browser: AC-3 and E-AC-3 by @mediabunny/ac3 (libavcodec in WebAssembly),
// PCM by mediabunny itself.
const WASM_DECODED = ['ac3', 'eac3', 'pcm'];

const mse = (type) => typeof MediaSource !== 'undefined' && MediaSource.isTypeSupported(type);
const supported = async (api, config) => {
  try {
    return typeof globalThis[api] !== 'undefined' && !!(await globalThis[api].isConfigSupported(config)).supported;
  } catch {
    return false;
  }
};

let probed = null;

// { mseMp4: [families], mseWebm: [families], decodeAudio: [families], encodeOpus: bool }
export function browserCapabilities() {
  probed ??= (async () => {
    const pick = (probes) => Object.keys(probes).filter((family) => mse(probes[family]));
    const decodeAudio = [...WASM_DECODED];
    for (const [family, codec] of Object.entries(DECODER_PROBES)) {
      if (!decodeAudio.includes(family) && await supported('AudioDecoder', { codec, sampleRate: 48000, numberOfChannels: 2 })) decodeAudio.push(family);
    }
    return {
      mseMp4: pick(MP4_PROBES),
      mseWebm: pick(WEBM_PROBES),
      decodeAudio,
      encodeOpus: await supported('AudioEncoder', { codec: 'opus', sampleRate: 48000, numberOfChannels: 2, bitrate: 128000 }),
    };
  })();
  return probed;
}

// Whether the element says it can play a whole file of this type (for "plays once it has arrived").
export function elementPlays(mimeType) {
  if (!mimeType || typeof document === 'undefined') return false;
  return document.createElement('video').canPlayType(mimeType) !== '';
}
