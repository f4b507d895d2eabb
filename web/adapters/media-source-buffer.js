// The one module that owns a MediaSource and its SourceBuffers (Media Source Extensions). Every
// append, remove and abort goes through one queue per SourceBuffer, because a SourceBuffer takes
// one operation at a time and `updateend` is the only safe moment for the next (hls.js's buffer
// operation queue). What to append and when is not decided here: the progressive player says.
//
// Memory stays bounded: after appends, what lies more than BACK_BUFFER_S behind the playhead is
// removed; a QuotaExceededError evicts more (down to MIN_BACK_S) and retries, and if nothing can be
// evicted it waits for playback to move on and retries: it never fails an append for quota.
const BACK_BUFFER_S = 30;
const MIN_BACK_S = 3;
const QUOTA_RETRY_MS = 500;

export class MediaSourceBuffer {
  static isTypeSupported(type) {
    return typeof MediaSource !== 'undefined' && MediaSource.isTypeSupported(type);
  }

  constructor(video) {
    this.video = video;
    this.mediaSource = new MediaSource();
    this.url = URL.createObjectURL(this.mediaSource);
    this.tracks = new Map();  // key → { sb, queue: [op], busy }
    this.closed = false;
    this.opened = new Promise((resolve) => this.mediaSource.addEventListener('sourceopen', resolve, { once: true }));
    video.src = this.url;
  }

  addTrack(key, type) {
    const sb = this.mediaSource.addSourceBuffer(type);
    const track = { sb, type, queue: [], busy: false };
    sb.addEventListener('updateend', () => { track.busy = false; this.next(track); });
    sb.addEventListener('error', () => { track.busy = false; this.next(track); });
    this.tracks.set(key, track);
  }

  // Appends bytes (an ArrayBuffer or a view) to a track's SourceBuffer, in order.
  append(key, bytes) {
    return this.enqueue(key, (sb) => sb.appendBuffer(bytes), { quota: true });
  }

  // Resets a track's parser (before appending from a new place in a byte stream, e.g. a WebM cluster).
  abort(key) {
    return this.enqueue(key, (sb) => { if (this.mediaSource.readyState === 'open') sb.abort(); }, { sync: true });
  }

  // Drops what a track holds from `t` on and makes it take `type` next (another audio track, maybe
  // in another codec): the new segments that follow fill it from there.
  replaceFrom(key, t, type) {
    const removed = this.enqueue(key, (sb) => {
      const end = sb.buffered.length ? sb.buffered.end(sb.buffered.length - 1) : 0;
      if (end > t) sb.remove(t, Infinity);
    });
    const track = this.tracks.get(key);
    if (!track || track.type === type) return removed;
    track.type = type;
    return this.enqueue(key, (sb) => sb.changeType(type), { sync: true });
  }

  enqueue(key, run, opts = {}) {
    const track = this.tracks.get(key);
    if (!track || this.closed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      track.queue.push({ run, resolve, reject, ...opts });
      this.next(track);
    });
  }

  next(track) {
    if (track.busy || this.closed || !track.queue.length || track.sb.updating) return;
    const op = track.queue[0];
    try {
      op.run(track.sb);
    } catch (e) {
      if (op.quota && e.name === 'QuotaExceededError') return this.onQuota(track);
      track.queue.shift();
      op.reject(e);
      return this.next(track);
    }
    track.queue.shift();
    if (op.sync || !track.sb.updating) {
      op.resolve();
      return this.next(track);
    }
    track.busy = true;
    track.sb.addEventListener('updateend', () => op.resolve(), { once: true });
  }

  // The browser's buffer is full: make room behind the playhead and try the same append again.
  onQuota(track) {
    const now = this.video.currentTime;
    const removable = this.bufferedStart(track.sb) < now - MIN_BACK_S;
    if (removable) {
      track.busy = true;
      track.sb.remove(0, now - MIN_BACK_S);  // its updateend runs next(), which retries the append
      return;
    }
    setTimeout(() => this.next(track), QUOTA_RETRY_MS);  // playback must move on first
  }

  bufferedStart(sb) {
    return sb.buffered.length ? sb.buffered.start(0) : Infinity;
  }

  // Drops what playback has left behind, in every track.
  evictBehind() {
    const cut = this.video.currentTime - BACK_BUFFER_S;
    if (cut <= 0) return;
    for (const [key, track] of this.tracks) {
      if (this.bufferedStart(track.sb) < cut) this.enqueue(key, (sb) => sb.remove(0, cut)).catch(() => {});
    }
  }

  // Seconds buffered without a hole from `t`, over all tracks (the smallest).
  aheadOf(t) {
    let ahead = Infinity;
    for (const { sb } of this.tracks.values()) {
      let end = t;
      for (let i = 0; i < sb.buffered.length; i++) {
        if (sb.buffered.start(i) <= end + 0.3 && sb.buffered.end(i) > end) end = sb.buffered.end(i);
      }
      ahead = Math.min(ahead, end - t);
    }
    return this.tracks.size ? ahead : 0;
  }

  // Buffered ranges of the element (the intersection over tracks), for the gap controller and reports.
  ranges() {
    const b = this.video.buffered;
    const out = [];
    for (let i = 0; i < b.length; i++) out.push([b.start(i), b.end(i)]);
    return out;
  }

  setDuration(seconds) {
    if (this.mediaSource.readyState === 'open' && Number.isFinite(seconds) && seconds > 0 && !this.anyUpdating()) {
      try { this.mediaSource.duration = seconds; } catch { /* an append is under way: the next call sets it */ }
    }
  }

  anyUpdating() {
    return [...this.tracks.values()].some((t) => t.sb.updating);
  }

  // Everything has been appended: the element may play to the end and fire 'ended'.
  async endOfStream() {
    await Promise.all([...this.tracks.keys()].map((k) => this.enqueue(k, () => {}, { sync: true })));
    if (this.mediaSource.readyState === 'open' && !this.anyUpdating()) this.mediaSource.endOfStream();
  }

  close() {
    this.closed = true;
    for (const t of this.tracks.values()) for (const op of t.queue) op.resolve();
    this.tracks.clear();
    URL.revokeObjectURL(this.url);
  }
}
