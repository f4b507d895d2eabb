// The "Watch together" part of the page: invite someone with a file, answer invitations, and show
// the synced player. Same-file mode: each viewer plays their own copy, and the core checks that the
// copies' SHA-256 fingerprints match before the session becomes ready.
import { HashCancelled, hashFile } from './file-hasher.js';
import { MODES, createSession, isEnded, setStatus, watchUserSessions } from './sessions.js';
import { SyncDriver } from './sync-driver.js';

// What the file pickers offer: video types, plus extensions browsers often report without a type.
const VIDEO_ACCEPT = 'video/*,.mkv,.mp4,.webm,.mov,.m4v';

const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children.filter((c) => c != null));
  return node;
};

export class WatchSessionsView {
  constructor({ core, db, userId, root, showError }) {
    Object.assign(this, { core, db, userId, root, showError });
    this.files = new Map();     // sessionId → the local File being watched
    this.active = null;         // { sessionId, driver, url }
    this.hashing = new Map();   // sessionId → progress text while hashing a joining copy
    this.sessions = [];
    this.people = [];
    this.buildInviteForm();
    this.list = el('ul', { id: 'sessions', className: 'sessions' });
    this.playerBox = el('div', { id: 'player-box', hidden: true },
      el('video', { id: 'player', controls: true, playsInline: true, preload: 'auto' }),
      el('p', { id: 'sync-status', className: 'mono' }));
    root.append(this.inviteForm, this.list, this.playerBox);
    watchUserSessions(db, userId, (sessions) => { this.sessions = sessions; this.render(); });
  }

  setPeople(people) {
    this.people = people.filter((p) => p.id !== this.userId);
    const select = this.inviteForm.querySelector('#partner');
    const chosen = select.value;
    select.replaceChildren(el('option', { value: '', textContent: this.people.length ? 'Choose who to watch with' : 'Nobody else is here yet' }),
      ...this.people.map((p) => el('option', { value: p.id, textContent: p.name })));
    if (this.people.some((p) => p.id === chosen)) select.value = chosen;
  }

  buildInviteForm() {
    const partner = el('select', { id: 'partner', ariaLabel: 'Watch with' });
    const file = el('input', { type: 'file', id: 'movie-input', accept: VIDEO_ACCEPT });
    const go = el('button', { type: 'submit', id: 'invite', textContent: 'Invite' });
    const progress = el('span', { id: 'invite-progress', className: 'mono' });
    this.inviteForm = el('form', { id: 'invite-form' }, partner, file, go, progress);
    this.inviteForm.addEventListener('submit', async (e) => {
      e.preventDefault();
      const recipientId = partner.value;
      const movie = file.files[0];
      if (!recipientId) return this.showError('Choose who to watch with.');
      if (!movie) return this.showError('Choose the movie file first.');
      go.disabled = true;
      try {
        const fileHash = await hashFile(this.core, movie, { onProgress: (t) => { progress.textContent = `Fingerprinting… ${t}`; } });
        const id = await createSession(this.db, {
          initiatorId: this.userId, recipientId, fileName: movie.name, fileSize: movie.size,
          mimeType: movie.type, fileHash, mode: MODES.sameFile,
        });
        this.files.set(id, movie);
        progress.textContent = '';
        file.value = '';
      } catch (err) {
        this.showError(`Could not start the session: ${err.message}`);
      } finally {
        go.disabled = false;
      }
    });
  }

  // Whether `movie` is the session's file: same size, then the same SHA-256 (checked by the core).
  // Says why not, in the page, when it is not.
  async isSameCopy(session, movie, onProgress) {
    if (movie.size !== session.fileSize) {
      this.showError(`"${movie.name}" is not the same file: it has ${this.core.formatBytes(movie.size)}, the shared one ${this.core.formatBytes(session.fileSize)}.`);
      return false;
    }
    const hex = await hashFile(this.core, movie, { onProgress });
    if (!this.core.sameDigest(hex, session.fileHash)) {
      this.showError(`"${movie.name}" is not the same file as ${session.fileName}: their fingerprints differ.`);
      return false;
    }
    return true;
  }

  async join(session, movie) {
    try {
      if (!await this.isSameCopy(session, movie, (t) => { this.hashing.set(session.id, t); this.render(); })) return;
      this.files.set(session.id, movie);
      await setStatus(this.db, session.id, 'ready');
    } catch (err) {
      if (!(err instanceof HashCancelled)) this.showError(`Could not check the file: ${err.message}`);
    } finally {
      this.hashing.delete(session.id);
      this.render();
    }
  }

  // After a reload the file must be picked again (browsers keep no file handles across reloads).
  async rejoin(session, movie) {
    if (!await this.isSameCopy(session, movie)) return;
    this.files.set(session.id, movie);
    this.render();
  }

  describe(s) {
    const other = s.initiatorId === this.userId ? s.recipientId : s.initiatorId;
    const size = this.core.formatBytes(s.fileSize ?? 0);
    const name = el('strong', { textContent: s.fileName });
    switch (s.status) {
      case 'pending':
        return s.initiatorId === this.userId
          ? [`Waiting for ${other} to join `, name, ` (${size})…`]
          : [`${other} invites you to watch `, name, ` (${size}). Choose your copy of the file to join.`];
      case 'ready': case 'playing': return ['Watching ', name, ` with ${other}`];
      case 'declined': return [`${other === s.recipientId ? other : 'You'} declined `, name, s.reason ? ` — ${s.reason}` : ''];
      case 'cancelled': return ['Cancelled: ', name];
      default: return [`${s.status}: `, name];
    }
  }

  render() {
    const items = this.sessions.map((s) => {
      const li = el('li', { className: 'session' }, el('span', {}, ...this.describe(s)));
      li.dataset.session = s.id;
      li.dataset.status = s.status;
      const mine = s.initiatorId === this.userId;
      if (s.status === 'pending' && !mine) {
        const pick = el('input', { type: 'file', className: 'join-input', accept: VIDEO_ACCEPT });
        pick.addEventListener('change', () => pick.files[0] && this.join(s, pick.files[0]));
        const decline = el('button', { type: 'button', className: 'decline', textContent: 'Decline' });
        decline.addEventListener('click', () => setStatus(this.db, s.id, 'declined', { reason: 'declined by the recipient' }));
        li.append(pick, decline);
        if (this.hashing.has(s.id)) li.append(el('span', { className: 'mono', textContent: ` Checking… ${this.hashing.get(s.id)}` }));
      }
      if (s.status === 'pending' && mine) {
        const cancel = el('button', { type: 'button', className: 'cancel', textContent: 'Cancel' });
        cancel.addEventListener('click', () => setStatus(this.db, s.id, 'cancelled', { reason: 'cancelled by the sender' }));
        li.append(cancel);
      }
      if ((s.status === 'ready' || s.status === 'playing') && !this.files.has(s.id)) {
        // A reload: the file must be picked again (browsers do not keep file handles across reloads).
        const pick = el('input', { type: 'file', className: 'rejoin-input', accept: VIDEO_ACCEPT });
        pick.addEventListener('change', () => pick.files[0] && this.rejoin(s, pick.files[0])
          .catch((err) => this.showError(`Could not check the file: ${err.message}`)));
        li.append(' — choose your copy again to rejoin ', pick);
      }
      if ((s.status === 'ready' || s.status === 'playing') && this.files.has(s.id) && this.active?.sessionId !== s.id) {
        const open = el('button', { type: 'button', className: 'open', textContent: 'Open player' });
        open.addEventListener('click', () => this.open(s));
        li.append(open);
      }
      return li;
    });
    this.list.replaceChildren(...items);
    // Open the newest ready session at once; close the player if its session ended.
    const ready = this.sessions.find((s) => (s.status === 'ready' || s.status === 'playing') && this.files.has(s.id));
    if (!this.active && ready) this.open(ready);
    const current = this.active && this.sessions.find((s) => s.id === this.active.sessionId);
    if (this.active && (!current || isEnded(current.status))) this.close();
  }

  open(session) {
    this.close();
    const video = this.playerBox.querySelector('video');
    const url = URL.createObjectURL(this.files.get(session.id));
    video.src = url;
    this.playerBox.hidden = false;
    this.playerBox.dataset.session = session.id;
    const status = this.playerBox.querySelector('#sync-status');
    const driver = new SyncDriver({
      core: this.core, db: this.db, sessionId: session.id, userId: this.userId, displayName: this.userId, video,
      onStatus: (st) => {
        status.textContent = `${st.text}${st.clockSynced ? ` · clock ±${Math.round(st.clockRttMs / 2)} ms` : ''}`;
        status.dataset.state = st.state;
      },
      onError: (msg) => this.showError(msg),
    });
    driver.setHorizon(1e9, 1);  // a local copy: the whole file is playable
    this.active = { sessionId: session.id, driver, url };
    window.wtActiveSync = driver;  // for the browser tests' counters
  }

  close() {
    if (!this.active) return;
    this.active.driver.close();
    URL.revokeObjectURL(this.active.url);
    const video = this.playerBox.querySelector('video');
    video.removeAttribute('src');
    video.load();
    this.playerBox.hidden = true;
    this.active = null;
  }
}
