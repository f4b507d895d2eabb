// Watching while the file arrives, on the receiving side: carries events into the core's
// ProgressivePlayback and its decisions out. Verified pieces (taken as they are verified while
// IndexedDB stores them, read back from it after and checked against their digests by the transfer's
// core; one at a time, never the whole file) go to the container walk the core asks for, then to
// Media Source Extensions through the pipeline the core's plan picks for this file in this browser:
// an MP4 through mp4box.js as per-track segments, a WebM as it is, anything else (Matroska, MOV,
// MPEG-TS, several audio tracks, sound this browser cannot decode) through the remux worker, which
// reads verified bytes from here (waiting, and asking the core for them, when they have not arrived).
// The core decides when play unlocks, how far playback can run (the horizon the sync core waits on)
// and what the transfer fetches first; this file moves bytes and keeps one timer.
// The same player plays a whole file that needs the remuxer (a Blob: the sender's own file, or a
// finished download), with every piece already held.
import { MediaSourceBuffer } from '../adapters/media-source-buffer.js';
import { browserCapabilities, elementPlays } from '../adapters/media-capabilities.js';
import { Mp4Segmenter } from '../adapters/mp4-segmenter.js';
import { Remuxer } from '../adapters/remuxer.js';

// WebM CodecIDs → the codec strings MediaSource.isTypeSupported knows.
const WEBM_CODECS = { V_VP8: 'vp8', V_VP9: 'vp9', V_AV1: 'av01.0.08M.08', A_OPUS: 'opus', A_VORBIS: 'vorbis' };
const WALK_READ = 64 * 1024;  // the walk needs headers: this much at a time is plenty
const GAP_CHECK_MS = 250;     // playback stuck this long with data just ahead: jump the hole
const GAP_MAX_S = 2;          // ... if it is at most this wide (B-frames, edit lists, a lost piece)
const CACHED_PIECES = 4;

// A held piece read back damaged: the transfer fetches it again and onPieceHeld brings it back.
export class PieceRefetched extends Error {}

/** @typedef {import('../../src/bindings/watch_core').WatchCore} WatchCore */
/** @typedef {import('../../src/bindings/watch_core').PlaybackPlan} PlaybackPlan */

export class ProgressivePlayer {
  // onStatus(status): the core's status plus { format, error }; onHorizon(horizonS, fraction, gain);
  // onFetchPlan(plan): what the transfer should fetch first; nudge(t): move the element over a hole
  // without it counting as a user's seek.
  // readPiece(piece): a held piece's bytes, checked (the transfer's ReceiverDriver.readPiece); null
  // when it was found damaged and is being fetched again.
  // blob: the whole file is here (no transfer): pieces are read from it. mimeType: the file's type,
  // for the element's own answer. onPlan(plan): the core's plan for this file in this browser (what
  // to expect, the audio tracks to choose from). audioChoice: the audio track number to start with.
  /**
   * @param {{ core: WatchCore, fileSize: number, pieceSize: number, video: HTMLVideoElement,
   *   onStatus: (status: object) => void, onHorizon: (horizonS: number, fraction: number, gain: number) => void,
   *   onFetchPlan: (plan: import('../../src/bindings/watch_core').FetchPlan) => void, nudge: (t: number) => void,
   *   readPiece: (piece: number) => Promise<Uint8Array | null>, blob?: Blob | null, mimeType?: string,
   *   onPlan?: (plan: PlaybackPlan) => void, audioChoice?: number, now?: () => number }} options
   */
  constructor({ core, fileSize, pieceSize, video, onStatus, onHorizon, onFetchPlan, nudge, readPiece, blob = null,
    mimeType = '', onPlan = () => {}, audioChoice = 0, now = () => performance.now() }) {
    this.core = core;
    this.fileSize = fileSize;
    this.pieceSize = pieceSize;
    this.video = video;
    this.onStatus = onStatus;
    this.onHorizon = onHorizon;
    this.onFetchPlan = onFetchPlan;
    this.nudge = nudge;
    this.readStored = readPiece;
    this.blob = blob;
    this.mimeType = mimeType;
    this.onPlan = onPlan;
    this.now = now;
    if (blob) this.readStored = (piece) => blob.slice(piece * pieceSize, (piece + 1) * pieceSize).arrayBuffer().then((b) => new Uint8Array(b));
    this.policy = new core.ProgressivePlayback(fileSize, null);
    this.plan = null;        // the core's plan, once the tracks are known
    this.audioNumber = audioChoice;  // the audio track playing (1-based among the file's audio tracks)
    this.remux = null;
    this.audioSwitch = null;  // { type, init }: another audio track asked for, its first segment not here yet
    this.reads = [];         // the remuxer's reads waiting for bytes: { start, length, resolve }
    this.mse = new MediaSourceBuffer(video);
    this.format = 'unknown';
    this.unsupportedVideo = [];  // the video codec MSE refused, by name (the element may not show it either)
    this.error = '';
    this.setUp = false;      // the demuxer and the SourceBuffers are ready
    this.feedAt = 0;         // the next file byte the demuxer wants
    this.webmInit = 0;       // WebM: the length of the head still to append first
    this.seeks = 0;          // counts seeks, so that a feed under way does not undo one
    this.ended = new Set();  // MP4 tracks whose last segment was appended
    this.planGeneration = -1;
    this.cache = new Map();  // piece → its bytes, the last CACHED_PIECES read, oldest first
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
    this.arrived();
  }

  // The whole file is here (a Blob): every piece is held.
  restoreAll() {
    this.restore(Array.from({ length: Math.ceil(this.fileSize / this.pieceSize) }, (_, i) => i));
  }

  onPieceHeld(piece) {
    if (this.closed) return;
    this.policy.onPieceHeld(piece, this.now());
    this.arrived();
  }

  // The player's pipeline is up (whichever path the plan took): play may unlock from here.
  pipelineUp() {
    this.setUp = true;
    this.policy.setPlayable(true, this.now());
  }

  // A message of the transfer came off the wire: the core measures the download rate by these.
  onBytesArrived(bytes) {
    if (!this.closed) this.policy.onBytesArrived(bytes, this.now());
  }

  // Stored now: the status line's percent counts it (held first, if it was verified before this
  // player existed).
  onPieceStored(piece) {
    if (this.closed) return;
    this.policy.onPieceStored(piece, this.now());
    this.arrived();
  }

  arrived() {
    this.serveReads();
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

  // Where the first held piece at or after `offset` begins (-1: none).
  nextHeldFrom(offset) {
    const pieces = Math.ceil(this.fileSize / this.pieceSize);
    for (let p = Math.ceil(offset / this.pieceSize); p < pieces; p++) if (this.policy.pieceHeld(p)) return p * this.pieceSize;
    return -1;
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

  // The last few pieces read stay at hand: the remuxer's reads cross piece boundaries back and forth.
  async readPiece(piece) {
    const cached = this.cache.get(piece);
    if (cached) return cached;
    const bytes = await this.readStored(piece);
    if (!bytes) {
      this.policy.onPieceLost(piece);  // the horizon ends before it until it is here again
      throw new PieceRefetched(`piece ${piece} is being fetched again`);
    }
    this.cache.set(piece, bytes);
    if (this.cache.size > CACHED_PIECES) this.cache.delete(this.cache.keys().next().value);
    return bytes;
  }

  // The core's plan for this file in this browser (asked once the container walk knows its tracks),
  // then the pipeline it names.
  async setUpDemuxer() {
    if (this.setUp || this.closed || this.error) return;
    const c = this.policy.container();
    this.format = c.format;
    if (!c.tracksKnown) {
      if (c.done) this.unplayable(c.error ? `this file cannot be read as a movie (${c.error})` : 'this file is not a movie this browser can play');
      return;
    }
    if (!this.plan) {
      const caps = await browserCapabilities();
      if (this.closed || this.plan) return;
      this.plan = this.core.planPlayback(c.format, c.tracks, { ...caps, elementPlaysWhole: elementPlays(this.mimeType) });
      const playable = this.plan.audio.filter((a) => a.action !== 'unplayable');
      if (!playable.some((a) => a.number === this.audioNumber)) this.audioNumber = this.plan.defaultAudioNumber;
      this.onPlan(this.plan);
    }
    const pipeline = this.plan.pipeline;
    if (pipeline === 'none') {
      if (this.plan.expectation === 'video-unplayable') this.unsupportedVideo = [this.plan.videoCodecName];
      return this.unplayable(this.plan.headline);
    }
    await this.mse.opened;
    if (this.closed || this.setUp) return;
    if (pipeline === 'webm-append') return this.setUpWebm(c);
    if (pipeline === 'remux') return this.setUpRemux();
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
      this.unsupportedVideo = [this.plan.videoCodecName];
      return this.unplayable(`this browser cannot play this movie (${this.plan.codecsText}) while it arrives`);
    }
    this.mse.addTrack('webm', type);
    this.mse.setDuration(c.duration);
    this.webmInit = c.mediaStart;  // the head (EBML header, Segment, Info, Tracks) is the init segment
    this.feedAt = c.mediaStart;
    this.pipelineUp();
  }

  // The MP4's moov has been read (onReady ran during an append): tracks, index, init segments.
  startMp4() {
    const info = this.mp4Info;
    const unsupported = info.tracks.filter((t) => !MediaSourceBuffer.isTypeSupported(t.mime));
    this.unsupportedVideo = unsupported.some((t) => t.kind === 'video') ? [this.plan.videoCodecName] : [];
    if (!info.tracks.length || unsupported.length) {
      return this.unplayable(unsupported.length
        ? `this browser cannot play this movie (${this.plan.codecsText}) while it arrives`
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
    this.pipelineUp();
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

  // Any container through the remux worker: the video copied, the chosen audio track copied or
  // converted, each into its own SourceBuffer from the keyframe at or before the playhead.
  setUpRemux() {
    if (this.remux) return;
    this.remux = new Remuxer({
      size: this.fileSize, blob: this.blob,
      read: (start, end) => this.readVerified(start, end - start),
      onInfo: (info) => this.startRemux(info),
      onInit: (kind, bytes) => this.appendRemuxed(kind, bytes, { init: true }),
      onSegment: (kind, bytes, start) => {
        this.stats.segments += 1;
        this.appendRemuxed(kind, bytes, { start });
      },
      onEnded: (kind) => {
        this.ended.add(kind);
        if (this.ended.size === this.mse.tracks.size) this.mse.endOfStream().catch(() => {});
      },
      onError: (text) => this.fail(`the movie could not be read: ${text}`),
    });
  }

  // What the worker read of the file: the exact codec strings. Both SourceBuffers are made before
  // any append (a browser may refuse a second one later).
  startRemux(info) {
    if (this.closed || this.setUp) return;
    const videoType = info.video && `video/mp4; codecs="${info.video.codec}"`;
    if (videoType && !MediaSourceBuffer.isTypeSupported(videoType)) {
      this.unsupportedVideo = [this.plan.videoCodecName];
      return this.unplayable(`this browser cannot play its video (${this.plan.videoCodecName}) while it arrives`);
    }
    this.remuxInfo = info;
    const audio = this.audioOutput(this.audioNumber);
    if (videoType) this.mse.addTrack('video', videoType);
    if (audio) this.mse.addTrack('audio', audio.type);
    if (!this.mse.tracks.size) return this.unplayable('this movie has no picture or sound this browser can play');
    if (info.duration > 0 && !(this.policy.duration() > 0)) this.policy.setDuration(info.duration);
    this.mse.setDuration(this.policy.duration() || info.duration);
    this.pipelineUp();
    this.remux.playhead(this.video.currentTime, this.policy.feedAheadS());
    this.remux.play(this.video.currentTime, { video: !!videoType, audio: audio && { number: audio.number, convert: audio.convert } });
    this.report();
  }

  // The output for audio track `number`: its own codec when it plays as it is, else Opus converted
  // by the worker (as the core's plan says); null when it cannot play here.
  audioOutput(number) {
    const planned = this.plan.audio.find((a) => a.number === number && a.action !== 'unplayable');
    const exact = this.remuxInfo?.audio.find((a) => a.number === number)?.codec;
    if (!planned) return null;
    if (planned.action === 'copy' && exact && MediaSourceBuffer.isTypeSupported(`audio/mp4; codecs="${exact}"`)) {
      return { number, convert: false, type: `audio/mp4; codecs="${exact}"` };
    }
    return { number, convert: true, type: 'audio/mp4; codecs="opus"' };
  }

  // An audio switch under way: the old track's sound plays on until the new track's first segment
  // is here, and from that segment's start the new one takes over (the buffer changes its codec
  // there if it must). However long the new track takes to start (a decoder to load, a machine
  // under load), the sound never stops and the picture never waits for it.
  /**
   * @param {string} kind 'video' or 'audio'
   * @param {Uint8Array} bytes
   * @param {{ init?: boolean, start?: number }} [at]
   */
  appendRemuxed(kind, bytes, { init = false, start } = {}) {
    const failed = (e) => this.fail(`a segment could not be appended: ${e.message}`);
    const pending = kind === 'audio' ? this.audioSwitch : null;
    if (pending && init) {
      pending.init = bytes;
      return;
    }
    if (pending) {
      this.audioSwitch = null;
      this.mse.replaceFrom('audio', start, pending.type).catch(failed);
      if (pending.init) this.mse.append('audio', pending.init).catch(failed);
    }
    this.mse.append(kind, bytes).then(() => this.mse.evictBehind(), failed);
  }

  // The audio tracks a viewer may choose from (the core's plan), and the one playing.
  audioTracks() {
    return (this.plan?.audio ?? []).map((a) => ({ number: a.number, label: a.label, playable: a.action !== 'unplayable', reason: a.reason, selected: a.number === this.audioNumber }));
  }

  // This viewer's own choice: the new track's sound from the playhead on; the picture and the
  // group's position are untouched.
  selectAudio(number) {
    if (number === this.audioNumber || !this.plan) return;
    const out = this.audioOutput(number);
    if (!out) return;
    this.audioNumber = number;
    if (!this.remux || !this.setUp || !this.mse.tracks.has('audio')) return;
    this.ended.delete('audio');
    this.audioSwitch = { type: out.type, init: null };  // see appendRemuxed
    this.remux.setAudio(this.video.currentTime, { number, convert: out.convert });
  }

  // Bytes the remuxer asked for: verified ones only. Until they are all held, the core has them
  // fetched first (the seek's path) and the read waits.
  readVerified(start, length) {
    return new Promise((resolve, reject) => {
      this.reads.push({ start, length, resolve, reject });
      this.serveReads();
    });
  }

  // Answers the reads whose bytes are held; the earliest one still waiting is what the core fetches first.
  serveReads() {
    if (!this.reads.length || this.closed) return;
    const held = (r) => this.policy.contiguousFrom(r.start) >= Math.min(r.length, this.fileSize - r.start);
    const ready = this.reads.filter(held);
    this.reads = this.reads.filter((r) => !held(r));
    for (const r of ready) {
      this.readRange(r.start, r.length).then(r.resolve, (e) => {
        if (e instanceof PieceRefetched) this.readVerified(r.start, r.length).then(r.resolve, r.reject);
        else r.reject(e);
      });
    }
    const waiting = this.reads.reduce((first, r) => (!first || r.start < first.start ? r : first), null);
    if (waiting) this.policy.requestRange(waiting.start, waiting.length, this.now());
    else this.policy.clearRequest(this.now());
    this.applyPlan();
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
    const pipeline = this.plan?.pipeline;
    if (pipeline !== 'mp4-segments' && pipeline !== 'webm-append') return;  // the remuxer reads for itself
    const isMp4 = pipeline === 'mp4-segments';
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
    if (this.remux && this.setUp) this.remux.playhead(this.video.currentTime, this.policy.feedAheadS());
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
      if (this.remux) {
        this.ended.clear();
        this.remux.playhead(t, this.policy.feedAheadS());
        const audio = this.mse.tracks.has('audio') && this.audioOutput(this.audioNumber);
        this.remux.play(t, { video: this.mse.tracks.has('video'), audio: audio && { number: audio.number, convert: audio.convert } });
      } else if (this.plan.pipeline === 'mp4-segments') {
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
    // A duration learnt after set-up (an MPEG-TS's, from its tail, which may come after its head):
    // the element cannot seek past its buffer without one.
    if (this.setUp && !Number.isFinite(this.video.duration)) this.mse.setDuration(this.policy.duration());
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
    this.remux?.close();
    for (const r of this.reads) r.reject(new Error('the player closed'));
    this.reads = [];
    this.mse.close();
    this.policy.delete();
  }
}
