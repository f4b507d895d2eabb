// Drives one core SessionLifecycle (src/session/session_lifecycle.hpp) per session shown in a
// page: carries the record, the piece store's answer, the buttons, the transfer's, the player's and
// presence's events in, and carries the machine's actions out, in order. No policy here: when a
// transfer runs, when the player opens, what is written to the record and which buttons show are
// the machine's.
import { MODES, setStatus } from '../adapters/sessions.js';

// One clock for every input and every deadline the machine hands back.
const now = () => performance.now();

export class SessionController {
  // transfers: the page's TransferManager. files: sessionId → the File (or received Blob) this page
  // plays, shared with the view. player: { open(session, source), close(sessionId) }.
  // onChange(): what the view shows may have changed. showError(text): a sentence for the user.
  /**
   * @param {{ core: import('../../src/bindings/watch_core').WatchCore, db: import('firebase/database').Database,
   *   userId: string, userName: string, nameOf: (id: string) => string,
   *   transfers: import('./transfers.js').TransferManager, files: Map<string, Blob>,
   *   player: { open: (session: any, source: 'progressive' | 'whole') => void, close: (sessionId: string) => void },
   *   onChange: () => void, showError: (text: string) => void }} options
   */
  constructor({ core, db, userId, userName, nameOf, transfers, files, player, onChange, showError }) {
    this.core = core;
    this.db = db;
    this.userId = userId;
    this.userName = userName;
    this.nameOf = nameOf;
    this.transfers = transfers;
    this.files = files;
    this.player = player;
    this.onChange = onChange;
    this.showError = showError;
    this.entries = new Map();  // sessionId → { machine, session, recordKey, timer, draining, cancelledHere }
    this.present = null;       // ids of the people present, once presence has spoken
    transfers.events = {
      // With every chunk: only the figure goes in (the transfer redraws the page itself).
      progress: (id, bytes) => this.entries.get(id)?.machine.onTransferProgress(now(), bytes),
      done: (id) => this.input(id, (m, t) => m.onTransferDone(t)),
      fileAvailable: (id, blob) => {
        this.files.set(id, blob);
        this.input(id, (m, t) => m.onFileAvailable(t));
      },
      failed: (id, reason) => this.input(id, (m, t) => m.onTransferFailed(t, reason)),
      cancelledByPeer: (id) => this.input(id, (m, t) => m.onTransferCancelledByPeer(t)),
      connection: (id, state) => this.input(id, (m, t) => m.onConnection(t, state)),
    };
  }

  // Every change of the sessions shown: new ones get a machine, each changed record value goes in,
  // sessions no longer listed are deleted records.
  update(sessions) {
    const listed = new Set();
    for (const s of sessions) {
      listed.add(s.id);
      const e = this.entries.get(s.id) ?? this.create(s);
      e.session = s;
      const key = JSON.stringify([s.status, s.bytesDownloaded ?? null, s.reason ?? '']);
      if (key === e.recordKey) continue;
      e.recordKey = key;
      this.input(s.id, (m, t) => m.onRecord(t, { status: s.status, bytesDownloaded: s.bytesDownloaded, reason: s.reason ?? '' }));
    }
    for (const id of [...this.entries.keys()]) if (!listed.has(id)) this.remove(id);
  }

  create(s) {
    const mine = s.initiatorId === this.userId;
    const machine = new this.core.SessionLifecycle({
      role: mine ? 'initiator' : 'recipient', mode: s.mode === MODES.sameFile ? 'same-file' : 'transfer',
      fileName: s.fileName, fileSize: s.fileSize ?? 0, selfName: this.userName,
      peerName: this.nameOf(mine ? s.recipientId : s.initiatorId),
    });
    const e = { machine, session: s, recordKey: null, timer: null, draining: false, cancelledHere: false };
    this.entries.set(s.id, e);
    const t = now();
    if (this.files.has(s.id)) machine.onFileAvailable(t);  // picked at invite time, before the record arrived
    if (this.present) machine.onPeerPresent(t, this.present.has(this.peerId(s)));
    if (!mine && s.mode !== MODES.sameFile) this.askStore(s.id);
    return e;
  }

  // Recipient, transfer mode: what this browser holds for the session, once.
  askStore(id) {
    const store = this.transfers.store;
    const tell = (rec) => this.input(id, (m, t) => m.onStoredDownload(t, { exists: !!rec, complete: !!rec?.complete }));
    if (!store) {
      queueMicrotask(() => tell(null));
      return;
    }
    store.getTransfer(id).then(tell, () => tell(null));
  }

  remove(id) {
    const e = this.entries.get(id);
    this.input(id, (m, t) => m.onRecordDeleted(t));
    clearTimeout(e.timer);
    this.entries.delete(id);
    e.machine.delete();
  }

  peerId(s) {
    return s.initiatorId === this.userId ? s.recipientId : s.initiatorId;
  }

  // ---- inputs from the page ----
  accept(id) { return this.button(id, 'onAccept'); }
  decline(id) { return this.button(id, 'onDecline'); }
  cancel(id) {
    const e = this.entries.get(id);
    if (e) e.cancelledHere = true;  // our Cancel also tells the peer over the data channel
    return this.button(id, 'onCancel');
  }
  end(id) { return this.button(id, 'onEnd'); }
  deleteStored(id) { return this.button(id, 'onDeleteRequested'); }
  fileAvailable(id) { this.input(id, (m, t) => m.onFileAvailable(t)); }
  playbackUnlocked(id) { this.input(id, (m, t) => m.onPlaybackUnlocked(t)); }
  progressiveUnplayable(id) { this.input(id, (m, t) => m.onProgressiveUnplayable(t)); }
  localPlaying(id, playing) { this.input(id, (m, t) => m.onLocalPlaying(t, playing)); }
  // The sync driver's view of the other side (after every sync step: only a change goes in).
  peerWatching(id, watching) {
    const e = this.entries.get(id);
    if (!e || e.peerWatching === watching) return;
    e.peerWatching = watching;
    this.input(id, (m, t) => m.onPeerWatching(t, watching));
  }

  button(id, method) {
    const taken = this.input(id, (m, t) => m[method](t));
    if (taken === false) this.onChange();  // not valid any more: the item is redrawn from the machine
    return !!taken;
  }

  // Presence: people is everyone present now.
  setPeople(people) {
    this.present = new Set(people.map((p) => p.id));
    for (const [id, e] of this.entries) this.input(id, (m, t) => m.onPeerPresent(t, this.present.has(this.peerId(e.session))));
  }

  view(id) {
    return this.entries.get(id)?.machine.view(now()) ?? null;
  }

  // ---- the machine's side ----
  input(id, fn) {
    const e = this.entries.get(id);
    if (!e) return undefined;
    const result = fn(e.machine, now());
    this.drain(id, e);
    return result;
  }

  // Carries out every action, in order. An action carried out may feed an input at once (a transfer
  // reporting its first state): its actions join the queue this loop is draining.
  drain(id, e) {
    if (e.draining) return;
    e.draining = true;
    try {
      for (let a = e.machine.pollAction(); a; a = e.machine.pollAction()) this.carryOut(id, e, a);
    } finally {
      e.draining = false;
    }
    this.arm(id, e);
    // The transfer's status line says when the peer left, as the machine (with its grace period) sees it.
    const t = this.transfers.transfers.get(id);
    if (t && this.entries.has(id)) t.peerGone = e.machine.view(now()).peerGone;
    this.onChange();
  }

  arm(id, e) {
    clearTimeout(e.timer);
    e.timer = null;
    if (!this.entries.has(id)) return;
    const at = e.machine.pollTimeout();
    if (!Number.isFinite(at)) return;
    e.timer = setTimeout(() => this.input(id, (m, t) => m.handleTimeout(t)), Math.max(0, at - now()));
  }

  carryOut(id, e, a) {
    const s = e.session;
    switch (a.kind) {
      case 'write-status': {
        const extra = {};
        if (a.reason) extra.reason = a.reason;
        if (a.bytesDownloaded !== undefined) extra.bytesDownloaded = a.bytesDownloaded;
        if (a.status === 'downloading') extra.acceptedAt = Date.now();
        setStatus(this.db, id, a.status, extra).catch(() => this.input(id, (m, t) => m.onWriteFailed(t, a.status)));
        break;
      }
      case 'start-transfer':
        this.transfers.start(s, a.role);
        break;
      case 'stop-transfer':
        this.transfers.stop(id, { stage: e.machine.stage(), reason: s.reason ?? a.reason, tellPeer: e.cancelledHere });
        break;
      case 'load-stored-file':
        this.transfers.loadStored(s).then((blob) => {
          if (!blob) return;
          this.files.set(id, blob);
          this.fileAvailable(id);
        }).catch((err) => this.showError(`The received file cannot be opened: ${err.message}`));
        break;
      case 'open-player':
        this.player.open(s, a.source);
        break;
      case 'close-player':
        this.player.close(id);
        break;
      case 'record-end':
        this.transfers.recordEnd(s).catch((err) => this.showError(`Could not record the end of "${s.fileName}": ${err.message}`));
        break;
      case 'delete-stored':
        this.transfers.deleteNow(s).then(() => {
          this.files.delete(id);
          this.input(id, (m, t) => m.onDeleted(t));
        }, (err) => this.showError(`Could not delete "${s.fileName}": ${err.message}`));
        break;
      case 'notify':
        this.showError(a.text);
        break;
      default:
        break;
    }
  }

  close() {
    for (const id of [...this.entries.keys()]) {
      const e = this.entries.get(id);
      clearTimeout(e.timer);
      e.machine.delete();
      this.entries.delete(id);
    }
  }
}
