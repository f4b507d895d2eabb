// EBML, the binary layout of WebM and Matroska: elements of an ID, a size and a body, IDs and sizes
// as variable-length integers. Bounded readers over bytes that may be a peer's: each says whether
// what it read lies inside [p, p + n).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>

namespace wt::ebml {

// An ID keeps its length marker; a size drops it, and all-ones means "unknown size".
constexpr std::uint64_t kUnknownSize = ~std::uint64_t(0);

inline int vint_length(std::uint8_t first) {
  for (int i = 0; i < 8; ++i)
    if (first & (0x80 >> i)) return i + 1;
  return 0;
}

inline bool read_id(const std::uint8_t* p, std::size_t n, std::uint32_t& id, int& len) {
  if (n < 1) return false;
  len = vint_length(p[0]);
  if (len == 0 || len > 4 || std::size_t(len) > n) return false;
  id = 0;
  for (int i = 0; i < len; ++i) id = (id << 8) | p[i];
  return true;
}

inline bool read_size(const std::uint8_t* p, std::size_t n, std::uint64_t& size, int& len) {
  if (n < 1) return false;
  len = vint_length(p[0]);
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

inline std::uint64_t read_uint(const std::uint8_t* p, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n && i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

inline double read_float(const std::uint8_t* p, std::size_t n) {
  if (n == 4) {
    const std::uint32_t u = std::uint32_t(read_uint(p, 4));
    float f;
    std::memcpy(&f, &u, 4);
    return f;
  }
  if (n == 8) {
    const std::uint64_t u = read_uint(p, 8);
    double d;
    std::memcpy(&d, &u, 8);
    return d;
  }
  return 0;
}

// Calls fn(id, body, body_len) for each child element in [p, p + n); false when one lies.
inline bool for_each_element(const std::uint8_t* p, std::size_t n,
                             const std::function<void(std::uint32_t, const std::uint8_t*, std::size_t)>& fn) {
  std::size_t at = 0;
  while (at < n) {
    std::uint32_t id;
    int il, sl;
    std::uint64_t size;
    if (!read_id(p + at, n - at, id, il) || !read_size(p + at + il, n - at - il, size, sl)) return false;
    const std::size_t body = at + il + sl;
    if (size == kUnknownSize || size > n - body) return false;
    fn(id, p + body, std::size_t(size));
    at = body + std::size_t(size);
  }
  return true;
}

// The IDs both readers use.
constexpr std::uint32_t kEbmlHeader = 0x1A45DFA3, kDocType = 0x4282, kSegment = 0x18538067, kInfo = 0x1549A966,
                        kTimestampScale = 0x2AD7B1, kTracks = 0x1654AE6B, kTrackEntry = 0xAE,
                        kTrackNumber = 0xD7, kTrackType = 0x83, kCodecId = 0x86, kLanguage = 0x22B59C,
                        kLanguageBcp47 = 0x22B59D, kName = 0x536E, kFlagDefault = 0x88, kCluster = 0x1F43B675,
                        kTimestamp = 0xE7;

}  // namespace wt::ebml
