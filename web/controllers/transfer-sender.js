// Drives the core's PieceSender: File slices in, frames out on the `file-transfer` data channel and
// on the lanes beside it (extra connections across a long path; peer-link's openLanes). The core
// decides what to read, what to send on which lane and when a channel is full, and how many lanes
// the path needs; this loop only carries bytes and events (reads one piece at a time, sends while
// the core says so, waits on 'bufferedamountlow' or the upload cap's timer).
import { feedMessage } from './channel-message.js';

/** @typedef {import('../../src/bindings/watch_core').WatchCore} WatchCore */

export class SenderDriver {
  /**
   * @param {{ core: WatchCore, file: File, manifest: import('../../src/bindings/watch_core').TransferManifest,
   *   uploadCapBytesPerSecond?: number, onChange?: () => void, now?: () => number }} options
   */
  constructor({ core, file, manifest, uploadCapBytesPerSecond = 0, onChange = () => {}, now = () => performance.now() }) {
    this.core = core;
    this.file = file;
    this.onChange = onChange;
    this.now = now;
    this.sender = new core.PieceSender(manifest, { uploadCapBytesPerSecond });
    this.channel = null;
    this.lanes = new Map();  // lane (1..) → its open channel
    this.reading = false;
    this.timer = null;
    this.closed = false;
  }

  // A newly opened data channel (the first, or one after a reconnect).
  attach(channel) {
    this.detach();
    this.channel = channel;
    channel.binaryType = 'arraybuffer';
    channel.onbufferedamountlow = () => this.pump();
    channel.onmessage = (ev) => this.onMessage(ev.data);
    channel.onclose = () => { if (this.channel === channel) this.detach(); };
    this.sender.onConnected(this.now());
    this.pump();
  }

  // The channel is gone (closed by the peer, the network, or a reconnect): its lanes go with it.
  detach() {
    const ch = this.channel;
    if (!ch) return;
    this.channel = null;
    ch.onbufferedamountlow = ch.onmessage = ch.onclose = null;
    for (const lane of this.lanes.values()) lane.onbufferedamountlow = lane.onclose = null;
    this.lanes.clear();
    this.sender.onDisconnected(this.now());
    this.onChange();
  }

  // A lane opened beside the main channel (peer-link's openLanes): the core spreads pieces over it.
  attachLane(lane, channel) {
    if (this.closed || !this.channel) return;
    this.detachLane(lane);
    this.lanes.set(lane, channel);
    channel.binaryType = 'arraybuffer';
    channel.onbufferedamountlow = () => this.pump();
    channel.onclose = () => { if (this.lanes.get(lane) === channel) this.detachLane(lane); };
    this.sender.onLaneOpen(lane, this.now());
    this.pump();
  }

  // Its unfinished piece goes out again on another lane (the core decides).
  detachLane(lane) {
    const ch = this.lanes.get(lane);
    if (!ch) return;
    this.lanes.delete(lane);
    ch.onbufferedamountlow = ch.onclose = null;
    this.sender.onLaneClosed(lane, this.now());
    this.pump();
  }

  // A round trip of the path (ms): the core decides from it how many lanes it wants.
  onRoundTrip(ms) {
    if (!this.closed) this.sender.onRoundTrip(ms, this.now());
  }

  get wantedLanes() { return this.closed ? 1 : this.sender.wantedLanes(); }

  onMessage(data) {
    if (!feedMessage(this.sender, data, this.now())) return;
    this.pump();
    this.onChange();
  }

  setUploadCap(bytesPerSecond) {
    this.sender.setUploadCap(bytesPerSecond, this.now());
    this.pump();
  }

  pump() {
    if (this.closed) return;
    this.startRead();
    clearTimeout(this.timer);
    this.timer = null;
    if (!this.channel || this.channel.readyState !== 'open') return;
    const now = this.now();  // one reading per pump: its frames go out within microseconds
    for (const [lane, ch] of [[0, this.channel], ...this.lanes]) {
      if (ch.readyState !== 'open') continue;
      for (let frame = this.sender.pollFrame(now, ch.bufferedAmount, lane); frame; frame = this.sender.pollFrame(now, ch.bufferedAmount, lane)) {
        try {
          ch.send(frame);
        } catch {
          break;  // the channel closed under us; its close event brings the reconnect (or the lane's return)
        }
      }
      // The core's low-water mark for this lane as it stands after these polls (it moves as lanes
      // open and close): 'bufferedamountlow' fires only when bufferedAmount falls to it from
      // above, and the core waits only above the mark it has when it says WaitBuffer.
      ch.bufferedAmountLowThreshold = this.sender.lowWater(lane);
    }
    // The upload cap holds the next frame until then; otherwise 'bufferedamountlow', the next read
    // or the next message pumps again.
    const at = this.sender.waitUntil();
    if (Number.isFinite(at)) this.timer = setTimeout(() => this.pump(), Math.max(0, at - now));
  }

  // One File slice at a time (never the whole file), straight into the core's read buffer.
  startRead() {
    if (this.reading) return;
    const r = this.sender.pollRead();
    if (!r) return;
    this.reading = true;
    this.file.slice(r.offset, r.offset + r.length).arrayBuffer().then((buf) => {
      if (this.closed) return;
      const target = this.sender.readBuffer();
      if (target && buf.byteLength <= target.length) target.set(new Uint8Array(buf));
      this.sender.completeRead(r.piece, buf.byteLength, this.now());
    }, (err) => {
      if (this.closed) return;
      this.sender.onReadFailed(r.piece, `"${this.file.name}" could not be read (${err?.name ?? 'error'}): was it moved or deleted?`);
    }).finally(() => {
      this.reading = false;
      if (this.closed) return;
      this.pump();
      this.onChange();
    });
  }

  cancel(reason) {
    this.sender.cancel(reason);
    this.pump();  // the Cancel frame goes out before the channel is closed
  }

  get state() { return this.sender.state(); }
  get error() { return this.sender.errorText(); }
  get fatalError() { return this.sender.fatalError(); }
  get bytesConfirmed() { return this.sender.receiverBytes(); }
  get receiverPaused() { return !this.closed && this.sender.receiverPaused(); }
  get stats() { return this.sender.stats(); }

  close() {
    this.detach();
    this.closed = true;
    clearTimeout(this.timer);
    this.sender.delete();
  }
}
