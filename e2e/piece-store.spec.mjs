// The IndexedDB piece store (web/adapters/piece-store.js) alone, in a real browser, through its harness page.
// Data is generated in the page from a seeded xorshift32 generator, piece by piece, so any piece can be
// regenerated and compared byte for byte; whole files are checked by SHA-256 (WebCrypto in the page,
// node:crypto over the downloaded file).
import { test as base, expect } from '@playwright/test';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Playwright 1.58 reports no 'download' event from Firefox ESR over WebDriver BiDi when the download
// has no navigation (an <a download> of a blob: URL), so Firefox saves into a folder of ours and the
// test waits for the finished file there.
const test = base.extend({
  downloadDir: [async ({}, use) => {
    const dir = mkdtempSync(join(tmpdir(), 'wt-piece-store-'));
    await use(dir);
    rmSync(dir, { recursive: true, force: true });
  }, { scope: 'worker' }],
  launchOptions: [async ({ launchOptions, browserName, downloadDir }, use) => {
    if (browserName !== 'firefox') return use(launchOptions);
    return use({
      ...launchOptions,
      firefoxUserPrefs: {
        ...launchOptions.firefoxUserPrefs,
        'browser.download.folderList': 2, 'browser.download.dir': downloadDir, 'browser.download.useDownloadDir': true,
      },
    });
  }, { scope: 'worker' }],
});

// Runs trigger() (which starts a download of `name`, `size` bytes) and returns the finished file's path.
async function downloaded(page, { browserName, downloadDir }, name, size, trigger) {
  if (browserName !== 'firefox') {
    const [download] = await Promise.all([page.waitForEvent('download'), trigger()]);
    expect(download.suggestedFilename()).toBe(name);
    const path = join(downloadDir, name);
    await download.saveAs(path);
    return path;
  }
  await trigger();
  const path = join(downloadDir, name);
  // Firefox writes <name>.part and renames it into place when done.
  await expect.poll(() => existsSync(path) && statSync(path).size === size
    && !readdirSync(downloadDir).some((f) => f.endsWith('.part'))).toBe(true);
  return path;
}

const PIECE = 1048576;
const FILE_SIZE = 20 * PIECE + 12345;  // 21 pieces, the last one 12345 bytes
const PIECE_COUNT = 21;
const harnessUrl = () => `${process.env.WT_BASE_URL}/harness/piece-store.html`;

// Runs in the page before the harness loads (again after a reload).
function installTestData() {
  const PIECE = 1048576;
  const td = {
    pieceSize: (fileSize, piece) => Math.min(PIECE, fileSize - piece * PIECE),
    // xorshift32 seeded from (seed, piece). The last piece is a view into a longer buffer on purpose:
    // the store must keep the view's bytes only.
    pieceBytes(seed, fileSize, piece) {
      const size = td.pieceSize(fileSize, piece);
      const words = new Uint32Array(Math.ceil(size / 4) + 1);
      let x = (Math.imul(seed, 0x9e3779b1) ^ Math.imul(piece + 1, 0x85ebca6b)) | 0 || 1;
      for (let i = 0; i < words.length; i++) {
        x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
        words[i] = x;
      }
      return new Uint8Array(words.buffer, 0, size);
    },
    equal(a, b) {
      if (!a || !b || a.length !== b.length) return false;
      for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
      return true;
    },
    async sha256(seed, fileSize) {
      const all = new Uint8Array(fileSize);
      for (let p = 0; p * PIECE < fileSize; p++) all.set(td.pieceBytes(seed, fileSize, p), p * PIECE);
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', all));
      return [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
    },
    record(transferId, fileSize, extra = {}) {
      return {
        transferId, sessionId: `session-${transferId}`, role: 'receiver', fileName: `${transferId}.mp4`, fileSize,
        mimeType: 'video/mp4', pieceCount: Math.ceil(fileSize / PIECE), createdAt: 1700000000000,
        lastActiveAt: 1700000000000, endedAt: null, ledger: null, complete: false, hasChunks: false, ...extra,
      };
    },
    // Writes a whole generated file through a PieceWriter; the ledger stored last is [seed, 255, 0, 7].
    async writeFile(store, transferId, seed, fileSize, writerOptions) {
      const { PieceWriter } = window.wtPieceStore;
      await store.putTransfer(td.record(transferId, fileSize));
      const writer = new PieceWriter(store, transferId, writerOptions);
      const writes = [];
      const count = Math.ceil(fileSize / PIECE);
      let maxPending = 0;
      for (let p = 0; p < count; p++) {
        writes.push(writer.write(p, td.pieceBytes(seed, fileSize, p)));
        writer.setLedger(new Uint8Array([seed, p, 0, 0]));  // latest wins
        maxPending = Math.max(maxPending, writer.pendingBytes);
      }
      writer.setLedger(new Uint8Array([seed, 255, 0, 7]));
      await writer.flush();
      await Promise.all(writes);
      return { maxPending, pendingAfter: writer.pendingBytes };
    },
    // Indices of the pieces that do not read back equal to the generated ones.
    async mismatches(store, transferId, seed, fileSize) {
      const bad = [];
      for (let p = 0; p * PIECE < fileSize; p++) {
        if (!td.equal(await store.readPiece(transferId, p), td.pieceBytes(seed, fileSize, p))) bad.push(p);
      }
      return bad;
    },
  };
  window.td = td;
}

let pageErrors;
test.beforeEach(async ({ page }) => {
  pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.addInitScript(installTestData);
  await page.goto(harnessUrl());
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
});
test.afterEach(() => expect(pageErrors).toEqual([]));

test('pieces written through a PieceWriter in batches read back byte-identical, with the last ledger', async ({ page }) => {
  const r = await page.evaluate(async ({ FILE_SIZE, PIECE_COUNT }) => {
    const store = await window.wtPieceStore.openPieceStore({ name: 'wt-test' });
    const written = await td.writeFile(store, 'movie', 7, FILE_SIZE, { maxBatchPieces: 4, maxDelayMs: 20 });
    const record = await store.getTransfer('movie');
    const out = {
      ...written,
      bad: await td.mismatches(store, 'movie', 7, FILE_SIZE),
      lastSize: (await store.readPiece('movie', PIECE_COUNT - 1)).length,
      beyondEnd: await store.readPiece('movie', PIECE_COUNT),
      ledger: Array.from(record.ledger),
      hasChunks: record.hasChunks,
    };
    store.close();
    return out;
  }, { FILE_SIZE, PIECE_COUNT });
  expect(r.bad).toEqual([]);
  expect(r.lastSize).toBe(12345);
  expect(r.beyondEnd).toBeNull();
  expect(r.ledger).toEqual([7, 255, 0, 7]);
  expect(r.hasChunks).toBe(true);
  expect(r.maxPending).toBeGreaterThanOrEqual(3 * PIECE);  // pieces were held back for a batch
  expect(r.pendingAfter).toBe(0);
});

test('the transfer record and its pieces survive a page reload', async ({ page }) => {
  const size = 3 * PIECE + 100;
  const before = await page.evaluate(async ({ size }) => {
    const store = await window.wtPieceStore.openPieceStore({ name: 'wt-test' });
    await td.writeFile(store, 'kept', 3, size);
    const record = await store.getTransfer('kept');
    store.close();
    return { ...record, ledger: Array.from(record.ledger) };
  }, { size });
  await page.reload();
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  const after = await page.evaluate(async ({ size }) => {
    const store = await window.wtPieceStore.openPieceStore({ name: 'wt-test' });
    const record = await store.getTransfer('kept');
    const list = await store.listTransfers();
    const out = {
      record: { ...record, ledger: Array.from(record.ledger), ledgerIsBytes: record.ledger instanceof Uint8Array },
      listed: list.map((t) => t.transferId),
      bad: await td.mismatches(store, 'kept', 3, size),
    };
    store.close();
    return out;
  }, { size });
  expect(after.record).toEqual({ ...before, ledgerIsBytes: true });
  expect(after.record).toMatchObject({ fileName: 'kept.mp4', fileSize: size, pieceCount: 4, hasChunks: true, ledger: [3, 255, 0, 7] });
  expect(after.listed).toEqual(['kept']);
  expect(after.bad).toEqual([]);
});

test('deleteChunks drops the pieces and ledger but keeps the record; deleteTransfer drops both', async ({ page }) => {
  const r = await page.evaluate(async () => {
    const size = 2 * 1048576 + 5;
    const store = await window.wtPieceStore.openPieceStore({ name: 'wt-test' });
    await td.writeFile(store, 'a', 1, size);
    await td.writeFile(store, 'b', 2, size);
    const merged = await store.updateTransfer('a', { complete: true, endedAt: 1700000000999 });
    const missingUpdate = await store.updateTransfer('nobody', { complete: true });

    await store.deleteChunks('a');
    const a = await store.getTransfer('a');
    const aPieces = [await store.readPiece('a', 0), await store.readPiece('a', 1), await store.readPiece('a', 2)];
    const aBlobError = await store.fileBlob('a', 3, 'video/mp4').then(() => 'no error', (e) => e.message);
    const bIntact = await td.mismatches(store, 'b', 2, size);

    await store.deleteTransfer('b');
    const out = {
      merged: { complete: merged.complete, endedAt: merged.endedAt, fileName: merged.fileName },
      missingUpdate: missingUpdate === undefined,
      a: { ...a, ledger: a.ledger },
      aPieces, aBlobError, bIntact,
      b: (await store.getTransfer('b')) === undefined,
      bPieces: [await store.readPiece('b', 0), await store.readPiece('b', 2)],
      listed: (await store.listTransfers()).map((t) => t.transferId),
    };
    store.close();
    return out;
  });
  expect(r.merged).toEqual({ complete: true, endedAt: 1700000000999, fileName: 'a.mp4' });
  expect(r.missingUpdate).toBe(true);
  expect(r.a).toMatchObject({ transferId: 'a', fileName: 'a.mp4', endedAt: 1700000000999, hasChunks: false, ledger: null, complete: false });
  expect(r.aPieces).toEqual([null, null, null]);
  expect(r.aBlobError).toBe('cannot assemble "a.mp4": piece 0 of 3 is not stored');
  expect(r.bIntact).toEqual([]);
  expect(r.b).toBe(true);
  expect(r.bPieces).toEqual([null, null]);
  expect(r.listed).toEqual(['a']);  // nobody's update created no record
});

test.describe('saving the file', () => {
  test('saveFile without the picker downloads the assembled file, equal to the generated bytes by SHA-256', async ({ page, browserName, downloadDir }) => {
    const expected = await page.evaluate(async ({ FILE_SIZE }) => {
      const store = await window.wtPieceStore.openPieceStore({ name: 'wt-test' });
      await td.writeFile(store, 'film', 11, FILE_SIZE);
      window.testStore = store;
      return td.sha256(11, FILE_SIZE);
    }, { FILE_SIZE });
    let started;
    const file = await downloaded(page, { browserName, downloadDir }, 'film.mp4', FILE_SIZE, async () => {
      started = await page.evaluate(async () =>
        window.wtPieceStore.saveFile(window.testStore, await window.testStore.getTransfer('film'), { preferPicker: false }));
    });
    expect(started).toBe(true);
    const bytes = readFileSync(file);
    expect(bytes.length).toBe(FILE_SIZE);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(expected);
  });

  test('saveFile streams piece by piece into the picked file; a cancelled picker saves nothing', async ({ page }) => {
    // The picker itself needs a person; stand in for it with a real file handle from the origin's
    // private file system, which the writable stream then fills.
    const r = await page.evaluate(async ({ FILE_SIZE }) => {
      const { openPieceStore, saveFile } = window.wtPieceStore;
      const store = await openPieceStore({ name: 'wt-test' });
      await td.writeFile(store, 'film', 12, FILE_SIZE);
      const record = await store.getTransfer('film');
      const root = await navigator.storage.getDirectory();
      const asked = [];
      window.showSaveFilePicker = async (options) => {
        asked.push(options.suggestedName);
        return root.getFileHandle('saved.mp4', { create: true });
      };
      const saved = await saveFile(store, record);
      const file = await (await root.getFileHandle('saved.mp4')).getFile();
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await file.arrayBuffer()));
      window.showSaveFilePicker = async () => { throw new DOMException('The user aborted a request.', 'AbortError'); };
      const cancelled = await saveFile(store, record);
      store.close();
      return {
        saved, cancelled, asked, size: file.size,
        sha256: [...digest].map((b) => b.toString(16).padStart(2, '0')).join(''),
        expected: await td.sha256(12, FILE_SIZE),
      };
    }, { FILE_SIZE });
    expect(r.saved).toBe(true);
    expect(r.asked).toEqual(['film.mp4']);
    expect(r.size).toBe(FILE_SIZE);
    expect(r.sha256).toBe(r.expected);
    expect(r.cancelled).toBe(false);
  });

  test('saveFile falls back to a download when the picker refuses, and fileBlob names a missing piece', async ({ page, browserName, downloadDir }) => {
    const size = 3 * PIECE + 77;
    const expected = await page.evaluate(async ({ size }) => {
      const store = await window.wtPieceStore.openPieceStore({ name: 'wt-test' });
      await td.writeFile(store, 'short', 5, size);
      window.testStore = store;
      window.showSaveFilePicker = async () => { throw new DOMException('Must be handling a user gesture to show a file picker.', 'SecurityError'); };
      return td.sha256(5, size);
    }, { size });
    const file = await downloaded(page, { browserName, downloadDir }, 'short.mp4', size, () =>
      page.evaluate(async () => window.wtPieceStore.saveFile(window.testStore, await window.testStore.getTransfer('short'))));
    expect(statSync(file).size).toBe(size);
    expect(createHash('sha256').update(readFileSync(file)).digest('hex')).toBe(expected);

    const r = await page.evaluate(async () => {
      const store = window.testStore;
      const whole = await store.fileBlob('short', 4, 'video/mp4');
      // Remove one piece behind the store's back, through IndexedDB itself.
      const db = await new Promise((ok) => { const o = indexedDB.open('wt-test'); o.onsuccess = () => ok(o.result); });
      await new Promise((ok, fail) => {
        const tx = db.transaction('pieces', 'readwrite');
        tx.objectStore('pieces').delete(['short', 2]);
        tx.oncomplete = ok; tx.onabort = () => fail(tx.error);
      });
      db.close();
      const missing = await store.fileBlob('short', 4, 'video/mp4').then(() => 'no error', (e) => e.message);
      const saveMissing = await window.wtPieceStore.saveFile(store, await store.getTransfer('short'), { preferPicker: false })
        .then(() => 'no error', (e) => e.message);
      store.close();
      return { size: whole.size, type: whole.type, missing, saveMissing };
    });
    expect(r).toEqual({
      size, type: 'video/mp4',
      missing: 'cannot assemble "short.mp4": piece 2 of 4 is not stored',
      saveMissing: 'cannot assemble "short.mp4": piece 2 of 4 is not stored',
    });
  });
});

test('a failed write rejects with a clear error and the writer goes on with later writes', async ({ page }) => {
  const r = await page.evaluate(async () => {
    const { openPieceStore, PieceWriter } = window.wtPieceStore;
    const size = 6 * 1048576;
    const store = await openPieceStore({ name: 'wt-test' });
    const writer = new PieceWriter(store, 'gone', { maxBatchPieces: 2, maxDelayMs: 10 });
    const outcome = (p) => p.then(() => 'stored', (e) => e.message);

    // 1. The transfer record was deleted (the user removed the transfer while pieces were arriving).
    await store.putTransfer(td.record('gone', size));
    await store.deleteTransfer('gone');
    const orphan = await Promise.all([outcome(writer.write(0, td.pieceBytes(9, size, 0))), outcome(writer.write(1, td.pieceBytes(9, size, 1)))]);
    // 2. Bytes that are not bytes, in a batch with a good piece: the batch is one transaction.
    await store.putTransfer(td.record('gone', size));
    const invalid = await Promise.all([outcome(writer.write(2, 'not bytes')), outcome(writer.write(3, td.pieceBytes(9, size, 3)))]);
    // 3. Later writes go through.
    const later = await Promise.all([4, 5].map((p) => outcome(writer.write(p, td.pieceBytes(9, size, p)))));
    await writer.flush();
    const stored = [];
    for (let p = 0; p < 6; p++) {
      const bytes = await store.readPiece('gone', p);
      stored.push(bytes === null ? null : td.equal(bytes, td.pieceBytes(9, size, p)));
    }
    // 4. Another tab deletes the database: the store steps aside at once (the deletion is not blocked)
    //    and later writes say why they fail.
    await new Promise((ok, fail) => {
      const d = indexedDB.deleteDatabase('wt-test');
      d.onsuccess = ok; d.onerror = () => fail(d.error);
      d.onblocked = () => fail(new Error('deletion blocked'));
    });
    const afterDelete = await outcome(writer.write(6, td.pieceBytes(9, size, 0)));
    const flushAfterDelete = await outcome(writer.flush());
    return { orphan, invalid, later, stored, afterDelete, flushAfterDelete, pendingAfter: writer.pendingBytes };
  });
  expect(r.orphan).toEqual(Array(2).fill('could not store pieces 0–1 of transfer gone: there is no such transfer record (deleted?)'));
  expect(r.invalid).toEqual(Array(2).fill('could not store pieces 2–3 of transfer gone: piece 2 is neither a Uint8Array nor a Blob'));
  expect(r.later).toEqual(['stored', 'stored']);
  expect(r.stored).toEqual([null, null, null, null, true, true]);
  expect(r.afterDelete).toBe('could not store piece 6 of transfer gone: the piece store is closed (it was upgraded or deleted by another tab)');
  expect(r.flushAfterDelete).toBe('stored');  // nothing was left to flush
  expect(r.pendingAfter).toBe(0);
});

test('a write beyond the storage quota rejects with StoreFullError, and space freed lets writing go on', async ({ page, browserName, playwright, launchOptions, channel }) => {
  // A small quota for this origin: Chromium takes one over DevTools; Firefox only from a pref at launch.
  let target = page, small = null;
  if (browserName === 'chromium') {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(process.env.WT_BASE_URL).origin, quotaSize: 40 * PIECE });
  } else {
    small = await playwright.firefox.launch({
      ...launchOptions, channel,
      firefoxUserPrefs: { ...launchOptions.firefoxUserPrefs, 'dom.quotaManager.temporaryStorage.fixedLimit': 100 * 1024 },  // KiB; 20 MiB per site
    });
    target = await small.newPage();
    await target.addInitScript(installTestData);
    await target.goto(harnessUrl());
    await expect(target.locator('body')).toHaveAttribute('data-ready', 'true');
  }
  try {
    const r = await target.evaluate(async () => {
      const { openPieceStore, PieceWriter, StoreFullError } = window.wtPieceStore;
      const size = 200 * 1048576;
      const store = await openPieceStore({ name: 'wt-test' });
      await store.putTransfer(td.record('big', size));
      const writer = new PieceWriter(store, 'big');  // batches of 8 pieces
      let error = null, batch = 0;
      for (; !error && batch < 25; batch++) {
        const pieces = Array.from({ length: 8 }, (_, k) => batch * 8 + k);
        await Promise.all(pieces.map((p) => writer.write(p, td.pieceBytes(4, size, p)))).catch((e) => { error = e; });
      }
      const failedFirst = (batch - 1) * 8;
      const out = {
        name: error?.name, isStoreFull: error instanceof StoreFullError, message: error?.message, neededBytes: error?.neededBytes,
        failedFirst,
        beforeIntact: (await td.mismatches(store, 'big', 4, 8 * 1048576)).length === 0,  // the first batch
        failedStored: await store.readPiece('big', failedFirst),  // a batch is one transaction: none of it
      };
      // Still full: the same batch again fails the same way (not with some leftover state).
      out.retry = await Promise.all(Array.from({ length: 8 }, (_, k) => writer.write(failedFirst + k, td.pieceBytes(4, size, failedFirst + k))))
        .then(() => 'stored', (e) => e.name);
      await store.deleteChunks('big');
      out.afterFree = await writer.write(0, td.pieceBytes(4, size, 0)).then(() => 'stored', (e) => e.message);
      out.readAfterFree = td.equal(await store.readPiece('big', 0), td.pieceBytes(4, size, 0));
      store.close();
      return out;
    });
    expect(r).toMatchObject({ name: 'StoreFullError', isStoreFull: true, neededBytes: 8 * PIECE, beforeIntact: true, failedStored: null, retry: 'StoreFullError' });
    expect(r.failedFirst).toBeGreaterThan(0);
    expect(r.message).toMatch(new RegExp(`^the browser's storage for this site is full: could not store pieces ${r.failedFirst}–${r.failedFirst + 7} `
      + `of "big.mp4", which needed 8\\.0 MiB more \\([\\d.]+ MiB used of [\\d.]+ MiB allowed\\)`));
    expect(r.afterFree).toBe('stored');
    expect(r.readAfterFree).toBe(true);
  } finally {
    await small?.close();
  }
});
