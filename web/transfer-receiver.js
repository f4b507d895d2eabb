// Drives the core's PieceReceiver: messages from the `file-transfer` data channel in; requests out,
// verified pieces into IndexedDB (batched, through PieceWriter), the ledger saved with them. The core
// verifies every piece and decides what to ask for; this loop only carries out its actions.
import { feedMessage } from './channel-message.js';
import { PieceWriter } from './piece-store.js';

// 4 MiB per transaction: large records, few transactions. The core's window (how many pieces it
// requests before they are stored) is sized above this batch.
const BATCH_PIECES = 4;

export class ReceiverDriver {
  // ledger: the bytes saved by an earlier session of this transfer (a reload), or null.
  // onVerified(piece): a piece passed its SHA-256 check; playback may use it at once (verifiedPiece()
  // has its bytes while it is being stored, IndexedDB after).
  constructor({ core, store, manifest, ledger = null, onChange = () => {}, onDone = () => {}, onFatal = () => {}, onReject = () => {}, onVerified = () => {}, now = () => performance.now() }) {
    Object.assign(this, { core, store, onChange, onDone, onFatal, onReject, onVerified, now });
    this.storing = new Map();  // piece → its verified bytes (a Blob) until IndexedDB has them
    this.transferId = manifest.transferId;
    this.receiver = new core.PieceReceiver(manifest, null, ledger);  // the core's own window and stall timeout
    this.ledgerRestore = this.receiver.ledgerRestore();  // "ok", "empty", or why an old ledger was not usable
    this.writer = new PieceWriter(store, this.transferId, { maxBatchPieces: BATCH_PIECES, maxDelayMs: 30 });
    this.channel = null;
    this.timer = null;
    this.closed = false;
  }

  attach(channel) {
    this.detach();
    this.channel = channel;
    channel.binaryType = 'arraybuffer';
    channel.onmessage = (ev) => this.onMessage(ev.data);
    channel.onclose = () => { if (this.channel === channel) this.detach(); };
  }

  detach() {
    const ch = this.channel;
    if (!ch) return;
    this.channel = null;
    ch.onmessage = ch.onclose = null;
    if (this.closed) return;
    this.receiver.onDisconnected(this.now());
    this.drain();
  }

  onMessage(data) {
    if (this.closed || !feedMessage(this.receiver, data, this.now())) return;
    this.drain();
  }

  // Carries out everything the core asks for, then arms its timer.
  drain() {
    if (this.closed) return;
    for (let a = this.receiver.pollAction(this.now()); a; a = this.receiver.pollAction(this.now())) {
      switch (a.kind) {
        case 'send':
          if (this.channel?.readyState === 'open') {
            try { this.channel.send(a.data); } catch { /* closing: the core hears of it from detach */ }
          }
          break;
        // The Blob copies the piece out of the wasm heap (the only copy; it is disk-backed once stored).
        case 'store': {
          const blob = new Blob([a.data]);
          this.storing.set(a.piece, blob);
          this.storePiece(a.piece, blob);
          this.onVerified(a.piece);
          break;
        }
        case 'ledger': this.writer.setLedger(a.data.slice()); break;
        case 'rejected': this.onReject(a.piece, a.text); break;
        case 'read-back': this.readBack(a.piece); break;
        case 'error': if (a.fatal) this.onFatal(a.text, a.error); break;
        case 'done':
          this.writer.flush().then(() => !this.closed && this.onDone(), (e) => this.onFatal(e.message, 'StoreFailed'));
          break;
        default: break;
      }
    }
    this.armTimer(this.receiver.nextDeadline());
    this.onChange();
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
      this.receiver.onPieceStored(piece, this.now());
      this.drain();
    }, (err) => {
      this.storing.delete(piece);
      if (this.closed) return;
      this.storeError = err;
      this.receiver.onPieceStoreFailed(piece, this.now());
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
