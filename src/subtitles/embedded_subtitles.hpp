// The subtitle tracks inside a movie, whatever its container, read as its verified bytes arrive:
// Matroska and WebM by MatroskaSubtitles (text tracks interleaved with the picture), MP4 and MOV
// here: once the container walk has read the moov, the samples of each text track (3GPP timed
// text, tx3g, as HandBrake and ffmpeg's mov_text write it; and WebVTT in MP4, wvtt) are read where
// the sample tables put them, in file order. An MPEG-TS's subtitle tracks (DVB pictures, teletext)
// are listed with why they cannot show once its program table is read. Same loop as the walk:
// wanted(), feed() (a whole piece is best), take_cues().
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "media/container_walk.hpp"
#include "subtitles/matroska_subtitles.hpp"

namespace wt {

class EmbeddedSubtitles {
 public:
  explicit EmbeddedSubtitles(std::uint64_t file_size);

  ByteRange wanted() const;
  bool feed(std::uint64_t offset, const std::uint8_t* data, std::size_t len);
  // The bytes wanted are not here yet but those from `offset` on are (a seek ahead): the read goes
  // on there and comes back for what it skipped (MatroskaSubtitles::skip_to; an MP4's samples in
  // their file order). False when it does not move.
  bool skip_to(std::uint64_t offset);
  // The read waits for the bytes it wants; `next_held`: where the next bytes that are here begin
  // after them (~0: none), `hole_held`: whether those of the earliest place a skip left behind are
  // here. Back to that place if they are; on to next_held if it lies kSkipBytes or more away (a
  // seek ahead, or pieces arriving out of order: the place left is come back to once its bytes
  // are here; a piece late by one is waited for); true when the read moved.
  bool on_blocked(std::uint64_t next_held, bool hole_held);
  // Where the earliest place a skip left behind is (~0 when none).
  std::uint64_t first_hole() const;
  static constexpr std::uint64_t kSkipBytes = 2u << 20;

  bool tracks_known() const { return stage_ == Stage::Matroska ? mkv_.tracks_known() && !mkv_.tracks().empty() : stage_ != Stage::Mp4Head; }
  const std::vector<EmbeddedSubtitleTrack>& tracks() const { return stage_ == Stage::Matroska || from_mkv_ ? mkv_.tracks() : tracks_; }
  std::vector<EmbeddedCue> take_cues();
  std::uint32_t skipped() const { return mkv_.skipped() + skipped_; }
  bool done() const { return stage_ == Stage::Done; }
  const std::string& error() const { return mkv_.error().empty() ? error_ : mkv_.error(); }

 private:
  enum class Stage : std::uint8_t { Matroska, Mp4Head, Mp4Samples, Done };
  void after_mkv();
  void read_mp4_tracks();
  void list_ts_tracks();
  void read_sample(const TextSample& s, const std::uint8_t* d);

  Stage stage_ = Stage::Matroska;
  MatroskaSubtitles mkv_;
  bool from_mkv_ = false;  // the tracks and cues are the Matroska reader's
  ContainerWalk walk_;
  std::vector<EmbeddedSubtitleTrack> tracks_;
  std::vector<TextSample> samples_;
  std::size_t next_ = 0;
  std::vector<bool> done_;  // per sample: read
  std::size_t unread_ = 0;
  std::vector<EmbeddedCue> cues_;
  std::uint32_t skipped_ = 0;
  std::string error_;
};

}  // namespace wt
