#include "hash/sha256.hpp"

#include <cstring>

namespace wt {
namespace {

constexpr std::uint32_t kRound[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

inline std::uint32_t rotr(std::uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

inline std::uint32_t load_be32(const std::uint8_t* p) {
  return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) |
         std::uint32_t(p[3]);
}

inline void store_be32(std::uint8_t* p, std::uint32_t v) {
  p[0] = std::uint8_t(v >> 24);
  p[1] = std::uint8_t(v >> 16);
  p[2] = std::uint8_t(v >> 8);
  p[3] = std::uint8_t(v);
}

// Message schedule kept as a rolling 16-word window, rounds unrolled by 8 so that the
// working variables rotate by renaming instead of by moves: this is what lets the
// wasm build keep pace with hand-tuned C implementations.
#define WT_S0(x) (rotr(x, 2) ^ rotr(x, 13) ^ rotr(x, 22))
#define WT_S1(x) (rotr(x, 6) ^ rotr(x, 11) ^ rotr(x, 25))
#define WT_s0(x) (rotr(x, 7) ^ rotr(x, 18) ^ ((x) >> 3))
#define WT_s1(x) (rotr(x, 17) ^ rotr(x, 19) ^ ((x) >> 10))
#define WT_CH(x, y, z) (((x) & ((y) ^ (z))) ^ (z))
#define WT_MAJ(x, y, z) (((x) & (y)) | ((z) & ((x) | (y))))
#define WT_ROUND(a, b, c, d, e, f, g, h, k, w)                  \
  do {                                                          \
    std::uint32_t t1 = (h) + WT_S1(e) + WT_CH(e, f, g) + (k) + (w); \
    std::uint32_t t2 = WT_S0(a) + WT_MAJ(a, b, c);              \
    (d) += t1;                                                  \
    (h) = t1 + t2;                                              \
  } while (0)

void compress(std::uint32_t state[8], const std::uint8_t* data, std::size_t blocks) {
  while (blocks--) {
    std::uint32_t w[16];
    for (int i = 0; i < 16; ++i) w[i] = load_be32(data + 4 * i);
    std::uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
    std::uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
    for (int i = 0; i < 64; i += 8) {
      if (i >= 16) {
        for (int j = 0; j < 8; ++j) {
          const int t = (i + j) & 15;
          w[t] += WT_s1(w[(t + 14) & 15]) + w[(t + 9) & 15] + WT_s0(w[(t + 1) & 15]);
        }
      }
      const int o = i & 15;
      WT_ROUND(a, b, c, d, e, f, g, h, kRound[i + 0], w[o + 0]);
      WT_ROUND(h, a, b, c, d, e, f, g, kRound[i + 1], w[o + 1]);
      WT_ROUND(g, h, a, b, c, d, e, f, kRound[i + 2], w[o + 2]);
      WT_ROUND(f, g, h, a, b, c, d, e, kRound[i + 3], w[o + 3]);
      WT_ROUND(e, f, g, h, a, b, c, d, kRound[i + 4], w[o + 4]);
      WT_ROUND(d, e, f, g, h, a, b, c, kRound[i + 5], w[o + 5]);
      WT_ROUND(c, d, e, f, g, h, a, b, kRound[i + 6], w[o + 6]);
      WT_ROUND(b, c, d, e, f, g, h, a, kRound[i + 7], w[o + 7]);
    }
    state[0] += a; state[1] += b; state[2] += c; state[3] += d;
    state[4] += e; state[5] += f; state[6] += g; state[7] += h;
    data += 64;
  }
}

#undef WT_S0
#undef WT_S1
#undef WT_s0
#undef WT_s1
#undef WT_CH
#undef WT_MAJ
#undef WT_ROUND

}  // namespace

void Sha256::reset() {
  static constexpr std::uint32_t kInit[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                             0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  std::memcpy(state_, kInit, sizeof state_);
  block_len_ = 0;
  total_len_ = 0;
}

void Sha256::update(const std::uint8_t* data, std::size_t len) {
  total_len_ += len;
  if (block_len_ > 0) {
    const std::size_t take = len < 64 - block_len_ ? len : 64 - block_len_;
    std::memcpy(block_ + block_len_, data, take);
    block_len_ += take;
    data += take;
    len -= take;
    if (block_len_ < 64) return;
    compress(state_, block_, 1);
    block_len_ = 0;
  }
  // Whole blocks are hashed straight from the caller's memory: no copy.
  const std::size_t blocks = len / 64;
  compress(state_, data, blocks);
  data += blocks * 64;
  len -= blocks * 64;
  std::memcpy(block_, data, len);
  block_len_ = len;
}

Sha256Digest Sha256::finish() {
  const std::uint64_t bit_len = total_len_ * 8;
  block_[block_len_++] = 0x80;
  if (block_len_ > 56) {
    std::memset(block_ + block_len_, 0, 64 - block_len_);
    compress(state_, block_, 1);
    block_len_ = 0;
  }
  std::memset(block_ + block_len_, 0, 56 - block_len_);
  for (int i = 0; i < 8; ++i) block_[56 + i] = std::uint8_t(bit_len >> (56 - 8 * i));
  compress(state_, block_, 1);
  Sha256Digest out;
  for (int i = 0; i < 8; ++i) store_be32(out.data() + 4 * i, state_[i]);
  return out;
}

Sha256Digest Sha256::of(const std::uint8_t* data, std::size_t len) {
  Sha256 h;
  h.update(data, len);
  return h.finish();
}

std::string to_hex(const Sha256Digest& digest) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(64, '0');
  for (std::size_t i = 0; i < digest.size(); ++i) {
    out[2 * i] = kDigits[digest[i] >> 4];
    out[2 * i + 1] = kDigits[digest[i] & 15];
  }
  return out;
}

bool from_hex(const std::string& hex, Sha256Digest& out) {
  if (hex.size() != 64) return false;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < 32; ++i) {
    const int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = std::uint8_t(hi << 4 | lo);
  }
  return true;
}

}  // namespace wt
