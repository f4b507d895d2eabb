// The MP4 adapter over mp4box.js: verified pieces of an MP4 (moov at the start or at the end, or
// already fragmented) in, an init segment and media segments per track out, for Media Source
// Extensions. It also hands the core what the sample table says: the duration, the tracks' codec
// strings, and the index points (sync samples, plus a point at most every half second).
import { createFile, MP4BoxBuffer } from 'mp4box';

const SEGMENT_SECONDS = 1;   // media segments of about a second per track
const POINT_SPACING_S = 0.5;  // index points: every keyframe, and at least this often

export class Mp4Segmenter {
  // onReady({ tracks: [{ id, kind, codec, mime }], duration, points: { times, offsets, keyframes } })
  // onSegment(trackId, bytes, nextSample, last)
  constructor({ onReady, onSegment, onError }) {
    this.file = createFile();
    this.tracks = [];
    this.ready = false;
    this.file.onError = (module, message) => onError(`${module}: ${message}`);
    this.file.onReady = (info) => {
      this.ready = true;
      const playable = info.tracks.filter((t) => t.type === 'video' || t.type === 'audio' || t.video || t.audio);
      this.tracks = playable.map((t) => {
        const kind = t.video ? 'video' : 'audio';
        return { id: t.id, kind, codec: t.codec, mime: `${kind}/mp4; codecs="${t.codec}"`, nbSamples: t.nb_samples, duration: t.duration / t.timescale };
      });
      const duration = info.duration && info.timescale ? info.duration / info.timescale : Math.max(0, ...this.tracks.map((t) => t.duration));
      onReady({ tracks: this.tracks, duration, fragmented: info.isFragmented, points: this.indexPoints() });
    };
    this.file.onSegment = (id, _user, buffer, nextSample, last) => onSegment(id, buffer, nextSample, last);
  }

  // Sync samples of the main track (video, or the first audio track) as media time ↔ the byte
  // offset where the data to play from there starts: the smallest over the tracks, since a file may
  // store a moment's audio before its video keyframe.
  indexPoints() {
    const main = this.tracks.find((t) => t.kind === 'video') ?? this.tracks[0];
    const times = [], offsets = [], keyframes = [];
    if (!main) return { times, offsets, keyframes };
    const others = this.tracks.filter((t) => t !== main).map((t) => ({ samples: this.file.getTrackSamplesInfo(t.id) ?? [], at: 0 }));
    let last = -Infinity;
    for (const s of this.file.getTrackSamplesInfo(main.id) ?? []) {
      const t = s.cts / s.timescale;
      if (!(s.is_sync || t - last >= POINT_SPACING_S)) continue;
      let offset = s.offset;
      for (const o of others) {
        // The other track's sample playing at t: the last one that starts at or before it.
        while (o.at + 1 < o.samples.length && o.samples[o.at + 1].cts / o.samples[o.at + 1].timescale <= t) o.at += 1;
        if (o.samples.length) offset = Math.min(offset, o.samples[o.at].offset);
      }
      times.push(t);
      offsets.push(offset);
      keyframes.push(s.is_sync ? 1 : 0);
      last = t;
    }
    return { times, offsets, keyframes };
  }

  // The init segments [{ id, buffer }] of the chosen tracks; media segments follow begin().
  initSegments(trackIds) {
    // mp4box wants one sample count for every track: about SEGMENT_SECONDS of the densest track
    // (video segments end at keyframes anyway).
    const chosen = this.tracks.filter((x) => trackIds.includes(x.id));
    const perSecond = Math.max(1, ...chosen.map((t) => (t.duration > 0 ? t.nbSamples / t.duration : 30)));
    for (const t of chosen) this.file.setSegmentOptions(t.id, null, { nbSamples: Math.max(1, Math.round(perSecond * SEGMENT_SECONDS)) });
    return this.file.initializeSegmentation('per-track');
  }

  begin() {
    this.file.start();
  }

  // Bytes of the file at fileStart (an ArrayBuffer of its own). Returns the next position the
  // parser wants (the box after an incomplete mdat, or the next sample's data).
  append(arrayBuffer, fileStart) {
    return this.file.appendBuffer(MP4BoxBuffer.fromArrayBuffer(arrayBuffer, fileStart));
  }

  // Segments now restart at the keyframe at or before t; returns the byte offset they need.
  seek(t) {
    return this.file.seek(t, true).offset;
  }

  // The samples before nextSample of a track have been appended: mp4box may drop their bytes.
  release(trackId, nextSample) {
    this.file.releaseUsedSamples(trackId, nextSample);
  }

  flush() {
    this.file.flush();
  }
}
