// The one module that touches the <video> element for sync: DOM events and frame reports go out,
// commands from the core come in and are carried out synchronously, in order.
const REPORT_WHILE_IDLE_MS = 100;  // requestVideoFrameCallback is silent while paused or seeking

export class VideoPlayer {
  // handlers: onPlay(now, pos), onPause(now, pos), onSeeking(now, pos, seekableEnd),
  //           onFrame(now, displayAt, mediaTime, paused, seeking, rate) for every presented frame
  //           (requestVideoFrameCallback), onReport(now, pos, paused, seeking, rate) with currentTime
  //           while no frames come (paused, seeking, or no requestVideoFrameCallback), onError(message)
  constructor(video, handlers) {
    this.video = video;
    this.h = handlers;
    this.stopped = false;
    this.nudgeTo = null;
    const now = () => performance.now();
    this.listeners = {
      play: () => this.h.onPlay(now(), video.currentTime),
      pause: () => this.h.onPause(now(), video.currentTime),
      seeking: () => {
        if (this.nudgeTo !== null && Math.abs(video.currentTime - this.nudgeTo) < 0.05) {
          this.nudgeTo = null;  // our own step over a hole, not a gesture
          return;
        }
        this.h.onSeeking(now(), video.currentTime, seekableEnd(video));
      },
      seeked: () => this.report(),
      loadedmetadata: () => this.h.onDuration?.(video.duration),
      error: () => this.h.onError?.(mediaErrorText(video.error)),
    };
    for (const [type, fn] of Object.entries(this.listeners)) video.addEventListener(type, fn);
    this.idleTimer = setInterval(() => {
      if (video.paused || video.seeking || !('requestVideoFrameCallback' in video)) this.report();
    }, REPORT_WHILE_IDLE_MS);
    if ('requestVideoFrameCallback' in video) {
      // The frame going on screen and when (expectedDisplayTime, usually still ahead of now): the
      // core measures the element by what it shows.
      const onFrame = (_, meta) => {
        if (this.stopped) return;
        this.h.onFrame(performance.now(), meta.expectedDisplayTime, meta.mediaTime, video.paused, video.seeking, video.playbackRate);
        video.requestVideoFrameCallback(onFrame);
      };
      video.requestVideoFrameCallback(onFrame);
    }
  }

  report() {
    const v = this.video;
    this.h.onReport(performance.now(), v.currentTime, v.paused, v.seeking, v.playbackRate);
  }

  // Carries out a command. Returns false when a play or pause changes nothing (the element is
  // already in that state), because then the browser fires no 'play'/'pause' event for it.
  execute(cmd) {
    const v = this.video;
    switch (cmd.kind) {
      case 'play':
        if (!v.paused) return false;
        v.play().catch((e) => {
          // A later pause interrupting this play is normal; anything else is worth telling.
          if (e.name === 'AbortError') return;
          this.h.onError?.(e.name === 'NotAllowedError'
            ? 'The browser blocked playback until you interact with the page: click Play.' : `Playback failed: ${e.message}`);
        });
        return true;
      case 'pause':
        if (v.paused) return false;
        v.pause();
        return true;
      case 'seek': v.currentTime = cmd.value; return true;
      case 'rate': v.playbackRate = cmd.value; return true;
      default: return true;
    }
  }

  // Steps over a small hole in the buffer (B-frames, edit lists, a lost piece); its 'seeking' event
  // is not passed on as a user's seek.
  nudge(t) {
    this.nudgeTo = t;
    this.video.currentTime = t;
  }

  stop() {
    this.stopped = true;
    clearInterval(this.idleTimer);
    for (const [type, fn] of Object.entries(this.listeners)) this.video.removeEventListener(type, fn);
  }
}

// Where the element can seek to so far: a browser cuts a seek beyond it short (Firefox, reading a
// local WebM, makes only what it has read seekable).
function seekableEnd(video) {
  const r = video.seekable;
  return r.length ? r.end(r.length - 1) : Infinity;
}

function mediaErrorText(err) {
  if (!err) return 'The video could not be played.';
  const kinds = { 1: 'loading was aborted', 2: 'a network error occurred', 3: 'the file could not be decoded', 4: 'this format or codec is not supported by this browser' };
  return `The video could not be played: ${kinds[err.code] ?? 'unknown error'}.`;
}
