// The public API of Watch Together for a messenger that embeds it (web/component/watch-together.js).
// Hand-written; everything else under web/ is internal.
import type { Database } from 'firebase/database';

/** A person: the Firebase Auth uid (what the database rules key on) and a display name. */
export interface WatchTogetherPerson {
  id: string;
  name?: string;
}

export interface WatchTogetherOptions {
  /** The host's Realtime Database instance; the component never calls initializeApp itself. */
  db: Database;
  /** The signed-in user (id: auth.currentUser.uid). */
  user: WatchTogetherPerson;
  /** The conversation partner. */
  partner: WatchTogetherPerson;
  /** Where the wasm core's ES module is served (default '/core/watch_core.mjs'). */
  coreUrl?: string;
  /**
   * STUN/TURN servers for every peer connection the component makes (default: none, direct paths
   * only). A function is called for each connection attempt: hand one that returns fresh time-limited
   * TURN credentials (see turn-credentials.js for the TURN REST scheme, computed on your server).
   */
  iceServers?: RTCIceServer[] | (() => RTCIceServer[] | Promise<RTCIceServer[]>);
  /** 'relay' allows relayed paths only (for testing a relay); default 'all'. */
  iceTransportPolicy?: RTCIceTransportPolicy;
  /**
   * The messenger's own connection to the partner, if it has one: sessions go over a negotiated data
   * channel on it first, and over a connection of their own (signaled through the database, with
   * reconnects) once it closes or when the partner's page is not on it.
   */
  peerConnection?: RTCPeerConnection;
}

export type WatchSessionStatus =
  | 'pending' | 'downloading' | 'ready' | 'playing' | 'complete' | 'declined' | 'cancelled' | 'failed';

/** A watch session as the host sees it. 'complete' is a session that was ended ("Session ended"). */
export interface WatchSessionSummary {
  id: string;
  status: WatchSessionStatus;
  fileName: string;
  fileSize: number;
  role: 'initiator' | 'recipient';
  reason: string;
  createdAt: number;
}

export interface WatchTogetherEventMap {
  /** A session with this partner appeared (created here, by the partner, or found on load). */
  'wt-session': CustomEvent<{ session: WatchSessionSummary }>;
  /** A session's status changed (previous: null for a new one). */
  'wt-statechange': CustomEvent<{ session: WatchSessionSummary; previous: WatchSessionStatus | null }>;
  /** A session ended: complete, declined, cancelled or failed. */
  'wt-ended': CustomEvent<{ session: WatchSessionSummary }>;
  /**
   * This user shared a movie from this element (its own Share control, or share()): the moment for
   * a messenger to post the invitation in the conversation. Fired once, on the page that shared.
   */
  'wt-shared': CustomEvent<{ sessionId: string; fileName: string }>;
  /** Something the user should know went wrong (also shown inside the component). */
  'wt-error': CustomEvent<{ message: string }>;
}

/**
 * <watch-together>: one conversation's watch sessions, in an open Shadow DOM. Themable with the CSS
 * custom properties --wt-accent, --wt-bg, --wt-fg, --wt-muted, --wt-radius, --wt-font and the parts
 * bar, share-button, screen, error. Loads nothing heavy (no wasm) until a session exists.
 */
export declare class WatchTogetherElement extends HTMLElement {
  /** Once per element; throws on a missing db, an invalid id, or the user as their own partner. */
  configure(options: WatchTogetherOptions): void;
  /** The partner's display name, when the host learns it (or it changes) after configure(). */
  setPartnerName(name: string): void;
  /** The sessions with this partner, newest first. */
  readonly sessions: WatchSessionSummary[];
  /** Opens the file picker (call it from a user gesture). */
  pickMovie(): void;
  /**
   * Sends the file to the partner, with any subtitle files (.srt, .vtt, .ass, .ssa: both viewers get
   * them; the first shows for this user); resolves with the session id, or null if the user chose
   * not to send. The element's own Share control and pickMovie() take a movie and its subtitle files together.
   */
  share(file: File, subtitles?: File[]): Promise<string | null>;
  accept(sessionId: string): Promise<void>;
  decline(sessionId: string): Promise<void>;
  cancel(sessionId: string): Promise<void>;
  /** Ends a session being watched: both sides see "Session ended". */
  end(sessionId: string): Promise<void>;
  addEventListener<K extends keyof WatchTogetherEventMap>(type: K, listener: (ev: WatchTogetherEventMap[K]) => void, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
}

/** Registers the custom element (default tag 'watch-together'); returns its class. */
export declare function defineWatchTogether(tagName?: string): typeof WatchTogetherElement;

/** The user's sessions with everyone (an "active sessions" list); returns an unsubscribe function. */
export declare function watchSessionList(
  options: { db: Database; user: WatchTogetherPerson },
  onChange: (sessions: Array<WatchSessionSummary & { partnerId: string }>) => void,
): () => void;

declare global {
  interface HTMLElementTagNameMap {
    'watch-together': WatchTogetherElement;
  }
}
