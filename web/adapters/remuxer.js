// The one module that owns the remux worker (web/workers/remux-worker.js): a movie in any container
// in, fragmented MP4 per track out. The worker asks for bytes (`read(start, end)`, answered with
// verified bytes only, however long that takes) unless it was given the whole file as a Blob.
// Messages from a start that a newer one replaced are dropped here, by generation.
export class Remuxer {
  // read(start, end) → Promise<Uint8Array>; blob: the whole file (then read is not used).
  // onInfo({ format, duration, video: { codec } | null, audio: [{ number, codec }] })
  // onInit(kind, bytes), onSegment(kind, bytes, start), onEnded(kind), onError(text, kind)
  constructor({ size, blob = null, read, onInfo, onInit, onSegment, onEnded, onError }) {
    this.read = read;
    this.onInfo = onInfo;
    this.onInit = onInit;
    this.onSegment = onSegment;
    this.onEnded = onEnded;
    this.onError = onError;
    this.generation = { video: 0, audio: 0 };
    this.closed = false;
    this.worker = new Worker(new URL('./remux-worker.js', import.meta.url), { type: 'module', name: 'remux' });
    this.worker.onmessage = ({ data }) => this.message(data);
    this.worker.onerror = (e) => {
      e.preventDefault();
      this.onError(`the movie reader could not start (${e.message || 'worker error'})`);
    };
    this.worker.postMessage({ op: 'open', size, blob });
  }

  message(m) {
    if (this.closed) return;
    switch (m.type) {
      case 'read':
        this.read(m.start, m.end).then(
          (bytes) => { if (!this.closed) this.worker.postMessage({ op: 'bytes', id: m.id, bytes }, [bytes.buffer]); },
          (e) => { if (!this.closed) this.worker.postMessage({ op: 'bytes', id: m.id, error: e?.message ?? String(e) }); });
        break;
      case 'info':
        this.onInfo(m);
        break;
      case 'init':
      case 'segment':
      case 'ended':
        if (m.generation !== this.generation[m.kind]) return;  // from before the latest start
        if (m.type === 'init') this.onInit(m.kind, m.bytes);
        else if (m.type === 'segment') this.onSegment(m.kind, m.bytes, m.start);
        else this.onEnded(m.kind);
        break;
      case 'error':
        if (!m.kind || m.generation === undefined || m.generation === this.generation[m.kind]) this.onError(m.message, m.kind);
        break;
      default:
        break;
    }
  }

  // (Re)starts both outputs at the keyframe at or before `from`. audio: { number, convert } or null.
  play(from, { video, audio }) {
    this.generation.video += 1;
    this.generation.audio += 1;
    this.worker.postMessage({ op: 'play', from, video, audio });
  }

  // Another audio track (or the same one converted), from `from` on; the video goes on.
  setAudio(from, audio) {
    this.generation.audio += 1;
    this.worker.postMessage({ op: 'audio', from, audio });
  }

  // The outputs run at most `ahead` media seconds past `t`.
  playhead(t, ahead) {
    this.worker.postMessage({ op: 'playhead', t, ahead });
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    this.worker.postMessage({ op: 'close' });
    this.worker.terminate();
  }
}
