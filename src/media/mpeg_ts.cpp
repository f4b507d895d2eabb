#include "media/mpeg_ts.hpp"

#include <algorithm>
#include <cstdio>
#include <string>

namespace wt {
namespace {

constexpr std::size_t kTsPacket = 188;
constexpr std::size_t kMaxSection = 1024;  // PAT/PMT sections are at most 1021 + 3 bytes
constexpr std::uint16_t kNoPid = 0x1fff;
constexpr std::int64_t kClockWrap = std::int64_t(1) << 33;  // PCR base and PTS: 33 bits at 90 kHz

bool ascii_letters(const std::uint8_t* p, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z'))) return false;
  return true;
}

std::string lower3(const std::uint8_t* p) {
  std::string s(reinterpret_cast<const char*>(p), 3);
  for (char& c : s) c = char(c | 0x20);
  return s;
}

std::int64_t pes_time(const std::uint8_t* p) {
  return (std::int64_t(p[0] >> 1 & 0x07) << 30) | (std::int64_t(p[1]) << 22) | (std::int64_t(p[2] >> 1) << 15) |
         (std::int64_t(p[3]) << 7) | (p[4] >> 1);
}

// Reads bits most significant first; past the end it reads zeros (the caller checks the length).
struct Bits {
  const std::uint8_t* p;
  std::size_t n;
  std::size_t at = 0;
  std::uint32_t get(int count) {
    std::uint32_t v = 0;
    for (int i = 0; i < count; ++i, ++at) v = (v << 1) | (at / 8 < n ? (p[at / 8] >> (7 - at % 8)) & 1 : 0);
    return v;
  }
};

constexpr std::uint32_t kAdtsRates[] = {96000, 88200, 64000, 48000, 44100, 32000, 24000,
                                       22050, 16000, 12000, 11025, 8000,  7350};
constexpr std::uint32_t kAc3Channels[] = {2, 1, 2, 3, 3, 4, 4, 5};  // by acmod, before the LFE

// The first frame of an audio stream: its channels and sample rate, for the two kinds whose frame
// header says them (the PMT does not); and what a private stream without descriptors holds (an
// M2TS from ffmpeg carries AAC so).
void read_audio_frame(MediaTrack& t, const std::uint8_t* d, std::size_t n) {
  const bool adts = n >= 7 && d[0] == 0xff && (d[1] & 0xf6) == 0xf0;
  const bool ac3 = n >= 8 && d[0] == 0x0b && d[1] == 0x77 && (d[5] >> 3) <= 10;
  if (t.kind == TrackKind::Other && t.codec.empty() && (adts || ac3)) {
    t.kind = TrackKind::Audio;
    t.codec = adts ? "aac" : "ac3";
  }
  if (t.codec == "aac" && adts) {
    const std::uint32_t rate = d[2] >> 2 & 0x0f;
    const std::uint32_t config = (d[2] & 1) << 2 | d[3] >> 6;
    if (rate < sizeof(kAdtsRates) / sizeof(kAdtsRates[0])) t.sample_rate = kAdtsRates[rate];
    if (config) t.channels = config == 7 ? 8 : config;
  } else if (t.codec == "ac3" && ac3) {
    // syncinfo (crc, fscod, frmsizecod), then bsi: bsid, bsmod, acmod, optional mix levels, lfeon.
    Bits b{d + 4, n - 4};
    const std::uint32_t fscod = b.get(2);
    b.get(6);
    b.get(5);  // bsid
    b.get(3);  // bsmod
    const std::uint32_t acmod = b.get(3);
    if ((acmod & 1) && acmod != 1) b.get(2);
    if (acmod & 4) b.get(2);
    if (acmod == 2) b.get(2);
    const std::uint32_t lfe = b.get(1);
    static const std::uint32_t kRates[] = {48000, 44100, 32000};
    if (fscod < 3) t.sample_rate = kRates[fscod];
    t.channels = kAc3Channels[acmod] + lfe;
  }
}

}  // namespace

std::uint32_t TsScan::detect(const std::uint8_t* d, std::size_t n) {
  for (const std::uint32_t size : {188u, 192u}) {
    const std::size_t sync = size == 192 ? 4 : 0;
    if (n < sync + kTsPacket) continue;  // not one whole packet
    bool ok = true;
    for (std::size_t k = 0; k < 3 && ok; ++k)
      if (sync + k * size < n) ok = d[sync + k * size] == 0x47;
    if (ok) return size;
  }
  return 0;
}

void TsScan::scan(const std::uint8_t* d, std::size_t n) {
  const std::size_t sync = packet_ == 192 ? 4 : 0;
  for (std::size_t at = 0; at + packet_ <= n; at += packet_) packet(d + at + sync);
}

bool TsScan::head_complete() const {
  if (!pmt_read_) return false;
  for (const Stream& s : streams_)
    if (s.timed && !s.seen) return false;
  return true;
}

double TsScan::duration_s() const {
  if (pts_ref_ >= 0 && pts_max_ > pts_min_) return double(pts_max_ - pts_min_) / 90000.0;
  if (first_pcr_ < 0 || last_pcr_ < 0) return 0;
  const std::int64_t ticks = ((last_pcr_ - first_pcr_) % kClockWrap + kClockWrap) % kClockWrap;
  return double(ticks) / 90000.0;
}

void TsScan::on_pts(std::int64_t pts) {
  if (pts_ref_ < 0) pts_ref_ = pts;
  // Relative to the first, within half the clock's range either way: a wrap in between is fine.
  std::int64_t rel = ((pts - pts_ref_) % kClockWrap + kClockWrap) % kClockWrap;
  if (rel >= kClockWrap / 2) rel -= kClockWrap;
  pts_min_ = std::min(pts_min_, rel);
  pts_max_ = std::max(pts_max_, rel);
}

void TsScan::on_pcr(std::uint16_t pid, std::int64_t base) {
  if (!pmt_read_) {
    // Before the PMT names the PCR_PID: remember each PID's first, a few PIDs at most.
    for (const auto& e : early_pcr_)
      if (e.first == pid) return;
    if (early_pcr_.size() < 8) early_pcr_.emplace_back(pid, base);
    return;
  }
  if (pid != pcr_pid_) return;
  if (first_pcr_ < 0) first_pcr_ = base;
  last_pcr_ = base;
}

void TsScan::packet(const std::uint8_t* p) {
  if (p[0] != 0x47) {
    ++lost_;
    return;
  }
  const std::uint16_t pid = std::uint16_t((p[1] & 0x1f) << 8 | p[2]);
  const bool unit_start = p[1] & 0x40;
  const int control = p[3] >> 4 & 3;
  std::size_t at = 4;
  if (control & 2) {
    const std::size_t length = p[4];
    if (length > kTsPacket - 5) return;  // an adaptation field longer than the packet
    if (length >= 7 && (p[5] & 0x10)) {
      const std::int64_t base = (std::int64_t(p[6]) << 25) | (std::int64_t(p[7]) << 17) | (std::int64_t(p[8]) << 9) |
                                (std::int64_t(p[9]) << 1) | (p[10] >> 7);
      on_pcr(pid, base);
    }
    at = 5 + length;
  }
  if (!(control & 1) || at >= kTsPacket) return;
  const std::uint8_t* payload = p + at;
  const std::size_t n = kTsPacket - at;
  if (pid == 0 || (pmt_pid_ >= 0 && pid == pmt_pid_)) {
    if (!pmt_read_) section(pid, unit_start, payload, n);
  } else if (unit_start && pmt_read_) {
    pes_start(pid, payload, n);
  }
}

// PSI: a section starts after the pointer field of a packet that starts one, and may go on in the
// next packets of its PID. Only the first section of a packet is read (PAT and PMT need no more).
void TsScan::section(std::uint16_t pid, bool unit_start, const std::uint8_t* d, std::size_t n) {
  if (unit_start) {
    const std::size_t pointer = d[0];
    psi_.clear();
    if (1 + pointer >= n) return;
    psi_.assign(d + 1 + pointer, d + n);
    psi_pid_ = pid;
  } else if (!psi_.empty() && psi_pid_ == pid && psi_.size() < kMaxSection) {
    psi_.insert(psi_.end(), d, d + std::min(n, kMaxSection - psi_.size()));
  } else {
    return;
  }
  if (psi_.size() < 3) return;
  const std::size_t length = std::size_t(psi_[1] & 0x0f) << 8 | psi_[2];
  if (length + 3 > kMaxSection || length < 9) {  // 5 bytes of header after the length, 4 of CRC
    psi_.clear();
    return;
  }
  if (psi_.size() < length + 3) return;  // more in the next packet
  const std::vector<std::uint8_t> s(psi_.begin(), psi_.begin() + std::ptrdiff_t(length + 3));
  psi_.clear();
  // Sections without the current_next flag describe a future table: not this one.
  if (!(s[5] & 1)) return;
  if (pid == 0 && s[0] == 0x00) read_pat(s.data(), s.size());
  else if (pmt_pid_ >= 0 && pid == pmt_pid_ && s[0] == 0x02) read_pmt(s.data(), s.size());
}

void TsScan::read_pat(const std::uint8_t* s, std::size_t n) {
  if (pmt_pid_ >= 0) return;
  // Programs from byte 8 to the CRC; program 0 points at the network table, not a PMT.
  for (std::size_t at = 8; at + 4 <= n - 4; at += 4) {
    const std::uint16_t program = std::uint16_t(s[at] << 8 | s[at + 1]);
    const std::uint16_t pid = std::uint16_t((s[at + 2] & 0x1f) << 8 | s[at + 3]);
    if (program != 0 && pid != 0 && pid != kNoPid) {
      pmt_pid_ = pid;
      return;
    }
  }
}

void TsScan::read_pmt(const std::uint8_t* s, std::size_t n) {
  if (n < 16) return;
  const std::size_t end = n - 4;  // the CRC
  const std::uint16_t pcr_pid = std::uint16_t((s[8] & 0x1f) << 8 | s[9]);
  const std::size_t info = std::size_t(s[10] & 0x0f) << 8 | s[11];
  if (12 + info > end) return;
  // A Blu-ray stream (M2TS) says so in a registration descriptor: its own stream types then apply.
  bool hdmv = packet_ == 192;
  for (std::size_t at = 12; at + 2 <= 12 + info;) {
    const std::size_t len = s[at + 1];
    if (at + 2 + len > 12 + info) break;
    if (s[at] == 0x05 && len >= 4 && std::string(reinterpret_cast<const char*>(s + at + 2), 4) == "HDMV") hdmv = true;
    at += 2 + len;
  }
  pmt_read_ = true;
  pcr_pid_ = pcr_pid;
  for (std::size_t at = 12 + info; at + 5 <= end && tracks_.size() < kMaxStreams;) {
    const std::uint8_t type = s[at];
    const std::uint16_t pid = std::uint16_t((s[at + 1] & 0x1f) << 8 | s[at + 2]);
    const std::size_t es_info = std::size_t(s[at + 3] & 0x0f) << 8 | s[at + 4];
    const std::uint8_t* desc = s + at + 5;
    if (at + 5 + es_info > end) break;  // a loop past the section: what came before stands
    at += 5 + es_info;

    MediaTrack t;
    t.id = pid;
    char id[8];
    std::snprintf(id, sizeof id, "0x%02x", type);
    t.codec_id = id;
    t.language = "und";
    const auto video = [&](const char* c) { t.kind = TrackKind::Video; t.codec = c; };
    const auto audio = [&](const char* c) { t.kind = TrackKind::Audio; t.codec = c; };
    const auto subtitle = [&](const char* c) { t.kind = TrackKind::Subtitle; t.codec = c; };
    switch (type) {
      case 0x01: case 0x02: video("mpeg2"); break;
      case 0x10: video("mpeg4"); break;
      case 0x1b: video("avc"); break;
      case 0x24: video("hevc"); break;
      case 0x03: case 0x04: audio("mp3"); break;
      case 0x0f: case 0x11: audio("aac"); break;
      case 0x81: audio("ac3"); break;
      case 0x87: audio("eac3"); break;
      default:
        if (hdmv) {
          switch (type) {
            case 0x80: audio("pcm"); break;
            case 0x82: case 0x85: case 0x86: case 0xa2: audio("dts"); break;
            case 0x83: audio("truehd"); break;
            case 0x84: case 0xa1: audio("eac3"); break;
            case 0x90: subtitle("pgs"); break;
            default: break;
          }
        }
        break;
    }
    // Descriptors: the language, and what a private stream (0x06) carries.
    for (std::size_t d = 0; d + 2 <= es_info;) {
      const std::uint8_t tag = desc[d];
      const std::size_t len = desc[d + 1];
      const std::uint8_t* b = desc + d + 2;
      if (d + 2 + len > es_info) break;
      d += 2 + len;
      if ((tag == 0x0a || tag == 0x59 || tag == 0x56) && len >= 3 && ascii_letters(b, 3)) t.language = lower3(b);
      if (type != 0x06) continue;
      if (tag == 0x6a) audio("ac3");
      else if (tag == 0x7a) audio("eac3");
      else if (tag == 0x7b) audio("dts");
      else if (tag == 0x59) subtitle("dvb");
      else if (tag == 0x56) subtitle("teletext");
      else if (tag == 0x05 && len >= 4 && t.codec.empty()) {
        const std::string reg(reinterpret_cast<const char*>(b), 4);
        if (reg == "AC-3") audio("ac3");
        else if (reg == "EAC3") audio("eac3");
        else if (reg == "DTS1" || reg == "DTS2" || reg == "DTS3") audio("dts");
        else if (reg == "Opus") audio("opus");
        else if (reg == "HEVC") video("hevc");
      }
    }
    Stream st;
    st.pid = pid;
    // Audio and video count for the duration; a private stream nothing described may be either.
    st.timed = t.kind == TrackKind::Video || t.kind == TrackKind::Audio || (type == 0x06 && t.codec.empty());
    tracks_.push_back(t);
    streams_.push_back(st);
  }
  mark_defaults();
  for (const auto& e : early_pcr_)
    if (e.first == pcr_pid_) first_pcr_ = last_pcr_ = e.second;
  early_pcr_.clear();
}

void TsScan::pes_start(std::uint16_t pid, const std::uint8_t* d, std::size_t n) {
  std::size_t i = 0;
  while (i < streams_.size() && streams_[i].pid != pid) ++i;
  if (i == streams_.size() || n < 9 || d[0] != 0 || d[1] != 0 || d[2] != 1) return;
  const std::size_t header = d[8];
  if (9 + header > n) return;
  if (streams_[i].timed && (d[7] & 0x80) && header >= 5) on_pts(pes_time(d + 9));
  if (streams_[i].seen) return;
  streams_[i].seen = true;
  const TrackKind kind = tracks_[i].kind;
  read_audio_frame(tracks_[i], d + 9 + header, n - 9 - header);
  if (tracks_[i].kind != kind) mark_defaults();
}

// The first track of each kind is the default one: a transport stream does not say.
void TsScan::mark_defaults() {
  bool video = false, audio = false, subtitle = false;
  for (MediaTrack& t : tracks_) {
    bool& first = t.kind == TrackKind::Video ? video : t.kind == TrackKind::Audio ? audio : subtitle;
    t.is_default = t.kind != TrackKind::Other && !first;
    if (t.kind != TrackKind::Other) first = true;
  }
}

}  // namespace wt
