// ISO BMFF (MP4, MOV): big-endian integers and boxes of a size, a type and a body. Bounded readers
// over bytes that may be a peer's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace wt::bmff {

inline std::uint16_t be16(const std::uint8_t* p) { return std::uint16_t(p[0] << 8 | p[1]); }

inline std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | p[3];
}
inline std::uint64_t be64(const std::uint8_t* p) { return (std::uint64_t(be32(p)) << 32) | be32(p + 4); }

inline std::string fourcc(const std::uint8_t* p) {
  std::string s(reinterpret_cast<const char*>(p), 4);
  for (char& c : s)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) c = '?';
  return s;
}

// One box header at p (n bytes available). Returns false when it does not fit or lies; `size` 0
// in the box means "to the end", which the caller resolves with `rest` (bytes from p to the end).
inline bool box_header(const std::uint8_t* p, std::size_t n, std::uint64_t rest, std::uint64_t& size,
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
inline bool for_each_box(const std::uint8_t* p, std::size_t n,
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
  // QuickTime ends some lists with a 32-bit zero.
  for (std::size_t i = at; i < n; ++i)
    if (p[i] != 0) return false;
  return true;
}

}  // namespace wt::bmff
