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

export interface WatchCore {
  version(): string;
  formatBytes(bytes: number): string;
  CHUNK_SIZE: number;
  Sha256Stream: new (windowBytes: number) => Sha256Stream;
  TransferProgress: new (totalBytes: number) => TransferProgress;
  FrameCodec: new () => FrameCodec;
}

export default function createWatchCore(options?: { locateFile?: (path: string) => string; wasmBinary?: ArrayBuffer }): Promise<WatchCore>;
