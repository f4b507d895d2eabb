// Types of the wasm core's JavaScript API (hand-written: Emscripten 3.1.6 cannot emit them).
// Every object made with `new` lives in the wasm heap: call .delete() when done (in a finally).
// Byte counts cross as numbers (exact up to 2^53 bytes); times are milliseconds (performance.now()).

export interface EmbindObject {
  delete(): void;
}

export interface Sha256Stream extends EmbindObject {
  /** A view of the core's input window in the wasm heap. Take it right before writing: memory growth detaches old views. */
  window(): Uint8Array;
  /** Hashes the first `length` bytes of the window; false (and nothing hashed) if length > window().length. */
  updateFromWindow(length: number): boolean;
  /** The hex digest; the stream is reset afterwards. */
  finishHex(): string;
  reset(): void;
}

export interface TransferProgress extends EmbindObject {
  record(nowMs: number, bytesDone: number): void;
  bytesDone(): number;
  fraction(): number;
  complete(): boolean;
  /** Bytes per second; negative before the first interval. Decays while nothing arrives. */
  rate(nowMs: number): number;
  /** "[████░░░░░] 40% • 2.3 MB/s • ETA 5m 12s" */
  text(nowMs: number): string;
  /** While paused on purpose (storage full): "[████░░░░░] 40% • paused". */
  pausedText(): string;
}

export interface PlaybackRecord {
  seq: number; state: 'idle' | 'waiting' | 'paused' | 'playing'; currentTime: number; anchorAt: number;
  rate: number; duration: number; lastUpdateBy: string; waitingFor: string; isPlaying: boolean;
}

/** pic: where the viewer's picture settled against the group (ms, + ahead), by presented frames; step: how far its picture moves at a time (ms). Absent: none / unknown. */
export interface ViewerReport { userId: string; name: string; horizon: number; fraction: number; rtt: number; at: number; pic?: number; step?: number }

export interface PlaybackSync extends EmbindObject {
  setMediaDuration(seconds: number): void;
  /** Every DOM 'play' / 'pause' / 'seeking' event of the element, whatever caused it. */
  onPlayEvent(nowMs: number, position: number): void;
  onPauseEvent(nowMs: number, position: number): void;
  /** seekableEnd: the end of the element's last seekable range (Infinity when it has none). */
  onSeekingEvent(nowMs: number, position: number, seekableEnd: number): void;
  /** A play/pause command found the element already in that state: no DOM event will follow. */
  onCommandNoEvent(kind: 'play' | 'pause'): void;
  /** Where the browser has no requestVideoFrameCallback: currentTime and the element's state. */
  onPlayerReport(nowMs: number, position: number, paused: boolean, seeking: boolean, rate: number): void;
  /** Every requestVideoFrameCallback: the frame's mediaTime, on screen from displayAtMs (its expectedDisplayTime). */
  onPresentedFrame(nowMs: number, displayAtMs: number, mediaTime: number, paused: boolean, seeking: boolean, rate: number): void;
  /** The record from the database (null: none yet). False, and ignored, when malformed (PlaybackSync.recordError says why). */
  onRemoteState(nowMs: number, record: PlaybackRecord | null): boolean;
  /** A viewer's report from the database. False, and ignored, when malformed (PlaybackSync.reportError says why). */
  onViewerReport(nowMs: number, report: ViewerReport): boolean;
  onViewerLeft(nowMs: number, userId: string): void;
  setLocalHorizon(nowMs: number, horizonSeconds: number, fraction: number): void;
  /** Media seconds this viewer's download gains per second (0: unknown); a fast one resumes sooner. */
  setDownloadGain(gain: number): void;
  onVisibility(nowMs: number, visible: boolean): void;
  onReconnect(nowMs: number): void;
  pollClockProbe(nowMs: number): boolean;
  onClockSample(t0Ms: number, serverMs: number, t1Ms: number): void;
  handleTimeout(nowMs: number): void;
  pollCommand(): { kind: 'play' | 'pause' | 'seek' | 'rate'; value: number } | null;
  pollPublish(nowMs: number): PlaybackRecord | null;
  pollViewerReport(nowMs: number): ViewerReport | null;
  /** Next local deadline in ms (Infinity: none). */
  pollTimeout(): number;
  status(nowMs: number): { state: string; text: string; waitingFor: string; waitingFraction: number; position: number;
    driftMs: number; frameMeasured: boolean; pictureStepMs: number; targetMs: number; starting: boolean; clockSynced: boolean; clockOffsetMs: number; clockRttMs: number };
  stats(): { userActions: number; published: number; systemWrites: number; echoesAbsorbed: number; seeks: number;
    correctiveSeeks: number; seeksCutShort: number; rateChanges: number; frames: number };
}


/** What a transfer is about. fileHash: 64 hex digits, or "" while unknown. pieceCount is computed. */
export interface TransferManifest {
  transferId: string; fileName: string; mimeType: string; fileSize: number; fileHash: string; pieceCount?: number;
}

/** Errors cross as the core's names ("" for none), e.g. "malformed-frame", "peer-cancelled". */
export interface PieceSender extends EmbindObject {
  onConnected(nowMs: number): void;
  onDisconnected(nowMs: number): void;
  /** Lanes: extra connections beside the main channel (lane 0), 1 .. 3; see piece_sender.hpp. */
  onLaneOpen(lane: number, nowMs: number): void;
  onLaneClosed(lane: number, nowMs: number): void;
  /** A round-trip sample of the path in ms (the smallest counts). */
  onRoundTrip(rttMs: number, nowMs: number): void;
  /** Lanes the path needs, the main channel included (1 until a round trip is known). */
  wantedLanes(): number;
  /** Lanes open, the main channel included; 0 when disconnected. */
  openLanes(): number;
  /** Write a received message here (when it fits), then call onMessage with its length. */
  messageWindow(): Uint8Array;
  onMessage(length: number, nowMs: number): string;
  /** The next File slice to read, or null. One read at a time. */
  pollRead(): { piece: number; offset: number; length: number; hashOnly: boolean } | null;
  /** Where the outstanding read's bytes go (a heap view); null when none is outstanding. */
  readBuffer(): Uint8Array | null;
  completeRead(piece: number, length: number, nowMs: number): string;
  onReadFailed(piece: number, reason: string): void;
  /** The next frame (a heap view, valid until the next call: send it at once), or null. */
  pollFrame(nowMs: number, bufferedAmount: number, lane: number): Uint8Array | null;
  /** After pollFrame() gave null: when the upload cap lets the next frame go (ms), or Infinity
   *  (the channel's buffer is full and 'bufferedamountlow' will come, or nothing is left to send). */
  waitUntil(): number;
  setUploadCap(bytesPerSecond: number, nowMs: number): void;
  cancel(reason: string): void;
  state(): 'disconnected' | 'sending' | 'complete' | 'failed';
  fatalError(): string;
  errorText(): string;
  manifest(): TransferManifest;
  /** Bytes the receiver holds verified, as its acks said. */
  receiverBytes(): number;
  /** The receiver paused because its storage is full (it said so with a Pause frame): waiting, not failed. */
  receiverPaused(): boolean;
  /** For that lane's bufferedAmountLowThreshold (it changes as lanes open and close: set it before each poll). */
  lowWater(lane: number): number;
  stats(): { bytesSent: number; piecesSent: number; piecesStarted: number; piecesResent: number; piecesAcked: number;
    piecesBad: number; hashOnlyReads: number; errors: number; lanePiecesStarted: number; lanePiecesReturned: number;
    laneBytesSent: number; minRoundTripMs: number };
}

export interface ReceiverAction {
  kind: 'send' | 'store' | 'ledger' | 'rejected' | 'read-back' | 'error' | 'done' | 'reconnect';
  piece: number;
  offset: number;
  size: number;
  /** send, store, ledger: a heap view, valid until the next pollAction: send or copy (.slice()) it at once. */
  data?: Uint8Array<ArrayBuffer>;
  error: string;
  fatal: boolean;
  text: string;
}

export interface PieceReceiver extends EmbindObject {
  messageWindow(): Uint8Array;
  /** lane: 0 for the main channel, 1 .. 3 for an extra connection's. */
  onMessage(length: number, nowMs: number, lane: number): string;
  /** An extra connection opened: a piece asked for earlier may now come on it. */
  onLaneOpen(lane: number, nowMs: number): void;
  /** An extra connection closed: its unfinished piece comes again on another. */
  onLaneClosed(lane: number, nowMs: number): void;
  /** A data channel opened: its Manifest is due within the configured time, or a 'reconnect' action comes. */
  onChannelOpen(nowMs: number): void;
  onDisconnected(nowMs: number): void;
  onTimeout(nowMs: number): void;
  /** When to call onTimeout (Infinity: no timer needed). */
  nextDeadline(): number;
  onPieceStored(piece: number, nowMs: number): string;
  /** Any store failure but a full disk: fatal. */
  onPieceStoreFailed(piece: number, nowMs: number): string;
  /** The store was refused for want of space (QuotaExceededError): the transfer pauses ("storage-full"),
   *  keeps the piece, asks for nothing and retries the store at nextDeadline(). Returns "storage-full". */
  onStorageFull(piece: number, nowMs: number): string;
  /** The user asks to try again now (space was freed); the retry schedule starts over. */
  retryStorage(nowMs: number): void;
  onReadBack(piece: number, bytes: Uint8Array, nowMs: number): string;
  /** A held piece read from storage for playback: "" when intact; "stored-piece-corrupt" when damaged (dropped
   *  and fetched again: it is announced again as a 'store' action); "bad-call" when the ledger does not hold it. */
  checkStoredPiece(piece: number, bytes: Uint8Array, nowMs: number): string;
  seekToByte(offset: number): void;
  /** These pieces before anything in playhead order (count 0: none). */
  prioritize(first: number, count: number): void;
  /** Pieces in flight at most (1 .. the configured window). */
  setWindow(pieces: number): void;
  /** Pieces verified and stored, ascending (restored from the ledger or received this session). */
  heldPieces(): number[];
  cancel(reason: string): void;
  pollAction(nowMs: number): ReceiverAction | null;
  state(): 'awaiting-manifest' | 'receiving' | 'verifying' | 'complete' | 'failed' | 'storage-full';
  fatalError(): string;
  /** What came of the stored ledger: "ok", "empty", or why it was not usable. */
  ledgerRestore(): string;
  manifest(): TransferManifest;
  bytesVerified(): number;
  stats(): { chunkBytesReceived: number; piecesVerified: number; piecesRejected: number; errors: number; stalls: number;
    piecesLost: number; connections: number; storagePauses: number; storageRetries: number; storedPiecesDamaged: number;
    silentChannels: number; laneChunkBytes: number };
}

/** A download's stored ledger (the 'ledger' bytes of its record), to check its pieces against the SHA-256 each
 *  was verified with when they are read after the transfer's PieceReceiver is gone (saving, playing on). */
export interface StoredLedger extends EmbindObject {
  /** "ok", or why the record was not usable ("empty", "corrupt", "foreign-file", "unsupported-version", …). */
  restoreResult(): string;
  pieceCount(): number;
  has(piece: number): boolean;
  /** "intact"; "damaged" (dropped from the ledger: store serialize() to keep that); "not-held". */
  verify(piece: number, bytes: Uint8Array): 'intact' | 'damaged' | 'not-held';
  /** The ledger's bytes now (a copy). */
  serialize(): Uint8Array;
}

/** urgent: the index's pieces, else a demand read's (requestRange); count 0: none. */
export interface FetchPlan { urgentFirst: number; urgentCount: number; fromByte: number; windowPieces: number; generation: number }

/** One track of a movie, as its container's header says (MP4/MOV moov, Matroska/WebM Tracks, MPEG-TS PMT). */
export interface MediaTrackInfo {
  /** MP4 track_ID, Matroska TrackNumber, MPEG-TS elementary PID. */
  id: number;
  kind: 'video' | 'audio' | 'subtitle' | 'other';
  /** The codec family: 'avc' | 'hevc' | 'av1' | 'vp8' | 'vp9' | 'mpeg4' | 'mpeg2' | 'prores' | 'aac' | 'mp3' |
   *  'opus' | 'vorbis' | 'flac' | 'ac3' | 'eac3' | 'dts' | 'truehd' | 'pcm' | 'alac' | 'srt' | 'ass' | 'webvtt' |
   *  'tx3g' | 'pgs' | 'vobsub' | 'dvb' | 'teletext'; '' when not known. */
  codec: string;
  /** The container's own name: "avc1", "V_MPEG4/ISO/AVC", "0x1b". */
  codecId: string;
  /** ISO 639-2 ("eng"; Matroska's LanguageBCP47 when given), "und" when unknown. */
  language: string;
  /** The track's title, "" when none (at most 128 bytes). */
  name: string;
  /** Matroska FlagDefault, MP4 track enabled, the first of its kind in MPEG-TS. */
  isDefault: boolean;
  /** Audio; 0 when unknown. */
  channels: number;
  sampleRate: number;
  /** Video; 0 when unknown (MPEG-TS). */
  width: number;
  height: number;
}

export interface ContainerInfo {
  format: 'unknown' | 'mp4' | 'webm' | 'matroska' | 'mov' | 'mpegts';
  done: boolean;
  /** Why the walk stopped early ("" when it did not). */
  error: string;
  /** The MP4/MOV moov, the WebM/Matroska Cues, an MPEG-TS's tail (its last clock) (length 0 while unknown). */
  indexOffset: number;
  indexLength: number;
  indexRead: boolean;
  /** The index comes after the media (an MP4/MOV moov after the mdat, a TS's tail): fetched first. */
  indexAtEnd: boolean;
  fragmented: boolean;
  /** Where the media data starts (the first mdat payload, moof or Cluster; 0 for MPEG-TS); 0 while unknown. */
  mediaStart: number;
  duration: number;
  /** Each track's codecId, video tracks first ("V_VP9", "A_OPUS"; "avc1", "mp4a"; "0x1b"). */
  codecIds: string[];
  /** What the movie holds (at most 64 tracks), once tracksKnown. */
  tracks: MediaTrackInfo[];
  /** The header that lists the tracks has been read. */
  tracksKnown: boolean;
}

/** ProgressivePlayback.container(): the walk's findings and the policy's index size. */
export interface ProgressiveContainerInfo extends ContainerInfo {
  indexPoints: number;
}

/** ContainerWalk.info(): the walk's findings and how many index points it found. */
export interface ContainerWalkInfo extends ContainerInfo {
  points: number;
}

/**
 * The container walk alone: what a movie holds before anything travels (a page reads a local File's
 * header with it). Loop: r = wanted(); while r, feed(r.offset, bytes of the file from r.offset, at
 * least r.length); then info().
 */
export interface ContainerWalk extends EmbindObject {
  /** The bytes the walk needs next, or null when it is done. */
  wanted(): { offset: number; length: number } | null;
  /** Bytes of the file at `offset` (covering wanted(); more is fine). False (nothing changes) when they do not. */
  feed(offset: number, bytes: Uint8Array): boolean;
  info(): ContainerWalkInfo;
}

/** A subtitle track inside a Matroska/WebM movie (EmbeddedSubtitles.tracks()). */
export interface EmbeddedSubtitleTrack {
  /** The Matroska TrackNumber: the `track` of its cues. */
  number: number;
  /** "srt", "ass", "webvtt", "pgs", "vobsub", "dvb", or "" (codecId says). */
  codec: string;
  codecId: string;
  /** BCP 47 or ISO 639-2 ("eng"). */
  language: string;
  /** Its title, "" when none. */
  name: string;
  isDefault: boolean;
  forced: boolean;
  /** "" when its cues are read; otherwise why not, for people ("picture subtitles (PGS) are not supported, only text ones"). */
  unsupported: string;
  /** A menu's words: "English — SDH", "French (forced)", "Track 3". */
  label: string;
  /** Its blocks are zlib-compressed: its cues come with `compressed`, for the page to inflate and read with embeddedCueText. */
  zlib: boolean;
}

/** A cue of an embedded track: on the movie's timeline, WebVTT cue text. */
export interface EmbeddedCue {
  track: number;
  start: number;
  end: number;
  /** '' for a zlib track's cue: see `compressed`. */
  text: string;
  /** A zlib track's block as stored (RFC 1950 zlib data). */
  compressed?: Uint8Array;
}

/**
 * The subtitle tracks inside a movie (Matroska, WebM, MP4, MOV), read as its verified bytes arrive.
 * Loop: r = wanted(); while r and those bytes are held, feed(r.offset, bytes from r.offset, at least
 * r.length: a whole piece is best); takeCues() after each feed; when they are not held, onBlocked().
 */
export interface EmbeddedSubtitles extends EmbindObject {
  wanted(): { offset: number; length: number } | null;
  feed(offset: number, bytes: Uint8Array): boolean;
  /**
   * The wanted bytes are not held: `nextHeld` is where the next held bytes after them begin (-1:
   * none), `holeHeld` whether those at firstHole() are. The core goes back to a skipped place whose
   * bytes came, or on past a seek-sized gap; true when the read moved (read on).
   */
  onBlocked(nextHeld: number, holeHeld: boolean): boolean;
  /** The earliest place the read skipped and will come back to, or -1. */
  firstHole(): number;
  tracksKnown(): boolean;
  tracks(): EmbeddedSubtitleTrack[];
  /** The cues read since the last call. */
  takeCues(): EmbeddedCue[];
  done(): boolean;
  /** Why the read stopped early (a malformed file), or "". */
  error(): string;
  /** Blocks of a read track that gave no cue. */
  skipped(): number;
}

/** What this browser can do, probed by web/adapters/media-capabilities.js (codec families as in MediaTrackInfo). */
export interface BrowserCaps {
  /** Families MediaSource takes in fragmented MP4, and in WebM. */
  mseMp4: string[];
  mseWebm: string[];
  /** Audio families the page can decode to PCM (WebCodecs, or a wasm decoder such as AC-3's). */
  decodeAudio: string[];
  /** WebCodecs encodes Opus: converted sound is Opus in fragmented MP4. */
  encodeOpus: boolean;
  /** The element says it can play the whole file's type (canPlayType). */
  elementPlaysWhole: boolean;
}

export interface PlannedAudioTrack extends MediaTrackInfo {
  /** 1-based among the file's audio tracks, in file order (how the remuxer counts them). */
  number: number;
  action: 'copy' | 'convert' | 'unplayable';
  /** For a menu: "English — Stereo (AAC, stereo)"; unique within the plan. */
  label: string;
  /** Why it cannot play here ("" when it can). */
  reason: string;
}

/** The core's plan for a movie in this browser (media/playback_support.hpp). */
export interface PlaybackPlan {
  /** none: the element gets the whole file once it has arrived; mp4-segments: mp4box.js per-track segments;
   *  webm-append: the WebM as it is; remux: the worker writes fragmented MP4 (any container). */
  pipeline: 'none' | 'mp4-segments' | 'webm-append' | 'remux';
  expectation: 'progressive' | 'after-arrival' | 'video-unplayable' | 'audio-unplayable' | 'not-a-movie';
  /** The video track shown (0: none). */
  videoTrack: number;
  /** The file's video codec family, shown or not, and its name for people ("HEVC"). */
  videoCodec: string;
  videoCodecName: string;
  /** Every audio track, in file order. */
  audio: PlannedAudioTrack[];
  /** The track to start with, by id and by number (0: none plays). */
  defaultAudio: number;
  defaultAudioNumber: number;
  subtitles: { id: number; codec: string; language: string; title: string; textBased: boolean }[];
  /** "Plays while it arrives", "This browser cannot play its video (HEVC)", … (no full stop). */
  headline: string;
  /** What cannot play, for a player's own line (the headline without what a recipient may still expect); "" when it plays. */
  problem: string;
  /** A sentence or two: the codecs and tracks, what is converted, what cannot play and what to choose instead. */
  detail: string;
  /** "H.264 + AAC". */
  codecsText: string;
}

export interface ProgressiveStatus {
  unlocked: boolean;
  rule: 'none' | 'fraction' | 'adaptive' | 'complete';
  unlockedAtFraction: number;
  /** Held (verified) now, 0..1: what the unlock rule counts. */
  fraction: number;
  /** Stored now, 0..1: the percent the status text shows, as the transfer's line does. */
  storedFraction: number;
  /** Media seconds playable from the playhead over verified pieces. */
  horizon: number;
  ahead: number;
  /** What to tell the sync core: the horizon once unlocked, the playhead before. */
  syncHorizon: number;
  /** Measured download rate, bytes/s (0 while not known). */
  rate: number;
  /** Media seconds the download gains per second (derated rate / bitrate; 0 while unknown). */
  gain: number;
  indexNeeded: boolean;
  stalled: boolean;
  stalledForMs: number;
  playable: boolean;
  text: string;
}

/** The receiver's playback policy: when play unlocks, the horizon, what to fetch first. */
export interface ProgressivePlayback extends EmbindObject {
  /** A piece was verified: playable from memory while it is being stored. */
  onPieceHeld(piece: number, nowMs: number): void;
  /** Bytes of the file that came off the wire (a chunk's payload, not verified yet): from the first
   * call on, the download rate is measured by these, trusted after half a second. */
  onBytesArrived(bytes: number, nowMs: number): void;
  /** Its storage committed (held first, if it was not): the status text's percent counts these. */
  onPieceStored(piece: number, nowMs: number): void;
  /** A piece stored before this session (from the ledger). */
  restoreHeld(piece: number): void;
  onPieceLost(piece: number): void;
  /** The bytes the container walk needs next, or null when it is done. */
  containerWanted(): { offset: number; length: number } | null;
  feedContainer(offset: number, bytes: Uint8Array, nowMs: number): boolean;
  /** A demuxer waits for bytes that have not arrived: their missing pieces become the plan's urgent range (after the
   *  index) until they are all held, then the request is dropped. One at a time: a new one replaces the last. */
  requestRange(offset: number, length: number, nowMs: number): void;
  clearRequest(nowMs: number): void;
  /** Index points as parallel arrays: media seconds, byte offsets, 1 for a keyframe (0: data only). */
  addIndexPoints(times: number[], offsets: number[], keyframes: number[]): void;
  setIndexComplete(nowMs: number): void;
  setDuration(seconds: number): void;
  setPlayable(playable: boolean, nowMs: number): void;
  setPosition(nowMs: number, positionS: number): void;
  onTimeout(nowMs: number): void;
  nextDeadline(): number;
  horizon(): number;
  duration(): number;
  offsetFor(seconds: number): number;
  feedAheadS(): number;
  complete(): boolean;
  pieceHeld(piece: number): boolean;
  contiguousFrom(offset: number): number;
  fetchPlan(): FetchPlan;
  container(): ProgressiveContainerInfo;
  status(nowMs: number): ProgressiveStatus;
}

/** A watch session's record as /watch-sessions/{id} holds it (the fields the lifecycle reads). */
export interface SessionRecordValue { status: string; bytesDownloaded?: number; reason?: string }

export type SessionStatus = 'pending' | 'downloading' | 'ready' | 'playing' | 'complete' | 'declined' | 'cancelled' | 'failed';

/** What to do next. Carry each out in order; drain pollAction() after every input. */
export type SessionAction =
  /** Write status (and reason / bytesDownloaded when present) to the record; report a refusal with onWriteFailed(status). */
  | { kind: 'write-status'; status: SessionStatus; reason?: string; bytesDownloaded?: number }
  | { kind: 'start-transfer'; role: 'sender' | 'receiver' }
  | { kind: 'stop-transfer'; reason: string }
  /** Recipient: read the stored download; call onFileAvailable once it is loadable. */
  | { kind: 'load-stored-file' }
  | { kind: 'open-player'; source: 'progressive' | 'whole' }
  | { kind: 'close-player' }
  /** Recipient: the session ended; set endedAt in the store and run the clean-up plan. */
  | { kind: 'record-end' }
  /** Recipient: delete the stored download, then call onDeleted. */
  | { kind: 'delete-stored' }
  /** One sentence for the user (e.g. a refused write). */
  | { kind: 'notify'; text: string };

export interface SessionView {
  stage: 'pending' | 'downloading' | 'ready' | 'playing' | 'ended' | 'declined' | 'cancelled' | 'failed' | 'gone';
  /** "Waiting for Bob to accept…", "Bob wants to watch movie.mkv with you", "Ready to play", "Session ended", … */
  headline: string;
  /** This side: "Downloading 45%…", "Connection lost — reconnecting…", "Choose movie.mkv again to continue sending", … */
  selfLine: string;
  /** The other side: "Watching with you", "Bob left — waiting for them to come back…", … ("" after the end). */
  peerLine: string;
  /** 0..1 of the file downloaded. */
  fraction: number;
  canAccept: boolean; canDecline: boolean; canCancel: boolean;
  /** Ready or playing only (the rules take 'complete' from those); while downloading, Cancel is the way out. */
  canEnd: boolean;
  /** Recipient: the file is whole here. */
  canSave: boolean;
  /** Recipient: after the end, a download is stored here. */
  canDelete: boolean;
  /** A player is open and may play (progressive: once unlocked). */
  canPlay: boolean;
  /** Initiator: pick the file (again, after a reload). Same-file recipient: pick your copy. */
  needsFile: boolean;
  /** Another window of this user accepted: nothing runs here. */
  downloadingElsewhere: boolean;
  watching: boolean;
  /** The peer has been absent for longer than the grace period (5 s). */
  peerGone: boolean;
}

/** One watch session's lifecycle in this page (src/session/session_lifecycle.hpp). Inputs take performance.now()
 *  (ms); the on<Button> inputs return false (ignored, counted) when not valid in the current stage. */
export interface SessionLifecycle extends EmbindObject {
  /** Every value of the record. False when ignored: unknown status (a record error) or stale. */
  onRecord(nowMs: number, record: SessionRecordValue): boolean;
  onRecordDeleted(nowMs: number): void;
  /** Recipient, transfer mode: once at start, what this browser's IndexedDB holds for the session. */
  onStoredDownload(nowMs: number, stored: { exists: boolean; complete: boolean }): void;
  /** Initiator: the File is in this page. Recipient: the received file is whole and loadable. Same-file: this copy was verified. */
  onFileAvailable(nowMs: number): void;
  onAccept(nowMs: number): boolean;
  onDecline(nowMs: number): boolean;
  onCancel(nowMs: number): boolean;
  onEnd(nowMs: number): boolean;
  onDeleteRequested(nowMs: number): boolean;
  onDeleted(nowMs: number): void;
  /** The database refused this page's write of `status`. False when status is no status at all. */
  onWriteFailed(nowMs: number, status: SessionStatus): boolean;
  onTransferProgress(nowMs: number, bytesDone: number): void;
  onTransferDone(nowMs: number): void;
  onTransferFailed(nowMs: number, reason: string): void;
  onTransferCancelledByPeer(nowMs: number): void;
  onConnection(nowMs: number, state: 'connected' | 'reconnecting' | 'connecting'): void;
  onPlaybackUnlocked(nowMs: number): void;
  /** The progressive player cannot play this file here: the whole file replaces it once available. */
  onProgressiveUnplayable(nowMs: number): void;
  onLocalPlaying(nowMs: number, playing: boolean): void;
  onPeerWatching(nowMs: number, watching: boolean): void;
  onPeerPresent(nowMs: number, present: boolean): void;
  handleTimeout(nowMs: number): void;
  /** Next deadline in ms (Infinity: none). */
  pollTimeout(): number;
  pollAction(): SessionAction | null;
  view(nowMs: number): SessionView;
  stage(): SessionView['stage'];
  stats(): { records: number; recordErrors: number; staleRecords: number; clampedFields: number; actions: number;
    writes: number; writeFailures: number; ignoredInputs: number };
}

export interface CheckResult { verdict: 'ok' | 'warn' | 'refuse'; code: string; message: string }

export interface CleanupRecord {
  id: string; createdAt: number; endedAt: number | null; lastActiveAt: number | null; hasChunks: boolean; live: boolean;
  /** false: a download that never finished (its pieces go as soon as endedAt is set); default true */
  complete?: boolean;
}

export type SubtitleEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1251' | 'windows-1252';
export interface SubtitleRead {
  format: 'srt' | 'vtt' | 'ass' | 'unknown';
  /** What the bytes were decoded as. */
  encoding: SubtitleEncoding;
  /** In start order; text is WebVTT cue text (only <i>, <b>, <u> and &amp; &lt; &gt;). */
  cues: { start: number; end: number; text: string }[];
  /** Cues dropped for unreadable times or an end before the start. */
  skipped: number;
  /** Why the file gave no cue ('' when it gave some). */
  error: string;
}

export interface WatchCore {
  version(): string;
  formatBytes(bytes: number): string;
  CHUNK_SIZE: number;
  Sha256Stream: new (windowBytes: number) => Sha256Stream;
  TransferProgress: new (totalBytes: number) => TransferProgress;
  PlaybackSync: { new (userId: string, displayName: string): PlaybackSync; recordSupersedes(a: PlaybackRecord, b: PlaybackRecord): boolean;
    /** Why onRemoteState would ignore this record ('' when valid): a field of the wrong type or out of the rules' bounds. */
    recordError(record: unknown): string;
    /** Why onViewerReport would ignore this report ('' when valid), likewise. */
    reportError(report: unknown): string };
  sameDigest(hexA: string, hexB: string): boolean;
  /** A subtitle file (.srt, .vtt, .ass/.ssa) read into WebVTT cues moved by offsetSeconds; encoding '' detects. */
  readSubtitles(bytes: Uint8Array, fileName: string, encoding: '' | SubtitleEncoding, offsetSeconds: number): SubtitleRead;
  /** A zlib track's cue after inflating, as WebVTT cue text by the track's codec ('' when nothing shows). */
  embeddedCueText(codec: string, bytes: Uint8Array): string;
  /** Cues moved by a viewer's offset: one that would end at or before 0 is dropped, one that would start before 0 starts at 0. */
  shiftCues(cues: { start: number; end: number; text: string }[], offsetSeconds: number): { start: number; end: number; text: string }[];
  /** The wasm memory's size in bytes. */
  heapBytes(): number;
  PIECE_SIZE: number;
  PieceSender: { new (manifest: TransferManifest, config: { highWaterBytes?: number; lowWaterBytes?: number; uploadCapBytesPerSecond?: number } | null): PieceSender };
  ContainerWalk: new (fileSize: number) => ContainerWalk;
  EmbeddedSubtitles: new (fileSize: number) => EmbeddedSubtitles;
  ProgressivePlayback: new (fileSize: number, config: { unlockFraction?: number; adaptive?: boolean; minAheadS?: number; stallNoticeMs?: number } | null) => ProgressivePlayback;
  PieceReceiver: { new (manifest: TransferManifest, config: { windowPieces?: number; stallTimeoutMs?: number } | null, storedLedger: Uint8Array | null): PieceReceiver };
  StoredLedger: new (transferId: string, fileSize: number, ledger: Uint8Array | null) => StoredLedger;
  SessionLifecycle: new (config: { role: 'initiator' | 'recipient'; mode: 'transfer' | 'same-file'; fileName: string;
    fileSize: number; selfName: string; peerName: string; presenceGraceMs?: number }) => SessionLifecycle;
  checkFileSize(bytes: number, limits: { warnAboveBytes?: number; refuseAboveBytes?: number } | null): CheckResult;
  checkFileType(mimeType: string, fileName: string): CheckResult;
  checkStorage(neededBytes: number, quotaBytes: number, usageBytes: number): CheckResult;
  sanitizeFileName(name: string): string;
  /** Received pieces 24 h after the end (an unfinished download's at its end), records after 7 idle days; nowMs passed in. */
  planCleanup(records: CleanupRecord[], nowMs: number): { deleteChunks: string[]; deleteSessions: string[]; nextRunMs: number };
  /** The pipeline, each audio track's fate and the texts for this movie in this browser. format: ContainerInfo.format. */
  planPlayback(format: string, tracks: MediaTrackInfo[], caps: BrowserCaps): PlaybackPlan;
  /** What a file holds, as the session record carries it (≤ 1024 characters). */
  encodeMediaSummary(format: string, tracks: MediaTrackInfo[]): string;
  /** The other side's summary, bounded by the core; null when it is not one. */
  parseMediaSummary(text: string): { format: string; tracks: MediaTrackInfo[] } | null;
}

export default function createWatchCore(options?: { locateFile?: (path: string) => string; wasmBinary?: ArrayBuffer }): Promise<WatchCore>;
