// The "Watch together" part of the page: invite someone with a file, answer invitations, follow
// transfers, and show the synced player. Each session's lifecycle (when its transfer runs, when the
// player opens and closes, what is written to its record, which buttons show and what its item
// says) is the core's SessionLifecycle, driven by web/controllers/session-controller.js. Two modes:
//  - transfer: the file travels from the inviter's browser to the recipient's (web/controllers/transfers.js);
//  - same-file: each viewer plays their own copy, and the core checks that the copies' SHA-256
//    fingerprints match before the session becomes ready.
import { HashCancelled, hashFile } from '../controllers/file-hasher.js';
import { planFor, planForSummary, probeMovie } from '../controllers/movie-probe.js';
import { ProgressivePlayer } from '../controllers/progressive-player.js';
import { MODES, createSession, reportExpectation, reportPlayerError, watchUserSessions } from '../adapters/sessions.js';
import { SessionController } from '../controllers/session-controller.js';
import { SyncDriver } from '../controllers/sync-driver.js';
import { EmbeddedSubtitleReader } from '../controllers/embedded-subtitles.js';
import { SUBTITLE_ACCEPT, SubtitleTracks, isSubtitleFile, shareSubtitleFiles, splitPicked } from '../controllers/subtitles.js';

// What the file pickers offer: video types (and audio in MP4 or WebM), plus extensions browsers
// often report without a type.
const VIDEO_ACCEPT = 'video/*,.mkv,.mp4,.webm,.mov,.m4v,.ts,.m2ts,.mts,audio/mp4,audio/webm,.m4a,.weba';

// The element's errors in plain words (MediaError codes 3 and 4; 1 and 2 are an abort and a network
// error, which a local file does not have).
const MEDIA_ERRORS = {
  3: 'the movie could not be decoded here (its data may be damaged, or this browser cannot play its codecs)',
  4: 'this browser cannot play this file (its format or codecs are not supported here)',
};

// An audio track chosen by this viewer, remembered per session (a personal choice, not the group's).
const AUDIO_KEY = (sessionId) => `wt-audio:${sessionId}`;
const savedAudio = (sessionId) => {
  try {
    return Number(localStorage.getItem(AUDIO_KEY(sessionId))) || 0;
  } catch {
    return 0;
  }
};

const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children.filter((c) => c != null));
  return node;
};

// The live parts change many times a second while a file arrives; a write of the same text or value
// would still make the page lay out and paint a frame, so only changes are written.
const setText = (node, text) => { if (node && node.textContent !== text) node.textContent = text; };
const setData = (node, key, value) => { if (node && node.dataset[key] !== value) node.dataset[key] = value; };

export class WatchSessionsView {
  // partner: { id, name } when the view belongs to one conversation (the messenger component): only
  // the sessions with that person, and invitations go to them. names: id → display name.
  // onActive({ sessionId, driver, player }): the player opened (null: closed); onSessions(sessions);
  // onInvited({ sessionId, fileName, recipientId }): this page made an invitation (its own form or invite()).
  /**
   * @param {{ core: import('../../src/bindings/watch_core').WatchCore, db: import('firebase/database').Database,
   *   userId: string, userName?: string, root: HTMLElement, showError: (text: string) => void,
   *   transfers: import('../controllers/transfers.js').TransferManager, partner?: { id: string, name: string } | null,
   *   names?: Map<string, string>, onActive?: (active: { sessionId: string, driver: any, player: any } | null) => void,
   *   onSessions?: (sessions: any[]) => void,
   *   onInvited?: (invited: { sessionId: string, fileName: string, recipientId: string }) => void }} options
   */
  constructor({ core, db, userId, userName = userId, root, showError, transfers, partner = null, names = new Map(),
    onActive = () => {}, onSessions = () => {}, onInvited = () => {} }) {
    this.core = core;
    this.db = db;
    this.userId = userId;
    this.userName = userName;
    this.root = root;
    this.showError = showError;
    this.transfers = transfers;
    this.partner = partner;
    this.names = names;
    this.onActive = onActive;
    this.onSessions = onSessions;
    this.onInvited = onInvited;
    this.files = new Map();     // sessionId → the local File (or the received Blob) being watched
    this.checks = new Map();    // sessionId → why an incoming file cannot be accepted
    this.questions = new Map(); // 'invite' | sessionId → an open "… anyway?" question
    this.items = new Map();     // sessionId → its <li>, reused while its shape is unchanged
    this.renderTimer = null;
    this.active = null;         // { sessionId, driver, url }
    this.hashing = new Map();   // sessionId → progress text while hashing a joining copy
    this.noPicture = new Map(); // sessionId → video codecs this browser could not decode while downloading
    this.plans = new Map();     // sessionId → Promise of the core's plan for its file in this browser
    this.planValues = new Map();  // ... once it has come
    this.sessions = [];
    this.people = [];
    this.buildInviteForm();
    this.list = el('ul', { id: 'sessions', className: 'sessions', ariaLabel: 'Watch sessions' });
    // A screen reader hears an item when it appears or changes stage (it is rebuilt then), not every
    // percent of a download (its texts change in place).
    this.list.setAttribute('aria-live', 'polite');
    this.list.setAttribute('aria-relevant', 'additions');
    this.audioSelect = el('select', { id: 'audio-track' });
    this.audioSelect.addEventListener('change', () => this.chooseAudio(Number(this.audioSelect.value)));
    this.playerBox = el('div', { id: 'player-box', hidden: true },
      el('p', { id: 'playback-status', role: 'status' }),
      el('video', { id: 'player', controls: true, playsInline: true, preload: 'auto' }),
      el('p', { id: 'sync-status', className: 'mono' }),
      el('label', { id: 'audio-choice', className: 'player-option', hidden: true }, 'Sound ', this.audioSelect),
      this.buildSubtitleChoice());
    // Subtitle files dropped on the player join the session on screen.
    this.playerBox.addEventListener('dragover', (e) => {
      if (this.active && [...(e.dataTransfer?.items ?? [])].some((i) => i.kind === 'file')) e.preventDefault();
    });
    this.playerBox.addEventListener('drop', (e) => {
      if (!this.active) return;
      e.preventDefault();
      this.addSubtitleFiles([...(e.dataTransfer?.files ?? [])]);
    });
    // The session screen: the player on top, the sessions' status below, then the invitation.
    root.append(this.playerBox, this.list, this.inviteForm);
    this.lifecycle = new SessionController({
      core, db, userId, userName, nameOf: (id) => this.nameOf(id), transfers, files: this.files, showError,
      onChange: () => this.scheduleRender(),
      player: { open: (session, source) => this.openFor(session, source), close: (id) => { if (this.active?.sessionId === id || this.waitingFor === id) this.close(); } },
    });
    this.waitingFor = null;     // a session whose progressive player waits for its receiver driver
    this.playbackText = null;   // the playback line's next text, written with the next redraw
    this.shownSessions = null;  // the session records last drawn, progress aside (JSON)
    transfers.onChange = () => this.scheduleRender();
    transfers.onFileReady = (id) => {
      // Watched while it arrived, but this browser could not play it that way: the machine swaps in the whole file.
      if (this.active?.sessionId === id && this.active.player && !this.active.player.playable) {
        this.noPicture.set(id, this.active.player.unsupportedVideo);
        this.lifecycle.progressiveUnplayable(id);
      }
    };
    transfers.onReceiving = (session, driver) => {
      if (this.waitingFor === session.id) this.open(session, { receiver: driver });
    };
    transfers.onPieceVerified = (id, piece) => { if (this.active?.sessionId === id) this.active.player?.onPieceHeld(piece); };
    transfers.onPieceStored = (id, piece) => {
      if (this.active?.sessionId !== id) return;
      this.active.player?.onPieceStored(piece);
      this.active.embedded.pump();
    };
    this.unwatch = watchUserSessions(db, userId, (sessions) => {
      // A session's name was written by the other person: shown and saved only once the core has
      // sanitized it (control and bidi-override characters, path separators, length).
      this.sessions = sessions.map((s) => ({ ...s, fileName: core.sanitizeFileName(typeof s.fileName === 'string' ? s.fileName : '') }))
        .filter((s) => !partner || this.otherId(s) === partner.id);
      sessions = this.sessions;
      this.onSessions(sessions);
      transfers.update(sessions);
      this.lifecycle.update(sessions);
      // A record whose only change is the download's progress (written twice a second while a file
      // arrives) waits for the next redraw; anything else shows at once.
      const shape = JSON.stringify(sessions.map(({ bytesDownloaded, ...rest }) => rest));
      if (shape === this.shownSessions) this.scheduleRender();
      else {
        this.shownSessions = shape;
        this.render();
      }
    });
  }

  otherId(s) {
    return s.initiatorId === this.userId ? s.recipientId : s.initiatorId;
  }

  nameOf(id) {
    return this.names.get(id) ?? id;
  }

  setPeople(people) {
    for (const p of people) if (p.name) this.names.set(p.id, p.name);
    this.people = people.filter((p) => p.id !== this.userId);
    if (this.partner) {
      this.lifecycle.setPeople(people);
      return;
    }
    const select = this.inviteForm.querySelector('#partner');
    const chosen = select.value;
    select.replaceChildren(el('option', { value: '', textContent: this.people.length ? 'Choose who to watch with' : 'Nobody else is here yet' }),
      ...this.people.map((p) => el('option', { value: p.id, textContent: p.name })));
    if (this.people.some((p) => p.id === chosen)) select.value = chosen;
    this.lifecycle.setPeople(people);
  }

  // An inline question ("Send anyway?"), shown by render() where `key` belongs ('invite' or a
  // session id) so that re-rendering keeps it; resolves true (go on) or false. Replaces an earlier one.
  ask(key, messages, goLabel, stopLabel) {
    this.questions.get(key)?.resolve(false);
    return new Promise((resolve) => {
      this.questions.set(key, { messages, goLabel, stopLabel, resolve });
      this.render();
    });
  }

  questionBox(key) {
    const q = this.questions.get(key);
    if (!q) return null;
    const answer = (yes) => {
      this.questions.delete(key);
      q.resolve(yes);
      this.render();
    };
    const go = el('button', { type: 'button', className: 'go-anyway', textContent: q.goLabel });
    const stop = el('button', { type: 'button', className: 'stop', textContent: q.stopLabel });
    go.addEventListener('click', () => answer(true));
    stop.addEventListener('click', () => answer(false));
    return el('div', { className: 'check-box', role: 'alert' },
      ...q.messages.map((m) => el('p', { className: 'check-message', textContent: m })), go, stop);
  }

  // Progress arrives with every message: the list is redrawn at most twice a second (each redraw is a
  // frame the page lays out, paints and composites).
  scheduleRender() {
    this.renderTimer ??= setTimeout(() => {
      this.renderTimer = null;
      this.render();
    }, 500);
  }

  // Size and content checks before sending: refuse stops, warnings ask ("Send anyway"). The content
  // is the core's reading of the file's first bytes: a file that is not a movie is caught here,
  // whatever its name says. Resolves to the media summary for the session record, or null (not sent).
  async preSendOk(movie) {
    const probe = await probeMovie(this.core, movie).catch(() => null);
    const plan = probe && await planFor(this.core, probe, movie.type);
    const size = this.core.checkFileSize(movie.size, null);
    if (size.verdict === 'refuse') {
      this.showError(size.message);
      return null;
    }
    const warnings = [];
    if (size.verdict === 'warn') warnings.push(size.message);
    if (!plan || plan.expectation === 'not-a-movie') {
      const type = this.core.checkFileType(movie.type, movie.name);
      warnings.push(`"${movie.name}" does not look like a movie: ${probe?.error ? `it could not be read as one (${probe.error})` : 'no picture or sound this app can play was found in it'}.`
        + (type.verdict === 'warn' ? ` ${type.message}` : ''));
    }
    const summary = probe?.summary ?? '';
    return !warnings.length || await this.ask('invite', warnings, 'Send anyway', "Don't send") ? summary : null;
  }

  buildInviteForm() {
    const partner = this.partner
      ? el('input', { type: 'hidden', id: 'partner', value: this.partner.id })
      : el('select', { id: 'partner', ariaLabel: 'Watch with' });
    // A movie, and any subtitle files with it.
    const file = el('input', { type: 'file', id: 'movie-input', accept: `${VIDEO_ACCEPT},${SUBTITLE_ACCEPT}`, multiple: true });
    const mode = el('select', { id: 'mode', ariaLabel: 'How' },
      el('option', { value: MODES.transfer, textContent: 'Send them the file' }),
      el('option', { value: MODES.sameFile, textContent: 'We both have the file' }));
    const cap = el('input', { type: 'number', id: 'upload-cap', min: '0', step: '0.1', placeholder: 'no limit', ariaLabel: 'Upload limit in MB/s' });
    cap.addEventListener('change', () => this.transfers.setUploadCap(Math.max(0, Number(cap.value) || 0) * 1e6));
    const go = el('button', { type: 'submit', id: 'invite', textContent: 'Invite' });
    const progress = el('span', { id: 'invite-progress', className: 'mono' });
    this.inviteQuestion = el('div', { id: 'invite-question' });
    const limit = el('label', {}, ' upload limit ', cap, ' MB/s ');
    // In a conversation the settings a user may want sit behind a small control, out of the main flow.
    const settings = this.partner
      ? el('details', { className: 'settings' }, el('summary', { textContent: 'Settings' }), limit)
      : limit;
    let picker = file;
    if (this.partner) {
      // In a conversation: one "Share a movie" control; picking the file sends the invitation.
      file.ariaLabel = `Share a movie with ${this.partner.name}`;
      picker = el('label', { className: 'share' }, el('span', { textContent: `Share a movie with ${this.partner.name}` }), file);
      file.addEventListener('change', () => { if (file.files[0]) this.inviteForm.requestSubmit(); });
      go.hidden = true;
    }
    this.inviteForm = el('form', { id: 'invite-form' }, partner, picker, mode, go, settings, progress, this.inviteQuestion);
    this.inviteForm.addEventListener('submit', async (e) => {
      e.preventDefault();
      const recipientId = partner.value;
      let picked;
      try {
        picked = splitPicked(file.files);
      } catch (err) {
        file.value = '';
        return this.showError(err.message);
      }
      if (!recipientId) return this.showError('Choose who to watch with.');
      if (!picked.movie) return this.showError(picked.subtitles.length ? 'Choose the movie file too: subtitle files go with a movie.' : 'Choose the movie file first.');
      go.disabled = true;
      try {
        if (await this.invite(recipientId, picked.movie, mode.value, picked.subtitles)) file.value = '';
      } catch (err) {
        this.showError(`Could not start the session: ${err.message}`);
      } finally {
        go.disabled = false;
      }
    });
  }

  // Invites `recipientId` to watch `movie`: sends it (transfer), or asks them to pick their own copy
  // (same-file, after fingerprinting ours); `subtitles`: subtitle files that go with it (the first is
  // this viewer's choice). Returns the new session's id, or null when the checks said no.
  async invite(recipientId, movie, mode = MODES.transfer, subtitles = []) {
    const id = await this.createInvitation(recipientId, movie, mode);
    if (id && subtitles.length) {
      if (this.active?.sessionId === id) {  // its player is open already: added there
        this.addSubtitleFiles(subtitles);
      } else {
        const problems = await shareSubtitleFiles(this.subtitleContext(id), subtitles);
        if (problems.length) this.showError(`Subtitles not added: ${problems.join(' ')}`);
      }
    }
    return id;
  }

  subtitleContext(sessionId) {
    return { core: this.core, db: this.db, store: this.transfers.store, sessionId, userId: this.userId };
  }

  // Subtitle files for the session on screen (dropped on the player); anything else is refused.
  addSubtitleFiles(files) {
    const subtitles = files.filter(isSubtitleFile);
    if (subtitles.length < files.length) {
      this.showError(`Only subtitle files (.srt, .vtt, .ass, .ssa) can be dropped on the player: ${files.filter((f) => !isSubtitleFile(f)).map((f) => `"${f.name}"`).join(', ')} left out.`);
    }
    for (const f of subtitles) this.active?.subtitles?.add(f).catch((e) => this.showError(`Subtitles not added: ${e.message}`));
  }

  async createInvitation(recipientId, movie, mode) {
    const progress = this.inviteForm.querySelector('#invite-progress');
    if (mode === MODES.transfer) {
      const media = await this.preSendOk(movie);
      if (media === null) return null;
      const id = await createSession(this.db, {
        initiatorId: this.userId, recipientId, fileName: this.core.sanitizeFileName(movie.name), fileSize: movie.size,
        mimeType: movie.type, fileHash: '', mode: MODES.transfer, media,
      });
      this.transfers.provideFile({ id, fileSize: movie.size }, movie);
      this.files.set(id, movie);
      this.lifecycle.fileAvailable(id);
      this.onInvited({ sessionId: id, fileName: movie.name, recipientId });
      return id;
    }
    const fileHash = await hashFile(this.core, movie, { onProgress: (t) => { progress.textContent = `Fingerprinting… ${t}`; } });
    const id = await createSession(this.db, {
      initiatorId: this.userId, recipientId, fileName: this.core.sanitizeFileName(movie.name), fileSize: movie.size,
      mimeType: movie.type, fileHash, mode: MODES.sameFile,
    });
    this.files.set(id, movie);
    this.lifecycle.fileAvailable(id);
    progress.textContent = '';
    this.onInvited({ sessionId: id, fileName: movie.name, recipientId });
    return id;
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
      // Joining is this side's accept, with its copy checked: the machine then writes 'ready'.
      this.lifecycle.accept(session.id);
      this.lifecycle.fileAvailable(session.id);
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
    this.lifecycle.fileAvailable(session.id);
    this.render();
  }

  // The sender picks its file again after a reload (same size, or refused with a reason).
  resend(session, movie) {
    this.transfers.provideFile(session, movie);
    this.files.set(session.id, movie);
    this.lifecycle.fileAvailable(session.id);
  }

  // The buttons: each asks the session's machine, which writes the record and starts or stops what
  // follows. Accept checks size, type and room first: refused → say why (decline stays possible);
  // warnings → "Accept anyway".
  async acceptTransfer(s) {
    if (s.mode === MODES.sameFile) return this.lifecycle.accept(s.id);  // the copy, once picked, completes it
    const problems = await this.transfers.checkIncoming(s);
    // What this browser will make of the movie (the sender's summary of it): a picture it cannot
    // show, or no movie at all, is asked about before anything travels.
    const plan = await this.planOf(s);
    if (plan?.problem) problems.push({ verdict: 'warn', code: 'playback', message: `${plan.headline}. ${plan.detail}`.trim() });
    const refused = problems.find((p) => p.verdict === 'refuse');
    if (refused) {
      this.checks.set(s.id, refused.message);
      this.render();
      return false;
    }
    if (problems.length && !await this.ask(s.id, problems.map((p) => p.message), 'Accept anyway', 'Not now')) return false;
    return this.lifecycle.accept(s.id);
  }

  // The core's plan for a session's file in this browser: from this page's own File when it has one,
  // else from the summary in the record. Asked once per session; the recipient's answer to an
  // invitation goes into the record (expect), so that the sender sees it too.
  planOf(s) {
    if (!this.plans.has(s.id)) {
      const file = this.files.get(s.id);
      const plan = (file
        ? probeMovie(this.core, file).then((p) => planFor(this.core, p, file.type))
        : planForSummary(this.core, s)).catch(() => null);
      this.plans.set(s.id, plan);
      plan.then((p) => {
        if (!p) return;
        this.planValues.set(s.id, p);
        if (s.recipientId === this.userId && s.status === 'pending' && (s.expect !== p.expectation || s.expectText !== p.headline)) {
          reportExpectation(this.db, s.id, p.expectation, p.headline).catch(() => {});
        }
        this.render();
      });
    }
    return this.plans.get(s.id);
  }

  // "What to expect" for an invitation: the recipient's own browser's plan; the sender sees the
  // recipient's answer from the record.
  expectationLine(s) {
    if (s.mode === MODES.sameFile || !['pending', 'downloading'].includes(s.status)) return '';
    if (s.recipientId === this.userId) {
      this.planOf(s);
      const plan = this.planValues.get(s.id);
      if (!plan) return '';
      return `Here: ${plan.headline}. ${plan.detail}`.trim();
    }
    return s.expectText ? `On ${this.nameOf(s.recipientId)}'s side: ${s.expectText}.` : '';
  }

  // The other viewer's player could not play: said here in their words.
  peerPlayerError(s) {
    const text = s.playerErrors?.[this.otherId(s)];
    return typeof text === 'string' && text ? `${this.nameOf(this.otherId(s))}'s player: ${text}` : '';
  }

  decline(s) { return this.lifecycle.decline(s.id); }
  cancel(s) { return this.lifecycle.cancel(s.id); }
  end(s) { return this.lifecycle.end(s.id); }

  // One session's item: the machine's view (headline, this side, the other side, the bar) and
  // exactly the buttons it offers. data-status is the record's status, data-stage the machine's.
  renderItem(s, v, key) {
    const li = el('li', { className: 'session' },
      el('span', { className: 'headline', textContent: v.headline }), ' ',
      el('span', { className: 'self-line' }), ' ', el('span', { className: 'peer-line' }),
      el('p', { className: 'expect-line' }), el('p', { className: 'peer-error', role: 'alert' }));
    li.querySelector('.peer-line').dataset.who = this.nameOf(this.otherId(s));  // shown before the line (CSS)
    li.dataset.session = s.id;
    li.dataset.status = s.status;
    li.dataset.stage = v.stage;
    li.dataset.key = key;
    const mine = s.initiatorId === this.userId;
    const transfer = s.mode !== MODES.sameFile;
    const button = (className, textContent, onClick) => {
      const b = el('button', { type: 'button', className, textContent });
      b.addEventListener('click', () => Promise.resolve(onClick()).catch((err) => this.showError(err.message)));
      return b;
    };
    const picker = (className, onPick) => {
      const pick = el('input', { type: 'file', className, accept: VIDEO_ACCEPT });
      pick.addEventListener('change', () => {
        if (!pick.files[0]) return;
        Promise.resolve().then(() => onPick(pick.files[0])).catch((err) => this.showError(err.message));
      });
      return pick;
    };
    if (v.needsFile) {
      // Browsers keep no file handles across reloads: this side picks the file (again) to go on.
      if (transfer) li.append(' ', picker('resend-input', (f) => this.resend(s, f)));
      else if (!mine && v.stage === 'pending') li.append(' ', picker('join-input', (f) => this.join(s, f)));
      else li.append(' ', picker('rejoin-input', (f) => this.rejoin(s, f).catch((err) => this.showError(`Could not check the file: ${err.message}`))));
    }
    if (this.hashing.has(s.id)) li.append(el('span', { className: 'mono', textContent: ` Checking… ${this.hashing.get(s.id)}` }));
    if (transfer && v.stage === 'downloading' && !v.downloadingElsewhere) {
      li.append(el('div', { className: 'transfer' }, el('span', { className: 'transfer-status' }), ' ',
        el('progress', { className: 'transfer-bar', max: 1 }), ' ', el('span', { className: 'transfer-progress mono' }),
        ' ', el('span', { className: 'link-type' })));
      // Shown while this side's storage is full (refreshItem): the core also retries by itself.
      if (!mine) li.append(Object.assign(button('retry-storage', 'Try again', () => this.transfers.retryStorage(s)), { hidden: true }), ' ');
    }
    if (v.canAccept && transfer) li.append(button('accept', 'Accept', () => this.acceptTransfer(s)));
    if (v.canDecline) li.append(button('decline', 'Decline', () => this.decline(s)));
    if (v.canCancel) li.append(button('cancel', 'Cancel', () => this.cancel(s)));
    if (v.canEnd) li.append(button('end', 'End session', () => this.end(s)));
    if (v.canSave) li.append(button('save', 'Save file', () => this.transfers.save(s)));
    if (v.canDelete) li.append(button('delete', 'Delete now', () => this.lifecycle.deleteStored(s.id)));
    if (v.canPlay && this.files.has(s.id) && this.active?.sessionId !== s.id) {
      li.append(button('open', 'Open player', () => this.openFor(s, 'whole')));
    }
    li.append(this.questionBox(s.id) ?? '');
    if (this.checks.has(s.id)) li.append(el('p', { className: 'check-message refused', role: 'alert', textContent: this.checks.get(s.id) }));
    this.refreshItem(s, v, li);
    return li;
  }

  // The live part of an item, updated in place: the lines, and a transfer's status, bar and the
  // core's progress line.
  refreshItem(s, v, li) {
    setText(li.querySelector('.headline'), v.headline);
    setText(li.querySelector('.self-line'), v.selfLine);
    setText(li.querySelector('.peer-line'), v.peerLine);
    const expect = li.querySelector('.expect-line');
    setText(expect, this.expectationLine(s));
    if (expect.hidden !== !expect.textContent) expect.hidden = !expect.textContent;
    const peerError = li.querySelector('.peer-error');
    setText(peerError, this.peerPlayerError(s));
    if (peerError.hidden !== !peerError.textContent) peerError.hidden = !peerError.textContent;
    const status = li.querySelector('.transfer .transfer-status');
    if (!status) return;
    const t = this.transfers.view(s.id);
    setText(status, t ? t.status : v.selfLine);
    setData(status, 'phase', t?.phase ?? 'connecting');
    const retry = li.querySelector('.retry-storage');
    const full = t?.phase === 'storage-full';
    if (retry && retry.hidden === full) retry.hidden = !full;
    const bar = li.querySelector('.transfer-bar');
    const fraction = t ? t.fraction : v.fraction;
    // A bar with no value yet is indeterminate (an animation), though .value reads 0 then.
    if (!bar.hasAttribute('value') || bar.value !== fraction) bar.value = fraction;
    setText(li.querySelector('.transfer-progress'), t ? t.progress : '');
    const link = li.querySelector('.link-type');
    setText(link, t?.linkText ?? '');  // "Direct connection" / "Relayed connection", from peer-link
    setData(link, 'link', t?.link ?? '');
  }

  // What decides an item's shape (not its texts or progress figures).
  itemKey(s, v) {
    return JSON.stringify([s.status, v.stage, v.canAccept, v.canDecline, v.canCancel, v.canEnd, v.canSave, v.canDelete, v.canPlay,
      v.needsFile, v.downloadingElsewhere, this.files.has(s.id), this.questions.has(s.id), this.checks.get(s.id) ?? '',
      this.hashing.get(s.id) ?? '', this.active?.sessionId === s.id]);
  }

  render() {
    clearTimeout(this.renderTimer);
    this.renderTimer = null;
    if (this.playbackText !== null) {
      setText(this.playerBox.querySelector('#playback-status'), this.playbackText);
      this.playbackText = null;
    }
    // Replaced only when the question changes: a box redrawn under the pointer could lose a click.
    const question = this.questions.get('invite') ?? null;
    if (this.shownInviteQuestion !== question) {
      this.shownInviteQuestion = question;
      this.inviteQuestion.replaceChildren(this.questionBox('invite') ?? '');
    }
    const items = this.sessions.map((s) => {
      const v = this.lifecycle.view(s.id);
      if (!v) return null;
      // An item is rebuilt only when its shape changes; texts and progress are updated in place, so
      // a button is never replaced under the pointer mid-click.
      const key = this.itemKey(s, v);
      const old = this.items.get(s.id);
      if (old?.dataset.key === key) {
        this.refreshItem(s, v, old);
        return old;
      }
      const li = this.renderItem(s, v, key);
      this.items.set(s.id, li);
      return li;
    }).filter(Boolean);
    const shown = [...this.list.children];
    if (shown.length !== items.length || shown.some((li, i) => li !== items[i])) this.list.replaceChildren(...items);
    for (const id of this.items.keys()) if (!this.sessions.some((s) => s.id === id)) this.items.delete(id);
  }

  // The machine's OpenPlayer: the whole file (this page's File or the received Blob), or the file
  // while it arrives (progressive: through the receiver driver, once the transfer has made it).
  openFor(session, source) {
    if (source === 'progressive') {
      const driver = this.transfers.transfers.get(session.id)?.driver;
      if (!driver) {
        this.close();
        this.waitingFor = session.id;  // transfers.onReceiving opens it
        return;
      }
      this.open(session, { receiver: driver });
      return;
    }
    if (this.files.has(session.id)) this.openWhole(session);
  }

  // A whole file (this page's File, or the received Blob): as it is when the element plays it; through
  // the remuxer (every piece held) when the core's plan says this browser needs it (a Matroska, MOV or
  // MPEG-TS file, several audio tracks, sound it cannot decode).
  async openWhole(session) {
    const token = {};
    this.opening = token;
    const plan = await this.planOf(session);
    if (this.opening !== token || !this.files.has(session.id)) return;
    this.opening = null;
    this.open(session, plan?.pipeline === 'remux' ? { blob: this.files.get(session.id) } : {});
    // A movie this browser cannot show (or play at all) is said at once, here and to the other side;
    // the element still plays what it can.
    if (plan?.problem) {
      const line = `${plan.problem}.`;
      setText(this.playerBox.querySelector('#playback-status'), line);
      this.reportError(session.id, line);
    }
  }

  // Plays a session: a local file or a received Blob as it is, or (receiver: the transfer's driver)
  // the file while it arrives, through the core's ProgressivePlayback and Media Source Extensions.
  open(session, { receiver = null, blob = null } = {}) {
    this.close();
    const id = session.id;
    const video = this.playerBox.querySelector('video');
    const playback = this.playerBox.querySelector('#playback-status');
    let url = null;
    let player = null;
    this.playerBox.hidden = false;
    this.playerBox.dataset.session = session.id;
    playback.textContent = '';
    this.playbackText = null;
    delete playback.dataset.unlocked;
    const status = this.playerBox.querySelector('#sync-status');
    const driver = new SyncDriver({
      core: this.core, db: this.db, sessionId: session.id, userId: this.userId, displayName: this.userName, video,
      onStatus: (st, viewers) => {
        setText(status, `${st.text}${st.clockSynced ? ` · clock ±${Math.round(st.clockRttMs / 2)} ms` : ''}`);
        setData(status, 'state', st.state);
        // The other side watches with us: its player is open (its report is there) and the group plays.
        this.lifecycle.peerWatching(session.id, st.state === 'playing' && [...viewers].some((id) => id !== this.userId));
      },
      onError: (msg) => this.showError(msg),
    });
    if (receiver || blob) {
      let shownError = '';
      player = new ProgressivePlayer({
        core: this.core, fileSize: session.fileSize, pieceSize: this.core.PIECE_SIZE, video, blob, mimeType: session.mimeType ?? '',
        readPiece: (p) => receiver.readPiece(p),  // from memory or storage, checked against its digest
        audioChoice: savedAudio(id),
        onPlan: () => this.showAudioChoice(player),
        onStatus: (st) => {
          if (st.error !== shownError) this.reportError(id, st.error);
          if (blob) {  // the whole file is here: only an error is news
            shownError = st.error;
            setText(playback, st.error);
            return;
          }
          // The line moves with every percent downloaded: written with the list's next redraw, unless
          // it says something new (an error, play unlocked, another rule), which shows at once. An
          // error already shown is not news: the percent after it waits for the redraw too.
          const text = st.error ? `${st.error} ${st.text}` : st.text;
          if (st.error !== shownError || playback.dataset.unlocked !== String(st.unlocked) || playback.dataset.rule !== st.rule) {
            shownError = st.error;
            this.playbackText = null;
            setText(playback, text);
          } else {
            this.playbackText = text;
            this.scheduleRender();
          }
          setData(playback, 'unlocked', String(st.unlocked));
          setData(playback, 'rule', st.rule);
          setData(playback, 'unlockedAt', String(st.unlockedAtFraction));
          if (video.controls !== st.unlocked) video.controls = st.unlocked;  // Play is offered once the core unlocks it
          if (st.unlocked && !this.active?.unlocked && this.active?.sessionId === id) {
            this.active.unlocked = true;
            this.lifecycle.playbackUnlocked(id);
          }
        },
        onHorizon: (horizon, fraction, gain) => {
          driver.setDownloadGain(gain);
          driver.setHorizon(horizon, fraction);
        },
        onFetchPlan: (plan) => receiver?.applyFetchPlan(plan),
        nudge: (t) => driver.nudge(t),
      });
      if (blob) {
        video.controls = true;
        player.restoreAll();
      } else {
        player.restore(receiver.heldPieces());
        const p = player;
        receiver.onArrived = (bytes) => p.onBytesArrived(bytes);
      }
    } else {
      url = URL.createObjectURL(this.files.get(session.id));
      video.src = url;
      // The element plays what it can: a movie whose picture it cannot decode plays its sound alone.
      const codecs = this.noPicture.get(session.id) ?? [];
      video.addEventListener('loadedmetadata', () => {
        if (codecs.length && video.videoWidth === 0) {
          this.showError(`This browser cannot show the picture of "${session.fileName}" (${codecs.join(', ')}): only its sound plays.`);
        }
      }, { once: true });
      video.controls = true;
      driver.setHorizon(1e9, 1);  // the whole file is here: nothing to wait for
    }
    // Whether this page's player plays: the machine writes the record's Playing stage on the first play.
    const onPlaying = () => this.lifecycle.localPlaying(id, true);
    const onPause = () => this.lifecycle.localPlaying(id, false);
    // The element itself refusing the file (or its data) is said in plain words, here and to the other side.
    const onError = () => {
      const text = MEDIA_ERRORS[video.error?.code];
      if (!text || playback.textContent) return;  // what the core already said (the plan's line) is the better word
      const line = `${text[0].toUpperCase()}${text.slice(1)}.`;
      setText(playback, line);
      this.reportError(id, line);
    };
    video.addEventListener('playing', onPlaying);
    video.addEventListener('pause', onPause);
    video.addEventListener('error', onError);
    const subtitles = new SubtitleTracks({
      core: this.core, db: this.db, userId: this.userId, nameOf: (uid) => this.nameOf(uid), video, store: this.transfers.store, sessionId: id,
      onChange: () => this.showSubtitleChoice(), onError: (text) => this.showError(text),
    });
    // The movie's own subtitle tracks: from the file on this disk at once, or as its pieces arrive.
    const file = blob ?? this.files.get(session.id);
    const embedded = new EmbeddedSubtitleReader({
      core: this.core, fileSize: session.fileSize,
      contiguousFrom: file ? (offset) => session.fileSize - offset : (offset) => player?.policy.contiguousFrom(offset) ?? 0,
      nextHeld: file ? () => -1 : (offset) => player?.nextHeldFrom(offset) ?? -1,
      readRange: file ? (offset, length) => file.slice(offset, offset + length).arrayBuffer().then((b) => new Uint8Array(b))
        : (offset, length) => player.readRange(offset, length),
      onTracks: (tracks) => subtitles.setEmbedded(tracks),
      onCues: (cues) => subtitles.addEmbeddedCues(cues),
      onError: (text) => this.showError(`The subtitles inside "${session.fileName}" ${text}.`),
    });
    this.active = { sessionId: id, driver, url, player, subtitles, embedded, onPlaying, onPause, onError, unlocked: false };
    subtitles.load().catch((e) => this.showError(`The subtitles of this session could not be read: ${e.message}`));
    embedded.pump();
    this.onActive({ sessionId: session.id, driver, player });
  }

  // The view is gone (its component left the page): no more sessions in, no machine left running.
  destroy() {
    this.unwatch();
    this.close();
    this.lifecycle.close();
    clearTimeout(this.renderTimer);
  }

  // The player's problem (or '' once there is none) for the other side's item.
  reportError(sessionId, text) {
    reportPlayerError(this.db, sessionId, this.userId, text).catch(() => {});
  }

  // Subtitles: this viewer's files for the session on screen, "Off", a file to add, and the offset.
  buildSubtitleChoice() {
    this.subtitleSelect = el('select', { id: 'subtitle-track' });
    this.subtitleSelect.addEventListener('change', () => this.active?.subtitles?.choose(this.subtitleSelect.value));
    const input = el('input', { type: 'file', id: 'subtitle-input', accept: SUBTITLE_ACCEPT, className: 'subtitle-input' });
    input.addEventListener('change', () => {
      const file = input.files[0];
      input.value = '';
      if (file) this.active?.subtitles?.add(file).catch((e) => this.showError(`Subtitles not added: ${e.message}`));
    });
    const step = (id, text, delta, label) => {
      const b = el('button', { type: 'button', id, textContent: text, title: label });
      b.setAttribute('aria-label', label);
      b.addEventListener('click', () => this.active?.subtitles?.shift(delta));
      return b;
    };
    return el('div', { id: 'subtitle-choice', className: 'player-option', hidden: true },
      el('label', {}, 'Subtitles ', this.subtitleSelect),
      el('label', { className: 'subtitle-add' }, 'Add a file…', input),
      step('subtitle-earlier', '−0.1 s', -0.1, 'Subtitles 0.1 s earlier'),
      el('span', { id: 'subtitle-offset', className: 'mono' }),
      step('subtitle-later', '+0.1 s', 0.1, 'Subtitles 0.1 s later'));
  }

  showSubtitleChoice() {
    const subtitles = this.active?.subtitles;
    if (!subtitles) return;
    this.subtitleSelect.replaceChildren(el('option', { value: 'off', textContent: 'Off', selected: !subtitles.chosen }),
      ...subtitles.list.map((f) => el('option', {
        value: f.id, selected: f.id === subtitles.chosen, disabled: Boolean(f.unsupported),
        textContent: f.embedded
          ? (f.unsupported ? `${f.name} — ${f.unsupported}` : `${f.name} (in the movie)`)
          : `${f.name} (${f.mine ? 'from a file' : `from ${this.nameOf(f.by)}'s file`}${f.skipped ? `; ${f.skipped} broken ${f.skipped === 1 ? 'cue' : 'cues'} left out` : ''})`,
      })));
    const offset = subtitles.offset;
    const box = this.playerBox.querySelector('#subtitle-choice');
    box.querySelector('#subtitle-offset').textContent = `${offset < 0 ? '−' : '+'}${Math.abs(offset).toFixed(1)} s`;
    for (const b of box.querySelectorAll('button')) b.disabled = !subtitles.chosen;
    box.hidden = false;
  }

  // The audio tracks the core's plan lists for this file, as a menu (shown when there is a choice);
  // each viewer picks their own.
  showAudioChoice(player) {
    const tracks = player.audioTracks();
    const box = this.playerBox.querySelector('#audio-choice');
    this.audioSelect.replaceChildren(...tracks.map((t) => el('option', {
      value: String(t.number), textContent: t.playable ? t.label : `${t.label} — ${t.reason}`, disabled: !t.playable, selected: t.selected,
    })));
    box.hidden = tracks.length < 2;
  }

  chooseAudio(number) {
    const player = this.active?.player;
    if (!player) return;
    player.selectAudio(number);
    try {
      localStorage.setItem(AUDIO_KEY(this.active.sessionId), String(number));
    } catch { /* private mode: the choice lasts as long as the page */ }
    this.showAudioChoice(player);
  }

  close() {
    this.opening = null;
    this.waitingFor = null;
    this.playbackText = null;
    if (!this.active) return;
    this.active.driver.close();
    this.active.player?.close();
    this.playerBox.querySelector('video').removeEventListener('playing', this.active.onPlaying);
    this.playerBox.querySelector('video').removeEventListener('pause', this.active.onPause);
    this.playerBox.querySelector('video').removeEventListener('error', this.active.onError);
    this.playerBox.querySelector('#audio-choice').hidden = true;
    this.active.subtitles.close();
    this.active.embedded.close();
    this.playerBox.querySelector('#subtitle-choice').hidden = true;
    if (this.active.url) URL.revokeObjectURL(this.active.url);
    const video = this.playerBox.querySelector('video');
    video.removeAttribute('src');
    video.load();
    this.playerBox.hidden = true;
    this.lifecycle.peerWatching(this.active.sessionId, false);  // no player here: nothing seen of the other side
    this.active = null;
    this.onActive(null);
  }
}
