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
const SUBTITLE_NAME = /\.(srt|vtt|ass|ssa)$/i;

// A subtitle file by its name or type (the pickers take a movie and its subtitle files together).
export const isSubtitleFile = (file) => SUBTITLE_NAME.test(file.name) || ['text/vtt', 'application/x-subrip'].includes(file.type);

// Files picked at once: one movie and any subtitle files.
export function splitPicked(files) {
  const subtitles = [...files].filter(isSubtitleFile);
  const movies = [...files].filter((f) => !isSubtitleFile(f));
  if (movies.length > 1) throw new Error(`Pick one movie at a time (with any subtitle files): ${movies.map((f) => `"${f.name}"`).join(', ')}.`);
  return { movie: movies[0] ?? null, subtitles };
}
const MAX_SHARED_BYTES = 4 * 1024 * 1024;  // database.rules.json's bound
const CHOICE_KEY = (sessionId) => `wt-subtitles:${sessionId}`;
const OFFSET_STEP_S = 0.1;
const MAX_OFFSET_S = 600;

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

// A subtitle file this viewer adds to a session: read by the core (a file that gives no cue is
// refused with the reason), kept in the piece store, and written to the session's record for the
// other viewer. Resolves with { id, read } once stored here; `sent` settles when the record is written.
export async function shareSubtitleFile({ core, db, store, sessionId, userId }, file) {
  if (file.size > MAX_SHARED_BYTES) throw new Error(`"${file.name}" is too large to be subtitles (at most 4 MB).`);
  const bytes = new Uint8Array(await file.arrayBuffer());
  const read = core.readSubtitles(bytes, file.name, '', 0);
  if (read.error) throw new Error(`"${file.name}": ${read.error}`);
  const id = newSubtitleId(db, sessionId);
  await store?.putSubtitle(sessionId, { id, name: file.name, by: userId, bytes });
  // Written once the database is reachable (the SDK keeps it meanwhile); refused only by the rules.
  const sent = addSessionSubtitle(db, sessionId, id, {
    by: userId, name: file.name, sha256: sha256Hex(core, bytes), size: bytes.length, data: toBase64(bytes),
  }).catch((e) => { throw new Error(`"${file.name}" shows here, but could not be sent to the other viewer: ${e.message}`); });
  return { id, bytes, read, sent };
}

// Subtitle files picked with the movie, added to its new session; the first is this viewer's choice.
// Resolves with the reasons of those that could not be added ([] when all were).
export async function shareSubtitleFiles(context, files) {
  const problems = [];
  let chosen = false;
  for (const file of files) {
    try {
      const { id, sent } = await shareSubtitleFile(context, file);
      if (!chosen) saveChoice(context.sessionId, { chosen: id, offset: 0 });
      chosen = true;
      await sent;
    } catch (e) {
      problems.push(e.message);
    }
  }
  return problems;
}

function saveChoice(sessionId, choice) {
  try {
    localStorage.setItem(CHOICE_KEY(sessionId), JSON.stringify(choice));
  } catch { /* private mode: the choice lasts as long as the page */ }
}

function loadChoice(sessionId) {
  try {
    const saved = JSON.parse(localStorage.getItem(CHOICE_KEY(sessionId)) ?? 'null');
    return { chosen: typeof saved?.chosen === 'string' ? saved.chosen : null, offset: Number.isFinite(saved?.offset) ? saved.offset : 0 };
  } catch {
    return { chosen: null, offset: 0 };
  }
}

/** @typedef {import('../../src/bindings/watch_core').WatchCore} WatchCore */
/**
 * One choice of the list: a track of the movie (embedded) or a subtitle file (this viewer's or the other's).
 * @typedef {{ id: string, name: string, embedded?: boolean, unsupported?: string, by?: string, mine?: boolean,
 *   encoding?: string, skipped?: number }} SubtitleChoice
 */

export class SubtitleTracks {
  // store: the piece store (null: the files last as long as the page). onChange(): the list, the
  // choice or the offset changed. onError(text): a file from the other viewer was left out.
  /**
   * @param {{ core: WatchCore, db: import('firebase/database').Database, userId: string, nameOf?: (id: string) => string,
   *   video: HTMLVideoElement, store: import('../adapters/piece-store.js').Store | null,
   *   sessionId: string, onChange?: () => void, onError?: (text: string) => void }} options
   */
  constructor({ core, db, userId, nameOf = (id) => id, video, store, sessionId, onChange = () => {}, onError = () => {} }) {
    this.core = core;
    this.db = db;
    this.userId = userId;
    this.nameOf = nameOf;
    this.video = video;
    this.store = store;
    this.sessionId = sessionId;
    this.onChange = onChange;
    this.onError = onError;
    // Every source of cues, each shown through a text track of the video made for it when first
    // chosen (or, for the movie's own tracks, when they are known), its cues on the movie's timeline:
    //   files: { id, name, by, bytes (Uint8Array), encoding, skipped, cues, textTrack, shownOffset }
    //   embedded (the movie's tracks): { id: 'track:<number>', number, label, language, unsupported, cues, textTrack, shownOffset }
    // Text tracks, never <track> elements: adding one of those makes Chromium pick a subtitle track
    // of the user's language by itself.
    this.files = [];
    this.embedded = [];
    this.unwatch = null;
    ({ chosen: this.chosen, offset: this.offset } = loadChoice(sessionId));
    this.closed = false;
    // The browser's own captions menu: a track it shows (or hides) is this viewer's choice too.
    this.onTrackChange = () => this.followBrowser();
    video.textTracks.addEventListener('change', this.onTrackChange);
  }

  // The files stored with this session here, then those in its record (the other viewer's, and
  // any this browser has not kept), and the saved choice shown.
  async load() {
    const stored = await this.store?.subtitlesOf(this.sessionId).catch(() => []) ?? [];
    for (const s of stored) {
      const bytes = new Uint8Array(await s.bytes.arrayBuffer());
      this.keep({ id: s.id, name: s.name, by: s.by ?? this.userId, bytes });
    }
    if (this.closed) return;
    // A track of the movie may be read later (the movie is arriving): its choice stays.
    if (this.chosen && !this.chosen.startsWith('track:') && !this.files.some((f) => f.id === this.chosen)) this.chosen = null;
    this.show();
    this.unwatch = watchSessionSubtitles(this.db, this.sessionId, (id, rec) => this.arrived(id, rec),
      (e) => this.onError(`The session's subtitles cannot be read: ${e.message}`));
  }

  // A file read by the core into the list; false (and the reason in `read.error`) when it gives no cue.
  // (Kept once: this viewer's own file may come back through the record before add() keeps it.)
  keep({ id, name, by, bytes }, read = this.core.readSubtitles(bytes, name, '', 0)) {
    if (read.error) return false;
    if (this.files.some((f) => f.id === id)) return true;
    this.files.push({ id, name, by, bytes, encoding: read.encoding, skipped: read.skipped, cues: read.cues, textTrack: null, shownOffset: 0 });
    return true;
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
    if (!this.keep({ id, name, by: rec.by, bytes }, read)) {
      this.onError(`The subtitles "${name}" from ${from} are left out: ${read.error}`);
      return;
    }
    this.store?.putSubtitle(this.sessionId, { id, name, by: rec.by, bytes }).catch(() => {});  // the record keeps it anyway
    if (this.chosen === id) this.show();
    else this.onChange();
  }

  // A subtitle file this viewer picked: read (a file that gives no cue is refused with the reason),
  // kept with the session, shown here, and sent to the other viewer. Resolves with what was read.
  async add(file) {
    const { id, bytes, read, sent } = await shareSubtitleFile(this, file);
    this.keep({ id, name: file.name, by: this.userId, bytes }, read);
    this.choose(id);
    await sent;
    return read;
  }

  // The movie's subtitle tracks (the core's EmbeddedSubtitleTrack list), once they are known; their
  // cues come with addEmbeddedCues as the movie is read.
  setEmbedded(tracks) {
    if (this.closed) return;
    this.embedded = tracks.map((t) => ({
      id: `track:${t.number}`, number: t.number, label: t.label, language: t.language, unsupported: t.unsupported,
      cues: [], textTrack: null, shownOffset: 0,
    }));
    this.show();
  }

  addEmbeddedCues(cues) {
    if (this.closed) return;
    for (const c of cues) {
      const e = this.embedded.find((t) => t.number === c.track && !t.unsupported);
      if (!e) continue;
      e.cues.push(c);
      if (e.textTrack) this.addCues(e.textTrack, [c], e.shownOffset);
    }
  }

  // Cues moved by `offset` (the core's rule: one that would end at or before 0 is dropped).
  addCues(textTrack, cues, offset) {
    for (const c of offset ? this.core.shiftCues(cues, offset) : cues) textTrack.addCue(new VTTCue(c.start, c.end, c.text));
  }

  // 'off' or null: none; otherwise a file's or a readable track's id.
  choose(id) {
    this.chosen = this.sources().some((e) => e.id === id) ? id : null;
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

  // What can show: the movie's readable tracks and the files.
  sources() { return [...this.embedded.filter((e) => !e.unsupported), ...this.files]; }

  // mine: added by this viewer (otherwise by `by`, the other one); embedded: a track of the movie
  // (unsupported: why it cannot show, or '').
  /** @returns {SubtitleChoice[]} */
  get list() {
    return [
      ...this.embedded.map(({ id, label, unsupported }) => ({ id, name: label, embedded: true, unsupported })),
      ...this.files.map(({ id, name, by, encoding, skipped }) => ({ id, name, by, mine: by === this.userId, encoding, skipped })),
    ];
  }

  save() { saveChoice(this.sessionId, { chosen: this.chosen, offset: this.offset }); }

  // The chosen source's text track showing, its cues moved by the offset; every other one disabled.
  show() {
    for (const e of this.sources()) {
      const chosen = e.id === this.chosen && !this.closed;
      if (chosen && !e.textTrack) {
        e.textTrack = this.video.addTextTrack('subtitles', e.label ?? e.name, e.language ?? '');
        e.shownOffset = null;
      }
      if (!e.textTrack) continue;
      if (chosen && e.shownOffset !== this.offset) {
        e.textTrack.mode = 'hidden';  // a disabled track lists no cues
        for (const cue of [...(e.textTrack.cues ?? [])]) e.textTrack.removeCue(cue);
        this.addCues(e.textTrack, e.cues, this.offset);
        e.shownOffset = this.offset;
      }
      e.textTrack.mode = chosen ? 'showing' : 'disabled';
    }
    this.onChange();
  }

  // The browser's captions menu showed one of these tracks, or hid the chosen one: that is the choice.
  followBrowser() {
    if (this.closed) return;
    const showing = this.sources().find((e) => e.textTrack?.mode === 'showing' && e.id !== this.chosen);
    const chosen = this.sources().find((e) => e.id === this.chosen);
    if (showing) this.choose(showing.id);
    else if (chosen?.textTrack && chosen.textTrack.mode !== 'showing') this.choose(null);
  }

  close() {
    this.closed = true;
    this.unwatch?.();
    this.video.textTracks.removeEventListener('change', this.onTrackChange);
    // The element keeps its text tracks for its life: a closed session's are emptied and disabled.
    for (const { textTrack } of this.sources()) {
      if (!textTrack) continue;
      textTrack.mode = 'hidden';
      for (const cue of [...(textTrack.cues ?? [])]) textTrack.removeCue(cue);
      textTrack.mode = 'disabled';
    }
  }
}
