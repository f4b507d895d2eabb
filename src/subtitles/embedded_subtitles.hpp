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
  std::vector<EmbeddedCue> cues_;
  std::uint32_t skipped_ = 0;
  std::string error_;
};

}  // namespace wt
