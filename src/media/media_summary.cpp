#include "media/media_summary.hpp"

#include <algorithm>
#include <cstring>
#include <set>

#include "text/peer_text.hpp"
#include "transfer/flat_json.hpp"

namespace wt {
namespace {

const char* const kVideoFamilies[] = {"avc", "hevc", "av1", "vp8", "vp9", "mpeg4", "mpeg2", "prores"};
const char* const kAudioFamilies[] = {"aac", "mp3", "opus", "vorbis", "flac", "ac3",
                                      "eac3", "dts", "truehd", "pcm", "alac"};
const char* const kSubtitleFamilies[] = {"srt", "ass", "webvtt", "tx3g", "pgs", "vobsub", "dvb", "teletext"};

template <std::size_t N>
bool listed(const char* const (&list)[N], const std::string& s) {
  for (const char* x : list)
    if (s == x) return true;
  return false;
}

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
char lower(char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; }
char upper(char c) { return c >= 'a' && c <= 'z' ? char(c - 'a' + 'A') : c; }


bool codec_id_char(char c) {
  return is_alpha(c) || is_digit(c) || c == '.' || c == '_' || c == '/' || c == ':' || c == '+' || c == '-';
}

std::string sanitize_codec_id(const std::string& id) {
  std::string out;
  for (char c : id) {
    if (out.size() == kMaxCodecIdChars) break;
    if (codec_id_char(c)) out += c;
  }
  return out;
}

TrackKind known_kind(TrackKind k) {
  switch (k) {
    case TrackKind::Video: case TrackKind::Audio: case TrackKind::Subtitle: return k;
    default: return TrackKind::Other;
  }
}

char kind_letter(TrackKind k) {
  switch (known_kind(k)) {
    case TrackKind::Video: return 'V';
    case TrackKind::Audio: return 'A';
    case TrackKind::Subtitle: return 'S';
    default: return 'O';
  }
}

bool kind_of_letter(const std::string& s, TrackKind& k) {
  if (s == "V") k = TrackKind::Video;
  else if (s == "A") k = TrackKind::Audio;
  else if (s == "S") k = TrackKind::Subtitle;
  else if (s == "O") k = TrackKind::Other;
  else return false;
  return true;
}

ContainerFormat format_of_name(const std::string& s) {
  for (ContainerFormat f : {ContainerFormat::Mp4, ContainerFormat::WebM, ContainerFormat::Matroska,
                            ContainerFormat::Mov, ContainerFormat::MpegTs})
    if (s == container_format_name(f)) return f;
  return ContainerFormat::Unknown;
}

// 1 to 10 decimal digits (so that it fits 64 bits before the range check); false on anything else.
bool read_number(const std::string& s, std::uint64_t& v) {
  if (s.empty() || s.size() > 10) return false;
  v = 0;
  for (char c : s) {
    if (!is_digit(c)) return false;
    v = v * 10 + std::uint64_t(c - '0');
  }
  return true;
}

int hex_value(char c) {
  if (is_digit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_escaped(std::string& out, const std::string& title) {
  for (char c : title) {
    if (c == '%') out += "%25";
    else if (c == '|') out += "%7C";
    else if (c == ',') out += "%2C";
    else out += c;
  }
}

// %XX -> the byte; a '%' that starts no escape stays itself (the title is cleaned afterwards).
std::string unescape(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out += char(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  std::size_t from = 0;
  for (;;) {
    const std::size_t at = s.find(sep, from);
    if (at == std::string::npos) {
      parts.push_back(s.substr(from));
      return parts;
    }
    parts.push_back(s.substr(from, at - from));
    from = at + 1;
  }
}

void append_track(std::string& out, const MediaTrack& t) {
  out += '|';
  out += kind_letter(t.kind);
  out += ',' + std::to_string(t.id) + ',' + t.codec + ',' + t.language + ',' + (t.is_default ? '1' : '0');
  out += ',' + std::to_string(t.channels) + ',' + std::to_string(t.sample_rate);
  out += ',' + std::to_string(t.width) + ',' + std::to_string(t.height) + ',';
  append_escaped(out, t.name);
  out += ',' + t.codec_id;
}

std::string render(ContainerFormat format, const std::vector<MediaTrack>& tracks) {
  std::string out = std::string("v1|") + container_format_name(format);
  for (const MediaTrack& t : tracks) append_track(out, t);
  return out;
}

// Which track to give up first when the summary is too long: the recipient plans with video and
// audio; subtitles are only listed, and other tracks only counted.
int keep_rank(TrackKind k) {
  switch (known_kind(k)) {
    case TrackKind::Video: case TrackKind::Audio: return 0;
    case TrackKind::Subtitle: return 1;
    default: return 2;
  }
}

void drop_one(std::vector<MediaTrack>& tracks) {
  for (int rank = 2; rank >= 0; --rank)
    for (std::size_t i = tracks.size(); i-- > 0;)
      if (keep_rank(tracks[i].kind) == rank) {
        tracks.erase(tracks.begin() + std::ptrdiff_t(i));
        return;
      }
}

}  // namespace

bool is_codec_family(TrackKind kind, const std::string& codec) {
  switch (kind) {
    case TrackKind::Video: return listed(kVideoFamilies, codec);
    case TrackKind::Audio: return listed(kAudioFamilies, codec);
    case TrackKind::Subtitle: return listed(kSubtitleFamilies, codec);
    default: return false;
  }
}

std::string sanitize_track_title(const std::string& title, std::size_t max_chars) {
  std::vector<std::uint32_t> cps;
  for (std::uint32_t cp : decode_utf8(title))
    if (!invisible_or_control(cp)) cps.push_back(cp);
  std::size_t b = 0, e = cps.size();
  while (b < e && cps[b] == ' ') ++b;
  if (e - b > max_chars) e = b + max_chars;
  while (e > b && cps[e - 1] == ' ') --e;
  std::string out;
  for (std::size_t i = b; i < e; ++i) append_utf8(out, cps[i]);
  return out;
}

std::string sanitize_track_language(const std::string& language) {
  if (language.size() > 64) return "und";  // no tag is that long; do not walk a hostile one
  std::string tag = language;
  std::replace(tag.begin(), tag.end(), '_', '-');  // "pt_BR", as some muxers write it
  const std::vector<std::string> parts = split(tag, '-');
  const std::string& primary = parts[0];
  if (primary.size() < 2 || primary.size() > 3 || !std::all_of(primary.begin(), primary.end(), is_alpha)) return "und";
  std::string out;
  for (char c : primary) out += lower(c);
  // Subtags, in BCP-47's customary case (zh-Hans, pt-BR, es-419), up to the first that is not one.
  for (std::size_t i = 1; i < parts.size() && i <= 3; ++i) {
    const std::string& p = parts[i];
    const bool alnum = std::all_of(p.begin(), p.end(), [](char c) { return is_alpha(c) || is_digit(c); });
    if (p.empty() || p.size() > 8 || !alnum) break;
    if (out.size() + 1 + p.size() > kMaxTrackLanguageChars) break;
    const bool letters = std::all_of(p.begin(), p.end(), is_alpha);
    std::string sub;
    for (std::size_t k = 0; k < p.size(); ++k) {
      if (letters && p.size() == 4) sub += k == 0 ? upper(p[k]) : lower(p[k]);  // script
      else if (letters && p.size() == 2) sub += upper(p[k]);                      // region
      else sub += lower(p[k]);
    }
    out += '-' + sub;
  }
  return out;
}

MediaTrack normalize_media_track(const MediaTrack& track) {
  MediaTrack t = track;
  t.kind = known_kind(t.kind);
  if (!is_codec_family(t.kind, t.codec)) t.codec.clear();
  t.codec_id = sanitize_codec_id(t.codec_id);
  t.language = sanitize_track_language(t.language);
  t.name = sanitize_track_title(t.name);
  if (t.channels > kMaxTrackChannels) t.channels = 0;
  if (t.sample_rate > kMaxTrackSampleRate) t.sample_rate = 0;
  if (t.width > kMaxTrackDimension) t.width = 0;
  if (t.height > kMaxTrackDimension) t.height = 0;
  return t;
}

std::string encode_media_summary(ContainerFormat format, const std::vector<MediaTrack>& tracks) {
  if (format_of_name(container_format_name(format)) != format) format = ContainerFormat::Unknown;
  // Ids: 0 and repeats are what the reader refuses (the plan finds tracks by id).
  std::vector<MediaTrack> kept;
  std::set<std::uint32_t> ids;
  for (const MediaTrack& t : tracks)
    if (t.id != 0 && ids.insert(t.id).second) kept.push_back(normalize_media_track(t));
  while (kept.size() > kMaxSummaryTracks) drop_one(kept);

  std::string out = render(format, kept);
  if (out.size() <= kMaxMediaSummaryChars) return out;
  for (MediaTrack& t : kept) t.codec_id.clear();
  out = render(format, kept);
  const std::size_t kMinTitleChars = 16;
  for (std::size_t cap = kMaxTrackTitleChars - 1; out.size() > kMaxMediaSummaryChars && cap >= kMinTitleChars; --cap) {
    for (MediaTrack& t : kept) t.name = sanitize_track_title(t.name, cap);
    out = render(format, kept);
  }
  while (out.size() > kMaxMediaSummaryChars && !kept.empty()) {
    drop_one(kept);
    out = render(format, kept);
  }
  return out;  // with no track left, "v1|" and a format name: always short enough
}

bool parse_media_summary(const std::string& text, ContainerFormat& format, std::vector<MediaTrack>& tracks) {
  format = ContainerFormat::Unknown;
  tracks.clear();
  if (text.size() > kMaxMediaSummaryChars) return false;
  const std::vector<std::string> parts = split(text, '|');
  if (parts.size() < 2 || parts[0] != "v1") return false;
  std::vector<MediaTrack> out;
  std::set<std::uint32_t> ids;
  for (std::size_t i = 2; i < parts.size() && out.size() < kMaxSummaryTracks; ++i) {
    const std::vector<std::string> f = split(parts[i], ',');
    if (f.size() < 11) return false;
    MediaTrack t;
    std::uint64_t id, def, channels, rate, width, height;
    if (!kind_of_letter(f[0], t.kind) || !read_number(f[1], id) || !read_number(f[4], def) ||
        !read_number(f[5], channels) || !read_number(f[6], rate) || !read_number(f[7], width) ||
        !read_number(f[8], height))
      return false;
    if (id == 0 || id > 0xffffffffull || !ids.insert(std::uint32_t(id)).second || def > 1) return false;
    t.id = std::uint32_t(id);
    t.is_default = def == 1;
    // Out of range reads as unknown; read_number's 10 digits keep each value below 2^34.
    t.channels = channels <= kMaxTrackChannels ? std::uint32_t(channels) : 0;
    t.sample_rate = rate <= kMaxTrackSampleRate ? std::uint32_t(rate) : 0;
    t.width = width <= kMaxTrackDimension ? std::uint32_t(width) : 0;
    t.height = height <= kMaxTrackDimension ? std::uint32_t(height) : 0;
    t.codec = f[2];
    t.language = f[3];
    t.name = unescape(f[9]);
    t.codec_id = f[10];
    out.push_back(normalize_media_track(t));
  }
  format = format_of_name(parts[1]);
  tracks = std::move(out);
  return true;
}

}  // namespace wt
