// The subtitle tracks inside a Matroska or WebM movie, read as its bytes arrive. Matroska
// interleaves a text track's blocks with the picture's, so the cues of the part of the film that has
// arrived can show before the rest is there. Pure and incremental like the container walk: it says
// which bytes it needs next (wanted()), the glue feeds them from verified pieces in file order (a
// whole piece at a time; every element inside is read in one feed), and the cues found are taken
// with take_cues(). The bytes are a peer's: every size is checked against the file and the element
// around it, and a lie ends the read with an error (what was read before stays).
//
// Read: text tracks S_TEXT/UTF8 (SRT's cue text), S_TEXT/ASS and S_TEXT/SSA (a Dialogue line's
// fields, of which the text is shown), S_TEXT/WEBVTT and WebM's D_WEBVTT/*; their blocks in
// SimpleBlocks or BlockGroups (with a BlockDuration, or until the track's next cue), plain or with
// header stripping, or zlib-compressed (handed out as stored, for the browser's inflater). Listed
// with the reason they do not show: picture subtitles (PGS, VobSub, DVB), bzlib/lzo-compressed or
// encrypted tracks, and text tracks of a codec not known here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "subtitles/subtitle_file.hpp"
#include "transfer/transfer_layout.hpp"

namespace wt {

struct EmbeddedSubtitleTrack {
  std::uint32_t number = 0;  // the Matroska TrackNumber
  std::string codec;         // "srt", "ass", "webvtt", "pgs", "vobsub", "dvb", or "" (codec_id says)
  std::string codec_id;      // "S_TEXT/UTF8"
  std::string language;      // BCP 47 or ISO 639-2 ("eng" by the spec's default)
  std::string name;          // the track's title, "" when none
  bool is_default = false;
  bool forced = false;
  std::string unsupported;   // "" when its cues are read; otherwise why not, for people
  std::string label;         // for a menu: "English — SDH", "French (forced)", "Track 3"
  bool zlib = false;         // its blocks are zlib-compressed: the glue inflates each cue's payload
};

struct EmbeddedCue {
  std::uint32_t track = 0;  // EmbeddedSubtitleTrack::number
  SubtitleCue cue;          // on the movie's timeline (seconds), WebVTT cue text
  // A zlib track's block as it is stored (cue.text empty): the glue inflates it and has the core
  // read it with embedded_cue_text (the core links no zlib; the browser has one).
  std::string compressed;
};

// A subtitle block's payload (after any decompression) as WebVTT cue text, by the track's codec
// ("srt", "ass": the Dialogue fields before the text are dropped, "webvtt"); "" when nothing shows.
std::string embedded_cue_text(const std::string& codec, const std::uint8_t* data, std::size_t len);

class MatroskaSubtitles {
 public:
  explicit MatroskaSubtitles(std::uint64_t file_size);

  // The next bytes the read needs: length 0 when it is done. The glue may feed more (a piece).
  ByteRange wanted() const { return want_; }
  // Bytes of the file at `offset`. Returns false when they do not cover wanted() (nothing changes).
  bool feed(std::uint64_t offset, const std::uint8_t* data, std::size_t len);

  // The bytes at the cursor are not here yet but those from `offset` on are (a seek ahead fetched
  // them first): the read goes on from the first Cluster at or after `offset` and comes back for
  // what it skipped when it reaches the end (or a stretch it read before). False (nothing changes)
  // before the Tracks are read, for an offset not past the cursor, inside a stretch already read, or
  // where an earlier skip found no Cluster up to the end.
  bool skip_to(std::uint64_t offset);
  // The earliest place a skip left behind (~0 when none), and going back there now (its bytes have
  // come) with where the read stands kept to come back to; false when there is none.
  std::uint64_t first_hole() const;
  bool back_to_hole();

  // The file's subtitle tracks, once its Tracks element is read (none for a file that is not
  // Matroska or WebM, which ends the read at once without an error).
  bool tracks_known() const { return tracks_known_; }
  const std::vector<EmbeddedSubtitleTrack>& tracks() const { return tracks_; }
  // The cues read since the last call, in file order.
  std::vector<EmbeddedCue> take_cues();
  // Blocks of a read track that gave no cue (laced, malformed, empty text), so far.
  std::uint32_t skipped() const { return skipped_; }
  // Where the read is: the cues of every block before this byte have been taken or are pending.
  std::uint64_t position() const { return want_.length ? want_.offset : size_; }
  bool done() const { return done_; }
  const std::string& error() const { return error_; }

  static constexpr std::uint64_t kMaxBlockBytes = 1u << 20;  // a subtitle block larger is skipped
  static constexpr std::size_t kMaxCues = 1u << 18;

 private:
  enum class Level : std::uint8_t { Head, Segment, Cluster };
  // One step at the cursor with the bytes [d, d + n) there; false when it needs more than n.
  bool step(const std::uint8_t* d, std::size_t n);
  bool step_segment(std::uint32_t id, std::uint64_t hdr, std::uint64_t size, const std::uint8_t* d, std::size_t n);
  bool step_cluster(std::uint32_t id, std::uint64_t hdr, std::uint64_t size, const std::uint8_t* d, std::size_t n);
  bool read_head(const std::uint8_t* d, std::size_t n);
  void read_tracks(const std::uint8_t* d, std::size_t n);
  // A Block or SimpleBlock's body, with its duration in timestamp units (-1: none given).
  void read_block(const std::uint8_t* d, std::size_t n, std::int64_t duration);
  void add(std::uint32_t track, double start, double end, std::string text, std::string compressed = {});
  void finish();
  void fail(const std::string& text);
  bool resume_hole();
  bool after_stretch(std::uint64_t from);
  struct Resume;
  void restore(const Resume& h);
  std::size_t find_cluster(const std::uint8_t* d, std::size_t n, std::uint64_t at) const;
  // The readable track a block belongs to, or nullptr.
  const EmbeddedSubtitleTrack* readable(std::uint32_t number) const;

  std::uint64_t size_;
  ByteRange want_;
  std::uint64_t cursor_ = 0;
  Level level_ = Level::Head;
  bool done_ = false;
  std::string error_;
  bool tracks_known_ = false;
  std::vector<EmbeddedSubtitleTrack> tracks_;
  std::map<std::uint32_t, std::string> strip_;          // header stripping's bytes, per track
  std::map<std::uint32_t, std::int64_t> default_dur_;   // DefaultDuration in timestamp units
  std::uint64_t segment_end_ = 0;
  std::uint64_t cluster_end_ = 0;
  double scale_s_ = 1e-3;  // TimestampScale in seconds
  std::uint64_t cluster_ts_ = 0;
  std::vector<EmbeddedCue> cues_;
  std::size_t total_cues_ = 0;
  std::map<std::uint32_t, EmbeddedCue> pending_;  // a block with no duration, until the track's next
  std::uint32_t skipped_ = 0;
  // Skips: where reading stopped (to come back to, by position) and where it began again.
  struct Resume {
    std::uint64_t at;
    Level level;
    std::uint64_t cluster_end, cluster_ts;
  };
  std::vector<Resume> holes_;
  // Stretches read after a skip: where reading started again (a Cluster) -> the skip that found
  // it (the bytes between were scanned, so the stretch counts from there).
  std::map<std::uint64_t, std::uint64_t> read_from_;
  bool scanning_ = false;
  static constexpr std::uint64_t kNone = ~std::uint64_t(0);
  std::uint64_t current_from_ = kNone;  // where the stretch being read began after a skip
  std::uint64_t skipped_to_ = 0;          // the offset of the last skip
  std::uint64_t no_cluster_from_ = kNone;  // no Cluster from here to the end: no skip goes there
  static constexpr std::size_t kMaxHoles = 64;
};

}  // namespace wt
