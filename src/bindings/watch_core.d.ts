// Types of the wasm core's JavaScript API (hand-written: Emscripten 3.1.6 cannot emit them).
// Every object made with `new` lives in the wasm heap: call .delete() when done (in a finally).
// Byte counts cross as numbers (exact up to 2^53 bytes); times are milliseconds (performance.now()).

export interface EmbindObject {
  delete(): void;
}

export interface Sha256Stream extends EmbindObject {
  /** A view of the core's input window in the wasm heap. Take it right before writing: memory growth detaches old views. */
  window(): Uint8Array;
  windowSize(): number;
  /** Hashes the first `length` bytes of the window; false (and nothing hashed) if length > windowSize(). */
  updateFromWindow(length: number): boolean;
  bytesHashed(): number;
  /** The hex digest; the stream is reset afterwards. */
  finishHex(): string;
  reset(): void;
}

export interface TransferProgress extends EmbindObject {
  record(nowMs: number, bytesDone: number): void;
  bytesDone(): number;
  totalBytes(): number;
  fraction(): number;
  complete(): boolean;
  /** Bytes per second; negative before the first interval. Decays while nothing arrives. */
  rate(nowMs: number): number;
  /** Seconds left; negative when unknown. */
  etaSeconds(nowMs: number): number;
  stalledForMs(nowMs: number): number;
  /** "[████░░░░░] 40% • 2.3 MB/s • ETA 5m 12s" */
  text(nowMs: number): string;
}

export interface DecodedFrame {
  /** "ok", "truncated", "bad-magic", "unsupported-version", "unknown-type", "oversized", "inconsistent", "trailing-bytes" */
  error: string;
  type: number;
  index: number;
  sub: number;
  /** Offset of the payload within the codec's window. */
  payloadOffset: number;
  payloadLength: number;
  /** Hex SHA-256 carried by the frame, or "" for types without one. */
  digestHex: string;
}

export interface FrameCodec extends EmbindObject {
  window(): Uint8Array;
  windowSize(): number;
  /** Decodes the first `length` bytes of the window as one message. */
  decode(length: number): DecodedFrame;
  /** Writes a frame prefix at the window's start; returns its length, or 0 if the frame would be invalid. */
  encodePrefix(type: number, index: number, sub: number, payloadLength: number, digestHex: string): number;
}

export interface PlaybackRecord {
  seq: number; state: 'idle' | 'waiting' | 'paused' | 'playing'; currentTime: number; anchorAt: number;
  rate: number; duration: number; lastUpdateBy: string; waitingFor: string; isPlaying: boolean;
}

export interface ViewerReport { userId: string; name: string; horizon: number; fraction: number; rtt: number; at: number }

export interface PlaybackSync extends EmbindObject {
  setMediaDuration(seconds: number): void;
  /** Every DOM 'play' / 'pause' / 'seeking' event of the element, whatever caused it. */
  onPlayEvent(nowMs: number, position: number): void;
  onPauseEvent(nowMs: number, position: number): void;
  onSeekingEvent(nowMs: number, position: number): void;
  /** A play/pause command found the element already in that state: no DOM event will follow. */
  onCommandNoEvent(kind: 'play' | 'pause'): void;
  onPlayerReport(nowMs: number, position: number, paused: boolean, seeking: boolean, rate: number): void;
  /** The record from the database (null: none yet). False, and ignored, when malformed. */
  onRemoteState(nowMs: number, record: PlaybackRecord | null): boolean;
  onViewerReport(nowMs: number, report: ViewerReport): boolean;
  onViewerLeft(nowMs: number, userId: string): void;
  setLocalHorizon(nowMs: number, horizonSeconds: number, fraction: number): void;
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
  groupPosition(nowMs: number): number;
  sharedNow(nowMs: number): number;
  status(nowMs: number): { state: string; text: string; waitingFor: string; waitingFraction: number; position: number;
    driftMs: number; starting: boolean; clockSynced: boolean; clockOffsetMs: number; clockRttMs: number };
  stats(): { userActions: number; published: number; systemWrites: number; echoesAbsorbed: number; seeks: number;
    correctiveSeeks: number; rateChanges: number };
}

export interface WatchCore {
  version(): string;
  formatBytes(bytes: number): string;
  CHUNK_SIZE: number;
  Sha256Stream: new (windowBytes: number) => Sha256Stream;
  TransferProgress: new (totalBytes: number) => TransferProgress;
  FrameCodec: new () => FrameCodec;
  PlaybackSync: { new (userId: string, displayName: string): PlaybackSync; recordSupersedes(a: PlaybackRecord, b: PlaybackRecord): boolean };
  sameDigest(hexA: string, hexB: string): boolean;
}

export default function createWatchCore(options?: { locateFile?: (path: string) => string; wasmBinary?: ArrayBuffer }): Promise<WatchCore>;
