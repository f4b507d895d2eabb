#include "subtitles/matroska_subtitles.hpp"

#include <algorithm>
#include <cmath>

#include "media/ebml.hpp"
#include "media/playback_support.hpp"  // track_name

namespace wt {
namespace {

using namespace ebml;

constexpr std::uint32_t kSimpleBlock = 0xA3, kBlockGroup = 0xA0, kBlock = 0xA1, kBlockDuration = 0x9B,
                        kFlagForced = 0x55AA, kDefaultDuration = 0x23E383, kContentEncodings = 0x6D80,
                        kContentEncoding = 0x6240, kContentCompression = 0x5034, kContentCompAlgo = 0x4254,
                        kContentCompSettings = 0x4255, kContentEncryption = 0x5035;
constexpr std::uint64_t kHeadBytes = 4096;           // the EBML header and the Segment's
constexpr std::uint64_t kMaxInfoBytes = 64u << 10;
constexpr std::uint64_t kMaxTracksBytes = 1u << 20;
constexpr std::uint64_t kElementHeader = 12;         // an ID (4) and a size (8)
constexpr double kNoDurationS = 5;                   // a cue with no duration and no next cue
constexpr double kMaxGapDurationS = 10;              // ... or one until its track's next cue, at most
constexpr std::size_t kMaxText = 256;

std::string text_of(const std::uint8_t* p, std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n && p[i] != 0 && s.size() < kMaxText; ++i)
    if (p[i] >= 0x20 && p[i] != 0x7f) s += char(p[i]);
  return s;
}

// Matroska's codec ids of subtitle tracks, by family.
std::string codec_of(const std::string& id) {
  if (id == "S_TEXT/UTF8" || id == "S_TEXT/ASCII") return "srt";
  if (id == "S_TEXT/ASS" || id == "S_TEXT/SSA" || id == "S_ASS" || id == "S_SSA") return "ass";
  if (id == "S_TEXT/WEBVTT" || id.rfind("D_WEBVTT", 0) == 0) return "webvtt";
  if (id == "S_HDMV/PGS") return "pgs";
  if (id == "S_VOBSUB") return "vobsub";
  if (id == "S_DVBSUB") return "dvb";
  return "";
}

SubtitleFormat format_of(const std::string& codec) {
  return codec == "ass" ? SubtitleFormat::Ass : codec == "webvtt" ? SubtitleFormat::WebVtt : SubtitleFormat::Srt;
}

// A level-1 element: ends a Cluster of unknown size.
bool top_level(std::uint32_t id) {
  switch (id) {
    case 0x1F43B675: case 0x1C53BB6B: case 0x1254C367: case 0x1941A469: case 0x1043A770: case 0x114D9B74:
    case 0x1549A966: case 0x1654AE6B: return true;
    default: return false;
  }
}

// A menu's words: language and title, or the track's place; "(forced)" for a track meant to show always.
std::string label_of(const EmbeddedSubtitleTrack& t, std::size_t position) {
  MediaTrack m;
  m.language = t.language;
  m.name = t.name;
  const std::string words = track_name(m, position);
  return t.forced ? words + " (forced)" : words;
}

}  // namespace

std::string embedded_cue_text(const std::string& codec, const std::uint8_t* data, std::size_t len) {
  std::string_view text(reinterpret_cast<const char*>(data), len);
  if (codec == "ass") {  // ReadOrder, Layer, Style, Name, MarginL, MarginR, MarginV, Effect, Text
    for (int field = 0; field < 8; ++field) {
      const std::size_t comma = text.find(',');
      if (comma == std::string_view::npos) return "";
      text.remove_prefix(comma + 1);
    }
  }
  return subtitle_cue_text(format_of(codec), reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
}

MatroskaSubtitles::MatroskaSubtitles(std::uint64_t file_size) : size_(file_size) {
  if (size_ == 0) {
    tracks_known_ = true;
    done_ = true;
    return;
  }
  want_ = {0, std::min(size_, kHeadBytes)};
}

std::vector<EmbeddedCue> MatroskaSubtitles::take_cues() {
  std::vector<EmbeddedCue> out;
  out.swap(cues_);
  return out;
}

const EmbeddedSubtitleTrack* MatroskaSubtitles::readable(std::uint32_t number) const {
  for (const auto& t : tracks_)
    if (t.number == number && t.unsupported.empty()) return &t;
  return nullptr;
}

void MatroskaSubtitles::fail(const std::string& text) {
  error_ = text;
  finish();
}

void MatroskaSubtitles::finish() {
  for (auto& [track, p] : pending_) {
    p.cue.end_s = p.cue.start_s + kNoDurationS;
    cues_.push_back(std::move(p));
  }
  pending_.clear();
  tracks_known_ = true;
  done_ = true;
  want_ = {};
}

bool MatroskaSubtitles::feed(std::uint64_t offset, const std::uint8_t* data, std::size_t len) {
  if (done_ || want_.length == 0 || offset > want_.offset || offset + len < want_.offset + want_.length) return false;
  while (!done_) {
    if (level_ != Level::Head && cursor_ >= segment_end_) {
      if (!resume_hole()) break;
      continue;
    }
    const std::uint64_t rel = cursor_ - offset;
    if (cursor_ < offset || rel >= len) {
      want_ = {cursor_, std::min(kElementHeader, size_ - cursor_)};
      break;
    }
    if (!step(data + rel, std::size_t(len - rel))) break;
  }
  return true;
}

bool MatroskaSubtitles::skip_to(std::uint64_t offset) {
  if (done_ || level_ == Level::Head || !tracks_known_ || offset <= cursor_ || offset >= segment_end_ ||
      offset >= no_cluster_from_ || holes_.size() >= kMaxHoles) {
    return false;
  }
  // Not into a stretch already read: from a place reading started again to the hole that ended it.
  // (A stretch counts from the skip that found it: the bytes between were scanned.)
  for (const auto& [stretch, start] : read_from_) {
    const std::uint64_t from = stretch;  // (a lambda cannot capture a structured binding in C++17)
    const auto hole = std::find_if(holes_.begin(), holes_.end(), [&](const Resume& h) { return h.at > from; });
    if (offset >= start && offset < (hole == holes_.end() ? segment_end_ : hole->at)) return false;
  }
  const Resume here{cursor_, level_, cluster_end_, cluster_ts_};
  holes_.insert(std::upper_bound(holes_.begin(), holes_.end(), here, [](const Resume& a, const Resume& b) { return a.at < b.at; }), here);
  cursor_ = offset;
  level_ = Level::Segment;
  scanning_ = true;
  skipped_to_ = offset;
  want_ = {cursor_, std::min(kElementHeader, size_ - cursor_)};
  return true;
}

std::uint64_t MatroskaSubtitles::first_hole() const { return holes_.empty() ? kNone : holes_.front().at; }

bool MatroskaSubtitles::back_to_hole() {
  if (done_ || holes_.empty() || scanning_) return false;
  // Where this stretch stopped is a place to come back to in its turn.
  const Resume here{cursor_, level_, cluster_end_, cluster_ts_};
  const Resume first = holes_.front();
  holes_.erase(holes_.begin());
  holes_.insert(std::upper_bound(holes_.begin(), holes_.end(), here, [](const Resume& a, const Resume& b) { return a.at < b.at; }), here);
  restore(first);
  want_ = {cursor_, std::min(kElementHeader, size_ - cursor_)};
  return true;
}

// The end of a stretch: back to the earliest hole left behind, or the read is done.
bool MatroskaSubtitles::resume_hole() {
  if (holes_.empty()) {
    finish();
    return false;
  }
  restore(holes_.front());
  holes_.erase(holes_.begin());
  return true;
}

// Past a stretch read before that began at `from`: to the hole that ended it, or to the end.
bool MatroskaSubtitles::after_stretch(std::uint64_t from) {
  const auto hole = std::find_if(holes_.begin(), holes_.end(), [&](const Resume& h) { return h.at > from; });
  if (hole == holes_.end()) {
    cursor_ = segment_end_;  // read from there to the end
    scanning_ = false;
    return true;
  }
  restore(*hole);
  holes_.erase(hole);
  return true;
}

void MatroskaSubtitles::restore(const Resume& h) {
  cursor_ = h.at;
  level_ = h.level;
  cluster_end_ = h.cluster_end;
  cluster_ts_ = h.cluster_ts;
  scanning_ = false;
  current_from_ = kNone;
}

// Where a Cluster starts in [d, d + n) (its ID, a size inside the Segment, its Timestamp first,
// after a CRC-32 when there is one, as ffmpeg and mkvmerge write them), or n.
std::size_t MatroskaSubtitles::find_cluster(const std::uint8_t* d, std::size_t n, std::uint64_t at) const {
  for (std::size_t i = 0; i + 4 <= n; ++i) {
    if (d[i] != 0x1F || d[i + 1] != 0x43 || d[i + 2] != 0xB6 || d[i + 3] != 0x75) continue;
    std::uint64_t size;
    int sl;
    if (!read_size(d + i + 4, n - i - 4, size, sl)) continue;
    std::size_t first = i + 4 + sl;
    if (first + 1 < n && d[first] == 0xBF && d[first + 1] == 0x84) first += 6;  // CRC-32
    if (first >= n || d[first] != kTimestamp) continue;
    if (size != kUnknownSize && size > segment_end_ - std::min(segment_end_, at + i + 4 + sl)) continue;
    return i;
  }
  return n;
}

// With n bytes at the cursor: reads what is there and moves on (true), or says what it needs (false).
bool MatroskaSubtitles::step(const std::uint8_t* d, std::size_t n) {
  const auto need = [&](std::uint64_t bytes) {
    want_ = {cursor_, std::min(bytes, size_ - cursor_)};
    return false;
  };
  if (level_ == Level::Head) {
    if (n < std::min(size_, kHeadBytes)) return need(kHeadBytes);
    return read_head(d, n);
  }
  if (scanning_) {  // after a skip: on to the next Cluster
    const std::size_t at = find_cluster(d, n, cursor_);
    if (at == n) {
      if (cursor_ + n >= segment_end_) {  // no Cluster from the skip to the end: nothing to skip to there
        no_cluster_from_ = std::min(no_cluster_from_, skipped_to_);
        cursor_ = segment_end_;
        return true;
      }
      if (n < 16) return need(16);
      cursor_ += n - 15;  // an ID cut at the end is found in the next bytes
      return true;
    }
    cursor_ += at;
    scanning_ = false;
    if (read_from_.erase(cursor_)) return after_stretch(cursor_);  // a stretch read before: on past it
    current_from_ = cursor_;
    read_from_[cursor_] = skipped_to_;
    return true;
  }
  const std::uint64_t end = level_ == Level::Cluster ? cluster_end_ : segment_end_;
  if (cursor_ >= end) {
    if (level_ == Level::Segment) return resume_hole();
    level_ = Level::Segment;
    return true;
  }
  std::uint32_t id;
  int il, sl;
  std::uint64_t size;
  if (!read_id(d, n, id, il) || !read_size(d + il, n - il, size, sl)) {
    if (n < kElementHeader && cursor_ + n < size_) return need(kElementHeader);
    fail("a malformed element at byte " + std::to_string(cursor_));
    return false;
  }
  const std::uint64_t hdr = std::uint64_t(il) + sl;
  if (level_ == Level::Segment && !read_from_.empty()) {
    // A stretch read before (after a skip) starts in this element: on past it, to the hole that ended it.
    const std::uint64_t total_end = size == kUnknownSize || size > segment_end_ - cursor_ - std::min(segment_end_ - cursor_, hdr)
                                        ? segment_end_ : cursor_ + hdr + size;
    auto from = read_from_.lower_bound(cursor_);
    if (from != read_from_.end() && from->first == current_from_) ++from;  // the stretch being read
    if (from != read_from_.end() && from->first < total_end) {
      const std::uint64_t r = from->first;
      read_from_.erase(from);
      return after_stretch(r);
    }
  }
  if (level_ == Level::Cluster && top_level(id)) {  // the end of a Cluster of unknown size
    level_ = Level::Segment;
    return true;
  }
  if (size != kUnknownSize && size > end - cursor_ - std::min(end - cursor_, hdr)) {
    fail("an element at byte " + std::to_string(cursor_) + " runs past the one around it");
    return false;
  }
  return level_ == Level::Segment ? step_segment(id, hdr, size, d, n) : step_cluster(id, hdr, size, d, n);
}

bool MatroskaSubtitles::read_head(const std::uint8_t* d, std::size_t n) {
  std::uint32_t id;
  int il, sl;
  std::uint64_t size;
  std::string doc_type;
  if (!read_id(d, n, id, il) || id != kEbmlHeader || !read_size(d + il, n - il, size, sl) || size == kUnknownSize ||
      size > n - il - sl) {
    finish();  // not Matroska: no subtitle tracks to read
    return false;
  }
  for_each_element(d + il + sl, std::size_t(size), [&](std::uint32_t cid, const std::uint8_t* c, std::size_t cn) {
    if (cid == kDocType) doc_type = text_of(c, cn);
  });
  if (doc_type != "webm" && doc_type != "matroska") {
    finish();
    return false;
  }
  const std::size_t seg = il + sl + std::size_t(size);
  std::uint32_t sid;
  int sil, ssl;
  std::uint64_t ssize;
  if (!read_id(d + seg, n - seg, sid, sil) || sid != kSegment || !read_size(d + seg + sil, n - seg - sil, ssize, ssl)) {
    fail("no Segment after the EBML header");
    return false;
  }
  cursor_ = seg + sil + ssl;
  segment_end_ = ssize == kUnknownSize || ssize > size_ - cursor_ ? size_ : cursor_ + ssize;
  level_ = Level::Segment;
  return true;
}

bool MatroskaSubtitles::step_segment(std::uint32_t id, std::uint64_t hdr, std::uint64_t size, const std::uint8_t* d,
                                     std::size_t n) {
  if (id == kCluster) {
    if (!tracks_known_) {  // the Tracks come before the clusters: a file without them has no subtitles
      finish();
      return false;
    }
    cluster_end_ = size == kUnknownSize ? segment_end_ : cursor_ + hdr + size;
    cluster_ts_ = 0;
    cursor_ += hdr;
    level_ = Level::Cluster;
    return true;
  }
  if (size == kUnknownSize) {
    fail("an element of unknown size at byte " + std::to_string(cursor_));
    return false;
  }
  const std::uint64_t total = hdr + size;
  if ((id == kInfo && total <= kMaxInfoBytes) || id == kTracks) {
    if (id == kTracks && total > kMaxTracksBytes) {
      fail("the Tracks element is too large");
      return false;
    }
    if (n < total) {
      want_ = {cursor_, total};
      return false;
    }
    if (id == kInfo) {
      for_each_element(d + hdr, std::size_t(size), [&](std::uint32_t cid, const std::uint8_t* c, std::size_t cn) {
        if (cid != kTimestampScale) return;
        const std::uint64_t ns = read_uint(c, cn);
        if (ns > 0 && ns <= 1000000000u) scale_s_ = double(ns) * 1e-9;
      });
    } else {
      read_tracks(d + hdr, std::size_t(size));
      if (tracks_.empty() || std::none_of(tracks_.begin(), tracks_.end(), [](const auto& t) { return t.unsupported.empty(); })) {
        finish();  // nothing to read in the clusters
        return false;
      }
    }
  }
  cursor_ += total;
  return true;
}

bool MatroskaSubtitles::step_cluster(std::uint32_t id, std::uint64_t hdr, std::uint64_t size, const std::uint8_t* d,
                                     std::size_t n) {
  if (size == kUnknownSize) {
    fail("an element of unknown size inside a Cluster at byte " + std::to_string(cursor_));
    return false;
  }
  const std::uint64_t total = hdr + size;
  const auto whole = [&]() {
    if (n >= total) return true;
    want_ = {cursor_, total};
    return false;
  };
  switch (id) {
    case kTimestamp:
      if (!whole()) return false;
      cluster_ts_ = read_uint(d + hdr, std::size_t(size));
      break;
    case kSimpleBlock: {
      // Its track number first: only a subtitle track's block is read whole.
      const std::uint64_t head = hdr + std::min<std::uint64_t>(size, 8);
      if (n < head) {
        want_ = {cursor_, head};
        return false;
      }
      std::uint64_t track;
      int tl;
      if (!read_size(d + hdr, std::size_t(head - hdr), track, tl) || !readable(std::uint32_t(track))) break;
      if (total > kMaxBlockBytes) {
        ++skipped_;
        break;
      }
      if (!whole()) return false;
      read_block(d + hdr, std::size_t(size), -1);
      break;
    }
    case kBlockGroup: {
      if (total > kMaxBlockBytes) break;  // a picture's (a subtitle's block is far smaller)
      if (!whole()) return false;
      const std::uint8_t* block = nullptr;
      std::size_t block_n = 0;
      std::int64_t duration = -1;
      for_each_element(d + hdr, std::size_t(size), [&](std::uint32_t cid, const std::uint8_t* c, std::size_t cn) {
        if (cid == kBlock) block = c, block_n = cn;
        if (cid == kBlockDuration) duration = std::int64_t(std::min<std::uint64_t>(read_uint(c, cn), 1ull << 40));
      });
      if (block) read_block(block, block_n, duration);
      break;
    }
    default: break;
  }
  cursor_ += total;
  return true;
}

void MatroskaSubtitles::read_tracks(const std::uint8_t* d, std::size_t n) {
  for_each_element(d, n, [&](std::uint32_t id, const std::uint8_t* b, std::size_t bn) {
    if (id != kTrackEntry || tracks_.size() >= 64) return;
    EmbeddedSubtitleTrack t;
    std::uint64_t type = 0, number = 0, default_ns = 0;
    std::string language = "eng", bcp47, strip;
    bool compressed = false, encrypted = false;
    std::uint64_t algo = 0;
    t.is_default = true;  // FlagDefault's default
    for_each_element(b, bn, [&](std::uint32_t cid, const std::uint8_t* c, std::size_t cn) {
      switch (cid) {
        case kTrackNumber: number = read_uint(c, cn); break;
        case kTrackType: type = read_uint(c, cn); break;
        case kCodecId: t.codec_id = text_of(c, cn); break;
        case kLanguage: language = text_of(c, cn); break;
        case kLanguageBcp47: bcp47 = text_of(c, cn); break;
        case kName: t.name = text_of(c, cn); break;
        case kFlagDefault: t.is_default = read_uint(c, cn) != 0; break;
        case kFlagForced: t.forced = read_uint(c, cn) != 0; break;
        case kDefaultDuration: default_ns = read_uint(c, cn); break;
        case kContentEncodings:
          for_each_element(c, cn, [&](std::uint32_t eid, const std::uint8_t* e, std::size_t en) {
            if (eid != kContentEncoding) return;
            for_each_element(e, en, [&](std::uint32_t fid, const std::uint8_t* f, std::size_t fn) {
              if (fid == kContentEncryption) encrypted = true;
              if (fid != kContentCompression) return;
              compressed = true;
              for_each_element(f, fn, [&](std::uint32_t gid, const std::uint8_t* g, std::size_t gn) {
                if (gid == kContentCompAlgo) algo = read_uint(g, gn);
                if (gid == kContentCompSettings) strip.assign(reinterpret_cast<const char*>(g), std::min<std::size_t>(gn, 256));
              });
            });
          });
          break;
        default: break;
      }
    });
    if (type != 0x11 || number == 0 || number > 0xffffffffu) return;
    t.number = std::uint32_t(number);
    t.language = !bcp47.empty() ? bcp47 : !language.empty() ? language : "und";
    t.codec = codec_of(t.codec_id);
    if (t.codec == "pgs" || t.codec == "vobsub" || t.codec == "dvb") {
      t.unsupported = std::string("picture subtitles (") + (t.codec == "pgs" ? "PGS" : t.codec == "vobsub" ? "VobSub" : "DVB") +
                      ") are not supported, only text ones";
    } else if (t.codec.empty()) {
      t.unsupported = "subtitles in " + (t.codec_id.empty() ? std::string("an unnamed format") : t.codec_id) + " are not supported";
    } else if (encrypted) {
      t.unsupported = "the track is encrypted";
    } else if (compressed && algo != 3 && algo != 0) {
      t.unsupported = "the track is compressed with bzlib or lzo, which is not supported: remux it with "
                      "mkvmerge --compression 0:none";
    }
    t.zlib = compressed && algo == 0;
    t.label = label_of(t, tracks_.size() + 1);
    if (compressed && algo == 3) strip_[t.number] = strip;
    if (default_ns && scale_s_ > 0) default_dur_[t.number] = std::int64_t(double(default_ns) * 1e-9 / scale_s_);
    tracks_.push_back(std::move(t));
  });
  tracks_known_ = true;
}

void MatroskaSubtitles::read_block(const std::uint8_t* d, std::size_t n, std::int64_t duration) {
  std::uint64_t number;
  int tl;
  if (!read_size(d, n, number, tl) || n < std::size_t(tl) + 3) {
    ++skipped_;
    return;
  }
  const EmbeddedSubtitleTrack* track = readable(std::uint32_t(number));
  if (!track || number > 0xffffffffu) return;
  const auto rel = std::int16_t(std::uint16_t(d[tl] << 8 | d[tl + 1]));
  const std::uint8_t flags = d[tl + 2];
  if (flags & 0x06) {  // laced: several frames in one block, never a subtitle's
    ++skipped_;
    return;
  }
  std::string payload;
  if (auto s = strip_.find(track->number); s != strip_.end()) payload = s->second;
  payload.append(reinterpret_cast<const char*>(d + tl + 3), n - tl - 3);
  const std::int64_t ticks = std::int64_t(cluster_ts_ & ((1ull << 62) - 1)) + rel;
  const double start = std::max(0.0, double(ticks) * scale_s_);
  if (duration < 0) {
    if (auto dd = default_dur_.find(track->number); dd != default_dur_.end()) duration = dd->second;
  }
  const double end = duration >= 0 ? start + double(duration) * scale_s_ : NAN;
  if (track->zlib) {
    add(track->number, start, end, "", std::move(payload));
    return;
  }
  add(track->number, start, end,
      embedded_cue_text(track->codec, reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()));
}

// A cue with end NaN waits for its track's next cue (or the end of the read). A compressed one's
// text is the glue's to read (an empty one is counted there).
void MatroskaSubtitles::add(std::uint32_t track, double start, double end, std::string text, std::string compressed) {
  if (auto p = pending_.find(track); p != pending_.end()) {
    SubtitleCue& c = p->second.cue;
    c.end_s = start > c.start_s ? std::min(start, c.start_s + kMaxGapDurationS) : c.start_s + kNoDurationS;
    cues_.push_back(std::move(p->second));
    pending_.erase(p);
  }
  if ((text.empty() && compressed.empty()) || !std::isfinite(start) || (std::isfinite(end) && !(end > start)) ||
      total_cues_ >= kMaxCues) {
    ++skipped_;
    return;
  }
  ++total_cues_;
  EmbeddedCue cue{track, {start, end, std::move(text)}, std::move(compressed)};
  if (std::isfinite(end)) cues_.push_back(std::move(cue));
  else pending_[track] = std::move(cue);
}

}  // namespace wt
