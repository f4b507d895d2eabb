// A small demo messenger: people, one-to-one chats whose messages really send (the same Realtime
// Database), and Watch Together embedded the way a third-party messenger would: through the
// component's public API only (web/component/watch-together.js). The chat is this file's own:
//   /messenger-users/{uid}        { name, online, lastSeen }  (online cleared by onDisconnect)
//   /messenger-chats/{a~b}/{mid}  { from, kind: 'text' | 'watch-invite', text?, sessionId?, fileName?, at }
import { limitToLast, onDisconnect, onValue, push, query, ref, serverTimestamp, set, update } from 'firebase/database';
import { connectDatabase, isUserId, loadDatabaseConfig } from '../adapters/database.js';
import { defineWatchTogether, watchSessionList } from '../component/watch-together.js';

const $ = (id) => document.getElementById(id);
const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children.filter((c) => c != null));
  return node;
};
const chatId = (a, b) => [a, b].sort().join('~');
const ENDED = new Set(['declined', 'cancelled', 'failed', 'complete']);
const STAGE_TEXT = {
  pending: 'Waiting for an answer', downloading: 'Downloading…', ready: 'Ready to play', playing: 'Watching',
  complete: 'Session ended', declined: 'Declined', cancelled: 'Cancelled', failed: 'Failed',
};

const state = {
  db: null, me: null, iceServers: [],
  people: new Map(),      // uid → { id, name, online }
  partner: null,          // the open conversation's other person
  components: new Map(),  // partner uid → its <watch-together> (kept while the page lives)
  sessions: new Map(),    // session id → the component's summary (+ partnerId)
  messages: [],
  unwatchChat: null,
};

function showError(text) {
  $('error').textContent = text;
  $('error').hidden = false;
}

// ?user=alice: who signs in (the embedded server's and the emulator's convention: the uid); ?name=
// a display name. Without one, a guest id kept in this browser.
function requestedUser() {
  const params = new URLSearchParams(location.search);
  let id = params.get('user');
  if (id && !isUserId(id)) {
    showError(`"${id}" is not a valid user id; using a guest id.`);
    id = null;
  }
  if (!id) {
    id = localStorage.getItem('wt-messenger-user') ?? `guest-${crypto.randomUUID().slice(0, 8)}`;
    localStorage.setItem('wt-messenger-user', id);
  }
  const name = (params.get('name') ?? id).slice(0, 64) || id;
  return { id, name };
}

const nameOf = (uid) => state.people.get(uid)?.name ?? uid;

function renderContacts() {
  const people = [...state.people.values()].filter((p) => p.id !== state.me.id)
    .sort((a, b) => Number(b.online) - Number(a.online) || a.name.localeCompare(b.name));  // who is here first
  $('contacts').replaceChildren(...people.map((p) => {
    const b = el('button', { type: 'button', className: 'contact', textContent: p.name });
    b.dataset.user = p.id;
    b.dataset.online = String(p.online);
    b.setAttribute('aria-current', String(state.partner?.id === p.id));
    b.addEventListener('click', () => openChat(p.id));
    return el('li', {}, b);
  }));
}

function renderActiveSessions() {
  const live = [...state.sessions.values()].filter((s) => !ENDED.has(s.status));
  $('active-sessions').replaceChildren(...(live.length ? live.map((s) => {
    const b = el('button', { type: 'button', className: 'active-session' },
      el('span', { className: 'file', textContent: s.fileName }), ` with ${nameOf(s.partnerId)} — `,
      el('span', { className: 'stage', textContent: STAGE_TEXT[s.status] ?? s.status }));
    b.dataset.session = s.id;
    b.dataset.status = s.status;
    b.addEventListener('click', () => openChat(s.partnerId, { watch: true }));
    return el('li', {}, b);
  }) : [el('li', { className: 'none', textContent: 'No movie yet' })]));
}

// The component for a conversation: created once, kept (hidden) when another chat is open, so a
// transfer goes on while the user chats elsewhere. Two of them on one page never interfere.
function componentFor(partnerId) {
  let wt = state.components.get(partnerId);
  if (wt) return wt;
  wt = document.createElement('watch-together');
  wt.configure({ db: state.db, user: state.me, partner: { id: partnerId, name: nameOf(partnerId) },
    iceServers: state.iceServers, iceTransportPolicy: state.iceTransportPolicy });
  wt.hidden = true;
  wt.dataset.partner = partnerId;
  wt.addEventListener('wt-session', () => { if (state.partner?.id === partnerId) showWatch(true); });
  // Whichever control shared it (the chat's quick action or the panel's own), the invitation goes
  // into this conversation as a card, once, from the page that shared it.
  wt.addEventListener('wt-shared', (e) => {
    const { sessionId, fileName } = e.detail;
    send(partnerId, { kind: 'watch-invite', sessionId, fileName: fileName.slice(0, 255) })
      .catch((err) => showError(`The invitation card could not be posted: ${err.message}`));
  });
  wt.addEventListener('wt-statechange', () => renderMessages());
  wt.addEventListener('wt-error', (e) => console.warn('watch-together:', e.detail.message));
  $('watch-panels').append(wt);
  state.components.set(partnerId, wt);
  return wt;
}

function showWatch(open) {
  for (const [id, wt] of state.components) wt.hidden = !(open && id === state.partner?.id);
  $('watch-button').setAttribute('aria-expanded', String(open));
  $('chat').dataset.watching = String(open);
}

function openChat(partnerId, { watch = false } = {}) {
  state.partner = { id: partnerId, name: nameOf(partnerId) };
  $('chat').hidden = false;
  $('no-chat').hidden = true;
  document.body.dataset.chat = partnerId;
  $('chat-title').textContent = state.partner.name;
  $('share-movie').textContent = `Share a movie with ${state.partner.name}`;
  const wt = componentFor(partnerId);
  showWatch(watch || wt.sessions.some((s) => !ENDED.has(s.status)));
  state.unwatchChat?.();
  state.messages = [];
  renderMessages();
  state.unwatchChat = onValue(query(ref(state.db, `messenger-chats/${chatId(state.me.id, partnerId)}`), limitToLast(200)), (snap) => {
    const list = [];
    snap.forEach((child) => { list.push({ id: child.key, ...child.val() }); });
    state.messages = list;
    renderMessages();
  }, (e) => showError(`This conversation cannot be read: ${e.message}`));
  renderContacts();
  $('message-input').focus();
}

// An invitation in the conversation: a card with the session's state, and Accept / Decline for
// the person invited while it waits.
function inviteCard(m) {
  const s = state.sessions.get(m.sessionId);
  const mine = m.from === state.me.id;
  const status = s?.status ?? 'pending';
  const card = el('div', { className: 'invite-card' },
    el('p', { className: 'invite-title', textContent: mine ? `You invited ${state.partner.name} to watch` : `${nameOf(m.from)} invites you to watch` }),
    el('p', { className: 'invite-file', textContent: m.fileName ?? s?.fileName ?? '' }),
    el('p', { className: 'invite-stage', textContent: STAGE_TEXT[status] ?? status }));
  card.dataset.session = m.sessionId;
  card.dataset.status = status;
  if (!mine && status === 'pending' && s) {
    const wt = componentFor(m.from);
    const accept = el('button', { type: 'button', className: 'card-accept', textContent: 'Accept' });
    const decline = el('button', { type: 'button', className: 'card-decline', textContent: 'Decline' });
    accept.addEventListener('click', () => { showWatch(true); wt.accept(m.sessionId).catch((e) => showError(e.message)); });
    decline.addEventListener('click', () => wt.decline(m.sessionId).catch((e) => showError(e.message)));
    card.append(el('div', { className: 'card-actions' }, accept, decline));
  } else if (!ENDED.has(status)) {
    const open = el('button', { type: 'button', className: 'card-open', textContent: 'Open' });
    open.addEventListener('click', () => showWatch(true));
    card.append(el('div', { className: 'card-actions' }, open));
  }
  return card;
}

function renderMessages() {
  if (!state.partner) return;
  const atBottom = $('messages').scrollHeight - $('messages').scrollTop - $('messages').clientHeight < 40;
  $('messages').replaceChildren(...state.messages.map((m) => {
    const li = el('li', { className: `message ${m.from === state.me.id ? 'mine' : 'theirs'}` },
      m.kind === 'watch-invite' ? inviteCard(m) : el('span', { className: 'text', textContent: m.text ?? '' }));
    li.dataset.kind = m.kind;
    return li;
  }));
  if (atBottom) $('messages').scrollTop = $('messages').scrollHeight;
}

function send(partnerId, message) {
  return push(ref(state.db, `messenger-chats/${chatId(state.me.id, partnerId)}`), { ...message, from: state.me.id, at: serverTimestamp() });
}

// "Share a movie with <name>": the file is picked here, the component sends it and watches it
// together; the invitation goes into the conversation as a card.
async function shareMovie(file, subtitles) {
  const partner = state.partner;
  const wt = componentFor(partner.id);
  showWatch(true);
  await wt.share(file, subtitles);  // its card: the component's wt-shared (componentFor)
}

async function main() {
  defineWatchTogether();
  const me = requestedUser();
  $('me-name').textContent = me.name;
  const config = await loadDatabaseConfig();
  const { db, uid } = await connectDatabase(config, { userId: me.id });
  // The page server's ICE servers; time-limited TURN credentials are asked for afresh per connection.
  const iceServers = config.iceServersRefresh ? () => loadDatabaseConfig().then((c) => c.iceServers ?? []) : config.iceServers ?? [];
  Object.assign(state, { db, me: { id: uid, name: me.name }, iceServers, iceTransportPolicy: config.iceTransportPolicy ?? 'all' });
  document.body.dataset.user = uid;

  const self = ref(db, `messenger-users/${uid}`);
  onValue(ref(db, '.info/connected'), (snap) => {
    const connected = snap.val() === true;
    $('db-status').textContent = connected ? 'online' : 'offline — reconnecting…';
    $('db-status').dataset.state = connected ? 'ok' : 'offline';
    if (!connected) return;
    // Offline for the others when this page goes (the server runs it when the connection drops).
    onDisconnect(self).set({ name: me.name, online: false, lastSeen: serverTimestamp() })
      .then(() => set(self, { name: me.name, online: true, lastSeen: serverTimestamp() }))
      .catch((e) => showError(`Could not say you are online: ${e.message}`));
  });
  let knowPeople;
  const peopleKnown = new Promise((resolve) => { knowPeople = resolve; });
  onValue(ref(db, 'messenger-users'), (snap) => {
    knowPeople();
    state.people = new Map();
    snap.forEach((child) => {
      const v = child.val() ?? {};
      state.people.set(child.key, { id: child.key, name: typeof v.name === 'string' ? v.name : child.key, online: v.online === true });
    });
    renderContacts();
    renderActiveSessions();
    if (state.partner) {
      state.partner.name = nameOf(state.partner.id);
      $('chat-title').textContent = state.partner.name;
      $('share-movie').textContent = `Share a movie with ${state.partner.name}`;
    }
    for (const [id, wt] of state.components) wt.setPartnerName(nameOf(id));
  });
  watchSessionList({ db, user: state.me }, (list) => {
    state.sessions = new Map(list.map((s) => [s.id, s]));
    renderActiveSessions();
    renderMessages();
  });

  $('composer').addEventListener('submit', (e) => {
    e.preventDefault();
    const input = /** @type {HTMLInputElement} */ ($('message-input'));
    const text = input.value.trim();
    if (!text || !state.partner) return;
    input.value = '';
    send(state.partner.id, { kind: 'text', text }).catch((err) => showError(`Not sent: ${err.message}`));
  });
  // A movie, and any subtitle files with it.
  const picker = el('input', { type: 'file', accept: 'video/*,.mkv,.mp4,.webm,.mov,.m4v,.ts,.m2ts,.srt,.vtt,.ass,.ssa', multiple: true, hidden: true, id: 'share-input' });
  document.body.append(picker);
  $('share-movie').addEventListener('click', () => picker.click());
  picker.addEventListener('change', () => {
    const files = [...picker.files];
    picker.value = '';
    const subtitles = files.filter((f) => /\.(srt|vtt|ass|ssa)$/i.test(f.name));
    const movies = files.filter((f) => !subtitles.includes(f));
    if (movies.length !== 1) {
      if (files.length) showError(movies.length ? 'Pick one movie at a time (with any subtitle files).' : 'Pick the movie too: subtitle files go with a movie.');
      return;
    }
    shareMovie(movies[0], subtitles).catch((err) => showError(`Could not share "${movies[0].name}": ${err.message}`));
  });
  $('watch-button').addEventListener('click', () => showWatch($('watch-button').getAttribute('aria-expanded') !== 'true'));
  $('back').addEventListener('click', () => {
    $('chat').hidden = true;
    $('no-chat').hidden = false;
    document.body.dataset.chat = '';
  });
  // ?chat=bob opens that conversation once the people (and so the names) are known.
  const wanted = new URLSearchParams(location.search).get('chat');
  if (wanted && isUserId(wanted) && wanted !== uid) await peopleKnown.then(() => openChat(wanted));
  document.body.dataset.ready = 'true';
}

main().catch((e) => showError(`Something went wrong: ${e.message ?? e}`));
