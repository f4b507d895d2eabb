#include "media/container_walk.hpp"

#include <algorithm>
#include <cstring>
#include <functional>

namespace wt {
namespace {

constexpr std::uint64_t kMaxIndexBytes = 64u << 20;  // a moov larger than this is refused
constexpr std::uint64_t kMaxHeadBytes = 64u << 10;   // SeekHead, Info, EBML header

std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | p[3];
}
std::uint64_t be64(const std::uint8_t* p) { return (std::uint64_t(be32(p)) << 32) | be32(p + 4); }

std::string fourcc(const std::uint8_t* p) {
  std::string s(reinterpret_cast<const char*>(p), 4);
  for (char& c : s)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) c = '?';
  return s;
}

bool known_top_box(const std::string& t) {
  static const char* kTypes[] = {"ftyp", "styp", "moov", "mdat", "free", "skip", "wide", "pdin",
                                 "sidx", "moof", "uuid", "meta", "mfra"};
  for (const char* k : kTypes)
    if (t == k) return true;
  return false;
}

// One box header at p (n bytes available). Returns false when it does not fit or lies; `size` 0
// in the box means "to the end", which the caller resolves with `rest` (bytes from p to the end).
bool box_header(const std::uint8_t* p, std::size_t n, std::uint64_t rest, std::uint64_t& size,
                std::uint32_t& hdr, std::string& type) {
  if (n < 8) return false;
  size = be32(p);
  type = fourcc(p + 4);
  hdr = 8;
  if (size == 1) {
    if (n < 16) return false;
    size = be64(p + 8);
    hdr = 16;
  } else if (size == 0) {
    size = rest;
  }
  return size >= hdr && size <= rest;
}

// Calls fn(type, body, body_len) for each child box in [p, p + n); false when a child lies.
bool for_each_box(const std::uint8_t* p, std::size_t n,
                  const std::function<void(const std::string&, const std::uint8_t*, std::size_t)>& fn) {
  std::size_t at = 0;
  while (at + 8 <= n) {
    std::uint64_t size;
    std::uint32_t hdr;
    std::string type;
    if (!box_header(p + at, n - at, n - at, size, hdr, type)) return false;
    fn(type, p + at + hdr, std::size_t(size - hdr));
    at += std::size_t(size);
  }
  return at == n;
}

// EBML variable-length integers. An ID keeps its length marker; a size drops it, and all-ones
// means "unknown size".
int ebml_length(std::uint8_t first) {
  for (int i = 0; i < 8; ++i)
    if (first & (0x80 >> i)) return i + 1;
  return 0;
}
bool ebml_id(const std::uint8_t* p, std::size_t n, std::uint32_t& id, int& len) {
  if (n < 1) return false;
  len = ebml_length(p[0]);
  if (len == 0 || len > 4 || std::size_t(len) > n) return false;
  id = 0;
  for (int i = 0; i < len; ++i) id = (id << 8) | p[i];
  return true;
}
constexpr std::uint64_t kUnknownSize = ~std::uint64_t(0);
bool ebml_size(const std::uint8_t* p, std::size_t n, std::uint64_t& size, int& len) {
  if (n < 1) return false;
  len = ebml_length(p[0]);
  if (len == 0 || std::size_t(len) > n) return false;
  size = p[0] & (0xff >> len);
  bool all_ones = size == (0xffu >> len);
  for (int i = 1; i < len; ++i) {
    size = (size << 8) | p[i];
    all_ones = all_ones && p[i] == 0xff;
  }
  if (all_ones) size = kUnknownSize;
  return true;
}
std::uint64_t ebml_uint(const std::uint8_t* p, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n && i < 8; ++i) v = (v << 8) | p[i];
  return v;
}
double ebml_float(const std::uint8_t* p, std::size_t n) {
  if (n == 4) {
    const std::uint32_t u = be32(p);
    float f;
    std::memcpy(&f, &u, 4);
    return f;
  }
  if (n == 8) {
    const std::uint64_t u = be64(p);
    double d;
    std::memcpy(&d, &u, 8);
    return d;
  }
  return 0;
}
// Calls fn(id, body, body_len) for each child element in [p, p + n); false when one lies.
bool for_each_element(const std::uint8_t* p, std::size_t n,
                      const std::function<void(std::uint32_t, const std::uint8_t*, std::size_t)>& fn) {
  std::size_t at = 0;
  while (at < n) {
    std::uint32_t id;
    int il, sl;
    std::uint64_t size;
    if (!ebml_id(p + at, n - at, id, il) || !ebml_size(p + at + il, n - at - il, size, sl)) return false;
    const std::size_t body = at + il + sl;
    if (size == kUnknownSize || size > n - body) return false;
    fn(id, p + body, std::size_t(size));
    at = body + std::size_t(size);
  }
  return true;
}

constexpr std::uint32_t kEbmlHeader = 0x1A45DFA3, kSegment = 0x18538067, kSeekHead = 0x114D9B74,
                        kSeek = 0x4DBB, kSeekId = 0x53AB, kSeekPosition = 0x53AC, kInfo = 0x1549A966,
                        kTimestampScale = 0x2AD7B1, kDuration = 0x4489, kTracks = 0x1654AE6B,
                        kCues = 0x1C53BB6B, kCuePoint = 0xBB, kCueTime = 0xB3,
                        kCueTrackPositions = 0xB7, kCueClusterPosition = 0xF1, kCluster = 0x1F43B675,
                        kTimestamp = 0xE7, kTrackEntry = 0xAE, kTrackType = 0x83, kCodecId = 0x86;

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
      if (n >= 4 && be32(d) == kEbmlHeader) {
        format_ = ContainerFormat::WebM;
      } else if (n >= 8 && known_top_box(fourcc(d + 4))) {
        format_ = ContainerFormat::Mp4;
      } else {
        fail("not an MP4 or WebM file (unknown first bytes)");
        break;
      }
    }
    if (format_ == ContainerFormat::Mp4) step_mp4(w.offset, d, n);
    else step_webm(w.offset, d, n);
    if (want_ == w && !done_) break;  // needs more than it was given
  }
  return true;
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
    } else if (type == "trak") {
      std::uint32_t track = 0, scale = 0;
      for_each_box(b, bn, [&](const std::string& t, const std::uint8_t* c, std::size_t cn) {
        if (t == "tkhd" && cn >= 24) track = be32(c + (c[0] == 1 ? 20 : 12));
        if (t == "mdia") {
          for_each_box(c, cn, [&](const std::string& mt, const std::uint8_t* m, std::size_t mn) {
            if (mt == "mdhd" && mn >= 24) scale = be32(m + (m[0] == 1 ? 20 : 12));
          });
        }
      });
      if (track && scale) timescales_[track] = scale;
    }
  });
  if (!ok) error_ = "the moov box is malformed";
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
  if (!ebml_id(d, n, id, il) || !ebml_size(d + il, n - il, size, sl)) {
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
  if ((id == kSeekHead || id == kInfo || id == kTracks) && total > kMaxHeadBytes) need = 0;
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
        if (!ebml_id(body + at, body_n - at, cid, cil) || !ebml_size(body + at + cil, body_n - at - cil, csize, csl)) break;
        const std::size_t cb = at + cil + csl;
        if (csize == kUnknownSize || csize > body_n - cb) break;
        if (cid == kTimestamp) {
          add_point(double(ebml_uint(body + cb, std::size_t(csize))) * timestamp_scale_s_, offset);
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
// (their timestamp scale) is read, and they are not read yet (they index the whole file, and usually sit after every cluster), then the next
// child; after the detour, back to where the walk left off.
void ContainerWalk::after_webm_element(std::uint64_t next) {
  if (detour_) {
    detour_ = false;
    next = resume_at_;
  } else if (cues_at_ && info_read_ && !index_read_ && next != cues_at_) {
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
  if (!ebml_id(d, n, id, il) || id != kEbmlHeader || !ebml_size(d + il, n - il, size, sl) || size == kUnknownSize)
    return fail("a malformed EBML header");
  const std::uint64_t seg = il + sl + size;
  if (seg + 12 > kMaxHeadBytes) return fail("the EBML header is too large");
  const std::uint64_t need = std::min<std::uint64_t>(seg + 12, size_);  // the header and the Segment's
  if (n < need) return want(0, need);
  if (seg >= n) return fail("the file ends inside its EBML header");
  std::uint32_t sid;
  int sil, ssl;
  std::uint64_t ssize;
  if (!ebml_id(d + seg, n - seg, sid, sil) || sid != kSegment || !ebml_size(d + seg + sil, n - seg - sil, ssize, ssl))
    return fail("no Segment after the EBML header");
  segment_data_ = seg + sil + ssl;
  segment_end_ = ssize == kUnknownSize ? size_ : segment_data_ + ssize;
  if (segment_end_ > size_) return fail("the Segment claims more bytes than the file has");
  boxes_.push_back({"Segment", seg, segment_end_ - seg});
  stage_ = WebmStage::Children;
  want(segment_data_, 12);
}

void ContainerWalk::read_seek_head(const std::uint8_t* d, std::size_t n) {
  for_each_element(d, n, [&](std::uint32_t id, const std::uint8_t* b, std::size_t bn) {
    if (id != kSeek) return;
    std::uint32_t target = 0;
    std::uint64_t pos = 0;
    bool has_pos = false;
    for_each_element(b, bn, [&](std::uint32_t cid, const std::uint8_t* c, std::size_t cn) {
      if (cid == kSeekId) target = std::uint32_t(ebml_uint(c, cn));
      if (cid == kSeekPosition) {
        pos = ebml_uint(c, cn);
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
  for_each_element(d, n, [&](std::uint32_t id, const std::uint8_t* b, std::size_t bn) {
    if (id == kTimestampScale) {
      const std::uint64_t ns = ebml_uint(b, bn);
      if (ns > 0) timestamp_scale_s_ = double(ns) * 1e-9;
    }
    if (id == kDuration) duration = ebml_float(b, bn);
  });
  if (duration > 0) duration_s_ = duration * timestamp_scale_s_;
}

void ContainerWalk::read_tracks(const std::uint8_t* d, std::size_t n) {
  std::vector<std::string> video, other;
  for_each_element(d, n, [&](std::uint32_t id, const std::uint8_t* b, std::size_t bn) {
    if (id != kTrackEntry) return;
    std::uint64_t type = 0;
    std::string codec;
    for_each_element(b, bn, [&](std::uint32_t cid, const std::uint8_t* c, std::size_t cn) {
      if (cid == kTrackType) type = ebml_uint(c, cn);
      if (cid == kCodecId) {
        for (std::size_t i = 0; i < cn && i < 64 && c[i] >= 0x20 && c[i] < 0x7f; ++i) codec += char(c[i]);
      }
    });
    if (!codec.empty()) (type == 1 ? video : other).push_back(codec);
  });
  codec_ids_ = video;
  codec_ids_.insert(codec_ids_.end(), other.begin(), other.end());
}

void ContainerWalk::read_cues(const std::uint8_t* d, std::size_t n) {
  for_each_element(d, n, [&](std::uint32_t id, const std::uint8_t* b, std::size_t bn) {
    if (id != kCuePoint) return;
    std::uint64_t time = 0;
    std::uint64_t pos = 0;
    bool has_pos = false;
    for_each_element(b, bn, [&](std::uint32_t cid, const std::uint8_t* c, std::size_t cn) {
      if (cid == kCueTime) time = ebml_uint(c, cn);
      if (cid == kCueTrackPositions && !has_pos) {
        for_each_element(c, cn, [&](std::uint32_t tid, const std::uint8_t* t, std::size_t tn) {
          if (tid == kCueClusterPosition) {
            pos = ebml_uint(t, tn);
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
  if (point_offsets_.insert(offset).second) points_.push_back({time_s, offset});
}

}  // namespace wt
