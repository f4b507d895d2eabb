// What a movie holds and what this browser will make of it, before anything travels: the core's
// container walk over a local file's header (read from the File, as the walk asks: a moov at the
// end is read there), the core's media summary for the session record, and the core's plan for
// this browser. On the recipient's side the same plan comes from the summary the sender wrote.
import { browserCapabilities, elementPlays } from '../adapters/media-capabilities.js';

const READ_AT_LEAST = 64 * 1024;    // the walk wants headers: this much at a time is plenty
const MAX_PROBE_BYTES = 80 << 20;   // a moov is at most 64 MiB (the walk's own bound)

// { format, tracks, error, summary } of a local Blob or File.
export async function probeMovie(core, blob) {
  const walk = new core.ContainerWalk(blob.size);
  try {
    let read = 0;
    for (let want = walk.wanted(); want && read < MAX_PROBE_BYTES; want = walk.wanted()) {
      const length = Math.min(blob.size - want.offset, Math.max(want.length, READ_AT_LEAST));
      const bytes = new Uint8Array(await blob.slice(want.offset, want.offset + length).arrayBuffer());
      read += bytes.length;
      if (!walk.feed(want.offset, bytes) || walk.info().tracksKnown) break;
    }
    const info = walk.info();
    return { format: info.format, tracks: info.tracksKnown ? info.tracks : [], error: info.error, summary: core.encodeMediaSummary(info.format, info.tracks) };
  } finally {
    walk.delete();
  }
}

// The core's plan for this movie in this browser (PlaybackPlan in watch_core.d.ts).
export async function planFor(core, { format, tracks }, mimeType = '') {
  const caps = await browserCapabilities();
  return core.planPlayback(format, tracks, { ...caps, elementPlaysWhole: elementPlays(mimeType) });
}

// The plan for a session's file from the summary its sender wrote (null when there is none, or it
// is not one the core can read: an older page, or a hostile one).
export function planForSummary(core, session) {
  const parsed = typeof session.media === 'string' ? core.parseMediaSummary(session.media) : null;
  return parsed ? planFor(core, parsed, session.mimeType ?? '') : Promise.resolve(null);
}
