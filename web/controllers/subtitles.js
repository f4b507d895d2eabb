// The subtitles of the session on screen: files either viewer added, read by the core into WebVTT
// cues and shown by the browser through a <track> of the video (its own renderer, captions menu and
// accessibility), and the text tracks inside the movie (embedded-subtitles.js reads them as the
// movie arrives), whose cues go into a text track of the video as they are read. A file added here goes to the other viewer through the session's record (base64,
// with its size and SHA-256, checked on arrival: web/adapters/sessions.js), so both get it even when
// no peer connection is open (a same-file session has none, a finished transfer closed its own);
// each page keeps the files in its piece store too. Cues are on the media timeline, so they stay in
// sync for every viewer with no message of their own. Which file shows (or none) and its offset
// are each viewer's own, remembered per session.
import { addSessionSubtitle, newSubtitleId, watchSessionSubtitles } from '../adapters/sessions.js';

export const SUBTITLE_ACCEPT = '.srt,.vtt,.ass,.ssa,text/vtt,application/x-subrip';
const MAX_SHARED_BYTES = 4 * 1024 * 1024;  // database.rules.json's bound
const CHOICE_KEY = (sessionId) => `wt-subtitles:${sessionId}`;
const OFFSET_STEP_S = 0.1;
const MAX_OFFSET_S = 600;

// 3723.004 → "01:02:03.004" (WebVTT's timestamp).
function vttTime(seconds) {
  const ms = Math.round(seconds * 1000);
  const pad = (n, w = 2) => String(n).padStart(w, '0');
  return `${pad(Math.floor(ms / 3600000))}:${pad(Math.floor(ms / 60000) % 60)}:${pad(Math.floor(ms / 1000) % 60)}.${pad(ms % 1000, 3)}`;
}

// The core's cues (WebVTT cue text, never an empty line) as a WebVTT file.
const vttFile = (cues) => `WEBVTT\n\n${cues.map((c) => `${vttTime(c.start)} --> ${vttTime(c.end)}\n${c.text}\n`).join('\n')}`;

function toBase64(bytes) {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function fromBase64(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function sha256Hex(core, bytes) {
  const sha = new core.Sha256Stream(Math.max(1, bytes.length));
  try {
    sha.window().set(bytes);
    sha.updateFromWindow(bytes.length);
    return sha.finishHex();
  } finally {
    sha.delete();
  }
}

function loadChoice(sessionId) {
  try {
    const saved = JSON.parse(localStorage.getItem(CHOICE_KEY(sessionId)) ?? 'null');
    return { chosen: typeof saved?.chosen === 'string' ? saved.chosen : null, offset: Number.isFinite(saved?.offset) ? saved.offset : 0 };
  } catch {
    return { chosen: null, offset: 0 };
  }
}

export class SubtitleTracks {
  // store: the piece store (null: the files last as long as the page). onChange(): the list, the
  // choice or the offset changed. onError(text): a file from the other viewer was left out.
  constructor({ core, db, userId, nameOf = (id) => id, video, store, sessionId, onChange = () => {}, onError = () => {} }) {
    Object.assign(this, { core, db, userId, nameOf, video, store, sessionId, onChange, onError });
    this.files = [];  // { id, name, by, bytes (Uint8Array), encoding, skipped }
    // The movie's own tracks: { id: 'track:<number>', number, label, language, unsupported, cues, textTrack, shownOffset }
    this.embedded = [];
    this.unwatch = null;
    ({ chosen: this.chosen, offset: this.offset } = loadChoice(sessionId));
    this.element = null;  // the <track> showing
    this.url = null;
    this.closed = false;
  }

  // The files stored with this session here, then those in its record (the other viewer's, and
  // any this browser has not kept), and the saved choice shown.
  async load() {
    const stored = await this.store?.subtitlesOf(this.sessionId).catch(() => []) ?? [];
    for (const s of stored) {
      const bytes = new Uint8Array(await s.bytes.arrayBuffer());
      const read = this.core.readSubtitles(bytes, s.name, '', 0);
      if (!read.error) this.files.push({ id: s.id, name: s.name, by: s.by ?? this.userId, bytes, encoding: read.encoding, skipped: read.skipped });
    }
    if (this.closed) return;
    // A track of the movie may be read later (the movie is arriving): its choice stays.
    if (this.chosen && !this.chosen.startsWith('track:') && !this.files.some((f) => f.id === this.chosen)) this.chosen = null;
    this.show();
    this.unwatch = watchSessionSubtitles(this.db, this.sessionId, (id, rec) => this.arrived(id, rec),
      (e) => this.onError(`The session's subtitles cannot be read: ${e.message}`));
  }

  // A file from the session's record: taken only whole and intact (its size and SHA-256), and only
  // if the core reads cues from it.
  arrived(id, rec) {
    if (this.closed || this.files.some((f) => f.id === id)) return;
    const name = typeof rec?.name === 'string' ? rec.name : 'subtitles';
    const from = this.nameOf(rec?.by);
    let bytes = null;
    try {
      bytes = typeof rec?.data === 'string' ? fromBase64(rec.data) : null;
    } catch { /* not base64 */ }
    if (!bytes || bytes.length !== rec.size || bytes.length > MAX_SHARED_BYTES || sha256Hex(this.core, bytes) !== rec.sha256) {
      this.onError(`The subtitles "${name}" from ${from} did not arrive intact, so they are left out.`);
      return;
    }
    const read = this.core.readSubtitles(bytes, name, '', 0);
    if (read.error) {
      this.onError(`The subtitles "${name}" from ${from} are left out: ${read.error}`);
      return;
    }
    this.files.push({ id, name, by: rec.by, bytes, encoding: read.encoding, skipped: read.skipped });
    this.store?.putSubtitle(this.sessionId, { id, name, by: rec.by, bytes }).catch(() => {});  // the record keeps it anyway
    if (this.chosen === id) this.show();
    else this.onChange();
  }

  // A subtitle file this viewer picked: read (a file that gives no cue is refused with the reason),
  // kept with the session, shown here, and sent to the other viewer. Resolves with what was read.
  async add(file) {
    if (file.size > MAX_SHARED_BYTES) throw new Error(`"${file.name}" is too large to be subtitles (at most 4 MB).`);
    const bytes = new Uint8Array(await file.arrayBuffer());
    const read = this.core.readSubtitles(bytes, file.name, '', 0);
    if (read.error) throw new Error(`"${file.name}": ${read.error}`);
    const id = newSubtitleId(this.db, this.sessionId);
    await this.store?.putSubtitle(this.sessionId, { id, name: file.name, by: this.userId, bytes });
    this.files.push({ id, name: file.name, by: this.userId, bytes, encoding: read.encoding, skipped: read.skipped });
    this.choose(id);
    // Written once the database is reachable (the SDK keeps it meanwhile); refused only by the rules.
    await addSessionSubtitle(this.db, this.sessionId, id, {
      by: this.userId, name: file.name, sha256: sha256Hex(this.core, bytes), size: bytes.length, data: toBase64(bytes),
    }).catch((e) => { throw new Error(`"${file.name}" shows here, but could not be sent to the other viewer: ${e.message}`); });
    return read;
  }

  // The movie's subtitle tracks (the core's EmbeddedSubtitleTrack list), once they are known. Each
  // text track it reads gets a text track of the video (hidden until chosen; the element keeps it
  // for its life, so a closed session's is emptied and left disabled).
  setEmbedded(tracks) {
    if (this.closed) return;
    this.embedded = tracks.map((t) => ({
      id: `track:${t.number}`, number: t.number, label: t.label, language: t.language, unsupported: t.unsupported,
      cues: [], textTrack: t.unsupported ? null : this.video.addTextTrack('subtitles', t.label, t.language), shownOffset: 0,
    }));
    for (const e of this.embedded) if (e.textTrack) e.textTrack.mode = 'disabled';
    this.show();
  }

  // Cues of the movie's tracks as they are read ({ track, start, end, text }).
  addEmbeddedCues(cues) {
    if (this.closed) return;
    for (const c of cues) {
      const e = this.embedded.find((t) => t.number === c.track && t.textTrack);
      if (!e) continue;
      e.cues.push(c);
      this.addCue(e, c, e.shownOffset);
    }
  }

  addCue(e, c, offset) {
    const start = Math.max(0, c.start + offset), end = c.end + offset;
    if (end > start) e.textTrack.addCue(new VTTCue(start, end, c.text));
  }

  // 'off' or null: none; otherwise a file's or a readable track's id.
  choose(id) {
    this.chosen = this.files.some((f) => f.id === id) || this.embedded.some((e) => e.id === id && e.textTrack) ? id : null;
    this.save();
    this.show();
  }

  // Moves the cues by `delta` seconds (a file out of step with the movie), in 0.1 s steps.
  shift(delta) {
    const next = Math.round((this.offset + delta) / OFFSET_STEP_S) * OFFSET_STEP_S;
    this.offset = Math.max(-MAX_OFFSET_S, Math.min(MAX_OFFSET_S, Number(next.toFixed(1))));
    this.save();
    this.show();
  }

  // mine: added by this viewer (otherwise by `by`, the other one); embedded: a track of the movie
  // (unsupported: why it cannot show, or '').
  get list() {
    return [
      ...this.embedded.map(({ id, label, unsupported }) => ({ id, name: label, embedded: true, unsupported })),
      ...this.files.map(({ id, name, by, encoding, skipped }) => ({ id, name, by, mine: by === this.userId, encoding, skipped })),
    ];
  }

  save() {
    try {
      localStorage.setItem(CHOICE_KEY(this.sessionId), JSON.stringify({ chosen: this.chosen, offset: this.offset }));
    } catch { /* private mode: the choice lasts as long as the page */ }
  }

  // The chosen file as the video's one showing <track>, or the chosen track of the movie showing,
  // its cues moved by the offset.
  show() {
    this.removeTrack();
    for (const e of this.embedded) {
      if (!e.textTrack) continue;
      const chosen = e.id === this.chosen && !this.closed;
      if (chosen && e.shownOffset !== this.offset) {
        e.textTrack.mode = 'hidden';  // a disabled track's cues are not listed
        for (const cue of [...(e.textTrack.cues ?? [])]) e.textTrack.removeCue(cue);
        for (const c of e.cues) this.addCue(e, c, this.offset);
        e.shownOffset = this.offset;
      }
      e.textTrack.mode = chosen ? 'showing' : 'disabled';
    }
    const file = this.files.find((f) => f.id === this.chosen);
    if (file && !this.closed) {
      const read = this.core.readSubtitles(file.bytes, file.name, file.encoding, this.offset);
      this.url = URL.createObjectURL(new Blob([vttFile(read.cues)], { type: 'text/vtt' }));
      this.element = Object.assign(document.createElement('track'), { kind: 'subtitles', label: file.name, src: this.url, default: true });
      this.video.append(this.element);
      this.element.track.mode = 'showing';
    }
    this.onChange();
  }

  removeTrack() {
    this.element?.remove();
    if (this.url) URL.revokeObjectURL(this.url);
    this.element = this.url = null;
  }

  close() {
    this.closed = true;
    this.unwatch?.();
    this.removeTrack();
    for (const { textTrack } of this.embedded) {
      if (!textTrack) continue;
      textTrack.mode = 'hidden';  // cues can be removed from a track that is not disabled
      for (const cue of [...(textTrack.cues ?? [])]) textTrack.removeCue(cue);
      textTrack.mode = 'disabled';
    }
  }
}
