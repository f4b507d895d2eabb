// Where a movie's index and media lie, found from the bytes that have arrived: a walk over the
// top-level ISO BMFF boxes (MP4/MOV, 32- and 64-bit sizes) or the EBML elements of a WebM/Matroska
// Segment. Pure and incremental: it says which bytes it needs next (wanted()), the glue feeds them
// (feed()) from verified pieces when it has them, and it never reads outside what it was given.
//
// What it learns:
//  - MP4: every top-level box up to the end of the file, so that a `moov` after the `mdat` is known
//    as soon as the mdat's header has arrived ("index first": the moov must be fetched before
//    anything can play). Fragmented MP4: each `moof` with its first track's decode time (tfdt),
//    through the track timescales read from the moov (tkhd, mdhd): those are its index points.
//  - WebM: the Segment's data start, Info (timestamp scale, duration), where Tracks, Cues and the
//    first Cluster are (from the SeekHead when present); each Cluster's timestamp and offset as the
//    walk passes it, and the Cues' points when the Cues element is read.
// A lying file (a box past the end, a size smaller than its header, elements nested wrongly) ends
// the walk with an error text; what was learnt before stays valid.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "transfer/transfer_layout.hpp"

namespace wt {

// Mp4: ISO BMFF with an MP4 brand; Mov: QuickTime (ftyp 'qt  ', or no ftyp); WebM / Matroska: EBML
// with that DocType; MpegTs: 188-byte transport packets (or 192-byte M2TS ones).
enum class ContainerFormat : std::uint8_t { Unknown = 0, Mp4 = 1, WebM = 2, Matroska = 3, Mov = 4, MpegTs = 5 };
const char* container_format_name(ContainerFormat f);  // "unknown", "mp4", "webm", "matroska", "mov", "mpegts"

struct ContainerBox {
  std::string type;          // 4 characters for MP4 ("moov"); a name for WebM ("Cluster")
  std::uint64_t offset = 0;  // of its header
  std::uint64_t size = 0;    // header included
};

// A point where playback can start: media time and the byte offset of its data.
struct ContainerPoint {
  double time_s = 0;
  std::uint64_t offset = 0;
};

class ContainerWalk {
 public:
  explicit ContainerWalk(std::uint64_t file_size);

  // The next bytes the walk needs: length 0 when it is done or stopped. The range is clamped to
  // the file; the glue may feed more (a whole piece), never less than what starts at `offset`.
  ByteRange wanted() const;
  // Bytes of the file at `offset`. Returns false when they do not cover wanted() (nothing changes).
  bool feed(std::uint64_t offset, const std::uint8_t* data, std::size_t len);

  bool done() const { return done_; }
  const std::string& error() const { return error_; }  // why the walk stopped early, or ""
  ContainerFormat format() const { return format_; }
  const std::vector<ContainerBox>& boxes() const { return boxes_; }  // top level, as visited

  // The container's index: the MP4 moov, or the WebM Cues; length 0 while unknown (or absent).
  ByteRange index_range() const { return index_; }
  bool index_read() const { return index_read_; }
  // MP4: the moov comes after the media data, so it must be fetched first.
  bool index_at_end() const { return index_at_end_; }
  bool fragmented() const { return fragmented_; }
  // Where the media data begins (first mdat payload / moof, first Cluster); 0 while unknown.
  std::uint64_t media_start() const { return media_start_; }
  double duration_s() const { return duration_s_; }  // 0 while unknown
  // WebM: each track's CodecID ("V_VP9", "A_OPUS", ...) from Tracks, video tracks first.
  const std::vector<std::string>& codec_ids() const { return codec_ids_; }
  // Start points found so far (fMP4 fragments, WebM clusters and cues), in the order the walk
  // found them (a MediaIndex sorts them), each offset once.
  const std::vector<ContainerPoint>& points() const { return points_; }

 private:
  void fail(const std::string& text);
  void want(std::uint64_t offset, std::uint64_t len);
  void step_mp4(std::uint64_t offset, const std::uint8_t* d, std::size_t n);
  void step_webm(std::uint64_t offset, const std::uint8_t* d, std::size_t n);
  void read_moov(const std::uint8_t* d, std::size_t n);
  void read_moof(std::uint64_t offset, const std::uint8_t* d, std::size_t n);
  void read_webm_head(const std::uint8_t* d, std::size_t n);
  void read_seek_head(const std::uint8_t* d, std::size_t n);
  void read_info(const std::uint8_t* d, std::size_t n);
  void read_cues(const std::uint8_t* d, std::size_t n);
  void read_tracks(const std::uint8_t* d, std::size_t n);
  void add_point(double time_s, std::uint64_t offset);
  void record_box(const std::string& type, std::uint64_t offset, std::uint64_t size);
  void after_webm_element(std::uint64_t next);

  std::uint64_t size_;
  ContainerFormat format_ = ContainerFormat::Unknown;
  ByteRange want_;
  bool done_ = false;
  std::string error_;
  std::vector<ContainerBox> boxes_;
  ByteRange index_;
  bool index_read_ = false;
  bool index_at_end_ = false;
  bool fragmented_ = false;
  bool mdat_seen_ = false;
  std::uint64_t media_start_ = 0;
  double duration_s_ = 0;
  std::vector<ContainerPoint> points_;
  std::set<std::uint64_t> point_offsets_;
  std::vector<std::string> codec_ids_;
  std::map<std::uint32_t, std::uint32_t> timescales_;  // MP4 track id -> mdhd timescale
  // WebM
  enum class WebmStage : std::uint8_t { Head, Children, Element };
  WebmStage stage_ = WebmStage::Head;
  std::uint64_t segment_data_ = 0;  // offset of the Segment's first child
  std::uint64_t segment_end_ = 0;
  double timestamp_scale_s_ = 1e-3;  // TimestampScale in seconds (1,000,000 ns by default)
  bool info_read_ = false;
  std::uint64_t cues_at_ = 0;        // from the SeekHead, 0 when unknown
  bool detour_ = false;              // reading the Cues out of order
  std::uint64_t resume_at_ = 0;      // where the walk goes on after the detour
  std::uint64_t max_cues_ = 16u << 20;  // a larger Cues element is skipped: clusters index instead
};

}  // namespace wt
