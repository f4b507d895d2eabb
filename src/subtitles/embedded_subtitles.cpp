#include "subtitles/embedded_subtitles.hpp"

#include <algorithm>

#include "media/iso_bmff.hpp"
#include "media/playback_support.hpp"  // track_name

namespace wt {

EmbeddedSubtitles::EmbeddedSubtitles(std::uint64_t file_size) : mkv_(file_size), walk_(file_size) {
  after_mkv();
}

ByteRange EmbeddedSubtitles::wanted() const {
  switch (stage_) {
    case Stage::Matroska: return mkv_.wanted();
    case Stage::Mp4Head: return walk_.wanted();
    case Stage::Mp4Samples: return {samples_[next_].offset, samples_[next_].size};
    case Stage::Done: return {};
  }
  return {};
}

// A Matroska file is the Matroska reader's to the end; anything else goes on to the MP4 walk.
void EmbeddedSubtitles::after_mkv() {
  if (stage_ != Stage::Matroska || !mkv_.done()) return;
  if (!mkv_.tracks().empty() || !mkv_.error().empty()) {
    from_mkv_ = true;
    stage_ = Stage::Done;
    return;
  }
  stage_ = walk_.wanted().length ? Stage::Mp4Head : Stage::Done;
}

std::vector<EmbeddedCue> EmbeddedSubtitles::take_cues() {
  if (from_mkv_ || stage_ == Stage::Matroska) return mkv_.take_cues();
  std::vector<EmbeddedCue> out;
  out.swap(cues_);
  return out;
}

bool EmbeddedSubtitles::feed(std::uint64_t offset, const std::uint8_t* data, std::size_t len) {
  const ByteRange want = wanted();
  if (want.length == 0 || offset > want.offset || offset + len < want.offset + want.length) return false;
  if (stage_ == Stage::Matroska) {
    mkv_.feed(offset, data, len);
    after_mkv();
    if (stage_ != Stage::Mp4Head) return true;
  }
  // The walk, as long as what it wants lies in these bytes, up to the moov.
  while (stage_ == Stage::Mp4Head) {
    const ByteRange w = walk_.wanted();
    if (w.length == 0 || walk_.done()) {
      stage_ = Stage::Done;  // no moov (or not MP4): nothing to read
      break;
    }
    if (w.offset < offset || w.offset + w.length > offset + len) return true;
    walk_.feed(w.offset, data + (w.offset - offset), std::size_t(offset + len - w.offset));
    if (walk_.format() == ContainerFormat::MpegTs && walk_.tracks_known()) list_ts_tracks();
    else if (walk_.format() != ContainerFormat::Unknown && !is_iso_bmff(walk_.format()) && walk_.format() != ContainerFormat::MpegTs) stage_ = Stage::Done;
    else if (walk_.index_read() && is_iso_bmff(walk_.format())) read_mp4_tracks();
  }
  while (stage_ == Stage::Mp4Samples) {
    const TextSample& s = samples_[next_];
    if (s.offset < offset || s.offset + s.size > offset + len) break;
    read_sample(s, data + (s.offset - offset));
    done_[next_] = true;
    if (--unread_ == 0) {
      stage_ = Stage::Done;
      break;
    }
    // The next sample not read yet, after this one or, past the last, from the first (a skip's hole).
    std::size_t k = next_ + 1;
    while (k < samples_.size() && done_[k]) ++k;
    if (k == samples_.size()) k = std::size_t(std::find(done_.begin(), done_.end(), false) - done_.begin());
    next_ = k;
  }
  return true;
}

std::uint64_t EmbeddedSubtitles::first_hole() const {
  if (stage_ == Stage::Matroska || from_mkv_) return mkv_.first_hole();
  if (stage_ != Stage::Mp4Samples) return ~std::uint64_t(0);
  const auto k = std::size_t(std::find(done_.begin(), done_.end(), false) - done_.begin());
  return k < next_ ? samples_[k].offset : ~std::uint64_t(0);
}

bool EmbeddedSubtitles::on_blocked(std::uint64_t next_held, bool hole_held) {
  if (stage_ == Stage::Done) return false;
  if (hole_held && first_hole() != ~std::uint64_t(0)) {
    if (stage_ == Stage::Matroska || from_mkv_) return mkv_.back_to_hole();
    next_ = std::size_t(std::find(done_.begin(), done_.end(), false) - done_.begin());
    return true;
  }
  const ByteRange want = wanted();
  if (want.length == 0 || next_held == ~std::uint64_t(0) || next_held < want.offset + kSkipBytes) return false;
  return skip_to(next_held);
}

bool EmbeddedSubtitles::skip_to(std::uint64_t offset) {
  if (stage_ == Stage::Matroska || from_mkv_) return mkv_.skip_to(offset);
  if (stage_ != Stage::Mp4Samples) return false;
  const auto at = std::lower_bound(samples_.begin(), samples_.end(), offset, [](const TextSample& s, std::uint64_t o) { return s.offset < o; });
  std::size_t k = std::size_t(at - samples_.begin());
  while (k < samples_.size() && done_[k]) ++k;
  if (k == samples_.size() || k <= next_ || samples_[k].offset <= samples_[next_].offset) return false;
  next_ = k;
  return true;
}

void EmbeddedSubtitles::read_mp4_tracks() {
  std::size_t position = 0;
  for (const MediaTrack& t : walk_.tracks()) {
    const bool text = is_text_subtitle_mp4(t);
    if (t.kind != TrackKind::Subtitle || (t.codec.empty() && !text)) continue;  // a disabled QuickTime text track: chapters
    EmbeddedSubtitleTrack e;
    e.number = t.id;
    e.codec = text && t.codec.empty() ? "tx3g" : t.codec;  // QuickTime text samples are laid out as tx3g's
    e.codec_id = t.codec_id;
    e.language = t.language;
    e.name = t.name;
    e.is_default = t.is_default;
    e.label = track_name(t, ++position);
    if (t.codec == "pgs" || t.codec == "vobsub" || t.codec == "dvb") {
      e.unsupported = "picture subtitles are not supported, only text ones";
    } else if (!text) {
      e.unsupported = "subtitles in " + t.codec_id + " are not supported";
    } else if (walk_.fragmented()) {
      e.unsupported = "subtitles of a fragmented MP4 are not read";
    }
    tracks_.push_back(std::move(e));
  }
  for (const TextSample& s : walk_.text_samples()) {
    const bool readable = std::any_of(tracks_.begin(), tracks_.end(), [&](const auto& t) { return t.number == s.track && t.unsupported.empty(); });
    if (readable) samples_.push_back(s);
  }
  done_.assign(samples_.size(), false);
  unread_ = samples_.size();
  stage_ = samples_.empty() ? Stage::Done : Stage::Mp4Samples;
}

// A transport stream's subtitles are pictures (DVB) or teletext pages: listed with why, never read.
void EmbeddedSubtitles::list_ts_tracks() {
  std::size_t position = 0;
  for (const MediaTrack& t : walk_.tracks()) {
    if (t.kind != TrackKind::Subtitle) continue;
    EmbeddedSubtitleTrack e;
    e.number = t.id;
    e.codec = t.codec;
    e.codec_id = t.codec_id;
    e.language = t.language;
    e.label = track_name(t, ++position);
    e.unsupported = t.codec == "teletext" ? "teletext subtitles are not supported"
                                          : "picture subtitles (DVB) are not supported, only text ones";
    tracks_.push_back(std::move(e));
  }
  stage_ = Stage::Done;
}

// tx3g: a 16-bit length, the text (UTF-8, or UTF-16 after its byte-order mark), then style boxes;
// an empty one is a gap. wvtt: boxes, a 'vttc' per cue (its 'payl' the cue text) or a 'vtte' gap.
void EmbeddedSubtitles::read_sample(const TextSample& s, const std::uint8_t* d) {
  const auto codec = std::find_if(tracks_.begin(), tracks_.end(), [&](const auto& t) { return t.number == s.track; })->codec;
  std::vector<std::string> texts;
  if (codec == "tx3g") {
    if (s.size < 2) {
      ++skipped_;
      return;
    }
    const std::size_t len = std::min<std::size_t>(bmff::be16(d), s.size - 2);
    if (len == 0) return;
    texts.push_back(subtitle_cue_text(SubtitleFormat::WebVtt, d + 2, len));
  } else {
    const bool ok = bmff::for_each_box(d, s.size, [&](const std::string& type, const std::uint8_t* b, std::size_t bn) {
      if (type != "vttc") return;
      bmff::for_each_box(b, bn, [&](const std::string& ct, const std::uint8_t* c, std::size_t cn) {
        if (ct == "payl") texts.push_back(subtitle_cue_text(SubtitleFormat::WebVtt, c, cn));
      });
    });
    if (!ok) ++skipped_;
  }
  for (std::string& text : texts) {
    if (text.empty() || !(s.end_s > s.start_s) || s.start_s < 0) {
      ++skipped_;
      continue;
    }
    cues_.push_back({s.track, {s.start_s, s.end_s, std::move(text)}, {}});
  }
}

}  // namespace wt
