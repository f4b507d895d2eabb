// Watching while the file arrives, on the receiving side: carries events into the core's
// ProgressivePlayback and its decisions out. Verified pieces (taken as they are verified while
// IndexedDB stores them, read back from it after and checked against their digests by the transfer's
// core; one at a time, never the whole file) go to the container walk the core asks for, then to the demuxer
// (mp4box.js for MP4; WebM is appended as it is) and into Media Source Extensions. The core decides
// when play unlocks, how far playback can run (the horizon the sync core waits on) and what the
// transfer fetches first; this file moves bytes and keeps one timer.
import { MediaSourceBuffer } from '../adapters/media-source-buffer.js';
import { Mp4Segmenter } from '../adapters/mp4-segmenter.js';

// WebM CodecIDs → the codec strings MediaSource.isTypeSupported knows.
const WEBM_CODECS = { V_VP8: 'vp8', V_VP9: 'vp9', V_AV1: 'av01.0.08M.08', A_OPUS: 'opus', A_VORBIS: 'vorbis' };
const WALK_READ = 64 * 1024;  // the walk needs headers: this much at a time is plenty
const GAP_CHECK_MS = 250;     // playback stuck this long with data just ahead: jump the hole
const GAP_MAX_S = 2;          // ... if it is at most this wide (B-frames, edit lists, a lost piece)

// A held piece read back damaged: the transfer fetches it again and onPieceHeld brings it back.
class PieceRefetched extends Error {}

export class ProgressivePlayer {
  // onStatus(status): the core's status plus { format, error }; onHorizon(horizonS, fraction, gain);
  // onFetchPlan(plan): what the transfer should fetch first; nudge(t): move the element over a hole
  // without it counting as a user's seek.
  // readPiece(piece): a held piece's bytes, checked (the transfer's ReceiverDriver.readPiece); null
  // when it was found damaged and is being fetched again.
  constructor({ core, fileSize, pieceSize, video, onStatus, onHorizon, onFetchPlan, nudge, readPiece, now = () => performance.now() }) {
    Object.assign(this, { fileSize, pieceSize, video, onStatus, onHorizon, onFetchPlan, nudge, readStored: readPiece, now });
    this.policy = new core.ProgressivePlayback(fileSize, null);
    this.mse = new MediaSourceBuffer(video);
    this.format = 'unknown';
    this.unsupportedVideo = [];  // video codecs MSE refused (the element may not show them either)
    this.error = '';
    this.setUp = false;      // the demuxer and the SourceBuffers are ready
    this.feedAt = 0;         // the next file byte the demuxer wants
    this.webmInit = 0;       // WebM: the length of the head still to append first
    this.seeks = 0;          // counts seeks, so that a feed under way does not undo one
    this.ended = new Set();  // MP4 tracks whose last segment was appended
    this.planGeneration = -1;
    this.cache = null;       // the last piece read { piece, bytes }
    this.stats = { segments: 0, piecesFed: 0, nudges: 0 };
    this.pumping = null;
    this.again = false;
    this.closed = false;
    this.listeners = {
      seeking: () => this.onSeeking(),
      timeupdate: () => this.onTimeUpdate(),
    };
    for (const [type, fn] of Object.entries(this.listeners)) video.addEventListener(type, fn);
    this.lastTime = -1;
    this.gapTimer = setInterval(() => this.checkGap(), GAP_CHECK_MS);
  }

  get playable() { return this.policy.status(this.now()).playable; }

  // Pieces held before this page (a reload), then every piece as it is verified.
  restore(pieces) {
    for (const p of pieces) this.policy.restoreHeld(p);
    this.pump();
  }

  onPieceHeld(piece) {
    if (this.closed) return;
    this.policy.onPieceHeld(piece, this.now());
    this.pump();
  }

  // Stored now: the status line's percent counts it (held first, if it was verified before this
  // player existed).
  onPieceStored(piece) {
    if (this.closed) return;
    this.policy.onPieceStored(piece, this.now());
    this.pump();
  }

  // One pump at a time; a call during one makes it run once more.
  pump() {
    if (this.closed) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = (async () => {
      do {
        this.again = false;
        try {
          await this.walk();
          await this.setUpDemuxer();
          await this.feed();
        } catch (e) {
          if (!(e instanceof PieceRefetched)) this.fail(`Playback while downloading stopped: ${e.message}`);
        }
        this.report();
      } while (this.again && !this.closed);
    })().finally(() => { this.pumping = null; });
  }

  // Feeds the core's container walk what it asks for, as long as those bytes are held.
  async walk() {
    for (let want = this.policy.containerWanted(); want && !this.closed; want = this.policy.containerWanted()) {
      const length = Math.min(this.fileSize - want.offset, Math.max(want.length, WALK_READ));
      const contiguous = this.policy.contiguousFrom(want.offset);
      if (contiguous < Math.min(want.length, length)) return;
      const held = Math.min(length, contiguous);
      const bytes = await this.readRange(want.offset, held);
      if (!this.policy.feedContainer(want.offset, bytes, this.now())) return;
    }
  }

  // Bytes [offset, offset + length) from stored pieces.
  async readRange(offset, length) {
    const out = new Uint8Array(length);
    for (let done = 0; done < length;) {
      const at = offset + done;
      const piece = Math.floor(at / this.pieceSize);
      const bytes = await this.readPiece(piece);
      const from = at - piece * this.pieceSize;
      const n = Math.min(length - done, bytes.length - from);
      out.set(bytes.subarray(from, from + n), done);
      done += n;
    }
    return out;
  }

  async readPiece(piece) {
    if (this.cache?.piece === piece) return this.cache.bytes;
    const bytes = await this.readStored(piece);
    if (!bytes) {
      this.policy.onPieceLost(piece);  // the horizon ends before it until it is here again
      throw new PieceRefetched(`piece ${piece} is being fetched again`);
    }
    this.cache = { piece, bytes };
    return bytes;
  }

  async setUpDemuxer() {
    if (this.setUp || this.closed) return;
    const c = this.policy.container();
    this.format = c.format;
    if (c.format === 'unknown') {
      if (c.done) this.unplayable(c.error || 'the file is not an MP4 or WebM movie');
      return;
    }
    await this.mse.opened;
    if (c.format === 'webm') return this.setUpWebm(c);
    if (!this.segmenter) {
      this.segmenter = new Mp4Segmenter({
        // Within the append that read the moov, so that its samples are segmented before mp4box
        // drops the bytes it has parsed.
        onReady: (info) => {
          this.mp4Info = info;
          this.startMp4();
        },
        onSegment: (id, buffer, nextSample, last) => this.onMp4Segment(id, buffer, nextSample, last),
        onError: (text) => this.fail(`the MP4 could not be read: ${text}`),
      });
    }
  }

  setUpWebm(c) {
    if (c.mediaStart === 0 || !c.codecIds.length) {
      if (c.done) this.unplayable(c.error || 'the WebM file has no playable tracks');
      return;
    }
    const codecs = c.codecIds.map((id) => WEBM_CODECS[id]);
    const kind = c.codecIds.some((id) => id.startsWith('V_')) ? 'video' : 'audio';
    const type = `${kind}/webm; codecs="${codecs.join(',')}"`;
    if (codecs.includes(undefined) || !MediaSourceBuffer.isTypeSupported(type)) {
      this.unsupportedVideo = c.codecIds.filter((id) => id.startsWith('V_'));
      return this.unplayable(`this browser cannot play ${c.codecIds.join(' + ')} while it downloads`);
    }
    this.mse.addTrack('webm', type);
    this.mse.setDuration(c.duration);
    this.webmInit = c.mediaStart;  // the head (EBML header, Segment, Info, Tracks) is the init segment
    this.feedAt = c.mediaStart;
    this.setUp = true;
  }

  // The MP4's moov has been read (onReady ran during an append): tracks, index, init segments.
  startMp4() {
    const info = this.mp4Info;
    const unsupported = info.tracks.filter((t) => !MediaSourceBuffer.isTypeSupported(t.mime));
    this.unsupportedVideo = unsupported.filter((t) => t.kind === 'video').map((t) => t.codec);
    if (!info.tracks.length || unsupported.length) {
      return this.unplayable(unsupported.length
        ? `this browser cannot play ${unsupported.map((t) => t.codec).join(' + ')} while it downloads`
        : 'the MP4 has no audio or video track');
    }
    for (const t of info.tracks) this.mse.addTrack(t.id, t.mime);
    this.policy.setDuration(info.duration);
    this.policy.addIndexPoints(info.points.times, info.points.offsets, info.points.keyframes);
    this.policy.setIndexComplete(this.now());
    this.mse.setDuration(info.duration);
    for (const init of this.segmenter.initSegments(info.tracks.map((t) => t.id))) {
      this.mse.append(init.id, init.buffer).catch((e) => this.fail(`the init segment could not be appended: ${e.message}`));
    }
    this.setUp = true;
    this.segmenter.begin();  // media segments, queued after the init segments
  }

  onMp4Segment(id, buffer, nextSample, last) {
    this.stats.segments += 1;
    this.mse.append(id, buffer).then(() => {
      this.segmenter?.release(id, nextSample);
      if (last) {
        this.ended.add(id);
        if (this.ended.size === this.mp4Info.tracks.length) this.mse.endOfStream().catch(() => {});
      }
    }, (e) => this.fail(`a segment could not be appended: ${e.message}`));
  }

  unplayable(reason) {
    if (this.error) return;
    this.error = `${reason[0].toUpperCase()}${reason.slice(1)}.`;  // the core's status says what follows
    this.policy.setPlayable(false, this.now());
  }

  fail(text) {
    if (!this.error) this.error = text;
    this.policy.setPlayable(false, this.now());
  }

  // Hands the demuxer held pieces from where it wants them, while the player has less than the
  // core's feed-ahead buffered.
  async feed() {
    if (this.closed || this.error) return;
    const isMp4 = this.format === 'mp4';
    if (!isMp4 && !this.setUp) return;
    if (!isMp4 && this.webmInit) {
      if (this.policy.contiguousFrom(0) < this.webmInit) return;
      await this.mse.append('webm', await this.readRange(0, this.webmInit));
      this.webmInit = 0;
    }
    while (!this.closed && this.feedAt < this.fileSize) {
      if (this.setUp && this.mse.aheadOf(this.video.currentTime) >= this.policy.feedAheadS()) return;
      const piece = Math.floor(this.feedAt / this.pieceSize);
      if (!this.policy.pieceHeld(piece)) return;
      const seeks = this.seeks;
      const bytes = await this.readPiece(piece);
      if (this.closed) return;
      if (seeks !== this.seeks) continue;  // a seek moved feedAt meanwhile: go on from there
      this.stats.piecesFed += 1;
      const start = piece * this.pieceSize;
      if (isMp4) {
        // mp4box keeps what it is given until its samples are released: its own copy of the piece.
        const next = this.segmenter.append(bytes.slice().buffer, start);
        if (this.error) return;  // the moov said this browser cannot play it this way
        // Where mp4box wants data next (the moov after an mdat, the next sample's data, or back
        // where a seek lands); the piece just given if it names that one again.
        this.feedAt = Number.isFinite(next) && (next < start || next >= start + bytes.length) ? next : start + bytes.length;
      } else {
        await this.mse.append('webm', bytes.subarray(this.feedAt - start));
        if (seeks !== this.seeks) continue;
        this.feedAt = start + bytes.length;
        if (this.feedAt >= this.fileSize) await this.mse.endOfStream();
      }
      this.mse.evictBehind();
    }
  }

  onTimeUpdate() {
    if (this.closed) return;
    this.policy.setPosition(this.now(), this.video.currentTime);
    this.pump();
  }

  // A seek (the user's, or the group's): playback restarts at the keyframe at or before it. If the
  // player does not hold it yet, the demuxer starts over there and the core moves the fetch order.
  onSeeking() {
    if (this.closed) return;
    const t = this.video.currentTime;
    this.policy.setPosition(this.now(), t);
    this.applyPlan();  // now, not after a pump that may be reading or appending
    if (this.setUp && this.mse.aheadOf(t) <= 0.1) {
      this.seeks += 1;
      if (this.format === 'mp4') {
        this.feedAt = this.segmenter.seek(t);
      } else {
        this.mse.abort('webm').catch(() => {});
        this.feedAt = this.policy.offsetFor(t);
      }
    }
    this.pump();
  }

  // Playing, not moving, and the next buffered range starts just ahead: step over the hole.
  checkGap() {
    const v = this.video;
    const t = v.currentTime;
    const stuck = !v.paused && !v.seeking && t === this.lastTime;
    this.lastTime = t;
    if (!stuck || this.closed) return;
    const next = this.mse.ranges().find(([start]) => start > t && start - t <= GAP_MAX_S);
    if (next && this.mse.aheadOf(t) < 0.1) {
      this.stats.nudges += 1;
      this.nudge(next[0] + 0.01);
    }
  }

  // The core's fetch plan, to the transfer as soon as it changes.
  applyPlan() {
    const plan = this.policy.fetchPlan();
    if (plan.generation === this.planGeneration) return;
    this.planGeneration = plan.generation;
    this.onFetchPlan(plan);
  }

  report() {
    if (this.closed) return;
    const now = this.now();
    this.applyPlan();
    const st = this.policy.status(now);
    this.onHorizon(st.syncHorizon, st.fraction, st.gain);
    this.onStatus({ ...st, format: this.format, error: this.error });
    clearTimeout(this.timer);
    const deadline = this.policy.nextDeadline();
    if (Number.isFinite(deadline)) {
      this.timer = setTimeout(() => {
        this.policy.onTimeout(this.now());
        this.report();
      }, Math.max(0, deadline - now));
    }
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    clearInterval(this.gapTimer);
    for (const [type, fn] of Object.entries(this.listeners)) this.video.removeEventListener(type, fn);
    this.mse.close();
    this.policy.delete();
  }
}
