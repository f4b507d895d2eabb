// Files, invitations and probes for the transfer tests. The truth is always outside the app:
// sha256sum of the source file, and of the file the receiving browser saved.
import { expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { FIREFOX_DOWNLOADS } from '../playwright.config.mjs';
import { randomBytes } from 'node:crypto';

export const MiB = 1024 * 1024;

// A file of random bytes (incompressible, so nothing can cheat) of exactly `size` bytes.
export function makeFile(path, size) {
  const fd = openSync(path, 'w');
  for (let left = size; left > 0;) {
    const n = Math.min(left, 8 * MiB);
    writeSync(fd, randomBytes(n));
    left -= n;
  }
  closeSync(fd);
  return path;
}

export const sha256sum = (path) => execFileSync('sha256sum', [path]).toString().split(' ')[0];

// Records every RTCPeerConnection the page makes (window.__pcs), so a test can cut one like a
// network failure would; optionally corrupts the payload of the nth chunk frame the page sends.
// dropManifests: the first n Manifest frames this page sends are lost (as if the channel ate them).
export async function instrument(page, { corruptChunk = 0, dropManifests = 0 } = {}) {
  await page.addInitScript(({ corruptChunk: nth, dropManifests: drops }) => {
    window.__pcs = [];
    // Closes every live one, as a network failure would; how many it closed.
    window.__wtCut = () => {
      let n = 0;
      for (const pc of window.__pcs) if (pc.connectionState !== 'closed') { pc.close(); n += 1; }
      return n;
    };
    const Native = window.RTCPeerConnection;
    window.RTCPeerConnection = class extends Native {
      constructor(...args) {
        super(...args);
        window.__pcs.push(this);
      }
    };
    let chunks = 0;
    window.__corrupted = 0;
    window.__droppedManifests = 0;
    // Frame header: magic 0x57, version, type (1 = Manifest, 4 = Chunk), …; payload after 16 bytes.
    // The frame type of what the page sends, or -1 for anything that is not one of our frames.
    const frameType = (data) => (data instanceof Uint8Array && data[0] === 0x57 ? data[2] : -1);
    const send = RTCDataChannel.prototype.send;
    RTCDataChannel.prototype.send = function (data) {
      const type = frameType(data);
      if (type === 1 && window.__droppedManifests < drops) {
        window.__droppedManifests += 1;
        return undefined;
      }
      if (nth && type === 4 && ++chunks === nth) {
        const copy = data.slice();
        copy[16 + 1000] ^= 0xff;
        window.__corrupted += 1;
        return send.call(this, copy);
      }
      return send.call(this, data);
    };
  }, { corruptChunk, dropManifests });
}

// Watches, in every page of `context` (reloads and new pages too), each data channel the page opens
// or is given, and reports every Chunk frame that arrives (frame header: magic 0x57, version, type
// 4 = Chunk, 0, piece index and chunk index and payload length as little-endian u32) with the page
// load and the channel it came on. This is the wire as the receiving browser saw it, independent
// of the product's own counters.
export async function recordArrivals(context) {
  const arrivals = [];  // { load, channel, piece, bytes, at }
  await context.exposeBinding('__wtArrived', (_, a) => { arrivals.push(a); });
  await context.addInitScript(() => {
    const load = `${Date.now()}-${Math.random()}`;
    let channels = 0;
    const watch = (ch) => {
      const channel = ++channels;
      ch.addEventListener('message', (e) => {
        if (!(e.data instanceof ArrayBuffer) || e.data.byteLength < 16) return;
        const v = new DataView(e.data);
        if (v.getUint8(0) !== 0x57 || v.getUint8(2) !== 4) return;
        window.__wtArrived({ load, channel, piece: v.getUint32(4, true), bytes: v.getUint32(12, true), at: Date.now() });
      });
    };
    const create = RTCPeerConnection.prototype.createDataChannel;
    RTCPeerConnection.prototype.createDataChannel = function (...args) {
      const ch = create.apply(this, args);
      watch(ch);
      return ch;
    };
    const Native = window.RTCPeerConnection;
    window.RTCPeerConnection = class extends Native {
      constructor(...args) {
        super(...args);
        this.addEventListener('datachannel', (e) => watch(e.channel));
      }
    };
  });
  return arrivals;
}

// Every piece the page asks for on the wire (its Request and UrgentRequest frames, type 5 and 12:
// index = first piece, sub = count), in order: window.__wtRequested, one entry per piece asked.
export const recordRequests = (page) => page.addInitScript(() => {
  window.__wtRequested = [];
  const send = RTCDataChannel.prototype.send;
  RTCDataChannel.prototype.send = function (data) {
    const bytes = data instanceof ArrayBuffer ? new Uint8Array(data)
      : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : null;
    if (bytes && bytes.byteLength >= 16 && bytes[0] === 0x57 && (bytes[2] === 5 || bytes[2] === 12)) {
      const v = new DataView(bytes.buffer, bytes.byteOffset, 16);
      const first = v.getUint32(4, true), count = v.getUint32(8, true);
      for (let i = 0; i < count; i++) window.__wtRequested.push(first + i);
    }
    return send.call(this, data);
  };
});
// The pieces the page has asked for more than once so far.
export const requestedTwice = (page) => page.evaluate(() => {
  const seen = new Set(), twice = new Set();
  for (const piece of window.__wtRequested) (seen.has(piece) ? twice : seen).add(piece);
  return [...twice].sort((a, b) => a - b);
});

// What interruptions cost, from recorded arrivals of a file of `size` bytes: the chunk bytes that
// arrived beyond one copy of each piece, and the pieces that arrived over more than one channel
// (page load and channel) at all.
export function arrivedTwice(arrivals, size) {
  const bytes = new Map(), paths = new Map();
  for (const a of arrivals) {
    bytes.set(a.piece, (bytes.get(a.piece) ?? 0) + a.bytes);
    if (!paths.has(a.piece)) paths.set(a.piece, new Set());
    paths.get(a.piece).add(`${a.load}/${a.channel}`);
  }
  let extra = 0;
  for (const [piece, n] of bytes) extra += Math.max(0, n - Math.min(MiB, size - piece * MiB));
  const pieces = [...paths].filter(([, p]) => p.size > 1).map(([piece]) => piece).sort((x, y) => x - y);
  return { extraBytes: extra, pieces, total: [...bytes.values()].reduce((x, y) => x + y, 0) };
}

// Each interruption's cost: for every channel but the last, in the order they carried data, the
// pieces that began arriving on it and arrived again on a later one, and their bytes on it.
export function interruptions(arrivals) {
  const channels = [];  // [{ key, pieces: Map piece → bytes }]
  const byKey = new Map();
  for (const a of arrivals) {
    const key = `${a.load}/${a.channel}`;
    if (!byKey.has(key)) {
      byKey.set(key, { key, pieces: new Map() });
      channels.push(byKey.get(key));
    }
    const c = byKey.get(key);
    c.pieces.set(a.piece, (c.pieces.get(a.piece) ?? 0) + a.bytes);
  }
  return channels.slice(0, -1).map((c, i) => {
    const later = channels.slice(i + 1);
    const again = [...c.pieces.keys()].filter((p) => later.some((l) => l.pieces.has(p)));
    return { pieces: again, bytes: again.reduce((n, p) => n + c.pieces.get(p), 0) };
  });
}

// Cuts every live peer connection of the page, as a network failure would.
export const cutConnection = (page) => page.evaluate(() => window.__wtCut());

// The pieces the page's stored ledger counts as held (the record a reload resumes from), read with
// the core's StoredLedger; [] when there is no record or ledger.
export const storedLedgerPieces = (page, transferId, fileSize) => page.evaluate(async ([sid, bytes]) => {
  const { core, store } = window.wtTestHook.transfers;
  const ledger = new core.StoredLedger(sid, bytes, (await store.getTransfer(sid))?.ledger ?? null);
  try { return [...Array(ledger.pieceCount()).keys()].filter((piece) => ledger.has(piece)); } finally { ledger.delete(); }
}, [transferId, fileSize]);

// Holds the sender's reads of a File at or beyond a byte offset (and, with `until`, before that one):
// every Blob.slice(start) the page's SenderDriver makes (its startRead, found on the call stack)
// remembers its start, and arrayBuffer() on a slice starting in the held range waits until the range
// moves off it (setReadLimit). The page's other reads of the same File pass: its fingerprint, and the
// sender's own player of her movie (a Matroska's walk reads its Cues and clusters from her file). A sender can send only what it has read, so with its reads held it
// provably still owes the rest of the file, however fast or slow the machine is. With { cut: true },
// the first read held at the limit also cuts every live peer connection of the page (window.__wtCut,
// from instrument()) there and then, as a network failure would: the sender is still sending what it
// read ahead of that read, so the cut tends to fall mid-piece. window.__wtReadGate.cuts counts them.
export async function gateReads(page) {
  await page.addInitScript(() => {
    const starts = new WeakMap();
    const gate = (window.__wtReadGate = { limit: Infinity, until: Infinity, cut: false, held: false, cuts: 0, waiters: [] });
    const slice = Blob.prototype.slice;
    Blob.prototype.slice = function (start = 0, ...rest) {
      const part = slice.call(this, start, ...rest);
      if (/\bstartRead\b/.test(new Error().stack ?? '')) starts.set(part, start < 0 ? Math.max(0, this.size + start) : start);
      return part;
    };
    const arrayBuffer = Blob.prototype.arrayBuffer;
    Blob.prototype.arrayBuffer = async function () {
      const start = starts.get(this);
      while (start !== undefined && start >= gate.limit && start < gate.until) {
        if (!gate.held && gate.cut && window.__wtCut() > 0) gate.cuts += 1;
        gate.held = true;
        await new Promise((wake) => gate.waiters.push(wake));
      }
      return arrayBuffer.call(this);
    };
    gate.set = (limit, cut, until) => {
      Object.assign(gate, { limit, until, cut, held: false });
      for (const wake of gate.waiters.splice(0)) wake();
    };
  });
}
// limit null: no limit; `until`: reads from there on pass again (default: none do).
export const setReadLimit = (page, limit, { cut = false, until = null } = {}) => page.evaluate(([l, c, u]) => window.__wtReadGate.set(l ?? Infinity, c, u ?? Infinity), [limit, cut, until]);
export const readGate = (page) => page.evaluate(() => ({ held: window.__wtReadGate.held, cuts: window.__wtReadGate.cuts }));

// The sender's upload limit in MB/s, set as its user does (the field, then its change event);
// 0: no limit. It takes effect at once, mid-transfer too.
export async function setUploadLimit(page, mbps) {
  const field = page.locator('#upload-cap');
  await field.fill(mbps ? String(mbps) : '');
  await field.dispatchEvent('change');
}

// A file of random bytes (makeFile) is not a movie, and the core reads that in its first bytes:
// the sender's page asks "Send anyway?" before anything travels, and the recipient's asks again at
// Accept. Tests whose file is such say so ({ notAMovie: true }) and answer both, after checking
// that each was asked.
export async function sendAnyway(page) {
  const question = page.locator('#invite-question .check-box');
  await expect(question).toContainText('does not look like a movie');
  await question.locator('.go-anyway').click();
}
// `also`: more the question must say; `not`: what it must not.
export async function acceptAnyway(invite, text = 'This does not look like a movie this app can play.', { also = [], not = [] } = {}) {
  const box = invite.locator('.check-box');
  for (const t of [text, ...also]) await expect(box).toContainText(t);
  for (const t of not) await expect(box).not.toContainText(t);
  await invite.locator('.go-anyway').click();
}

// Alice sends `file` to Bob; Bob accepts (after beforeAccept(), if given; `anyway`: the page asks
// first, with this text, and he answers "Accept anyway"; `notAMovie`: random bytes, both asked, as
// above; `asked`: what else Bob's question must and must not say, as acceptAnyway takes it;
// `subtitles`: subtitle files picked with the movie).
// Returns the session id.
export async function sendFile(alice, bob, bobId, file, { uploadMBps = 0, timeout = 30_000, beforeAccept, anyway, notAMovie = false, asked, subtitles = [] } = {}) {
  await alice.locator(`#partner option[value="${bobId}"]`).waitFor({ state: 'attached', timeout });
  await alice.locator('#partner').selectOption(bobId);
  await setUploadLimit(alice, uploadMBps);
  await alice.locator('#movie-input').setInputFiles([file, ...subtitles]);
  await alice.locator('#invite').click();
  if (notAMovie) await sendAnyway(alice);
  const invite = bob.locator('li.session[data-status="pending"]');
  await invite.waitFor({ timeout });
  const id = await invite.getAttribute('data-session');
  await beforeAccept?.();
  await invite.locator('.accept').click();
  if (anyway || notAMovie) await acceptAnyway(invite, anyway, asked);
  return id;
}

export const session = (page, id) => page.locator(`li.session[data-session="${id}"]`);

// The file is whole on both sides: the record says ready, or playing (the first play of a ready
// session writes that, which a player watching while it arrived may do at once).
export async function waitReady(page, id, timeout = 120_000) {
  await expect(session(page, id)).toHaveAttribute('data-status', /^(ready|playing)$/, { timeout });
}

// The transfer's counters on this page (null once it finished and closed).
export const transferView = (page, id) => page.evaluate((sid) => window.wtTestHook.transfers.view(sid), id);

// Saves the received file through the page's "Save file" path (the download fallback, which
// streams from IndexedDB) and returns the sha256sum of what landed on disk.
export async function savedSha256(page, id, dir) {
  const save = () => page.evaluate((sid) => {
    const s = window.wtTestHook.transfers.sessions.find((x) => x.id === sid);
    return window.wtTestHook.transfers.save(s, { preferPicker: false });
  }, id);
  const size = await page.evaluate((sid) => window.wtTestHook.transfers.sessions.find((x) => x.id === sid).fileSize, id);
  return downloadedSha256(page, save, size, `${dir}/saved-${id}`);
}

// The sha256sum of the file of `size` bytes that `save()` makes the page download (kept at `path`
// in Chromium; in Firefox, which Playwright sees no download from, in the download folder).
export async function downloadedSha256(page, save, size, path) {
  if (page.context().browser().browserType().name() === 'firefox') {
    // Firefox writes <name>.part or a temporary name, then renames it: wait, in an emptied folder,
    // for one finished file that kept its name and size over two looks.
    rmSync(FIREFOX_DOWNLOADS, { recursive: true, force: true });
    mkdirSync(FIREFOX_DOWNLOADS, { recursive: true });
    const started = await save();
    let file = null, seen = null, looked = [];
    await expect.poll(() => {
      const names = readdirSync(FIREFOX_DOWNLOADS);
      looked = names;
      if (names.some((f) => f.endsWith('.part')) || names.length !== 1) return false;
      const found = join(FIREFOX_DOWNLOADS, names[0]);
      let bytes;
      try {
        bytes = statSync(found).size;
      } catch {
        return false;  // renamed between the listing and the look
      }
      const stable = seen === `${found}:${bytes}`;
      seen = `${found}:${bytes}`;
      file = found;
      return stable && bytes === size;
    }, { timeout: 120_000, intervals: [250] }).toBe(true).catch((e) => {
      // What to look at when it never came: the page's answer and what the folder held last.
      e.message = `no finished ${size}-byte download in ${FIREFOX_DOWNLOADS}: save() gave ${JSON.stringify(started)}, the folder held ${JSON.stringify(looked)} (last look: ${seen})\n${e.message}`;
      throw e;
    });
    return sha256sum(file);
  }
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 120_000 }), save()]);
  await download.saveAs(path);
  return sha256sum(path);
}
