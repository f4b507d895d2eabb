// <watch-together>: the product as a messenger embeds it, for one conversation (the signed-in user
// and one partner). The host passes what it already has: its Firebase Database instance, its user
// (the Firebase Auth uid and a display name) and the partner. Until a session exists or the user
// shares a movie, this module is all that is loaded (a small bar with "Share a movie"); the wasm
// core, the player and the transfer code load with the first session (session-screen.js).
//
//   import { defineWatchTogether } from '.../watch-together.js';
//   defineWatchTogether();
//   const wt = document.createElement('watch-together');
//   wt.configure({ db, user: { id: auth.currentUser.uid, name }, partner: { id, name } });
//   chat.append(wt);
//   wt.addEventListener('wt-session', (e) => …);   // also wt-statechange, wt-ended, wt-error, wt-shared
//   wt.setPartnerName(name);                        // the partner's display name, once the host knows it
//
// wt-shared ({ sessionId, fileName }): this user shared a movie from this element (its own Share
// control or share()); a messenger posts its invitation card in the conversation on it.
//
// Everything lives in an open Shadow DOM: no global ids, no globals; styles are themable through
// CSS custom properties (--wt-accent, --wt-bg, --wt-fg, --wt-muted, --wt-radius, --wt-font) and parts.
import { isUserId } from '../adapters/database.js';
import { watchUserSessions } from '../adapters/sessions.js';
import { SUBTITLE_ACCEPT, splitPicked } from '../controllers/subtitles.js';
import { COMPONENT_CSS } from './component-style.js';

const ENDED = new Set(['declined', 'cancelled', 'failed', 'complete']);
const VIDEO_ACCEPT = 'video/*,.mkv,.mp4,.webm,.mov,.m4v,.ts,.m2ts,.mts,audio/mp4,audio/webm,.m4a,.weba';

// A session as the host sees it (events, `sessions`): no internals.
const summary = (s, userId) => ({
  id: s.id, status: s.status, fileName: typeof s.fileName === 'string' ? s.fileName : '', fileSize: s.fileSize ?? 0,
  role: s.initiatorId === userId ? 'initiator' : 'recipient', reason: s.reason ?? '', createdAt: s.createdAt ?? 0,
});

// Checked against the component's published types (watch-together.d.ts) by the type check.
/** @typedef {import('./watch-together.js').WatchTogetherElement} PublishedElement */
/** @implements {PublishedElement} */
export class WatchTogetherElement extends HTMLElement {
  #options = null;
  #shadow;
  #bar;
  #screenRoot;
  #screen = null;         // Promise of the loaded session screen
  #sessions = new Map();  // id → last summary (for the events)
  #unwatch = null;

  constructor() {
    super();
    this.#shadow = this.attachShadow({ mode: 'open' });
    const style = document.createElement('style');
    style.textContent = COMPONENT_CSS;
    this.#bar = this.#buildBar();
    this.#screenRoot = Object.assign(document.createElement('div'), { className: 'screen', part: 'screen' });
    this.#screenRoot.setAttribute('part', 'screen');
    this.#screenRoot.hidden = true;
    const error = Object.assign(document.createElement('p'), { className: 'error', role: 'alert', hidden: true });
    error.setAttribute('part', 'error');
    this.#shadow.append(style, this.#bar, this.#screenRoot, error);
  }

  // options: { db, user: { id, name }, partner: { id, name }, coreUrl?, iceServers?, iceTransportPolicy?, peerConnection? }
  // (iceServers: an array, or a function returning fresh ones (time-limited TURN credentials) for every connection)
  // (peerConnection: the host's own connection to the partner, tried first; see peer-link's openSessionLink)
  configure(options) {
    const { db, user, partner } = options ?? {};
    if (!db) throw new TypeError('watch-together: configure() needs the host\'s Firebase Database instance (db)');
    for (const [what, who] of [['user', user], ['partner', partner]]) {
      if (!isUserId(who?.id)) throw new TypeError(`watch-together: ${what}.id must be a Firebase Auth uid (letters, digits, - and _)`);
    }
    if (user.id === partner.id) throw new TypeError('watch-together: the partner must be someone else');
    if (this.#options) throw new Error('watch-together: already configured (create one element per conversation)');
    this.#options = { ...options, user: { id: user.id, name: user.name || user.id }, partner: { id: partner.id, name: partner.name || partner.id } };
    this.#bar.querySelector('.share-label').textContent = `Share a movie with ${this.#options.partner.name}`;
    this.#bar.hidden = false;
    if (this.isConnected) this.#start();
  }

  connectedCallback() {
    if (this.#options && !this.#unwatch) this.#start();
  }

  disconnectedCallback() {
    this.#unwatch?.();
    this.#unwatch = null;
    this.#screen?.then((s) => s.close(), () => {});
    this.#screen = null;
  }

  // The partner's display name, when the host learns it (or it changes) after configure().
  setPartnerName(name) {
    if (!this.#options) throw new Error('watch-together: configure() it first');
    const partner = this.#options.partner;
    partner.name = (typeof name === 'string' && name) || partner.id;
    this.#bar.querySelector('.share-label').textContent = `Share a movie with ${partner.name}`;
    this.#screen?.then((s) => s.setPartnerName(partner.name), () => {});
  }

  // The sessions with this partner, newest first.
  get sessions() {
    return [...this.#sessions.values()];
  }

  // Opens the file picker ("Share a movie"); must run in a user gesture's handler.
  pickMovie() {
    /** @type {HTMLInputElement} */ (this.#bar.querySelector('input[type=file]')).click();
  }

  // Sends `file` to the partner and watches it together, with any subtitle files (File objects);
  // resolves with the session id (null when the user, asked about a warning, chose not to send).
  async share(file, subtitles = []) {
    return (await this.#loadScreen()).share(file, subtitles);
  }

  async accept(sessionId) { return (await this.#loadScreen()).accept(sessionId); }
  async decline(sessionId) { return (await this.#loadScreen()).decline(sessionId); }
  async cancel(sessionId) { return (await this.#loadScreen()).cancel(sessionId); }
  async end(sessionId) { return (await this.#loadScreen()).end(sessionId); }

  #buildBar() {
    const bar = Object.assign(document.createElement('div'), { className: 'bar', hidden: true });
    bar.setAttribute('part', 'bar');
    const label = Object.assign(document.createElement('label'), { className: 'share' });
    label.setAttribute('part', 'share-button');
    // The movie, and any subtitle files picked with it.
    const input = Object.assign(document.createElement('input'), { type: 'file', accept: `${VIDEO_ACCEPT},${SUBTITLE_ACCEPT}`, multiple: true, className: 'share-input' });
    label.append(Object.assign(document.createElement('span'), { className: 'share-label', textContent: 'Share a movie' }), input);
    input.addEventListener('change', () => {
      const files = [...input.files];
      input.value = '';
      if (!files.length) return;
      let picked;
      try {
        picked = splitPicked(files);
        if (!picked.movie) throw new Error('Pick the movie too: subtitle files go with a movie.');
      } catch (e) {
        return this.#error(e.message);
      }
      this.share(picked.movie, picked.subtitles).catch((e) => this.#error(`Could not share "${picked.movie.name}": ${e.message}`));
    });
    bar.append(label);
    return bar;
  }

  #start() {
    const { db, user, partner } = this.#options;
    // Light: the session list only. The screen (core, player, transfers) loads with the first session.
    this.#unwatch = watchUserSessions(db, user.id, (all) => {
      const mine = all.filter((s) => (s.initiatorId === user.id ? s.recipientId : s.initiatorId) === partner.id);
      if (mine.length) this.#loadScreen().catch(() => {});
      this.#announce(mine.map((s) => summary(s, user.id)));
    });
  }

  // Tells the host what changed: a new session, a state change, an end.
  #announce(list) {
    const seen = new Set();
    for (const s of list) {
      seen.add(s.id);
      const before = this.#sessions.get(s.id);
      this.#sessions.set(s.id, s);
      if (!before) this.#emit('wt-session', { session: s });
      if (!before || before.status !== s.status) {
        this.#emit('wt-statechange', { session: s, previous: before?.status ?? null });
        if (ENDED.has(s.status) && !ENDED.has(before?.status)) this.#emit('wt-ended', { session: s });
      }
    }
    for (const id of [...this.#sessions.keys()]) if (!seen.has(id)) this.#sessions.delete(id);
  }

  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  #error(message) {
    const box = /** @type {HTMLElement} */ (this.#shadow.querySelector('.error'));
    box.textContent = message;
    box.hidden = false;
    this.#emit('wt-error', { message });
  }

  #loadScreen() {
    if (!this.#options) return Promise.reject(new Error('watch-together: configure() it first'));
    this.#screen ??= import('./session-screen.js').then(({ openSessionScreen }) => openSessionScreen({
      ...this.#options, partner: { ...this.#options.partner }, root: this.#screenRoot, showError: (m) => this.#error(m),
      onShared: (detail) => this.#emit('wt-shared', detail),
    })).then((screen) => {
      screen.setPartnerName(this.#options.partner.name);  // if the host renamed it while the screen loaded
      this.#screenRoot.hidden = false;
      this.#bar.hidden = true;  // the screen has its own share control
      this.dataset.loaded = 'true';
      return screen;
    }, (e) => {
      this.#screen = null;
      this.#error(`Watch Together could not start: ${e.message ?? e}`);
      throw e;
    });
    return this.#screen;
  }
}

// Registers the element (once; `tagName` for a host that needs another name).
export function defineWatchTogether(tagName = 'watch-together') {
  if (!customElements.get(tagName)) customElements.define(tagName, class extends WatchTogetherElement {});
  return customElements.get(tagName);
}

// The user's watch sessions with everyone, for a host's own list (an "active sessions" sidebar):
// onChange([{ id, status, fileName, fileSize, role, partnerId, reason, createdAt }]). Returns an
// unsubscribe function. Light: no core, no player.
export function watchSessionList({ db, user }, onChange) {
  return watchUserSessions(db, user.id, (all) => onChange(all.map((s) => ({
    ...summary(s, user.id), partnerId: s.initiatorId === user.id ? s.recipientId : s.initiatorId,
  }))));
}
