// Streams a File through the core's SHA-256 in slices, never reading it whole into memory.
// Each slice is copied once, straight into the core's window in the wasm heap.

const SLICE_BYTES = 8 * 1024 * 1024;  // reads per File.slice(); the core's window is this size too

export class HashCancelled extends Error {
  constructor() {
    super('hashing cancelled');
    this.name = 'HashCancelled';
  }
}

// onProgress(progressText, bytesDone) is called after every slice with the core's progress line.
/**
 * @param {import('../../src/bindings/watch_core').WatchCore} core
 * @param {Blob} file
 * @param {{ onProgress?: (text: string, bytesDone: number) => void, signal?: AbortSignal }} [options]
 */
export async function hashFile(core, file, { onProgress = () => {}, signal } = {}) {
  const sha = new core.Sha256Stream(SLICE_BYTES);
  const progress = new core.TransferProgress(file.size);
  try {
    progress.record(performance.now(), 0);
    let offset = 0;
    while (offset < file.size) {
      if (signal?.aborted) throw new HashCancelled();
      const end = Math.min(offset + SLICE_BYTES, file.size);
      const bytes = new Uint8Array(await file.slice(offset, end).arrayBuffer());
      if (signal?.aborted) throw new HashCancelled();
      sha.window().set(bytes);  // view taken right before use: memory growth detaches old views
      if (!sha.updateFromWindow(bytes.length)) throw new Error('slice larger than the core window');
      offset = end;
      progress.record(performance.now(), offset);
      onProgress(progress.text(performance.now()), offset);
    }
    return sha.finishHex();
  } finally {
    sha.delete();
    progress.delete();
  }
}
