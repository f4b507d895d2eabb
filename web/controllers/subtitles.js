// This viewer's subtitles for the session on screen: files they added (kept with the session in the
// piece store, so a reload keeps them), read by the core into WebVTT cues and shown by the browser
// through <track> elements of the video: its own renderer, captions menu and accessibility. Cues
// are on the media timeline, so they stay in sync for every viewer with no message of their own.
// Which file shows (or none) and its offset are this viewer's own, remembered per session.
export const SUBTITLE_ACCEPT = '.srt,.vtt,.ass,.ssa,text/vtt,application/x-subrip';
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
  // choice or the offset changed.
  constructor({ core, video, store, sessionId, onChange = () => {} }) {
    Object.assign(this, { core, video, store, sessionId, onChange });
    this.files = [];  // { id, name, bytes (Uint8Array), cues, encoding, skipped }
    ({ chosen: this.chosen, offset: this.offset } = loadChoice(sessionId));
    this.element = null;  // the <track> showing
    this.url = null;
    this.closed = false;
  }

  // The files stored with this session, and the saved choice shown.
  async load() {
    const stored = await this.store?.subtitlesOf(this.sessionId).catch(() => []) ?? [];
    for (const s of stored) {
      const bytes = new Uint8Array(await s.bytes.arrayBuffer());
      const read = this.core.readSubtitles(bytes, s.name, '', 0);
      if (!read.error) this.files.push({ id: s.id, name: s.name, bytes, encoding: read.encoding, skipped: read.skipped });
    }
    if (this.closed) return;
    if (this.chosen && !this.files.some((f) => f.id === this.chosen)) this.chosen = null;
    this.show();
  }

  // A subtitle file the viewer picked: read (a file that gives no cue is refused with the reason),
  // stored with the session, and shown. Resolves with what was read.
  async add(file) {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const read = this.core.readSubtitles(bytes, file.name, '', 0);
    if (read.error) throw new Error(`"${file.name}": ${read.error}`);
    const id = `${Date.now().toString(36)}-${this.files.length}`;
    await this.store?.putSubtitle(this.sessionId, { id, name: file.name, bytes });
    this.files.push({ id, name: file.name, bytes, encoding: read.encoding, skipped: read.skipped });
    this.choose(id);
    return read;
  }

  // 'off' or null: none; otherwise a file's id.
  choose(id) {
    this.chosen = this.files.some((f) => f.id === id) ? id : null;
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

  get list() { return this.files.map(({ id, name, encoding, skipped }) => ({ id, name, encoding, skipped })); }

  save() {
    try {
      localStorage.setItem(CHOICE_KEY(this.sessionId), JSON.stringify({ chosen: this.chosen, offset: this.offset }));
    } catch { /* private mode: the choice lasts as long as the page */ }
  }

  // The chosen file as the video's one showing <track>, its cues moved by the offset.
  show() {
    this.removeTrack();
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
    this.removeTrack();
  }
}
