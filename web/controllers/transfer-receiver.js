// Drives the core's PieceReceiver: messages from the `file-transfer` data channel in; requests out,
// verified pieces into IndexedDB (batched, through PieceWriter), the ledger saved after them. The core
// verifies every piece and decides what to ask for; this loop only carries out its actions. A store
// refused for want of space goes to the core as such (it pauses and decides when to try again);
// pieces read back for playback go through the core, which checks them against their digests.
import { feedMessage } from './channel-message.js';
import { PieceWriter, StoreFullError } from '../adapters/piece-store.js';

// 4 MiB per transaction: large records, few transactions. The core's window (how many pieces it
// requests before they are stored) is sized above this batch. (The transfer benchmark's storing-alone
// run writes with the same options.)
export const WRITER_OPTIONS = { maxBatchPieces: 4, maxDelayMs: 30 };

/** @typedef {import('../../src/bindings/watch_core').WatchCore} WatchCore */

export class ReceiverDriver {
  // ledger: the bytes saved by an earlier session of this transfer (a reload), or null.
  // onVerified(piece): a piece passed its SHA-256 check; playback may use it at once (verifiedPiece()
  // has its bytes while it is being stored, IndexedDB after). onStored(piece): it is stored now (it
  // counts in bytesVerified, the transfer's progress, from here on).
  /**
   * @param {{ core: WatchCore, store: import('../adapters/piece-store.js').Store,
   *   manifest: import('../../src/bindings/watch_core').TransferManifest, ledger?: Uint8Array | null,
   *   onChange?: () => void, onDone?: () => void, onFatal?: (text: string, error: string) => void,
   *   onReject?: (piece: number, text: string) => void, onVerified?: (piece: number) => void,
   *   onStored?: (piece: number) => void, now?: () => number }} options
   */
  constructor({ core, store, manifest, ledger = null, onChange = () => {}, onDone = () => {}, onFatal = () => {}, onReject = () => {}, onVerified = () => {}, onStored = () => {}, now = () => performance.now() }) {
    this.core = core;
    this.store = store;
    this.onChange = onChange;
    this.onDone = onDone;
    this.onFatal = onFatal;
    this.onReject = onReject;
    this.onVerified = onVerified;
    this.onStored = onStored;
    this.now = now;
    this.storing = new Map();  // piece → its verified bytes (a Blob) until IndexedDB has them
    this.transferId = manifest.transferId;
    this.fileSize = manifest.fileSize;
    this.ledger = ledger;  // the latest ledger the core handed out: checks stored pieces after close()
    this.receiver = new core.PieceReceiver(manifest, null, ledger);  // the core's own window and stall timeout
    this.ledgerRestore = this.receiver.ledgerRestore();  // "ok", "empty", or why an old ledger was not usable
    this.writer = new PieceWriter(store, this.transferId, WRITER_OPTIONS);
    this.channel = null;
    this.lanes = new Map();  // lane (1..) → its open channel (an extra connection: peer-link's openLanes)
    this.timer = null;
    this.closed = false;
    /** @type {((bytes: number) => void) | null} every message's size as it comes off the wire (the player's download rate) */
    this.onArrived = null;
  }

  attach(channel) {
    this.detach();
    this.channel = channel;
    channel.binaryType = 'arraybuffer';
    channel.onmessage = (ev) => this.onMessage(ev.data);
    channel.onclose = () => { if (this.channel === channel) this.detach(); };
    if (this.closed) return;
    this.receiver.onChannelOpen(this.now());  // the sender's Manifest is due on it
    this.drain();
  }

  detach() {
    const ch = this.channel;
    if (!ch) return;
    this.channel = null;
    ch.onmessage = ch.onclose = null;
    for (const lane of this.lanes.values()) lane.onmessage = lane.onclose = null;
    this.lanes.clear();
    if (this.closed) return;
    this.receiver.onDisconnected(this.now());
    this.drain();
  }

  onMessage(data, lane = 0) {
    const now = this.now();
    if (this.closed || !feedMessage(this.receiver, data, now, lane)) return;
    this.onArrived?.(data.byteLength);
    this.drain({ message: true, now });
  }

  // A lane beside the main channel: the sender spreads pieces over it; the core checks each attempt
  // belongs to the lane its checksum came on.
  attachLane(lane, channel) {
    if (this.closed || !this.channel) return;
    this.detachLane(lane);
    this.lanes.set(lane, channel);
    channel.binaryType = 'arraybuffer';
    channel.onmessage = (ev) => this.onMessage(ev.data, lane);
    channel.onclose = () => { if (this.lanes.get(lane) === channel) this.detachLane(lane); };
    this.receiver.onLaneOpen(lane, this.now());
  }

  detachLane(lane) {
    const ch = this.lanes.get(lane);
    if (!ch) return;
    this.lanes.delete(lane);
    ch.onmessage = ch.onclose = null;
    if (this.closed) return;
    this.receiver.onLaneClosed(lane, this.now());
    this.drain();
  }

  // Carries out everything the core asks for, then arms its timer. Most messages are a chunk that
  // changes nothing outside the core (a piece counts once it is verified, and the state moves on a
  // message only with actions): onChange is for when something did.
  drain({ message = false, now = this.now() } = {}) {
    if (this.closed) return;
    let acted = false;
    for (let a = this.receiver.pollAction(now); a; a = this.receiver.pollAction(now)) {
      acted = true;
      switch (a.kind) {
        case 'send':
          if (this.channel?.readyState === 'open') {
            try { this.channel.send(a.data); } catch { /* closing: the core hears of it from detach */ }
          }
          break;
        // The Blob copies the piece out of the wasm heap (the only copy; it is disk-backed once stored).
        // A piece handed out again (its store was refused: storage full) keeps the Blob it has.
        case 'store': {
          const again = this.storing.get(a.piece);
          const blob = again ?? new Blob([a.data]);
          this.storing.set(a.piece, blob);
          this.storePiece(a.piece, blob);
          if (!again) this.onVerified(a.piece);
          break;
        }
        case 'ledger':
          this.ledger = a.data.slice();
          this.writer.setLedger(this.ledger);
          break;
        case 'rejected': this.onReject(a.piece, a.text); break;
        case 'read-back': this.readBack(a.piece); break;
        case 'error': if (a.fatal) this.onFatal(a.text, a.error); break;
        // Nothing came on this channel: closing it makes the link connect again (peer-link.js).
        case 'reconnect':
          try { this.channel?.close(); } catch { /* already closing */ }
          break;
        // Every piece is stored by now. Only the last ledger can have been refused for want of space:
        // the record's `complete` flag says as much, so that is no reason to fail the file.
        case 'done':
          this.writer.flush().catch((e) => { if (!(e instanceof StoreFullError)) throw e; })
            .then(() => !this.closed && this.onDone(), (e) => this.onFatal(e.message, 'StoreFailed'));
          break;
        default: break;
      }
    }
    this.armTimer(this.receiver.nextDeadline());
    if (message && !acted) return;
    const state = this.receiver.state();
    if (acted || state !== this.shownState) {
      this.shownState = state;
      this.onChange();
    }
  }

  // Wakes the core at its next deadline. The stall deadline moves later with every message, so a
  // pending timer is kept unless the deadline came earlier: when it fires, the core ignores it if its
  // deadline has moved on, and drain() arms the timer again for the new one.
  armTimer(deadline) {
    if (this.timer !== null && deadline >= this.deadline) return;
    clearTimeout(this.timer);
    this.timer = null;
    this.deadline = deadline;
    if (!Number.isFinite(deadline)) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.closed) return;
      this.receiver.onTimeout(this.now());
      this.drain();
    }, Math.max(0, deadline - this.now()));
  }

  storePiece(piece, bytes) {
    this.writer.write(piece, bytes).then(() => {
      this.storing.delete(piece);
      if (this.closed) return;
      // Told on only if the core counted it (it refuses a piece it no longer waits for).
      if (this.receiver.onPieceStored(piece, this.now()) === '') this.onStored(piece);
      this.drain();
    }, (err) => {
      if (this.closed) return;
      if (err instanceof StoreFullError) {
        // Still verified, and kept (here for playback, in the core for the retry). Not a failure:
        // storeError stays for the fatal ones.
        this.receiver.onStorageFull(piece, this.now());
      } else {
        this.storing.delete(piece);
        this.storeError = err;
        this.receiver.onPieceStoreFailed(piece, this.now());
      }
      this.drain();
    });
  }

  readBack(piece) {
    this.store.readPiece(this.transferId, piece).then((bytes) => {
      if (this.closed) return;
      this.receiver.onReadBack(piece, bytes ?? new Uint8Array(0), this.now());
      this.drain();
    }, () => {
      if (this.closed) return;
      this.receiver.onReadBack(piece, new Uint8Array(0), this.now());  // unreadable: the core fetches it again
      this.drain();
    });
  }

  // Playback's fetch plan (the core's ProgressivePlayback): this many pieces in flight, these first,
  // then on from this byte.
  applyFetchPlan({ urgentFirst, urgentCount, fromByte, windowPieces }) {
    if (this.closed) return;
    this.receiver.setWindow(windowPieces);
    this.receiver.prioritize(urgentFirst, urgentCount);
    this.receiver.seekToByte(fromByte);
    this.drain();
  }

  heldPieces() { return this.receiver.heldPieces(); }

  // A verified piece's bytes while IndexedDB is still storing them (null otherwise).
  verifiedPiece(piece) { return this.storing.get(piece) ?? null; }

  // A held piece's bytes for playback: from memory while it is being stored, else from IndexedDB,
  // checked by the core against the digest it was verified with. Resolves null when it is not
  // available intact: a damaged one is dropped and fetched again (onVerified announces it again).
  // After close() (a finished download played on) the stored ledger is the reference: a damaged
  // piece then rejects with the reason, as nothing is fetched any more.
  async readPiece(piece) {
    const pending = this.storing.get(piece);
    if (pending) return new Uint8Array(await pending.arrayBuffer());
    const bytes = await this.store.readPiece(this.transferId, piece);
    if (!this.closed) {
      const verdict = this.receiver.checkStoredPiece(piece, bytes ?? new Uint8Array(0), this.now());
      this.drain();
      return verdict === '' ? bytes : null;
    }
    const ledger = new this.core.StoredLedger(this.transferId, this.fileSize, this.ledger);
    try {
      const verdict = ledger.verify(piece, bytes ?? new Uint8Array(0));
      if (verdict === 'intact') return bytes;
      throw new Error(`piece ${piece} of the file is ${verdict === 'damaged' ? 'damaged on this device (it no longer matches its checksum)' : 'not stored'}`);
    } finally {
      ledger.delete();
    }
  }

  // Storage was full: try again now (the user freed space).
  retryStorage() {
    if (this.closed) return;
    this.receiver.retryStorage(this.now());
    this.drain();
  }

  get storageFull() { return !this.closed && this.receiver.state() === 'storage-full'; }

  cancel(reason) {
    this.receiver.cancel(reason);
    this.drain();  // the Cancel frame goes out
  }

  get state() { return this.receiver.state(); }
  get bytesVerified() { return this.receiver.bytesVerified(); }
  get stats() { return this.receiver.stats(); }

  async close() {
    this.detach();
    this.closed = true;
    clearTimeout(this.timer);
    await this.writer.flush().catch(() => {});
    this.receiver.delete();
  }
}
