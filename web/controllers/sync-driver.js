// Carries events into the core's PlaybackSync and its outputs out: commands to the player, records
// and reports to the database, clock probes. All decisions (when to play, how to correct drift,
// when to wait for a download) are the core's; this file only moves data and keeps one timer.
import { onValue, ref } from 'firebase/database';
import {
  probeServerClock, removeViewer, removeViewerOnDisconnect, watchRecord, watchViewers, writeRecord, writeViewerReport,
} from '../adapters/playback-record.js';
import { VideoPlayer } from '../adapters/video-player.js';

/** @typedef {import('../../src/bindings/watch_core').WatchCore} WatchCore */

export class SyncDriver {
  // onStatus(status, viewers) gets the core's status after every step, with the ids of the viewers
  // whose players are open (their reports are in the database).
  /**
   * @param {{ core: WatchCore, db: import('firebase/database').Database, sessionId: string, userId: string,
   *   displayName: string, video: HTMLVideoElement,
   *   onStatus?: (status: ReturnType<import('../../src/bindings/watch_core').PlaybackSync['status']>, viewers: Set<string>) => void,
   *   onError?: (text: string) => void }} options
   */
  constructor({ core, db, sessionId, userId, displayName, video, onStatus = () => {}, onError = () => {} }) {
    this.core = core;
    this.db = db;
    this.sessionId = sessionId;
    this.userId = userId;
    this.onStatus = onStatus;
    this.onError = onError;
    this.sync = new core.PlaybackSync(userId, displayName);
    this.timer = null;
    this.closed = false;
    this.probing = false;
    /** @type {Promise<unknown>} */
    this.writing = Promise.resolve();
    this.knownViewers = new Set();
    const now = () => performance.now();

    this.player = new VideoPlayer(video, {
      onPlay: (t, pos) => this.step(() => this.sync.onPlayEvent(t, pos)),
      onPause: (t, pos) => this.step(() => this.sync.onPauseEvent(t, pos)),
      onSeeking: (t, pos, seekableEnd) => this.step(() => this.sync.onSeekingEvent(t, pos, seekableEnd)),
      onReport: (t, pos, paused, seeking, rate) => this.step(() => this.sync.onPlayerReport(t, pos, paused, seeking, rate)),
      onFrame: (t, displayAt, media, paused, seeking, rate) => this.step(() => this.sync.onPresentedFrame(t, displayAt, media, paused, seeking, rate)),
      onDuration: (d) => this.step(() => this.sync.setMediaDuration(d)),
      onError,
    });
    if (Number.isFinite(video.duration)) this.sync.setMediaDuration(video.duration);

    this.unsubs = [
      watchRecord(db, sessionId, (record) => this.step(() => {
        if (!this.sync.onRemoteState(now(), record)) {
          onError(`Ignored a malformed playback record from the database: ${core.PlaybackSync.recordError(record)}.`);
        }
      })),
      watchViewers(db, sessionId, (reports) => this.step(() => {
        const present = new Set();
        for (const r of reports) {
          present.add(r.userId);
          if (!this.sync.onViewerReport(now(), r)) {
            onError(`Ignored a malformed viewer report from the database: ${core.PlaybackSync.reportError(r)}.`);
          }
        }
        for (const id of this.knownViewers) if (!present.has(id)) this.sync.onViewerLeft(now(), id);
        this.knownViewers = present;
      })),
      onValue(ref(db, '.info/connected'), (snap) => {
        if (snap.val() === true) {
          removeViewerOnDisconnect(db, sessionId, userId).catch(() => {});
          this.step(() => this.sync.onReconnect(now()));
        }
      }),
    ];
    this.onVisibility = () => this.step(() => this.sync.onVisibility(now(), document.visibilityState === 'visible'));
    document.addEventListener('visibilitychange', this.onVisibility);
    this.step(() => {});
  }

  // How far this viewer can play from the group position (media seconds) and how much of the file
  // it holds (0..1; 1: a local copy, never waits).
  setHorizon(horizonS, fraction) {
    this.step(() => this.sync.setLocalHorizon(performance.now(), horizonS, fraction));
  }

  // How fast this viewer's download gains media (core's ProgressivePlayback): a fast one resumes
  // sooner. Takes effect with the next input (the horizon comes with it).
  setDownloadGain(gain) {
    if (!this.closed) this.sync.setDownloadGain(gain);
  }

  // Moves the element over a small hole in its buffer; not a user's seek.
  nudge(t) {
    this.player.nudge(t);
  }

  // Runs one input, then drains every output and re-arms the single timer.
  step(input) {
    if (this.closed) return;
    input();
    const t = performance.now();
    // Any output may queue another (a publish can queue a command), so drain until all are empty.
    for (let more = true; more;) {
      more = false;
      for (let cmd = this.sync.pollCommand(); cmd; cmd = this.sync.pollCommand(), more = true) {
        if (!this.player.execute(cmd) && (cmd.kind === 'play' || cmd.kind === 'pause')) this.sync.onCommandNoEvent(cmd.kind);
      }
      for (let rec = this.sync.pollPublish(t); rec; rec = this.sync.pollPublish(t), more = true) this.publish(rec);
      for (let rep = this.sync.pollViewerReport(t); rep; rep = this.sync.pollViewerReport(t), more = true) {
        writeViewerReport(this.db, this.sessionId, this.userId, rep).catch((e) => this.onError(`Could not report progress: ${e.message}`));
      }
    }
    if (!this.probing && this.sync.pollClockProbe(t)) this.probe();
    this.arm();
    this.onStatus(this.sync.status(t), this.knownViewers);
  }

  // Writes go out one after another, in the order the core produced them.
  publish(record) {
    const supersedes = (a, b) => this.core.PlaybackSync.recordSupersedes(a, b);
    this.writing = this.writing
      .then(() => writeRecord(this.db, this.sessionId, record, supersedes))
      .catch((e) => this.onError(`Could not save the playback state: ${e.message}`));
  }

  async probe() {
    this.probing = true;
    try {
      const { t0, serverMs, t1 } = await probeServerClock(this.db, this.userId);
      this.step(() => this.sync.onClockSample(t0, serverMs, t1));
    } catch {
      // An unanswered probe is given up by the core's own timeout; the next one is scheduled.
    } finally {
      this.probing = false;
    }
  }

  arm() {
    clearTimeout(this.timer);
    const deadline = this.sync.pollTimeout();
    if (!Number.isFinite(deadline)) return;
    const delay = Math.max(0, deadline - performance.now());
    this.timer = setTimeout(() => this.step(() => this.sync.handleTimeout(performance.now())), delay);
  }

  stats() {
    return this.sync.stats();
  }

  // The core's view now: its state, the drift it measures and the shared clock's offset and round trip.
  status() {
    return this.sync.status(performance.now());
  }

  async close() {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    document.removeEventListener('visibilitychange', this.onVisibility);
    for (const unsub of this.unsubs) unsub();
    this.player.stop();
    this.sync.delete();
    await removeViewer(this.db, this.sessionId, this.userId).catch(() => {});
  }
}
