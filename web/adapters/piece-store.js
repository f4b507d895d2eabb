// The receiving browser's store of verified pieces: IndexedDB, plus what belongs with it (the
// StorageManager's estimate and persist, and saving the stored file to disk). No policy here.
//   transfers  { transferId, sessionId, role, fileName, fileSize, mimeType, pieceCount, createdAt,
//                lastActiveAt, endedAt, ledger (opaque core bytes | null), complete, hasChunks }
//   pieces     key [transferId, piece] → Blob of that piece's bytes
//   subtitles  key [sessionId, id] → { sessionId, id, name, by, bytes (Blob), addedAt }: subtitle files
//              either viewer added to a session (version 2)
// Pieces are stored as Blobs, not ArrayBuffers: a Blob read back from IndexedDB is backed by the
// browser's own files, so the whole movie can be composed (new Blob([...pieces])) and saved without
// ever being held in memory. Measured here, 200 MiB in transactions of 8 × 1 MiB: Blobs write at about
// 310 MiB/s in Chromium and 245 MiB/s in Firefox, ArrayBuffers at 300 and 140. Small transactions
// are what is slow (one per 64 KiB: 35 and 25 MiB/s for Blobs), hence PieceWriter's batches.

const DB_VERSION = 2;
const TRANSFERS = 'transfers';
const PIECES = 'pieces';
const SUBTITLES = 'subtitles';
const BLOCKED_TIMEOUT_MS = 10_000;
const MiB = 1024 * 1024;

export class StoreFullError extends Error {
  /**
   * @param {string} message
   * @param {{ neededBytes?: number, usage?: number, quota?: number, cause?: unknown }} [details]
   */
  constructor(message, { neededBytes = 0, usage = 0, quota = 0, cause } = {}) {
    super(message, { cause });
    this.name = 'StoreFullError';
    this.neededBytes = neededBytes;
    this.usage = usage;
    this.quota = quota;
  }
}

const isQuotaError = (e) => e?.name === 'QuotaExceededError' || e?.name === 'NS_ERROR_DOM_QUOTA_REACHED';
const mib = (bytes) => `${(bytes / MiB).toFixed(1)} MiB`;
const reason = (e) => (e ? `${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${e.message}` : 'the transaction was aborted');
// All pieces of one transfer, in piece order: compound keys sort by transferId, then by piece number.
const allPieces = (transferId) => IDBKeyRange.bound([transferId, 0], [transferId, Infinity]);
// All subtitle files of one session (string ids sort below the array key that ends the range).
const sessionSubtitles = (sessionId) => IDBKeyRange.bound([sessionId, ''], [sessionId, []]);

// "piece 12", "pieces 12–19", or "8 pieces (12, 15, …)" for messages.
function describePieces(numbers) {
  if (numbers.length === 1) return `piece ${numbers[0]}`;
  const contiguous = numbers.every((n, i) => i === 0 || n === numbers[i - 1] + 1);
  if (contiguous) return `pieces ${numbers[0]}–${numbers[numbers.length - 1]}`;
  return `${numbers.length} pieces (${numbers.slice(0, 3).join(', ')}${numbers.length > 3 ? ', …' : ''})`;
}

export async function openPieceStore({ name = 'watch-together' } = {}) {
  if (typeof indexedDB === 'undefined' || !indexedDB) {
    throw new Error('this browser offers no IndexedDB here (a private window?), so received pieces cannot be stored');
  }
  const db = await new Promise((resolve, reject) => {
    let request, settled = false, blockedTimer;
    const fail = (message) => {
      settled = true;
      clearTimeout(blockedTimer);
      reject(new Error(message));
    };
    try {
      request = indexedDB.open(name, DB_VERSION);
    } catch (e) {
      fail(`could not open the piece store "${name}": ${reason(e)}`);
      return;
    }
    request.onupgradeneeded = () => {
      const upgrading = request.result;
      if (!upgrading.objectStoreNames.contains(TRANSFERS)) upgrading.createObjectStore(TRANSFERS, { keyPath: 'transferId' });
      if (!upgrading.objectStoreNames.contains(PIECES)) upgrading.createObjectStore(PIECES);
      if (!upgrading.objectStoreNames.contains(SUBTITLES)) upgrading.createObjectStore(SUBTITLES);
    };
    // Another tab holds an older version open and has not closed it on versionchange; give it a
    // moment (ours close at once), then say what to do rather than wait forever.
    request.onblocked = () => {
      blockedTimer = setTimeout(() => fail(`could not open the piece store "${name}": another tab of this app keeps it open; close it and try again`), BLOCKED_TIMEOUT_MS);
    };
    request.onsuccess = () => {
      clearTimeout(blockedTimer);
      if (settled) request.result.close();  // gave up while blocked
      else {
        settled = true;
        resolve(request.result);
      }
    };
    request.onerror = () => fail(`could not open the piece store "${name}" (IndexedDB unavailable, e.g. in a private window, or storage disabled): ${reason(request.error)}`);
  });
  return new PieceStore(db, name);
}

/** @typedef {PieceStore} Store  the page's piece store, as openPieceStore() gives it (for other modules' JSDoc) */

class PieceStore {
  #db;
  #name;
  #closedBecause = null;

  constructor(db, name) {
    this.#db = db;
    this.#name = name;
    // A newer version or a deletion elsewhere: step aside at once so that it is not blocked.
    db.onversionchange = () => this.#shut('it was upgraded or deleted by another tab');
    // The browser closed it under us (storage cleared by the user, disk error).
    db.onclose = () => this.#shut('the browser closed it (site data cleared?)');
  }

  get name() { return this.#name; }
  get closed() { return this.#closedBecause !== null; }

  close() {
    this.#shut('close() was called');
  }

  #shut(why) {
    if (this.#closedBecause === null) this.#closedBecause = why;
    this.#db.close();
  }

  // Runs fn(stores, tx) in one transaction. fn may return a function that reads its requests' results:
  // its value is what the promise resolves with once the transaction commits. Rejects, never hangs,
  // if the transaction aborts; what() names the operation for messages ("could not <what>: …").
  #run(names, mode, what, fn, options) {
    return new Promise((resolve, reject) => {
      if (this.#closedBecause !== null) {
        reject(new Error(`could not ${what()}: the piece store is closed (${this.#closedBecause})`));
        return;
      }
      let tx, result, thrown = null;
      try {
        tx = this.#db.transaction(names, mode, options);
      } catch (e) {
        reject(new Error(`could not ${what()}: ${reason(e)}`, { cause: e }));
        return;
      }
      const stores = Object.fromEntries([].concat(names).map((n) => [n, tx.objectStore(n)]));
      tx.oncomplete = () => resolve(typeof result === 'function' ? result() : undefined);
      tx.onabort = () => {
        const cause = thrown ?? tx.error;
        if (isQuotaError(cause)) {
          this.#spendCleanupTransaction();
          reject(cause);  // the caller turns it into a StoreFullError
        } else reject(new Error(`could not ${what()}: ${reason(cause)}`, { cause }));
      };
      try {
        result = fn(stores, tx);
      } catch (e) {
        thrown = e;
        try { tx.abort(); } catch { /* already finishing */ }
      }
    });
  }

  // Firefox makes the first readwrite transaction after a quota error a "cleanup" one that may only
  // delete (put() throws InvalidStateError). Spend it here, deleting nothing, so that the caller's next
  // write or deleteChunks runs normally.
  #spendCleanupTransaction() {
    try {
      const tx = this.#db.transaction(TRANSFERS, 'readwrite');
      tx.objectStore(TRANSFERS).delete('');  // no record has an empty transferId
      tx.onabort = () => {};
    } catch { /* closed: nothing to spend */ }
  }

  async putTransfer(record) {
    if (typeof record?.transferId !== 'string' || !record.transferId) throw new Error('a transfer record needs a transferId string');
    await this.#run(TRANSFERS, 'readwrite', () => `save the transfer record of "${record.fileName}"`,
      (s) => { s[TRANSFERS].put(record); });
  }

  getTransfer(transferId) {
    return this.#run(TRANSFERS, 'readonly', () => `read the transfer record ${transferId}`,
      (s) => { const r = s[TRANSFERS].get(transferId); return () => r.result; });
  }

  listTransfers() {
    return this.#run(TRANSFERS, 'readonly', () => 'list the stored transfers',
      (s) => { const r = s[TRANSFERS].getAll(); return () => r.result; });
  }

  // Resolves with the merged record, or undefined if there is none. Flushed to disk (the record may
  // carry the final ledger and `complete`).
  updateTransfer(transferId, patch) {
    return this.#run(TRANSFERS, 'readwrite', () => `update the transfer record ${transferId}`, (s) => {
      let merged;
      const get = s[TRANSFERS].get(transferId);
      get.onsuccess = () => {
        if (!get.result) return;
        merged = { ...get.result, ...patch, transferId };
        s[TRANSFERS].put(merged);
      };
      return () => merged;
    }, { durability: 'strict' });
  }

  // One transaction: the pieces ({ piece, bytes: a Uint8Array or a Blob }) and hasChunks=true on the
  // record. The record must exist: pieces without one could never be found and cleaned up. Resolves
  // once committed. Relaxed durability (no flush to disk per transaction): a piece a crash loses or
  // tears is caught when it is read back, since every read (resume, playback, save) checks it against
  // the digest the ledger keeps for it, and fetched again. The ledger itself is written strictly, and
  // only after the pieces it counts (saveLedger).
  async writePieces(transferId, pieces) {
    const numbers = pieces.map((p) => p.piece);
    let label = `transfer ${transferId}`;
    const what = () => `store ${describePieces(numbers)} of ${label}`;
    for (const { piece, bytes } of pieces) {
      if (!Number.isSafeInteger(piece) || piece < 0) throw new Error(`could not ${what()}: ${piece} is not a piece number`);
      if (!(bytes instanceof Uint8Array || bytes instanceof Blob)) throw new Error(`could not ${what()}: piece ${piece} is neither a Uint8Array nor a Blob`);
    }
    const neededBytes = pieces.reduce((n, p) => n + sizeOf(p.bytes), 0);
    await this.#writeRecordAnd(transferId, what, neededBytes, 'relaxed', (s, record) => {
      label = `"${record.fileName}"`;
      if (!record.hasChunks) s[TRANSFERS].put({ ...record, hasChunks: true });
    }, (s) => {
      for (const { piece, bytes } of pieces) s[PIECES].put(bytes instanceof Blob ? bytes : new Blob([bytes]), [transferId, piece]);
    });
  }

  // The core's ledger (opaque bytes) on the transfer's record, flushed to disk before this resolves:
  // it is what a resumed transfer trusts to know which pieces it holds, so it is written only after
  // the pieces it counts have been committed.
  async saveLedger(transferId, ledger) {
    if (!(ledger instanceof Uint8Array)) throw new Error(`could not save the ledger of transfer ${transferId}: it is not a Uint8Array`);
    let label = `transfer ${transferId}`;
    await this.#writeRecordAnd(transferId, () => `save the download state of ${label}`, ledger.byteLength, 'strict', (s, record) => {
      label = `"${record.fileName}"`;
      s[TRANSFERS].put({ ...record, hasChunks: true, ledger });
    });
  }

  // A readwrite transaction over the record and the pieces: onRecord(stores, record) once the record
  // is read (the transaction aborts if there is none), alongside(stores) at once. A quota error
  // becomes a StoreFullError that says how much was needed.
  /** @param {(s: Record<string, IDBObjectStore>) => void} [alongside] */
  async #writeRecordAnd(transferId, what, neededBytes, durability, onRecord, alongside = () => {}) {
    let missing = false;
    try {
      await this.#run([TRANSFERS, PIECES], 'readwrite', what, (s, tx) => {
        const get = s[TRANSFERS].get(transferId);
        get.onsuccess = () => {
          if (!get.result) {
            missing = true;
            tx.abort();
            return;
          }
          onRecord(s, get.result);
        };
        alongside(s);
      }, { durability });
    } catch (e) {
      if (isQuotaError(e)) {
        const { usage, quota } = await estimateStorage();
        throw new StoreFullError(`the browser's storage for this site is full: could not ${what()}, which needed ${mib(neededBytes)} more `
          + `(${mib(usage)} used of ${mib(quota)} allowed). Free disk space or delete old transfers.`, { neededBytes, usage, quota, cause: e });
      }
      if (missing) throw new Error(`could not ${what()}: there is no such transfer record (deleted?)`);
      throw e;
    }
  }

  // The piece's bytes, or null if it is not stored.
  async readPiece(transferId, piece) {
    const blob = await this.readPieceBlob(transferId, piece);
    if (!blob) return null;
    try {
      return new Uint8Array(await blob.arrayBuffer());
    } catch (e) {
      throw new Error(`could not read piece ${piece} of transfer ${transferId}: ${reason(e)}`, { cause: e });
    }
  }

  // The piece as a disk-backed Blob (no bytes read), or null if it is not stored.
  async readPieceBlob(transferId, piece) {
    const value = await this.#run(PIECES, 'readonly', () => `read piece ${piece} of transfer ${transferId}`,
      (s) => { const r = s[PIECES].get([transferId, piece]); return () => r.result; });
    return value ?? null;
  }

  // Deletes the pieces and forgets the ledger; the record stays (hasChunks=false, complete=false).
  async deleteChunks(transferId) {
    await this.#run([TRANSFERS, PIECES], 'readwrite', () => `delete the stored pieces of transfer ${transferId}`, (s) => {
      s[PIECES].delete(allPieces(transferId));
      const get = s[TRANSFERS].get(transferId);
      get.onsuccess = () => {
        if (get.result) s[TRANSFERS].put({ ...get.result, hasChunks: false, ledger: null, complete: false });
      };
    });
  }

  // The transfer's record and pieces, and the subtitle files added to its session.
  async deleteTransfer(transferId) {
    await this.#run([TRANSFERS, PIECES, SUBTITLES], 'readwrite', () => `delete transfer ${transferId}`, (s) => {
      s[PIECES].delete(allPieces(transferId));
      s[TRANSFERS].delete(transferId);
      s[SUBTITLES].delete(sessionSubtitles(transferId));
    });
  }

  // A subtitle file added to a session: { id, name, by (who added it), bytes (a Blob or bytes) }.
  putSubtitle(sessionId, { id, name, by, bytes }) {
    const blob = bytes instanceof Blob ? bytes : new Blob([bytes]);
    return this.#run(SUBTITLES, 'readwrite', () => `store the subtitles "${name}"`,
      (s) => { s[SUBTITLES].put({ sessionId, id, name, by, bytes: blob, addedAt: Date.now() }, [sessionId, id]); });
  }

  // The session's subtitle files, in the order they were added.
  async subtitlesOf(sessionId) {
    const list = await this.#run(SUBTITLES, 'readonly', () => `read the subtitles of session ${sessionId}`,
      (s) => { const r = s[SUBTITLES].getAll(sessionSubtitles(sessionId)); return () => r.result; });
    return list.sort((a, b) => a.addedAt - b.addedAt);
  }

  // The whole file as one Blob composed of the stored pieces' disk-backed Blobs: nothing is read.
  async fileBlob(transferId, pieceCount, mimeType) {
    const found = await this.#run([TRANSFERS, PIECES], 'readonly', () => `assemble the file of transfer ${transferId}`, (s) => {
      const record = s[TRANSFERS].get(transferId);
      // Keys and values over the same range in the same transaction: they correspond one to one.
      const keys = s[PIECES].getAllKeys(allPieces(transferId));
      const values = s[PIECES].getAll(allPieces(transferId));
      return () => ({ record: record.result, keys: keys.result, values: values.result });
    });
    const name = found.record ? `"${found.record.fileName}"` : `transfer ${transferId}`;
    const { keys, values } = found;
    for (let i = 0; i < pieceCount; i++) {
      if (keys[i]?.[1] !== i) throw new Error(`cannot assemble ${name}: piece ${i} of ${pieceCount} is not stored`);
    }
    if (keys.length > pieceCount) throw new Error(`cannot assemble ${name}: it has ${keys.length} pieces stored, more than the ${pieceCount} expected`);
    return new Blob(values, { type: mimeType || '' });
  }
}

// A piece's bytes come as a Uint8Array or as a Blob already made of them.
const sizeOf = (bytes) => (bytes instanceof Blob ? bytes.size : bytes?.byteLength ?? 0);

// Collects pieces and writes them in one transaction per batch (maxBatchPieces queued, or maxDelayMs
// after the first one), one transaction after another, in order. A failed batch rejects its pieces'
// promises and the writer goes on with the next one. The ledger goes in a transaction of its own,
// after every batch queued before it (of the ledgers handed over in one turn, only the latest): each
// is flushed to disk, the pieces' transactions are not. What a crash or a reload can lose is what
// the ledger did not count yet, which the download fetches again.
export class PieceWriter {
  #store;
  #transferId;
  #maxBatchPieces;
  #maxDelayMs;
  #queue = [];  // { piece, bytes, resolve, reject }
  #ledger;      // the latest ledger not yet sent
  #timer = null;
  #ledgerTimer = null;
  #tail = Promise.resolve();  // the last transaction; never rejects
  #batches = new Set();  // transactions queued or in flight, each a promise that rejects if it failed
  #queuedBytes = 0;
  #inFlightBytes = 0;

  constructor(store, transferId, { maxBatchPieces = 8, maxDelayMs = 50 } = {}) {
    this.#store = store;
    this.#transferId = transferId;
    this.#maxBatchPieces = maxBatchPieces;
    this.#maxDelayMs = maxDelayMs;
  }

  get pendingBytes() { return this.#queuedBytes + this.#inFlightBytes; }

  // Resolves once the piece is committed. The writer keeps `bytes` (a Uint8Array or a Blob) only
  // until then.
  write(piece, bytes) {
    return new Promise((resolve, reject) => {
      this.#queue.push({ piece, bytes, resolve, reject });
      this.#queuedBytes += sizeOf(bytes);
      if (this.#queue.length >= this.#maxBatchPieces) this.#send();
      else if (this.#timer === null) this.#timer = setTimeout(() => this.#send(), this.#maxDelayMs);
    });
  }

  // The latest ledger, written after the batches queued so far.
  setLedger(bytes) {
    this.#ledger = bytes;
    if (this.#ledgerTimer !== null) return;
    this.#ledgerTimer = setTimeout(() => this.#sendLedger(), 0);  // the ledgers of this turn: one write
  }

  // Sends what is queued (pieces, then the ledger) and waits for every transaction; rejects with the
  // first failure among them.
  async flush() {
    this.#send();
    this.#sendLedger();
    const results = await Promise.allSettled([...this.#batches]);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  #send() {
    clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#queue.length === 0) return;
    let batch = this.#queue;
    this.#queue = [];
    const bytes = batch.reduce((n, e) => n + sizeOf(e.bytes), 0);
    this.#queuedBytes -= bytes;
    this.#inFlightBytes += bytes;
    const done = this.#chain(() => this.#store.writePieces(this.#transferId, batch.map(({ piece, bytes: b }) => ({ piece, bytes: b }))));
    const settle = (err) => {
      this.#inFlightBytes -= bytes;
      for (const e of batch) if (err) e.reject(err); else e.resolve();
      batch = null;  // let the bytes go
    };
    done.then(() => settle(null), settle);  // failures reach the pieces' promises and flush()
  }

  // A ledger whose write failed is kept for the next flush() unless a newer one came meanwhile.
  #sendLedger() {
    clearTimeout(this.#ledgerTimer);
    this.#ledgerTimer = null;
    const ledger = this.#ledger;
    if (ledger === undefined) return;
    this.#ledger = undefined;
    this.#chain(() => this.#store.saveLedger(this.#transferId, ledger)).catch(() => { this.#ledger ??= ledger; });
  }

  // Runs write() after the last transaction; the promise is tracked until it settles.
  #chain(write) {
    const done = this.#tail.then(write);
    this.#batches.add(done);
    const forget = () => this.#batches.delete(done);
    done.then(forget, forget);
    this.#tail = done.catch(() => {});
    return done;
  }
}

export async function estimateStorage() {
  try {
    const { quota = 0, usage = 0 } = (await navigator.storage?.estimate?.()) ?? {};
    return { quota, usage };
  } catch {
    return { quota: 0, usage: 0 };
  }
}

// Asks the browser not to evict our storage under pressure; true if granted.
export async function requestPersistence() {
  try {
    return Boolean(await navigator.storage?.persist?.());
  } catch {
    return false;
  }
}

// Saves the stored file to the user's disk, streaming it from IndexedDB. Resolves true when saved (or
// the download started), false if the user cancelled the picker.
export async function saveFile(store, record, { preferPicker = true } = {}) {
  const { transferId, pieceCount, mimeType, fileName } = record;
  // The File System Access API (Chromium); not in TypeScript's DOM types.
  const win = /** @type {any} */ (window);
  if (preferPicker && typeof win.showSaveFilePicker === 'function') {
    let handle;
    try {
      handle = await win.showSaveFilePicker({ suggestedName: fileName });
    } catch (e) {
      if (e.name === 'AbortError') return false;
      handle = null;  // SecurityError (no user gesture), NotAllowedError, …: fall back to a download
    }
    if (handle) {
      await writePiecesTo(handle, store, record);
      return true;
    }
  }
  const blob = await store.fileBlob(transferId, pieceCount, mimeType);
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName || 'movie';
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  // The download holds its own reference once started; revoke late so that a slow start still finds it.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return true;
}

// One piece at a time: each disk-backed piece Blob is handed to the writable, which streams it.
async function writePiecesTo(handle, store, { transferId, pieceCount, fileName }) {
  let writable;
  try {
    writable = await handle.createWritable();
    for (let i = 0; i < pieceCount; i++) {
      const piece = await store.readPieceBlob(transferId, i);
      if (!piece) throw new Error(`piece ${i} of ${pieceCount} is not stored`);
      await writable.write(piece);
    }
    await writable.close();
  } catch (e) {
    await writable?.abort().catch(() => {});
    throw new Error(`could not save "${fileName}" to disk: ${reason(e)}`, { cause: e });
  }
}
