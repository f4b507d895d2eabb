// What a movie holds, as its container's header says: one entry per track, in the container's
// words (codec_id) and ours (codec, a family name the rest of the core and the glue share). Filled
// by the container walk (MP4/MOV moov, Matroska/WebM Tracks, MPEG-TS PMT) from verified bytes, and
// carried in a session record as a compact summary (media_summary) so that the recipient's page can
// say what will play before anything travels.
#pragma once

#include <cstdint>
#include <string>

namespace wt {

enum class TrackKind : std::uint8_t { Other = 0, Video = 1, Audio = 2, Subtitle = 3 };

// Codec families (MediaTrack::codec). Video: "avc", "hevc", "av1", "vp8", "vp9", "mpeg4", "mpeg2",
// "prores". Audio: "aac", "mp3", "opus", "vorbis", "flac", "ac3", "eac3", "dts", "truehd", "pcm",
// "alac". Subtitles: "srt", "ass", "webvtt", "tx3g", "pgs", "vobsub", "dvb", "teletext".
// "" when the walk does not know the codec (codec_id still says what the container called it).
struct MediaTrack {
  std::uint32_t id = 0;      // MP4 track_ID, Matroska TrackNumber, MPEG-TS elementary PID
  TrackKind kind = TrackKind::Other;
  std::string codec;         // family, as above
  std::string codec_id;      // the container's own: "avc1", "V_MPEG4/ISO/AVC", "0x1b"
  std::string language;      // ISO 639-2 ("eng", "fra"), "und" when unknown
  std::string name;          // the track's title ("Director's commentary"), "" when none
  bool is_default = false;   // Matroska FlagDefault, MP4 track enabled, the first of its kind in TS
  std::uint32_t channels = 0;     // audio, 0 when unknown
  std::uint32_t sample_rate = 0;  // audio, Hz
  std::uint32_t width = 0, height = 0;  // video, pixels
  bool operator==(const MediaTrack& o) const {
    return id == o.id && kind == o.kind && codec == o.codec && codec_id == o.codec_id && language == o.language &&
           name == o.name && is_default == o.is_default && channels == o.channels && sample_rate == o.sample_rate &&
           width == o.width && height == o.height;
  }
};

}  // namespace wt
