// Runs the file transfers of this page's watch sessions ("transfer" mode): when the session's
// lifecycle machine says so (web/controllers/session-controller.js) it opens the peer link
// (signaled through the database), drives the core's sender or receiver on its data channel,
// reports bytesDownloaded and the transfer's events back to the machine, and cleans up stored
// pieces on the core's schedule. The recipient is the link's offerer: it holds the
// ledger, so it is the side that reconnects (after a dropped channel or a reload).
import { openLanes, openSessionLink } from '../adapters/peer-link.js';
import { estimateStorage, requestPersistence, saveFile } from '../adapters/piece-store.js';
import { deleteSessionRecords, isEnded, reportBytesDownloaded } from '../adapters/sessions.js';
import { damagedPieces } from './stored-file.js';
import { SenderDriver } from './transfer-sender.js';
import { ReceiverDriver } from './transfer-receiver.js';

/** @typedef {import('../../src/bindings/watch_core').WatchCore} WatchCore */

const STATUS_TEXT = {
  connecting: 'Connecting…',
  transferring: 'Transferring…',
  reconnecting: 'Connection lost — reconnecting…',
  'storage-full': 'Storage is full — free some space to continue',
  complete: 'Complete',
  declined: 'Declined',
  cancelled: 'Cancelled',
  failed: 'Failed',
};

// The path peer-link found (its linkType), as the session screen says it.
export const LINK_TEXT = { direct: 'Direct connection', relayed: 'Relayed connection' };
const unreachableText = (name) => `Could not connect to ${name}: your networks block direct connections and no relay is configured`;

const REPORT_INTERVAL_MS = 500;  // bytesDownloaded goes to the database at most twice a second
const ALIVE_INTERVAL_MS = 60_000;

// One session's transfer, on one side.
class Transfer {
  /**
   * @param {TransferManager} mgr
   * @param {any} session the session's record
   * @param {'sender' | 'receiver'} role
   */
  constructor(mgr, session, role) {
    this.mgr = mgr;
    this.session = session;
    this.role = role;
    this.phase = 'connecting';
    this.error = '';
    this.peerGone = false;
    this.progress = new mgr.core.TransferProgress(session.fileSize);
    this.lastReport = 0;
    this.reportTimer = null;
    this.driver = null;
    this.link = null;
    this.lanes = null;  // peer-link's openLanes on the current channel
    this.linkType = null;  // peer-link's report on the open connection: { type: 'direct' | 'relayed', ... }
    this.closed = false;
  }

  get manifest() {
    const s = this.session;
    // The file's identity comes from the session record, which only the initiator writes and the
    // rules make immutable; the sender's own description must match it (the core checks).
    const fileHash = /^[0-9a-f]{64}$/.test(s.fileHash ?? '') ? s.fileHash : '';
    return { transferId: s.id, fileName: s.fileName, mimeType: s.mimeType ?? '', fileSize: s.fileSize, fileHash };
  }

  async start() {
    const { core, db, store, userId, iceServers, iceTransportPolicy } = this.mgr;
    const onChange = () => this.changed();
    if (this.role === 'sender') {
      this.driver = new SenderDriver({ core, file: this.mgr.files.get(this.session.id), manifest: this.manifest, uploadCapBytesPerSecond: this.mgr.uploadCap, onChange });
    } else {
      if (!store) throw new Error(this.mgr.noStoreText);
      const record = await store.getTransfer(this.session.id) ?? await this.createRecord();
      if (this.closed) return;
      this.driver = new ReceiverDriver({
        core, store, manifest: this.manifest, ledger: record.ledger ?? null, onChange,
        onDone: () => this.finish().catch((e) => this.fail(`the file arrived but could not be finished: ${e.message}`)),
        onFatal: (text, error) => this.fail(this.driver.storeError?.message ?? text, error),
        onVerified: (piece) => this.mgr.onPieceVerified(this.session.id, piece),
        onStored: (piece) => this.mgr.onPieceStored(this.session.id, piece),
      });
      this.mgr.onReceiving(this.session, this.driver);  // the page can start watching while it arrives
    }
    this.link = openSessionLink({
      adopt: this.mgr.peerConnection,
      db, sessionId: this.session.id, selfId: userId, peerId: this.other, role: this.role === 'receiver' ? 'offerer' : 'answerer', iceServers, iceTransportPolicy,
      onChannel: (channel) => {
        if (this.closed) return;
        this.driver.attach(channel);
        // Lanes beside it across a long path: the sender's core decides how many from the round trip.
        const sender = this.role === 'sender' ? /** @type {SenderDriver} */ (this.driver) : null;
        this.lanes?.close();
        this.lanes = openLanes(channel, this.link?.pc ?? null, {
          initiator: Boolean(sender), iceServers, iceTransportPolicy,
          wanted: () => sender?.wantedLanes ?? 1,
          onRoundTrip: (ms) => sender?.onRoundTrip(ms),
          onLane: (lane, ch) => { if (!this.closed) this.driver.attachLane(lane, ch); },
        });
      },
      onLink: (link) => {
        this.linkType = link;
        this.changed();
      },
      onState: (state) => {
        if (this.closed || this.phase === 'complete' || this.phase === 'failed') return;
        // 'unreachable': no path between the two networks; the link stopped trying. Nothing is
        // marked failed, so every stored piece stays, and a reload tries again.
        this.phase = state === 'connected' ? 'transferring' : state === 'reconnecting' ? 'reconnecting' : state === 'unreachable' ? 'unreachable' : 'connecting';
        if (state !== 'connected') this.linkType = null;
        this.mgr.events.connection(this.session.id, state);
        this.changed();
      },
    });
    this.aliveTimer = this.role === 'receiver' && setInterval(() => store.updateTransfer(this.session.id, { lastActiveAt: Date.now() }).catch(() => {}), ALIVE_INTERVAL_MS);
    this.changed();
  }

  async createRecord() {
    const s = this.session;
    const record = {
      transferId: s.id, sessionId: s.id, role: 'receiver', fileName: this.mgr.core.sanitizeFileName(s.fileName), fileSize: s.fileSize, mimeType: s.mimeType ?? '',
      pieceCount: Math.ceil(s.fileSize / this.mgr.core.PIECE_SIZE), createdAt: Date.now(), lastActiveAt: Date.now(),
      endedAt: null, ledger: null, complete: false, hasChunks: true,
    };
    await this.mgr.store.putTransfer(record);
    return record;
  }

  get bytesDone() {
    if (!this.driver) return 0;
    return this.role === 'receiver' ? this.driver.bytesVerified : this.driver.bytesConfirmed;
  }

  changed() {
    if (this.closed) return;
    const now = performance.now();
    this.progress.record(now, this.bytesDone);
    this.mgr.events.progress(this.session.id, this.bytesDone);
    if (this.role === 'sender' && this.driver?.state === 'failed') this.fail(this.driver.error, this.driver.fatalError);
    if (this.role === 'receiver') this.scheduleReport(now);
    this.mgr.onChange();
  }

  // The recipient writes bytesDownloaded for both sides' displays, throttled.
  scheduleReport(now) {
    if (this.reportTimer) return;
    const wait = Math.max(0, this.lastReport + REPORT_INTERVAL_MS - now);
    this.reportTimer = setTimeout(() => {
      this.reportTimer = null;
      if (this.closed) return;
      this.lastReport = performance.now();
      reportBytesDownloaded(this.mgr.db, this.session.id, this.bytesDone).catch(() => {});
    }, wait);
  }

  async finish() {
    this.phase = 'complete';
    const s = this.session;
    // With the core's final ledger: its piece digests are what a save checks the stored pieces against.
    await this.mgr.store.updateTransfer(s.id, { complete: true, lastActiveAt: Date.now(), ...(this.driver.ledger ? { ledger: this.driver.ledger } : {}) });
    this.mgr.events.done(s.id);  // the machine writes 'ready'
    const blob = await this.mgr.store.fileBlob(s.id, Math.ceil(s.fileSize / this.mgr.core.PIECE_SIZE), s.mimeType ?? '');
    this.mgr.onFileReady(s.id);
    this.mgr.events.fileAvailable(s.id, blob);
    this.stop();
    this.mgr.onChange();
  }

  // A fatal error of the core, or a Cancel from the peer (not a failure: the side that cancelled
  // writes 'cancelled' with its reason). The session's machine decides what the record says.
  fail(reason, error = '') {
    if (this.closed || this.phase === 'failed' || this.phase === 'cancelled') return;
    const id = this.session.id;
    if (error === 'peer-cancelled') {
      this.phase = 'cancelled';
      this.stop();
      this.mgr.events.cancelledByPeer(id);
    } else {
      this.phase = 'failed';
      this.error = reason || 'the transfer failed';
      this.stop();
      this.mgr.events.failed(id, this.error);
    }
    this.mgr.onChange();
  }

  // 'storage-full' while the recipient's storage is full (either side: the sender hears it from the
  // receiver's Pause frame), else ''. The transfer waits; nothing failed.
  get paused() {
    if (this.closed || !this.driver) return '';
    return (this.role === 'receiver' ? this.driver.storageFull : this.driver.receiverPaused) ? 'storage-full' : '';
  }

  text() {
    if (this.closed) return this.finalText;
    const now = performance.now();
    const paused = this.paused;
    const status = paused && this.role === 'receiver' ? STATUS_TEXT[paused]
      : paused ? `Paused — ${this.other}'s storage is full; it goes on once they free some space`
      : this.phase === 'unreachable' ? unreachableText(this.mgr.names?.get(this.other) ?? this.other)
      : this.peerGone && this.phase !== 'complete' ? `${this.other} left — waiting for them to come back…`
      : STATUS_TEXT[this.phase] ?? this.phase;
    const progress = paused ? this.progress.pausedText() : this.progress.text(now);
    return { status, progress, fraction: this.progress.fraction(), error: this.error };
  }

  get other() {
    return this.role === 'sender' ? this.session.recipientId : this.session.initiatorId;
  }

  stop() {
    if (this.closed) return;
    this.finalStats = this.driver?.stats ?? null;  // the counters outlive the driver, for the tests
    this.finalText = this.text();
    this.closed = true;
    clearTimeout(this.reportTimer);
    clearInterval(this.aliveTimer);
    this.lanes?.close();
    this.link?.close();
    this.driver?.close();
    this.progress.delete();
  }
}

export class TransferManager {
  // store: the page's PieceStore, or null when IndexedDB could not be opened (storeError says why):
  // this page can then send files but not receive them.
  // onReceiving(session, receiverDriver): a download (re)started here; onPieceVerified(sessionId, piece)
  // and onPieceStored(sessionId, piece) as the receiver's driver reports them;
  // onFileReady(sessionId): a download finished here (before the machine hears of its file).
  // events: the transfer's events for the sessions' machines (set by SessionController).
  // peerConnection: a host messenger's connection to the partner, tried first (peer-link's openSessionLink).
  // iceServers: an array, or a function returning fresh ones per connection (peer-link's openPeerLink);
  // iceTransportPolicy 'relay' only for tests that must not go direct. names: user id → display name.
  /**
   * @param {{ core: WatchCore, db: import('firebase/database').Database,
   *   store: import('../adapters/piece-store.js').Store | null,
   *   storeError?: Error | null, userId: string, iceServers?: RTCIceServer[] | (() => RTCIceServer[] | Promise<RTCIceServer[]>),
   *   iceTransportPolicy?: RTCIceTransportPolicy, peerConnection?: RTCPeerConnection | null, names?: Map<string, string> | null,
   *   onChange?: () => void, onFileReady?: (sessionId: string) => void, onError?: (text: string) => void,
   *   onReceiving?: (session: any, driver: ReceiverDriver) => void, onPieceVerified?: (sessionId: string, piece: number) => void,
   *   onPieceStored?: (sessionId: string, piece: number) => void }} options
   */
  constructor({ core, db, store, storeError = null, userId, iceServers = [], iceTransportPolicy = 'all', peerConnection = null, names = null,
    onChange = () => {}, onFileReady = () => {}, onError = () => {}, onReceiving = () => {}, onPieceVerified = () => {}, onPieceStored = () => {} }) {
    this.core = core;
    this.db = db;
    this.store = store;
    this.userId = userId;
    this.iceServers = iceServers;
    this.iceTransportPolicy = iceTransportPolicy;
    this.peerConnection = peerConnection;
    this.names = names;
    this.onChange = onChange;
    this.onFileReady = onFileReady;
    this.onError = onError;
    this.onReceiving = onReceiving;
    this.onPieceVerified = onPieceVerified;
    this.onPieceStored = onPieceStored;
    this.noStoreText = `this page cannot store received files — ${storeError?.message ?? 'it has no piece store'}`;
    this.files = new Map();       // sessionId → the File this page sends
    this.transfers = new Map();   // sessionId → Transfer (running, or finished in this page)
    this.sessions = [];
    this.uploadCap = 0;
    this.cleanupTimer = null;
    const ignore = () => {};
    /**
     * @type {{ progress: (sessionId: string, bytes: number) => void, done: (sessionId: string) => void,
     *   fileAvailable: (sessionId: string, blob: Blob) => void, failed: (sessionId: string, error: string) => void,
     *   cancelledByPeer: (sessionId: string) => void, connection: (sessionId: string, state: string) => void }}
     */
    this.events = { progress: ignore, done: ignore, fileAvailable: ignore, failed: ignore, cancelledByPeer: ignore, connection: ignore };
    requestPersistence().catch(() => {});
  }

  // Every change of the user's sessions: the running transfers see the current record.
  update(sessions) {
    this.sessions = sessions;
    for (const s of sessions) {
      const t = this.transfers.get(s.id);
      if (t) t.session = s;
    }
    this.onChange();
  }

  // The machine's StartTransfer: role 'sender' (this page's File) or 'receiver'.
  start(session, role) {
    const old = this.transfers.get(session.id);
    if (old && !old.closed) return;
    const t = new Transfer(this, session, role);
    this.transfers.set(session.id, t);
    t.start().catch((e) => t.fail(`could not start the transfer: ${e.message}`));
  }

  // The machine's StopTransfer. stage: the session's stage now (the phase the transfer ends in);
  // tellPeer: this page cancelled, so the peer hears it over the data channel too.
  stop(sessionId, { stage, reason = '', tellPeer = false }) {
    const t = this.transfers.get(sessionId);
    if (!t || t.closed) return;
    if (stage === 'cancelled' || stage === 'gone' || stage === 'downloading') {
      t.phase = 'cancelled';  // first: the core's own "cancelled" state is not a failure to report
      if (tellPeer) t.driver?.cancel(reason);
    } else if (stage === 'failed') {
      t.phase = 'failed';
      if (reason) t.error = reason;
    } else if (stage === 'declined') {
      t.phase = 'declined';
    } else {
      t.phase = 'complete';  // ready, playing or ended: the file arrived
    }
    t.stop();
    this.onChange();
  }

  // The machine's LoadStoredFile: a file received earlier (before a reload), as a Blob; null when
  // it is not (or no longer) stored whole.
  async loadStored(session) {
    if (!this.store) return null;
    const rec = await this.store.getTransfer(session.id);
    if (!rec?.complete) return null;
    return this.store.fileBlob(session.id, rec.pieceCount, rec.mimeType);
  }

  setUploadCap(bytesPerSecond) {
    this.uploadCap = bytesPerSecond > 0 ? bytesPerSecond : 0;
    for (const t of this.transfers.values()) if (!t.closed && t.role === 'sender') t.driver?.setUploadCap(this.uploadCap);
  }

  // The sender's file: at invite time, or picked again after a reload (same name and size, or no).
  provideFile(session, file) {
    if (file.size !== session.fileSize) {
      throw new Error(`"${file.name}" has ${this.core.formatBytes(file.size)}; the file being sent has ${this.core.formatBytes(session.fileSize)}. Choose the same file.`);
    }
    this.files.set(session.id, file);
  }

  // What the recipient must know before accepting: size, type, and room on this disk. A session
  // whose record says what the file holds (media) is judged by the core's plan for it instead of its
  // name and type (the view asks); an older sender's is judged by its type.
  async checkIncoming(session) {
    if (!this.store) return [{ verdict: 'refuse', code: 'no-store', message: `You cannot accept "${session.fileName}" here: ${this.noStoreText}.` }];
    const { quota, usage } = await estimateStorage();
    return [
      this.core.checkFileSize(session.fileSize, null),
      ...(session.media ? [] : [this.core.checkFileType(session.mimeType ?? '', session.fileName)]),
      this.core.checkStorage(session.fileSize, quota, usage),
    ].filter((c) => c.verdict !== 'ok');
  }

  // The session's end goes into its record; the core's clean-up plan then decides what goes when
  // (an unfinished download's pieces at once, a received file's after 24 hours).
  async recordEnd(session) {
    const rec = await this.store?.getTransfer(session.id).catch(() => null);
    if (!rec || rec.endedAt) return;
    await this.store.updateTransfer(session.id, { endedAt: Date.now() });
    await this.runCleanup();
  }

  // "Save file": streamed from IndexedDB to disk (options go to piece-store's saveFile).
  async save(session, options) {
    if (!this.store) throw new Error(`"${session.fileName}" cannot be saved: ${this.noStoreText}.`);
    const rec = await this.store.getTransfer(session.id);
    if (!rec?.complete) throw new Error(`"${session.fileName}" has not fully arrived yet.`);
    // Every stored piece is checked against the digest it arrived with before anything is written.
    const damaged = await damagedPieces(this.core, this.store, rec).catch((e) => {
      throw new Error(`"${session.fileName}" cannot be saved: ${e.message}.`);
    });
    if (damaged.length) throw new Error(damagedText(session, rec, damaged));
    return saveFile(this.store, rec, options);
  }

  // "Delete now", after the end: the received file's pieces and its record leave this browser at
  // once instead of on the clean-up schedule.
  async deleteNow(session) {
    if (!this.store) return;
    await this.store.deleteChunks(session.id);
    await this.store.deleteTransfer(session.id);
  }

  // Storage was full: the user freed some and asks to go on now (the core also retries by itself).
  retryStorage(session) {
    this.transfers.get(session.id)?.driver?.retryStorage?.();
  }

  view(sessionId) {
    const t = this.transfers.get(sessionId);
    if (!t) return null;
    const stats = t.closed ? t.finalStats : t.driver?.stats ?? null;
    const link = t.linkType?.type ?? null;
    return { role: t.role, phase: t.paused || t.phase, ...t.text(), link, linkText: LINK_TEXT[link] ?? '', stats: stats && { ...stats, link } };
  }

  // Deletes received pieces 24 h after their session ended and forgets sessions idle for 7 days, as
  // the core plans it (time passed in); runs on start-up and again when the plan says.
  async runCleanup(nowMs = Date.now()) {
    clearTimeout(this.cleanupTimer);
    if (!this.store) return null;  // nothing stored here to clean
    const records = (await this.store.listTransfers()).map((r) => ({
      id: r.transferId, createdAt: r.createdAt, endedAt: r.endedAt ?? null, lastActiveAt: r.lastActiveAt ?? null,
      hasChunks: !!r.hasChunks, complete: !!r.complete, live: !!this.transfers.get(r.transferId) && !this.transfers.get(r.transferId).closed,
    }));
    const known = new Set(records.map((r) => r.id));
    for (const s of this.sessions) {
      if (known.has(s.id) || !isEnded(s.status)) continue;
      records.push({ id: s.id, createdAt: s.createdAt ?? 0, endedAt: s.endedAt ?? null, lastActiveAt: null, hasChunks: false, live: false });
    }
    const plan = this.core.planCleanup(records, nowMs);
    for (const id of plan.deleteChunks) await this.store.deleteChunks(id);
    for (const id of plan.deleteSessions) {
      await this.store.deleteTransfer(id);
      const s = this.sessions.find((x) => x.id === id);
      if (s) await deleteSessionRecords(this.db, s).catch((e) => this.onError(`Could not delete an old session: ${e.message}`));
    }
    const wait = Math.min(Math.max(plan.nextRunMs - nowMs, 1000), 2 ** 31 - 1);
    this.cleanupTimer = setTimeout(() => this.runCleanup().catch((e) => this.onError(`Clean-up failed: ${e.message}`)), wait);
    return plan;
  }

  close() {
    clearTimeout(this.cleanupTimer);
    for (const t of this.transfers.values()) t.stop();
  }
}

// Why a finished download cannot be saved: which pieces went bad on this device, and that nothing
// else was lost.
function damagedText(session, record, pieces) {
  const n = record.pieceCount;
  const which = pieces.length === 1 ? `piece ${pieces[0] + 1} of ${n} is` : `${pieces.length} of its ${n} pieces (${pieces.slice(0, 3).map((p) => p + 1).join(', ')}${pieces.length > 3 ? ', …' : ''}) are`;
  return `"${session.fileName}" cannot be saved: ${which} damaged on this device (no longer what arrived: the checksum differs). `
    + `Nothing else is lost: the other ${n - pieces.length} pieces are intact and kept. The transfer from ${session.initiatorId} is over, `
    + 'so the damaged part cannot be fetched again here.';
}
