// The session screen inside <watch-together>, loaded with the first session: the wasm core, the
// piece store, the transfers and the synced player for one conversation. Loaded on demand (a
// dynamic import), so a messenger that has no session open loads none of it.
import { loadCore } from '../controllers/core.js';
import { announcePresence, watchPresence } from '../adapters/database.js';
import { openPieceStore } from '../adapters/piece-store.js';
import { TransferManager } from '../controllers/transfers.js';
import { WatchSessionsView } from './watch-sessions-view.js';

// One store per page, shared by every component on it (one IndexedDB database).
let storePromise = null;
const sharedStore = () => {
  storePromise ??= openPieceStore();
  return storePromise;
};

/**
 * @param {{ db: import('firebase/database').Database, user: { id: string, name: string }, partner: { id: string, name: string },
 *   root: HTMLElement, showError: (text: string) => void, coreUrl?: string,
 *   iceServers?: RTCIceServer[] | (() => RTCIceServer[] | Promise<RTCIceServer[]>), iceTransportPolicy?: RTCIceTransportPolicy,
 *   peerConnection?: RTCPeerConnection | null, onShared?: (shared: { sessionId: string, fileName: string }) => void }} options
 */
export async function openSessionScreen({ db, user, partner, root, showError, coreUrl, iceServers = [], iceTransportPolicy = 'all', peerConnection = null, onShared = () => {} }) {
  const core = await loadCore(coreUrl);
  let storeError = null;
  const store = await sharedStore().catch((e) => {
    storeError = e;
    showError(`Received files cannot be stored in this browser: ${e.message}. You can still send a file.`);
    return null;
  });
  const names = new Map([[user.id, user.name], [partner.id, partner.name]]);
  const transfers = new TransferManager({ core, db, store, storeError, userId: user.id, iceServers, iceTransportPolicy, peerConnection, names, onError: showError });
  const screen = { active: null };
  const view = new WatchSessionsView({
    core, db, userId: user.id, userName: user.name, root, showError, transfers, partner, names,
    onActive: (active) => { screen.active = active; },
    onInvited: ({ sessionId, fileName }) => onShared({ sessionId, fileName }),
  });
  const unsubs = [
    announcePresence(db, user.id, user.name),
    // Only the partner's presence matters here (a closed tab: "<name> left").
    watchPresence(db, (people) => view.setPeople(people.filter((p) => p.id === partner.id || p.id === user.id))),
  ];
  transfers.runCleanup().catch((e) => showError(`Clean-up of old downloads failed: ${e.message}`));
  const find = (id) => {
    const s = view.sessions.find((x) => x.id === id);
    if (!s) throw new Error(`no session ${id} with ${partner.name}`);
    return s;
  };
  return Object.assign(screen, {
    view, transfers,
    share: (file, subtitles = []) => view.invite(partner.id, file, undefined, subtitles),
    setPartnerName(name) {
      partner.name = name;
      names.set(partner.id, name);
      view.render();
    },
    accept: async (id) => view.acceptTransfer(find(id)),
    decline: async (id) => view.decline(find(id)),
    cancel: async (id) => view.cancel(find(id)),
    end: async (id) => view.end(find(id)),
    close() {
      for (const unsub of unsubs) unsub();
      view.destroy();
      transfers.close();
    },
  });
}
