// The subtitle tracks inside the movie (Matroska, WebM, MP4, MOV), read by the core's
// EmbeddedSubtitles as the movie's verified bytes are here: the whole file at once for a movie on
// this disk, piece by piece for one that is arriving (Matroska interleaves a text track's blocks with
// the picture's, so the cues of what has arrived show before the rest is there; after a seek ahead,
// the core reads the part being watched first and comes back for what it skipped). The glue moves
// bytes in, says what is held, and hands tracks and cues out.
import { PieceRefetched } from './progressive-player.js';

const READ_BYTES = 1 << 20;  // a piece at a time

export class EmbeddedSubtitleReader {
  // contiguousFrom(offset): how many bytes from `offset` are held (and verified); nextHeld(offset):
  // where the next held bytes after `offset` begin (-1: none); readRange(offset,
  // length): those bytes (rejects when a piece was found damaged: the read waits for the next pump).
  // onTracks(tracks): the movie's subtitle tracks (the core's EmbeddedSubtitleTrack), once;
  // onCues(cues): cues read; onError(text): the read stopped on a malformed file.
  /**
   * @param {{ core: import('../../src/bindings/watch_core').WatchCore, fileSize: number,
   *   contiguousFrom: (offset: number) => number, nextHeld?: (offset: number) => number,
   *   readRange: (offset: number, length: number) => Promise<Uint8Array>,
   *   onTracks: (tracks: import('../../src/bindings/watch_core').EmbeddedSubtitleTrack[]) => void,
   *   onCues: (cues: import('../../src/bindings/watch_core').EmbeddedCue[]) => void, onError: (text: string) => void }} options
   */
  constructor({ core, fileSize, contiguousFrom, nextHeld = () => -1, readRange, onTracks, onCues, onError }) {
    this.fileSize = fileSize;
    this.contiguousFrom = contiguousFrom;
    this.nextHeld = nextHeld;
    this.readRange = readRange;
    this.onTracks = onTracks;
    this.onCues = onCues;
    this.onError = onError;
    this.core = core;
    this.reader = new core.EmbeddedSubtitles(fileSize);
    this.codecs = new Map();  // track number → codec, for a zlib track's cues
    this.announced = false;
    this.reading = null;
    this.again = false;
    this.closed = false;
  }

  // Reads as far as the held bytes go; a call during a read makes it go on after.
  pump() {
    if (this.closed) return;
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = (async () => {
      do {
        this.again = false;
        await this.read().catch((e) => {
          // A piece found damaged is fetched again: the next pump goes on. Anything else is said.
          if (!(e instanceof PieceRefetched)) this.onError(`could not be read: ${e.message}`);
        });
      } while (this.again && !this.closed);
    })().finally(() => { this.reading = null; });
  }

  async read() {
    // At most two moves without a feed between (two places each short of a piece's bytes are not
    // tried in turn forever), and a few in all per pump.
    let moves = 0, allMoves = 0;
    for (let want = this.reader.wanted(); want && !this.closed; want = this.reader.wanted()) {
      const held = this.contiguousFrom(want.offset);
      if (held < Math.min(want.length, this.fileSize - want.offset)) {
        // Not here yet: the core goes back to a place it skipped whose bytes came, or on past a
        // seek's gap (the part being watched), or waits.
        const hole = this.reader.firstHole();
        if (moves++ < 2 && allMoves++ < 8 && this.reader.onBlocked(this.nextHeld(want.offset + want.length), hole >= 0 && this.contiguousFrom(hole) >= 16)) continue;
        return;
      }
      moves = 0;
      const bytes = await this.readRange(want.offset, Math.min(held, Math.max(want.length, READ_BYTES)));
      if (this.closed) return;
      this.reader.feed(want.offset, bytes);
      this.deliver();
    }
    this.deliver();
  }

  deliver() {
    if (!this.announced && this.reader.tracksKnown()) {
      this.announced = true;
      const tracks = this.reader.tracks();
      for (const t of tracks) this.codecs.set(t.number, t.codec);
      if (tracks.length) this.onTracks(tracks);
    }
    const cues = this.reader.takeCues();
    const plain = cues.filter((c) => !c.compressed);
    if (plain.length) this.onCues(plain);
    for (const c of cues) if (c.compressed) this.inflate(c);
    if (this.reader.done() && this.reader.error() && !this.reported) {
      this.reported = true;
      this.onError(`stop at a damaged part: ${this.reader.error()}`);
    }
  }

  // A zlib-compressed track's cue: inflated by the browser, then read by the core.
  async inflate(cue) {
    try {
      const stream = new Blob([cue.compressed]).stream().pipeThrough(new DecompressionStream('deflate'));
      const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
      if (this.closed) return;
      const text = this.core.embeddedCueText(this.codecs.get(cue.track) ?? '', bytes);
      if (text) this.onCues([{ track: cue.track, start: cue.start, end: cue.end, text }]);
    } catch { /* a block that does not inflate: that cue is left out */ }
  }

  close() {
    this.closed = true;
    this.reader.delete();
  }
}
