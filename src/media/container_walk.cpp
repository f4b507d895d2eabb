#include "media/container_walk.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>

#include "media/ebml.hpp"
#include "media/iso_bmff.hpp"
#include "media/mp4_sample_table.hpp"

namespace wt {
namespace {

using namespace bmff;

constexpr std::uint64_t kMaxIndexBytes = 64u << 20;  // a moov larger than this is refused
constexpr std::uint64_t kMaxHeadBytes = 64u << 10;   // SeekHead, Info, EBML header
constexpr std::uint64_t kMaxTracksBytes = 1u << 20;  // Tracks (codec headers: ASS styles, ...)
constexpr std::size_t kMaxText = 128;                // a track's name, codec id or language
// MP4/MOV sample-table points: a point at least every half second, as mp4-segmenter.js makes them;
// sync samples closer than a quarter second (all-intra video, audio) are not each a point.
constexpr double kPointSpacingS = 0.5;
constexpr double kMinSyncSpacingS = 0.25;
// MPEG-TS: the head is read in pieces of about 64 KiB up to about 1 MiB, the tail is about 256 KiB;
// a TS point is estimated every second.
constexpr std::uint64_t kTsChunk = 64u << 10, kTsHeadMax = 1u << 20, kTsTail = 256u << 10;
constexpr double kTsPointSpacingS = 1;

bool known_top_box(const std::string& t) {
  static const char* kTypes[] = {"ftyp", "styp", "moov", "mdat", "free", "skip", "wide", "pdin",
                                 "sidx", "moof", "uuid", "meta", "mfra", "pnot"};
  for (const char* k : kTypes)
    if (t == k) return true;
  return false;
}


using ebml::kUnknownSize;
using ebml::kEbmlHeader, ebml::kSegment, ebml::kInfo, ebml::kTimestampScale, ebml::kTracks, ebml::kCluster,
    ebml::kTimestamp, ebml::kTrackEntry, ebml::kTrackType, ebml::kCodecId, ebml::kDocType, ebml::kTrackNumber,
    ebml::kLanguage, ebml::kLanguageBcp47, ebml::kName, ebml::kFlagDefault;
constexpr std::uint32_t kSeekHead = 0x114D9B74, kSeek = 0x4DBB, kSeekId = 0x53AB, kSeekPosition = 0x53AC,
                        kDuration = 0x4489, kCues = 0x1C53BB6B, kCuePoint = 0xBB, kCueTime = 0xB3,
                        kCueTrackPositions = 0xB7, kCueClusterPosition = 0xF1, kAudio = 0xE1, kChannels = 0x9F,
                        kSamplingFrequency = 0xB5, kVideo = 0xE0, kPixelWidth = 0xB0, kPixelHeight = 0xBA;

const char* webm_name(std::uint32_t id) {
  switch (id) {
    case kSeekHead: return "SeekHead";
    case kInfo: return "Info";
    case kTracks: return "Tracks";
    case kCues: return "Cues";
    case kCluster: return "Cluster";
    case 0xEC: return "Void";
    case 0x1254C367: return "Tags";
    case 0x1941A469: return "Attachments";
    case 0x1043A770: return "Chapters";
    default: return "Element";
  }
}


// A string from the file, for people and for the glue: up to the first NUL, control bytes dropped,
// at most kMaxText bytes (cut between UTF-8 characters). ascii: codec ids and language codes.
std::string clean_text(const std::uint8_t* p, std::size_t n, bool ascii = false) {
  std::string s;
  for (std::size_t i = 0; i < n && p[i] != 0; ++i) {
    const std::uint8_t c = p[i];
    if (c < 0x20 || c == 0x7f || (ascii && c > 0x7e)) continue;
    if (s.size() == kMaxText) {
      while (!s.empty() && (static_cast<unsigned char>(s.back()) & 0xc0) == 0x80) s.pop_back();
      if (!s.empty() && static_cast<unsigned char>(s.back()) >= 0xc0) s.pop_back();  // a lead byte cut off
      break;
    }
    s += char(c);
  }
  return s;
}

bool is_one_of(const std::string& s, std::initializer_list<const char*> list) {
  for (const char* k : list)
    if (s == k) return true;
  return false;
}
bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

// ---- MP4 / MOV tracks ----

constexpr std::uint32_t kAc3Channels[] = {2, 1, 2, 3, 3, 4, 4, 5};  // by acmod, before the LFE

// mdhd's language: ISO 639-2 packed in 3 x 5 bits, or (below 0x400) a Macintosh language code.
std::string mp4_language(std::uint16_t code) {
  static const char* kMac[] = {"eng", "fra", "ger", "ita", "dut", "swe", "spa", "dan", "por", "nor", "heb", "jpn",
                               "ara", "fin", "gre", "ice", "mlt", "tur", "hrv", "chi", "urd", "hin", "tha", "kor",
                               "lit", "pol", "hun", "est", "lav", "smi", "fao", "per", "rus", "chi"};
  if (code < 0x400) return code < sizeof(kMac) / sizeof(kMac[0]) ? kMac[code] : "und";
  if (code == 0x7fff) return "und";
  std::string s;
  for (int shift = 10; shift >= 0; shift -= 5) {
    const char c = char(((code >> shift) & 0x1f) + 0x60);
    if (c < 'a' || c > 'z') return "und";
    s += c;
  }
  return s;
}

// An MPEG-4 descriptor's tag and length (1 to 4 bytes of 7 bits); the length is cut to what is there.
bool mp4_descriptor(const std::uint8_t*& p, const std::uint8_t* end, std::uint8_t& tag, std::size_t& len) {
  if (p >= end) return false;
  tag = *p++;
  len = 0;
  for (int i = 0; i < 4; ++i) {
    if (p >= end) return false;
    const std::uint8_t b = *p++;
    len = len << 7 | (b & 0x7f);
    if (!(b & 0x80)) break;
  }
  len = std::min<std::size_t>(len, std::size_t(end - p));
  return true;
}

// esds: the DecoderConfigDescriptor's objectTypeIndication (what mp4a or mp4v really holds; 0 if
// none) and, for AAC, the AudioSpecificConfig's channel configuration (an MP4 sample entry says 2
// whatever it holds; 0 if unknown).
struct EsdsInfo {
  std::uint8_t object_type = 0;
  std::uint32_t channels = 0;
};
EsdsInfo read_esds(const std::uint8_t* b, std::size_t n) {
  EsdsInfo info;
  if (n < 4) return info;
  const std::uint8_t* p = b + 4;  // version, flags
  const std::uint8_t* end = b + n;
  std::uint8_t tag;
  std::size_t len;
  if (!mp4_descriptor(p, end, tag, len)) return info;
  if (tag == 0x03) {  // ES_Descriptor: ES_ID, flags, optional fields, then its descriptors
    const std::uint8_t* es_end = p + len;
    if (len < 3) return info;
    const std::uint8_t flags = p[2];
    p += 3;
    if ((flags & 0x80) && p < es_end) p += std::min<std::ptrdiff_t>(2, es_end - p);
    if ((flags & 0x40) && p < es_end) p += std::min<std::ptrdiff_t>(1 + *p, es_end - p);
    if ((flags & 0x20) && p < es_end) p += std::min<std::ptrdiff_t>(2, es_end - p);
    end = es_end;
    if (!mp4_descriptor(p, end, tag, len)) return info;
  }
  if (tag != 0x04 || len < 1) return info;
  info.object_type = p[0];
  // DecoderConfigDescriptor: 13 bytes of fields, then DecoderSpecificInfo (tag 5).
  const std::uint8_t* config_end = p + len;
  if (len < 13) return info;
  p += 13;
  if (!mp4_descriptor(p, config_end, tag, len) || tag != 0x05 || len < 2) return info;
  // AudioSpecificConfig: object type (5 bits, 31: 6 more), frequency index (4, 15: 24 more), channels (4).
  std::size_t bit = 0;
  const auto bits = [&](std::size_t count) {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < count; ++i, ++bit)
      v = (v << 1) | (bit / 8 < len ? (p[bit / 8] >> (7 - bit % 8)) & 1 : 0);
    return v;
  };
  if (bits(5) == 31) bits(6);
  if (bits(4) == 15) bits(24);
  const std::uint32_t config = bits(4);
  if (bit <= len * 8 && config >= 1 && config <= 7) info.channels = config == 7 ? 8 : config;
  return info;
}

const char* mp4_codec(const std::string& fourcc, std::uint8_t object_type) {
  if (is_one_of(fourcc, {"avc1", "avc3"})) return "avc";
  if (is_one_of(fourcc, {"hvc1", "hev1"})) return "hevc";
  if (fourcc == "av01") return "av1";
  if (fourcc == "vp08") return "vp8";
  if (fourcc == "vp09") return "vp9";
  if (is_one_of(fourcc, {"apch", "apcn", "apcs", "apco", "ap4h", "ap4x"})) return "prores";
  if (fourcc == "mp4v") {
    if (object_type == 0x20) return "mpeg4";
    if ((object_type >= 0x60 && object_type <= 0x65) || object_type == 0x6a) return "mpeg2";
    return object_type ? "" : "mpeg4";
  }
  if (fourcc == "mp4a") {
    if (object_type == 0x40 || object_type == 0x66 || object_type == 0x67 || object_type == 0x68) return "aac";
    if (object_type == 0x69 || object_type == 0x6b) return "mp3";
    return "";
  }
  if (is_one_of(fourcc, {".mp3", "mp3 "})) return "mp3";
  if (fourcc == "ac-3") return "ac3";
  if (fourcc == "ec-3") return "eac3";
  if (fourcc == "Opus") return "opus";
  if (fourcc == "fLaC") return "flac";
  if (fourcc == "alac") return "alac";
  if (is_one_of(fourcc, {"dtsc", "dtsh", "dtsl", "dtse"})) return "dts";
  if (fourcc == "mlpa") return "truehd";
  if (is_one_of(fourcc, {"lpcm", "sowt", "twos", "in24", "in32", "fl32", "fl64", "raw ", "ipcm", "fpcm"})) return "pcm";
  if (fourcc == "tx3g") return "tx3g";
  if (fourcc == "wvtt") return "webvtt";
  return "";
}

// An audio sample entry's own fields (ISO, QuickTime v0/v1/v2), and its channels from dac3/dec3
// (AC-3 entries say 2 whatever they hold). Returns where its child boxes start.
std::size_t read_audio_entry(MediaTrack& t, const std::uint8_t* e, std::size_t n) {
  if (n < 28) return n;
  const std::uint16_t version = be16(e + 8);
  t.channels = be16(e + 16);
  t.sample_rate = be32(e + 24) >> 16;
  if (version == 1) return std::min<std::size_t>(44, n);
  if (version == 2 && n >= 64) {
    std::uint64_t bits = be64(e + 32);
    double rate;
    std::memcpy(&rate, &bits, 8);
    t.sample_rate = std::isfinite(rate) && rate > 0 && rate < 1e7 ? std::uint32_t(rate) : 0;
    t.channels = be32(e + 40);
    return 64;
  }
  return 28;
}

void read_sample_entry(MediaTrack& t, const std::string& type, const std::uint8_t* e, std::size_t n) {
  t.codec_id = clean_text(reinterpret_cast<const std::uint8_t*>(type.data()), type.size(), true);
  std::size_t children = n;
  if (t.kind == TrackKind::Video && n >= 28) {
    t.width = be16(e + 24);
    t.height = be16(e + 26);
    children = std::min<std::size_t>(78, n);
  } else if (t.kind == TrackKind::Audio) {
    children = read_audio_entry(t, e, n);
  }
  std::uint8_t object_type = 0;
  const auto child = [&](const std::string& c, const std::uint8_t* b, std::size_t bn) {
    if (c == "esds") {
      const EsdsInfo esds = read_esds(b, bn);
      object_type = esds.object_type;
      if (esds.channels && t.kind == TrackKind::Audio) t.channels = esds.channels;
    }
    if (c == "dac3" && bn >= 2) t.channels = kAc3Channels[(b[1] >> 3) & 7] + ((b[1] >> 2) & 1);
    if (c == "dec3" && bn >= 4) t.channels = kAc3Channels[(b[3] >> 1) & 7] + (b[3] & 1);  // the first substream
  };
  for_each_box(e + children, n - children, [&](const std::string& c, const std::uint8_t* b, std::size_t bn) {
    child(c, b, bn);
    if (c == "wave") for_each_box(b, bn, child);  // QuickTime keeps the esds in a 'wave'
  });
  if (t.channels > 64) t.channels = 0;  // nonsense: unknown
  t.codec = mp4_codec(type, object_type);
}

// ---- Matroska / WebM tracks ----

const char* matroska_codec(const std::string& id) {
  static const struct { const char* id; bool prefix; const char* family; } kCodecs[] = {
      {"V_MPEG4/ISO/AVC", false, "avc"}, {"V_MPEGH/ISO/HEVC", false, "hevc"}, {"V_AV1", false, "av1"},
      {"V_VP8", false, "vp8"},          {"V_VP9", false, "vp9"},            {"V_MPEG4/ISO/", true, "mpeg4"},
      {"V_MPEG2", false, "mpeg2"},      {"V_MPEG1", false, "mpeg2"},        {"A_AAC", true, "aac"},
      {"A_MPEG/L3", false, "mp3"},      {"A_OPUS", false, "opus"},          {"A_VORBIS", false, "vorbis"},
      {"A_FLAC", false, "flac"},        {"A_AC3", true, "ac3"},             {"A_EAC3", false, "eac3"},
      {"A_DTS", true, "dts"},           {"A_TRUEHD", false, "truehd"},      {"A_PCM/", true, "pcm"},
      {"A_ALAC", false, "alac"},        {"S_TEXT/UTF8", false, "srt"},      {"S_TEXT/ASS", false, "ass"},
      {"S_TEXT/SSA", false, "ass"},     {"S_ASS", false, "ass"},            {"S_SSA", false, "ass"},
      {"S_TEXT/WEBVTT", false, "webvtt"}, {"S_HDMV/PGS", false, "pgs"},     {"S_VOBSUB", false, "vobsub"},
      {"S_DVBSUB", false, "dvb"}};
  for (const auto& c : kCodecs)
    if (c.prefix ? starts_with(id, c.id) : id == c.id) return c.family;
  return "";
}

}  // namespace

const char* container_format_name(ContainerFormat f) {
  switch (f) {
    case ContainerFormat::Mp4: return "mp4";
    case ContainerFormat::WebM: return "webm";
    case ContainerFormat::Matroska: return "matroska";
    case ContainerFormat::Mov: return "mov";
    case ContainerFormat::MpegTs: return "mpegts";
    default: return "unknown";
  }
}

ContainerWalk::ContainerWalk(std::uint64_t file_size) : size_(file_size) {
  if (size_ == 0) {
    done_ = true;
    error_ = "the file is empty";
    return;
  }
  want(0, 64);
}

void ContainerWalk::want(std::uint64_t offset, std::uint64_t len) {
  if (offset >= size_) {
    want_ = {};
    done_ = true;
    return;
  }
  want_ = {offset, std::min(len, size_ - offset)};
}

void ContainerWalk::fail(const std::string& text) {
  if (error_.empty()) error_ = text;
  done_ = true;
  want_ = {};
}

ByteRange ContainerWalk::wanted() const { return done_ ? ByteRange{} : want_; }

bool ContainerWalk::feed(std::uint64_t offset, const std::uint8_t* data, std::size_t len) {
  if (done_ || offset > want_.offset || offset + len < want_.offset + want_.length) return false;
  // Each step consumes what it needs and asks for the next range; go on while the bytes given
  // already hold it (many small boxes or elements in one piece).
  for (int steps = 0; !done_ && steps < 100000; ++steps) {
    const ByteRange w = want_;
    if (w.offset < offset || w.offset + w.length > offset + len) break;
    const std::uint8_t* d = data + (w.offset - offset);
    const std::size_t n = std::size_t(offset + len - w.offset);
    if (format_ == ContainerFormat::Unknown) {
      detect(d, n);
      if (format_ == ContainerFormat::MpegTs) continue;  // it now wants the head's first range
      if (format_ == ContainerFormat::Unknown) {
        if (want_ == w || done_) break;
        continue;  // it wants more of the first bytes to tell
      }
    }
    if (is_iso_bmff(format_)) step_mp4(w.offset, d, n);
    else if (format_ == ContainerFormat::MpegTs) step_ts(w.offset, d, n);
    else step_webm(w.offset, d, n);
    if (want_ == w && !done_) break;  // needs more than it was given
  }
  return true;
}

// The format from the first bytes (d: n bytes from the start). While it cannot tell, it wants more;
// a format it does not know ends the walk.
void ContainerWalk::detect(const std::uint8_t* d, std::size_t n) {
  if (n >= 4 && be32(d) == kEbmlHeader) {
    format_ = ContainerFormat::Matroska;  // the DocType's default; "webm" says WebM (read_webm_head)
    return;
  }
  if (n >= 8 && known_top_box(fourcc(d + 4))) {
    const std::string first = fourcc(d + 4);
    // QuickTime: its own brand, or no ftyp at all (older files start with their boxes).
    const bool qt = first == "ftyp" ? n >= 12 && fourcc(d + 8) == "qt  "
                                    : is_one_of(first, {"moov", "mdat", "wide", "free", "skip", "pnot"});
    format_ = qt ? ContainerFormat::Mov : ContainerFormat::Mp4;
    return;
  }
  if ((n >= 1 && d[0] == 0x47) || (n >= 5 && d[4] == 0x47)) {
    // Transport packets: three sync bytes, 188 or 192 bytes apart.
    const std::uint64_t need = std::min<std::uint64_t>(size_, 2 * 192 + 4 + 1);
    if (n < need) return want(0, need);
    const std::uint32_t packet = TsScan::detect(d, n);
    if (packet) {
      format_ = ContainerFormat::MpegTs;
      ts_ = TsScan(packet);
      // The tail (the last clock, for the duration) is the index: fetched early, read last.
      const std::uint64_t whole = size_ / packet * packet;
      const std::uint64_t tail = whole > kTsTail ? (whole - kTsTail + packet - 1) / packet * packet : 0;
      index_ = {tail, whole - tail};
      index_at_end_ = true;
      return want(0, std::min<std::uint64_t>(kTsChunk / packet * packet, whole));
    }
  }
  fail("its first bytes are not those of an MP4, MOV, WebM, Matroska or MPEG-TS file");
}

// ---- MP4 ----

void ContainerWalk::step_mp4(std::uint64_t offset, const std::uint8_t* d, std::size_t n) {
  std::uint64_t size;
  std::uint32_t hdr;
  std::string type;
  if (n < 8) {
    if (offset + n >= size_) return fail(std::to_string(n) + " stray bytes after the last box");
    return want(offset, 16);
  }
  if (!box_header(d, n, size_ - offset, size, hdr, type)) {
    // A 64-bit size needs 16 bytes; when the file ends before them, asking again would never end.
    if (n < 16 && be32(d) == 1 && offset + n < size_) return want(offset, 16);
    return fail("box '" + fourcc(d + 4) + "' at byte " + std::to_string(offset) +
                " claims a size past the end of the file or smaller than its header");
  }
  const bool read_whole = (type == "moov" && !index_read_) || type == "moof";
  if (read_whole && size > kMaxIndexBytes)
    return fail("box '" + type + "' is too large (" + std::to_string(size) + " bytes)");
  if (read_whole && n < size) {
    if (type == "moov") {
      index_ = {offset, size};
      index_at_end_ = mdat_seen_;
    }
    return want(offset, size);  // the whole box, then come back here
  }
  if (type != "moof") record_box(type, offset, size);  // fragments are points, not boxes
  if (type == "moov" && !index_read_) {  // a second moov is a box like any other: not read
    index_ = {offset, size};
    index_at_end_ = mdat_seen_;
    read_moov(d + hdr, std::size_t(size - hdr));
    index_read_ = true;
  } else if (type == "mdat") {
    mdat_seen_ = true;
    if (media_start_ == 0) media_start_ = offset + hdr;
  } else if (type == "moof") {
    fragmented_ = true;
    if (media_start_ == 0) media_start_ = offset;
    read_moof(offset, d + hdr, std::size_t(size - hdr));
  }
  want(offset + size, 16);
}

void ContainerWalk::read_moov(const std::uint8_t* d, std::size_t n) {
  struct Trak {
    MediaTrack track;
    SampleTable table;
  };
  std::vector<Trak> traks;
  const bool ok = for_each_box(d, n, [&](const std::string& type, const std::uint8_t* b, std::size_t bn) {
    if (type == "mvhd" && bn >= 4) {
      const bool v1 = b[0] == 1;
      if (v1 && bn >= 32) {
        const std::uint32_t scale = be32(b + 20);
        if (scale) duration_s_ = double(be64(b + 24)) / scale;
      } else if (!v1 && bn >= 20) {
        const std::uint32_t scale = be32(b + 12);
        const std::uint32_t dur = be32(b + 16);
        if (scale && dur != 0xffffffffu) duration_s_ = double(dur) / scale;
      }
    } else if (type == "mvex") {
      fragmented_ = true;
    } else if (type == "trak" && traks.size() < kMaxTracks) {
      Trak t;
      std::string handler, entry_type;
      const std::uint8_t* entry = nullptr;
      std::size_t entry_n = 0;
      for_each_box(b, bn, [&](const std::string& tt, const std::uint8_t* c, std::size_t cn) {
        if (tt == "tkhd" && cn >= 24) {
          t.track.id = be32(c + (c[0] == 1 ? 20 : 12));
          t.track.is_default = c[3] & 1;  // track_enabled
        } else if (tt == "udta") {
          for_each_box(c, cn, [&](const std::string& ut, const std::uint8_t* u, std::size_t un) {
            if (ut == "name") t.track.name = clean_text(u, un);
          });
        } else if (tt == "mdia") {
          for_each_box(c, cn, [&](const std::string& mt, const std::uint8_t* m, std::size_t mn) {
            if (mt == "mdhd" && mn >= 24) {
              const bool v1 = m[0] == 1;
              t.table.timescale = be32(m + (v1 ? 20 : 12));
              const std::size_t lang = v1 ? 32 : 20;
              if (mn >= lang + 2) t.track.language = mp4_language(be16(m + lang));
            } else if (mt == "hdlr" && mn >= 12) {
              handler = fourcc(m + 8);
            } else if (mt == "minf") {
              for_each_box(m, mn, [&](const std::string& it, const std::uint8_t* x, std::size_t xn) {
                if (it != "stbl") return;
                for_each_box(x, xn, [&](const std::string& st, const std::uint8_t* y, std::size_t yn) {
                  if (st == "stsd" && yn >= 16 && be32(y + 4) >= 1) {  // the first sample entry
                    std::uint64_t size;
                    std::uint32_t hdr;
                    if (box_header(y + 8, yn - 8, yn - 8, size, hdr, entry_type)) {
                      entry = y + 8 + hdr;
                      entry_n = std::size_t(size - hdr);
                    }
                  } else {
                    t.table.set(st, y, yn);
                  }
                });
              });
            }
          });
        }
      });
      if (handler == "vide") t.track.kind = TrackKind::Video;
      else if (handler == "soun") t.track.kind = TrackKind::Audio;
      else if (is_one_of(handler, {"sbtl", "text", "subt"})) t.track.kind = TrackKind::Subtitle;
      if (t.track.language.empty()) t.track.language = "und";
      if (entry) read_sample_entry(t.track, entry_type, entry, entry_n);
      if (t.track.kind == TrackKind::Subtitle && is_text_subtitle_mp4(t.track) && t.table.usable()) {
        sample_table_samples(t.table, kMaxTextSamples - std::min(kMaxTextSamples, text_samples_.size()),
                             [&](double start, double duration, std::uint64_t offset, std::uint32_t size) {
                               if (size == 0 || offset >= size_ || size > size_ - offset || size > kMaxTextSampleBytes) return;
                               text_samples_.push_back({t.track.id, start, start + duration, offset, size});
                             });
      }
      if (t.track.id && t.table.timescale) timescales_[t.track.id] = t.table.timescale;
      traks.push_back(std::move(t));
    }
  });
  if (!ok) error_ = "the moov box is malformed";
  std::stable_sort(text_samples_.begin(), text_samples_.end(), [](const TextSample& a, const TextSample& b) { return a.offset < b.offset; });
  std::vector<MediaTrack> tracks;
  for (const Trak& t : traks) tracks.push_back(t.track);
  set_tracks(std::move(tracks));
  if (fragmented_) return;  // the fragments index it, as the walk passes them
  // The main track: the first video track, else the first audio track; the other audio and video
  // tracks may store a moment's data before it.
  const Trak* main = nullptr;
  for (const TrackKind kind : {TrackKind::Video, TrackKind::Audio}) {
    for (const Trak& t : traks)
      if (!main && t.track.kind == kind && t.table.usable()) main = &t;
  }
  points_complete_ = true;  // whatever the tables give, nothing more will come
  if (!main) return;
  std::vector<SampleTable> others;
  for (const Trak& t : traks)
    if (&t != main && (t.track.kind == TrackKind::Video || t.track.kind == TrackKind::Audio)) others.push_back(t.table);
  sample_table_points(main->table, others.data(), others.size(), kPointSpacingS, kMinSyncSpacingS, kMaxPoints,
                      [&](double time_s, std::uint64_t offset, bool keyframe) {
                        if (offset < size_) add_table_point(time_s, offset, keyframe);
                      });
}

void ContainerWalk::read_moof(std::uint64_t offset, const std::uint8_t* d, std::size_t n) {
  bool found = false;
  for_each_box(d, n, [&](const std::string& type, const std::uint8_t* b, std::size_t bn) {
    if (type != "traf" || found) return;
    std::uint32_t track = 0;
    std::uint64_t decode_time = 0;
    bool has_time = false;
    for_each_box(b, bn, [&](const std::string& t, const std::uint8_t* c, std::size_t cn) {
      if (t == "tfhd" && cn >= 8) track = be32(c + 4);
      if (t == "tfdt" && cn >= 8) {
        if (c[0] == 1 && cn >= 12) decode_time = be64(c + 4);
        else decode_time = be32(c + 4);
        has_time = true;
      }
    });
    const auto it = timescales_.find(track);
    if (has_time && it != timescales_.end()) {
      add_point(double(decode_time) / it->second, offset);
      found = true;
    }
  });
}

// ---- WebM ----

void ContainerWalk::step_webm(std::uint64_t offset, const std::uint8_t* d, std::size_t n) {
  if (stage_ == WebmStage::Head) return read_webm_head(d, n);
  std::uint32_t id;
  int il, sl;
  std::uint64_t size;
  if (!ebml::read_id(d, n, id, il) || !ebml::read_size(d + il, n - il, size, sl)) {
    if (n < 12 && offset + n < size_) return want(offset, 12);
    return fail("a malformed element at byte " + std::to_string(offset));
  }
  const std::uint64_t hdr = std::uint64_t(il) + sl;
  if (detour_ && id != kCues) {  // the SeekHead pointed elsewhere: give the detour up
    detour_ = false;
    return want(resume_at_, 12);
  }
  if (size == kUnknownSize) {
    // A live recording: clusters of unknown size cannot be skipped, so the walk ends here.
    if (id == kCluster && media_start_ == 0) media_start_ = offset;
    if (id == kCluster) return fail("clusters of unknown size (a live recording): no index");
    return fail(std::string(webm_name(id)) + " of unknown size at byte " + std::to_string(offset));
  }
  if (offset + hdr + size > segment_end_)
    return fail(std::string(webm_name(id)) + " at byte " + std::to_string(offset) + " runs past its Segment");
  const std::uint64_t total = hdr + size;
  const std::uint64_t next = offset + total;
  // Elements read whole (small ones); a Cluster only its first bytes, for its Timestamp.
  std::uint64_t need = 0;
  if (id == kSeekHead || id == kInfo || id == kTracks) need = total;
  if (id == kCues) need = total <= max_cues_ && !index_read_ ? total : 0;
  if (id == kCluster) need = hdr + std::min<std::uint64_t>(size, 32);
  if ((id == kSeekHead || id == kInfo) && total > kMaxHeadBytes) need = 0;
  if (id == kTracks && total > kMaxTracksBytes) need = 0;
  if (need > n) return want(offset, need);
  if (id != kCluster) record_box(webm_name(id), offset, total);  // clusters are points, not boxes
  const std::uint8_t* body = d + hdr;
  // What is read of the body: never more than `need` asked for, so that what the walk learns does
  // not depend on how many bytes the glue happened to pass (a Cluster: only its first 32 bytes).
  const std::size_t body_n = std::size_t(std::min<std::uint64_t>({size, n - hdr, need > hdr ? need - hdr : 0}));
  switch (id) {
    case kSeekHead: if (need) read_seek_head(body, body_n); break;
    case kInfo: if (need) read_info(body, body_n); break;
    case kTracks: if (need) read_tracks(body, body_n); break;
    case kCues:
      index_ = {offset, total};
      if (need) {
        read_cues(body, body_n);
        index_read_ = true;
      }
      break;
    case kCluster: {
      if (media_start_ == 0) media_start_ = offset;
      // The Timestamp is the Cluster's first child in practice; a partial walk is fine here.
      std::size_t at = 0;
      while (at < body_n) {
        std::uint32_t cid;
        int cil, csl;
        std::uint64_t csize;
        if (!ebml::read_id(body + at, body_n - at, cid, cil) || !ebml::read_size(body + at + cil, body_n - at - cil, csize, csl)) break;
        const std::size_t cb = at + cil + csl;
        if (csize == kUnknownSize || csize > body_n - cb) break;
        if (cid == kTimestamp) {
          add_point(double(ebml::read_uint(body + cb, std::size_t(csize))) * timestamp_scale_s_, offset);
          break;
        }
        at = cb + std::size_t(csize);
      }
      break;
    }
    default: break;
  }
  after_webm_element(next);
}

// After an element: a detour to the Cues first when the SeekHead said where they are, the Info
// (their timestamp scale) and the Tracks (what the file holds, wanted as early) are read or the
// clusters have begun, and the Cues are not read yet (they index the whole file, and usually sit
// after every cluster); then the next child. After the detour, back to where the walk left off.
void ContainerWalk::after_webm_element(std::uint64_t next) {
  if (detour_) {
    detour_ = false;
    next = resume_at_;
  } else if (cues_at_ && info_read_ && (tracks_known_ || media_start_) && !index_read_ && next != cues_at_) {
    detour_ = true;
    resume_at_ = next;
    const std::uint64_t at = cues_at_;
    cues_at_ = 0;  // one attempt
    return want(at, 12);
  }
  if (next >= segment_end_) {
    want_ = {};
    done_ = true;
    return;
  }
  want(next, 12);
}

void ContainerWalk::read_webm_head(const std::uint8_t* d, std::size_t n) {
  std::uint32_t id;
  int il, sl;
  std::uint64_t size;
  if (!ebml::read_id(d, n, id, il) || id != kEbmlHeader || !ebml::read_size(d + il, n - il, size, sl) || size == kUnknownSize)
    return fail("a malformed EBML header");
  const std::uint64_t seg = il + sl + size;
  if (seg + 12 > kMaxHeadBytes) return fail("the EBML header is too large");
  const std::uint64_t need = std::min<std::uint64_t>(seg + 12, size_);  // the header and the Segment's
  if (n < need) return want(0, need);
  if (seg >= n) return fail("the file ends inside its EBML header");
  ebml::for_each_element(d + il + sl, std::size_t(size), [&](std::uint32_t cid, const std::uint8_t* b, std::size_t bn) {
    if (cid == kDocType)
      format_ = clean_text(b, bn, true) == "webm" ? ContainerFormat::WebM : ContainerFormat::Matroska;
  });
  std::uint32_t sid;
  int sil, ssl;
  std::uint64_t ssize;
  if (!ebml::read_id(d + seg, n - seg, sid, sil) || sid != kSegment || !ebml::read_size(d + seg + sil, n - seg - sil, ssize, ssl))
    return fail("no Segment after the EBML header");
  segment_data_ = seg + sil + ssl;
  segment_end_ = ssize == kUnknownSize ? size_ : segment_data_ + ssize;
  if (segment_end_ > size_) return fail("the Segment claims more bytes than the file has");
  boxes_.push_back({"Segment", seg, segment_end_ - seg});
  stage_ = WebmStage::Children;
  want(segment_data_, 12);
}

void ContainerWalk::read_seek_head(const std::uint8_t* d, std::size_t n) {
  ebml::for_each_element(d, n, [&](std::uint32_t id, const std::uint8_t* b, std::size_t bn) {
    if (id != kSeek) return;
    std::uint32_t target = 0;
    std::uint64_t pos = 0;
    bool has_pos = false;
    ebml::for_each_element(b, bn, [&](std::uint32_t cid, const std::uint8_t* c, std::size_t cn) {
      if (cid == kSeekId) target = std::uint32_t(ebml::read_uint(c, cn));
      if (cid == kSeekPosition) {
        pos = ebml::read_uint(c, cn);
        has_pos = true;
      }
    });
    if (target == kCues && has_pos && segment_data_ + pos < segment_end_) {
      cues_at_ = segment_data_ + pos;
      // Its size is known once its header is read; until then, its first bytes (within the file).
      index_ = {cues_at_, std::min<std::uint64_t>(12, size_ - cues_at_)};
    }
  });
}

void ContainerWalk::read_info(const std::uint8_t* d, std::size_t n) {
  info_read_ = true;
  double duration = 0;
  ebml::for_each_element(d, n, [&](std::uint32_t id, const std::uint8_t* b, std::size_t bn) {
    if (id == kTimestampScale) {
      const std::uint64_t ns = ebml::read_uint(b, bn);
      if (ns > 0) timestamp_scale_s_ = double(ns) * 1e-9;
    }
    if (id == kDuration) duration = ebml::read_float(b, bn);
  });
  if (duration > 0) duration_s_ = duration * timestamp_scale_s_;
}

void ContainerWalk::read_tracks(const std::uint8_t* d, std::size_t n) {
  std::vector<MediaTrack> tracks;
  ebml::for_each_element(d, n, [&](std::uint32_t id, const std::uint8_t* b, std::size_t bn) {
    if (id != kTrackEntry || tracks.size() >= kMaxTracks) return;
    MediaTrack t;
    std::uint64_t type = 0;
    std::string language = "eng", bcp47;  // Language's default, per the Matroska spec
    t.is_default = true;                  // FlagDefault's
    ebml::for_each_element(b, bn, [&](std::uint32_t cid, const std::uint8_t* c, std::size_t cn) {
      switch (cid) {
        case kTrackNumber: t.id = std::uint32_t(std::min<std::uint64_t>(ebml::read_uint(c, cn), 0xffffffffu)); break;
        case kTrackType: type = ebml::read_uint(c, cn); break;
        case kCodecId: t.codec_id = clean_text(c, cn, true); break;
        case kLanguage: language = clean_text(c, cn, true); break;
        case kLanguageBcp47: bcp47 = clean_text(c, cn, true); break;
        case kName: t.name = clean_text(c, cn); break;
        case kFlagDefault: t.is_default = ebml::read_uint(c, cn) != 0; break;
        case kAudio:
          t.channels = 1;  // the spec's defaults
          t.sample_rate = 8000;
          ebml::for_each_element(c, cn, [&](std::uint32_t aid, const std::uint8_t* a, std::size_t an) {
            if (aid == kChannels) t.channels = std::uint32_t(std::min<std::uint64_t>(ebml::read_uint(a, an), 255));
            if (aid == kSamplingFrequency) {
              const double rate = ebml::read_float(a, an);
              t.sample_rate = std::isfinite(rate) && rate > 0 && rate < 1e7 ? std::uint32_t(rate) : 0;
            }
          });
          break;
        case kVideo:
          ebml::for_each_element(c, cn, [&](std::uint32_t vid, const std::uint8_t* v, std::size_t vn) {
            if (vid == kPixelWidth) t.width = std::uint32_t(std::min<std::uint64_t>(ebml::read_uint(v, vn), 0xffffffu));
            if (vid == kPixelHeight) t.height = std::uint32_t(std::min<std::uint64_t>(ebml::read_uint(v, vn), 0xffffffu));
          });
          break;
        default: break;
      }
    });
    t.language = !bcp47.empty() ? bcp47 : !language.empty() ? language : "und";
    t.kind = type == 1 ? TrackKind::Video : type == 2 ? TrackKind::Audio : type == 0x11 ? TrackKind::Subtitle
                                                                                         : TrackKind::Other;
    t.codec = matroska_codec(t.codec_id);
    if (t.kind != TrackKind::Audio) t.channels = t.sample_rate = 0;
    tracks.push_back(std::move(t));
  });
  set_tracks(std::move(tracks));
}

void ContainerWalk::read_cues(const std::uint8_t* d, std::size_t n) {
  ebml::for_each_element(d, n, [&](std::uint32_t id, const std::uint8_t* b, std::size_t bn) {
    if (id != kCuePoint) return;
    std::uint64_t time = 0;
    std::uint64_t pos = 0;
    bool has_pos = false;
    ebml::for_each_element(b, bn, [&](std::uint32_t cid, const std::uint8_t* c, std::size_t cn) {
      if (cid == kCueTime) time = ebml::read_uint(c, cn);
      if (cid == kCueTrackPositions && !has_pos) {
        ebml::for_each_element(c, cn, [&](std::uint32_t tid, const std::uint8_t* t, std::size_t tn) {
          if (tid == kCueClusterPosition) {
            pos = ebml::read_uint(t, tn);
            has_pos = true;
          }
        });
      }
    });
    if (has_pos && segment_data_ + pos < segment_end_) add_point(double(time) * timestamp_scale_s_, segment_data_ + pos);
  });
}

void ContainerWalk::record_box(const std::string& type, std::uint64_t offset, std::uint64_t size) {
  for (const ContainerBox& b : boxes_)
    if (b.offset == offset) return;
  boxes_.push_back({type, offset, size});
}

void ContainerWalk::add_point(double time_s, std::uint64_t offset) {
  if (points_.size() < kMaxPoints && point_offsets_.insert(offset).second) points_.push_back({time_s, offset, true});
}

// A point from a table (a sample table, a TS estimate): several may share an offset.
void ContainerWalk::add_table_point(double time_s, std::uint64_t offset, bool keyframe) {
  if (points_.size() < kMaxPoints) points_.push_back({time_s, offset, keyframe});
}

void ContainerWalk::set_tracks(std::vector<MediaTrack> tracks) {
  tracks_ = std::move(tracks);
  tracks_known_ = true;
  codec_ids_.clear();
  for (const bool video : {true, false}) {
    for (const MediaTrack& t : tracks_)
      if ((t.kind == TrackKind::Video) == video && !t.codec_id.empty()) codec_ids_.push_back(t.codec_id);
  }
}

// ---- MPEG-TS ----

// The head (from the start, a piece at a time, until the PMT and the first clock are known), then
// the tail (the last clock): the duration, and from it the estimated points.
void ContainerWalk::step_ts(std::uint64_t offset, const std::uint8_t* d, std::size_t n) {
  const std::uint32_t packet = ts_.packet_size();
  const std::uint64_t whole = size_ / packet * packet;
  // Exactly the range asked for (whole packets), whatever the glue passed: every viewer's walk
  // learns the same.
  const std::size_t len = std::size_t(std::min<std::uint64_t>(want_.length, n));
  ts_.scan(d, len);
  if (ts_tail_) {
    index_read_ = true;
  } else {
    ts_scanned_ = offset + len;
    if (ts_.pmt_read()) set_tracks(ts_.tracks());
    const std::uint64_t head_end = std::min(kTsHeadMax / packet * packet, whole);
    if (!ts_.head_complete() && ts_scanned_ < head_end)
      return want(ts_scanned_, std::min(kTsChunk / packet * packet, head_end - ts_scanned_));
    if (!ts_.pmt_read()) return fail("no program (PAT and PMT) in the transport stream's first MiB");
    if (!ts_.has_first_clock()) {  // no PCR, no PTS: no duration, nothing to estimate
      want_ = {};
      done_ = true;
      return;
    }
    if (ts_scanned_ < whole) {
      ts_tail_ = true;
      return want(index_.offset, index_.length);
    }
    index_read_ = true;  // the head reached the end: its last clock is the file's
  }
  duration_s_ = ts_.duration_s();
  if (duration_s_ > 0) {
    // A transport stream has no index: a point every second at the byte its time gives at the
    // file's average rate. Not moved earlier: the horizon reads a point as "this moment's data lies
    // below here", and an early point would promise seconds that have not arrived; a seek that
    // lands late is refined by the demuxer, whose reads ask for the bytes it really needs.
    const double bytes_per_s = double(size_) / duration_s_;
    for (double t = 0; t < duration_s_ && points_.size() < kMaxPoints; t += kTsPointSpacingS) {
      const double at = std::floor(t * bytes_per_s);
      const std::uint64_t byte = at > 0 ? std::min<std::uint64_t>(std::uint64_t(at), whole - 1) : 0;
      add_table_point(t, byte / packet * packet, true);
    }
    points_complete_ = true;
  }
  want_ = {};
  done_ = true;
}

}  // namespace wt
