// Where a movie's index and media lie, and what it holds, found from the bytes that have arrived:
// a walk over the top-level ISO BMFF boxes (MP4/MOV, 32- and 64-bit sizes), the EBML elements of a
// WebM/Matroska Segment, or the first and last packets of an MPEG transport stream. Pure and
// incremental: it says which bytes it needs next (wanted()), the glue feeds them (feed()) from
// verified pieces when it has them, and it never reads outside what it was given.
//
// What it learns:
//  - MP4/MOV: every top-level box up to the end of the file, so that a `moov` after the `mdat` is
//    known as soon as the mdat's header has arrived ("index first": the moov must be fetched before
//    anything can play). The moov's tracks (tracks()), and from its sample tables the index points:
//    the main track's sync samples and a point at least every half second (mp4_sample_table).
//    Fragmented MP4: each `moof` with its first track's decode time (tfdt), through the track
//    timescales read from the moov (tkhd, mdhd): those are its index points.
//  - WebM/Matroska: the Segment's data start, Info (timestamp scale, duration), Tracks, where Cues
//    and the first Cluster are (from the SeekHead when present); each Cluster's timestamp and offset
//    as the walk passes it, and the Cues' points when the Cues element is read.
//  - MPEG-TS (and M2TS): the program's streams from the PAT and PMT in the first packets, the first
//    clock (PCR, or PTS), then the last clock in the file's tail (its "index": the duration); a
//    transport stream has no index, so its points are estimated from the bytes (mpeg_ts).
// A lying file (a box past the end, a size smaller than its header, elements nested wrongly) ends
// the walk with an error text; what was learnt before stays valid. Peer-supplied bytes are hostile:
// every count, string and table is bounded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "media/media_track.hpp"
#include "media/mpeg_ts.hpp"
#include "transfer/transfer_layout.hpp"

namespace wt {

// Mp4: ISO BMFF with an MP4 brand; Mov: QuickTime (ftyp 'qt  ', or no ftyp); WebM / Matroska: EBML
// with that DocType; MpegTs: 188-byte transport packets (or 192-byte M2TS ones).
enum class ContainerFormat : std::uint8_t { Unknown = 0, Mp4 = 1, WebM = 2, Matroska = 3, Mov = 4, MpegTs = 5 };
const char* container_format_name(ContainerFormat f);  // "unknown", "mp4", "webm", "matroska", "mov", "mpegts"
// The two walks: ISO BMFF boxes (MP4, MOV) and EBML elements (WebM, Matroska).
inline bool is_iso_bmff(ContainerFormat f) { return f == ContainerFormat::Mp4 || f == ContainerFormat::Mov; }
inline bool is_ebml(ContainerFormat f) { return f == ContainerFormat::WebM || f == ContainerFormat::Matroska; }

// A sample of an MP4/MOV text subtitle track (tx3g, wvtt): where its bytes lie and when it shows.
struct TextSample {
  std::uint32_t track = 0;  // MediaTrack::id
  double start_s = 0, end_s = 0;
  std::uint64_t offset = 0;
  std::uint32_t size = 0;
};

// An MP4/MOV subtitle track whose samples are text: timed text (tx3g), WebVTT (wvtt), and
// QuickTime text ('text', as ffmpeg writes subtitles into a MOV) in an enabled track (a disabled
// one holds chapter titles).
inline bool is_text_subtitle_mp4(const MediaTrack& t) {
  return t.codec == "tx3g" || t.codec == "webvtt" || (t.codec_id == "text" && t.is_default);
}

struct ContainerBox {
  std::string type;          // 4 characters for MP4 ("moov"); a name for WebM ("Cluster")
  std::uint64_t offset = 0;  // of its header
  std::uint64_t size = 0;    // header included
};

// A point of the index: media time and the byte offset of its data; keyframe false for a point that
// only marks where data lies (the sample table's half-second fill points).
struct ContainerPoint {
  double time_s = 0;
  std::uint64_t offset = 0;
  bool keyframe = true;
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

  // The container's index: the MP4 moov, the WebM Cues, an MPEG-TS's tail (its last clock); length
  // 0 while unknown (or absent).
  ByteRange index_range() const { return index_; }
  bool index_read() const { return index_read_; }
  // The index comes after the media data (an MP4 moov after the mdat, a TS tail), so it must be
  // fetched first.
  bool index_at_end() const { return index_at_end_; }
  bool fragmented() const { return fragmented_; }
  // Where the media data begins (first mdat payload / moof, first Cluster; 0 for a transport
  // stream, whose first packet is media); 0 while unknown.
  std::uint64_t media_start() const { return media_start_; }
  double duration_s() const { return duration_s_; }  // 0 while unknown
  // What the movie holds, once the header that lists it has been read (tracks_known(): MP4/MOV
  // moov, WebM/Matroska Tracks, MPEG-TS PMT); at most kMaxTracks, in the container's order.
  const std::vector<MediaTrack>& tracks() const { return tracks_; }
  bool tracks_known() const { return tracks_known_; }
  // Each track's codec_id ("V_VP9", "A_OPUS", "avc1", "0x1b"), video tracks first.
  const std::vector<std::string>& codec_ids() const { return codec_ids_; }
  // Index points found so far (MP4/MOV sample tables, fMP4 fragments, WebM clusters and cues, a
  // TS's estimates), in the order the walk found them (a MediaIndex sorts them); a fragment or
  // cluster offset once. At most kMaxPoints.
  const std::vector<ContainerPoint>& points() const { return points_; }
  // Every point the file will give is in points(): a non-fragmented MP4/MOV once its moov is read,
  // a TS once its duration is known. (WebM clusters and fMP4 fragments come as the walk passes them.)
  bool points_complete() const { return points_complete_; }
  // MP4/MOV: the samples of its text subtitle tracks (tx3g, WebVTT), in file order, once the moov
  // is read; a sample that lies outside the file is left out. At most kMaxTextSamples.
  const std::vector<TextSample>& text_samples() const { return text_samples_; }

  static constexpr std::size_t kMaxTracks = 64;
  static constexpr std::size_t kMaxPoints = 1u << 18;  // a point every 0.25 s for 18 hours
  static constexpr std::size_t kMaxTextSamples = 1u << 18;
  static constexpr std::uint32_t kMaxTextSampleBytes = 1u << 20;

 private:
  void fail(const std::string& text);
  void want(std::uint64_t offset, std::uint64_t len);
  void detect(const std::uint8_t* d, std::size_t n);
  void step_mp4(std::uint64_t offset, const std::uint8_t* d, std::size_t n);
  void step_webm(std::uint64_t offset, const std::uint8_t* d, std::size_t n);
  void step_ts(std::uint64_t offset, const std::uint8_t* d, std::size_t n);
  void read_moov(const std::uint8_t* d, std::size_t n);
  void read_moof(std::uint64_t offset, const std::uint8_t* d, std::size_t n);
  void read_webm_head(const std::uint8_t* d, std::size_t n);
  void read_seek_head(const std::uint8_t* d, std::size_t n);
  void read_info(const std::uint8_t* d, std::size_t n);
  void read_cues(const std::uint8_t* d, std::size_t n);
  void read_tracks(const std::uint8_t* d, std::size_t n);
  void add_point(double time_s, std::uint64_t offset);
  void add_table_point(double time_s, std::uint64_t offset, bool keyframe);
  void set_tracks(std::vector<MediaTrack> tracks);
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
  bool points_complete_ = false;
  std::vector<MediaTrack> tracks_;
  bool tracks_known_ = false;
  std::vector<std::string> codec_ids_;
  std::vector<TextSample> text_samples_;
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
  // MPEG-TS
  TsScan ts_;
  std::uint64_t ts_scanned_ = 0;  // bytes of the head read from the start
  bool ts_tail_ = false;          // reading the tail
};

}  // namespace wt
