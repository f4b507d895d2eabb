// Real movies for the playback tests, made by ffmpeg (Debian's, with libx264, libvpx, libopus,
// aac), and what the receiving page's player reports.
import { execFileSync } from 'node:child_process';

const FORMATS = {
  // H.264 High with B-frames + AAC; moov first (faststart) or, ffmpeg's default, at the end.
  'h264-faststart': ['-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'high', '-bf', '2', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '96k', '-movflags', '+faststart'],
  'h264-moov-end': ['-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'high', '-bf', '2', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '96k'],
  'vp9-opus': ['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-row-mt', '1', '-c:a', 'libopus', '-b:a', '64k'],
  'h264-fragmented': ['-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'high', '-bf', '2', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '96k', '-movflags', '+frag_keyframe+empty_moov+default_base_moof'],
  'hevc': ['-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error', '-tag:v', 'hvc1', '-c:a', 'aac',
    '-movflags', '+faststart'],
};

// `seconds` of a test pattern with a tone, at about `kbps` video (film grain keeps the encoder at
// the bitrate, as a real movie would), a keyframe every 2 s. 'aac-audio': the tone alone, an M4A.
export function makeMovie(path, format, { seconds = 60, kbps = 3000, size = '640x360' } = {}) {
  if (format === 'aac-audio') {
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`,
      '-c:a', 'aac', '-b:a', `${kbps}k`, '-movflags', '+faststart', path]);
    return path;
  }
  execFileSync('ffmpeg', ['-v', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc=size=${size}:rate=30:duration=${seconds},noise=alls=12:allf=t+u`,
    '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`,
    ...FORMATS[format], '-b:v', `${kbps}k`, '-maxrate', `${kbps}k`, '-bufsize', `${kbps}k`, '-g', '60', '-keyint_min', '60',
    path]);
  return path;
}

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
  const p = window.wtActivePlayer;
  return {
    readyState: v.readyState, paused: v.paused, currentTime: v.currentTime, duration: v.duration, error: v.error?.message ?? null,
    buffered: ranges(v.buffered), sync: document.getElementById('sync-status').textContent,
    playback: document.getElementById('playback-status').textContent,
    player: p && { ms: p.mse.mediaSource.readyState, src: v.src.slice(0, 30), stats: p.stats, format: p.format, feedAt: p.feedAt, setUp: p.setUp, error: p.error, container: p.policy.container(),
      tracks: [...p.mse.tracks.entries()].map(([k, t]) => [k, ranges(t.sb.buffered), t.queue.length]) },
  };
});
