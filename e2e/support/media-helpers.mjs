// Real movies for the playback tests, made by ffmpeg (Debian's, with libx264, libx265, libvpx,
// libopus, aac, ac3), and what the receiving page's player reports.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';

const H264 = ['-c:v', 'libx264', '-preset', 'superfast', '-profile:v', 'high', '-bf', '2', '-pix_fmt', 'yuv420p'];
const HEVC = ['-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error'];
const AAC = ['aac', '-b:a', '96k'];

// Each format: the container's extension, the video codec's arguments, and its sound: one track per
// entry (a tone at its own frequency, so that a test can tell which track it hears), with the
// codec's arguments, channel count, language and title; `subtitles`: an SRT track too (as in the
// Matroska files people have).
const FORMATS = {
  // H.264 High with B-frames + AAC; moov first (faststart) or, ffmpeg's default, at the end.
  'h264-faststart': { ext: 'mp4', video: H264, audio: [{ codec: AAC }], extra: ['-movflags', '+faststart'] },
  'h264-moov-end': { ext: 'mp4', video: H264, audio: [{ codec: AAC }] },
  'vp9-opus': { ext: 'webm', video: ['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-row-mt', '1'], audio: [{ codec: ['libopus', '-b:a', '64k'] }] },
  'h264-fragmented': { ext: 'mp4', video: H264, audio: [{ codec: AAC }], extra: ['-movflags', '+frag_keyframe+empty_moov+default_base_moof'] },
  hevc: { ext: 'mp4', video: [...HEVC, '-tag:v', 'hvc1'], audio: [{ codec: AAC }], extra: ['-movflags', '+faststart'] },
  // The movies people have: Matroska as ffmpeg writes it (SeekHead first, Cues at the end), with an
  // English SRT track; two sound tracks (English AAC stereo, French AC-3 5.1); HEVC in Matroska; a
  // camera's MOV (PCM sound, moov at the end); an MPEG-TS recording; an MP4 with AC-3 5.1 sound.
  'mkv-h264-aac': { ext: 'mkv', video: H264, audio: [{ codec: AAC, language: 'eng' }], subtitles: true },
  'mkv-two-audio': {
    ext: 'mkv', video: H264, subtitles: true,
    audio: [{ codec: AAC, language: 'eng', title: 'Stereo' }, { codec: ['ac3', '-b:a', '384k'], channels: 6, language: 'fra', title: 'Surround 5.1', frequency: 660 }],
  },
  'mkv-hevc': { ext: 'mkv', video: HEVC, audio: [{ codec: AAC, language: 'eng' }] },
  'mov-camera': { ext: 'mov', video: H264, audio: [{ codec: ['pcm_s16le'] }], extra: ['-f', 'mov'] },
  'ts-h264-aac': { ext: 'ts', video: H264, audio: [{ codec: AAC }] },
  'mp4-ac3': { ext: 'mp4', video: H264, audio: [{ codec: ['ac3', '-b:a', '384k'], channels: 6, frequency: 660 }], extra: ['-movflags', '+faststart'] },
};

export const movieExtension = (format) => ({ 'aac-audio': 'm4a', counter: 'webm' }[format] ?? FORMATS[format].ext);

// How a movie is made: ffmpeg's arguments, with OUTPUT standing for the movie's path and SUBTITLES
// for its SRT file's (whose text is `srt`, or null). The recipe is all a movie depends on, so a
// movie made from an equal recipe is the same movie (test-movies.mjs keeps them by its hash).
//   a format of FORMATS: `seconds` of a test pattern with tones, at about `kbps` video (film grain
//     keeps the encoder at the bitrate, as a real movie would), a keyframe every 2 s;
//   'aac-audio': the tone alone, an M4A;
//   'counter': 30 fps with a running counter burned in (testsrc), VP8 so that both browsers decode
//     it, no sound (the sync tests' video).
export function movieRecipe(format, { seconds = 60, kbps = 3000, size = '640x360' } = {}) {
  const run = (...args) => ({ args: ['-v', 'error', '-y', ...args, 'OUTPUT'], srt: null });
  if (format === 'aac-audio') {
    return run('-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`,
      '-c:a', 'aac', '-b:a', `${kbps}k`, '-movflags', '+faststart');
  }
  if (format === 'counter') {
    return run('-f', 'lavfi', '-i', `testsrc=size=320x240:rate=30:duration=${seconds}`,
      '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '400k', '-g', '30', '-an');
  }
  const f = FORMATS[format];
  const inputs = ['-f', 'lavfi', '-i', `testsrc=size=${size}:rate=30:duration=${seconds},noise=alls=12:allf=t+u`];
  const maps = ['-map', '0:v'];
  const audio = [];
  f.audio.forEach((a, i) => {
    const layout = a.channels === 6 ? ',aformat=channel_layouts=5.1' : '';
    inputs.push('-f', 'lavfi', '-i', `sine=frequency=${a.frequency ?? 440}:sample_rate=48000:duration=${seconds}${layout}`);
    maps.push('-map', `${i + 1}:a`);
    audio.push(`-c:a:${i}`, ...a.codec.slice(0, 1), ...a.codec.slice(1).flatMap((x, j) => (j % 2 === 0 ? [`${x}:a:${i}`] : [x])));
    if (a.language) audio.push(`-metadata:s:a:${i}`, `language=${a.language}`);
    if (a.title) audio.push(`-metadata:s:a:${i}`, `title=${a.title}`);
  });
  let srt = null;
  if (f.subtitles) {
    srt = Array.from({ length: Math.floor(seconds / 4) }, (_, i) => `${i + 1}\n${srtTime(i * 4)} --> ${srtTime(i * 4 + 3)}\nLine ${i + 1}\n`).join('\n');
    inputs.push('-i', 'SUBTITLES');
    maps.push('-map', `${f.audio.length + 1}:s`);
    audio.push('-c:s', 'srt', '-metadata:s:s:0', 'language=eng');
  }
  return {
    ...run(...inputs, ...maps, ...f.video, ...audio, ...(f.extra ?? []),
      '-b:v', `${kbps}k`, '-maxrate', `${kbps}k`, '-bufsize', `${kbps}k`, '-g', '60', '-keyint_min', '60'),
    srt,
  };
}

// ffmpeg's arguments for `recipe` made at `path` (its SRT file, if any, is written beside it).
export function recipeArgs(path, recipe) {
  if (recipe.srt !== null) writeFileSync(`${path}.srt`, recipe.srt);
  return recipe.args.map((a) => ({ OUTPUT: path, SUBTITLES: `${path}.srt` }[a] ?? a));
}

// Makes the movie (see movieRecipe) at `path` and returns the path.
export function makeMovie(path, format, opts) {
  execFileSync('ffmpeg', recipeArgs(path, movieRecipe(format, opts)));
  return path;
}

const srtTime = (s) => `00:${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')},000`;

// The receiving page's progressive player: the core's status as the page shows it.
export const playbackStatus = (page) => page.evaluate(() => {
  const p = document.getElementById('playback-status');
  return { text: p.textContent, unlocked: p.dataset.unlocked === 'true', rule: p.dataset.rule, unlockedAt: Number(p.dataset.unlockedAt) };
});

// Frames the element has presented so far (decoded and shown, by the browser's own count).
export const presentedFrames = (page) => page.evaluate(() => {
  const q = document.getElementById('player').getVideoPlaybackQuality();
  return q.totalVideoFrames - q.droppedVideoFrames;
});

export const currentTime = (page) => page.evaluate(() => document.getElementById('player').currentTime);

// What the receiving page's player holds, for a failure's message.
export const playerState = (page) => page.evaluate(() => {
  const v = document.getElementById('player');
  const ranges = (b) => Array.from({ length: b.length }, (_, i) => [+b.start(i).toFixed(2), +b.end(i).toFixed(2)]);
  const p = window.wtTestHook.player;
  return {
    readyState: v.readyState, paused: v.paused, currentTime: v.currentTime, duration: v.duration, error: v.error?.message ?? null,
    buffered: ranges(v.buffered), sync: document.getElementById('sync-status').textContent,
    playback: document.getElementById('playback-status').textContent,
    player: p && { ms: p.mse.mediaSource.readyState, src: v.src.slice(0, 30), stats: p.stats, format: p.format, feedAt: p.feedAt, setUp: p.setUp, error: p.error, container: p.policy.container(),
      tracks: [...p.mse.tracks.entries()].map(([k, t]) => [k, ranges(t.sb.buffered), t.queue.length]) },
  };
});

// Listening to a page's player: what it plays for `ms`, recorded from the element's own stream
// (captureStream; Firefox's mozCaptureStream) and decoded offline, so no audio device is needed (this
// machine has none, and Firefox's AudioContext never starts without one). Returns the dominant
// frequency (zero crossings of the decoded signal; each test movie's tracks are tones of their own
// frequency, so it says which track plays) and its level (0: silence).
export const heardTone = (page, ms = 1500) => page.evaluate(async (duration) => {
  const video = document.getElementById('player');
  const stream = video.mozCaptureStream ? video.mozCaptureStream() : video.captureStream();
  const audio = new MediaStream(stream.getAudioTracks());
  if (!audio.getAudioTracks().length) return { hz: 0, rms: 0 };
  const recorder = new MediaRecorder(audio);
  const chunks = [];
  recorder.ondataavailable = (e) => chunks.push(e.data);
  const stopped = new Promise((resolve) => { recorder.onstop = resolve; });
  recorder.start();
  await new Promise((resolve) => setTimeout(resolve, duration));
  recorder.stop();
  await stopped;
  for (const t of stream.getTracks()) t.stop();
  const decoded = await new OfflineAudioContext(1, 48000, 48000).decodeAudioData(await new Blob(chunks).arrayBuffer());
  const d = decoded.getChannelData(0);
  const from = Math.floor(d.length * 0.3);  // past the encoder's start
  let crossings = 0, energy = 0;
  for (let i = from + 1; i < d.length; i++) {
    if ((d[i - 1] < 0) !== (d[i] < 0)) crossings += 1;
    energy += d[i] * d[i];
  }
  const seconds = (d.length - from) / decoded.sampleRate;
  return { hz: Math.round(crossings / 2 / seconds), rms: Math.sqrt(energy / (d.length - from)) };
}, ms);
