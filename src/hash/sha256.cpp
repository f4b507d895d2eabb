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

// One 32-bit load and a byte swap by masks and a rotate: wasm has no bswap instruction, and four
// byte loads with shifts cost about twice as many operations.
inline std::uint32_t load_be32(const std::uint8_t* p) {
  std::uint32_t x;
  std::memcpy(&x, p, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  return x;
#else
  x = ((x & 0xff00ff00u) >> 8) | ((x & 0x00ff00ffu) << 8);
  return rotr(x, 16);
#endif
}

inline void store_be32(std::uint8_t* p, std::uint32_t v) {
  p[0] = std::uint8_t(v >> 24);
  p[1] = std::uint8_t(v >> 16);
  p[2] = std::uint8_t(v >> 8);
  p[3] = std::uint8_t(v);
}

// All 64 rounds are written out (round i uses the variables rotated by i mod 8 and schedule word
// w[i mod 16]; each batch of 16 schedule words is computed before its 16 rounds), so the schedule
// and the working variables live in 24 named locals. Measured in Chromium against variants: a w[16]
// or w[64] array indexed by a loop counter lives in linear memory and costs 20-30%; the nested
// rotr(x ^ rotr(...)) sigma forms lengthen the dependency chain and cost ~15%.
#define WT_S0(x) (rotr(x, 2) ^ rotr(x, 13) ^ rotr(x, 22))
#define WT_S1(x) (rotr(x, 6) ^ rotr(x, 11) ^ rotr(x, 25))
#define WT_s0(x) (rotr(x, 7) ^ rotr(x, 18) ^ ((x) >> 3))
#define WT_s1(x) (rotr(x, 17) ^ rotr(x, 19) ^ ((x) >> 10))
#define WT_CH(x, y, z) (((x) & ((y) ^ (z))) ^ (z))
#define WT_MAJ(x, y, z) (((x) & (y)) | ((z) & ((x) | (y))))
#define WT_SCHEDULE(w0, w14, w9, w1) ((w0) += WT_s1(w14) + (w9) + WT_s0(w1))
#define WT_ROUND(a, b, c, d, e, f, g, h, k, w)                  \
  do {                                                          \
    std::uint32_t t1 = (h) + WT_S1(e) + WT_CH(e, f, g) + (k) + (w); \
    std::uint32_t t2 = WT_S0(a) + WT_MAJ(a, b, c);              \
    (d) += t1;                                                  \
    (h) = t1 + t2;                                              \
  } while (0)

void compress(std::uint32_t state[8], const std::uint8_t* data, std::size_t blocks) {
  while (blocks--) {
    std::uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
    std::uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
    std::uint32_t w0 = load_be32(data + 0), w1 = load_be32(data + 4), w2 = load_be32(data + 8), w3 = load_be32(data + 12);
    std::uint32_t w4 = load_be32(data + 16), w5 = load_be32(data + 20), w6 = load_be32(data + 24), w7 = load_be32(data + 28);
    std::uint32_t w8 = load_be32(data + 32), w9 = load_be32(data + 36), w10 = load_be32(data + 40), w11 = load_be32(data + 44);
    std::uint32_t w12 = load_be32(data + 48), w13 = load_be32(data + 52), w14 = load_be32(data + 56), w15 = load_be32(data + 60);
    WT_ROUND(a, b, c, d, e, f, g, h, kRound[0], w0);
    WT_ROUND(h, a, b, c, d, e, f, g, kRound[1], w1);
    WT_ROUND(g, h, a, b, c, d, e, f, kRound[2], w2);
    WT_ROUND(f, g, h, a, b, c, d, e, kRound[3], w3);
    WT_ROUND(e, f, g, h, a, b, c, d, kRound[4], w4);
    WT_ROUND(d, e, f, g, h, a, b, c, kRound[5], w5);
    WT_ROUND(c, d, e, f, g, h, a, b, kRound[6], w6);
    WT_ROUND(b, c, d, e, f, g, h, a, kRound[7], w7);
    WT_ROUND(a, b, c, d, e, f, g, h, kRound[8], w8);
    WT_ROUND(h, a, b, c, d, e, f, g, kRound[9], w9);
    WT_ROUND(g, h, a, b, c, d, e, f, kRound[10], w10);
    WT_ROUND(f, g, h, a, b, c, d, e, kRound[11], w11);
    WT_ROUND(e, f, g, h, a, b, c, d, kRound[12], w12);
    WT_ROUND(d, e, f, g, h, a, b, c, kRound[13], w13);
    WT_ROUND(c, d, e, f, g, h, a, b, kRound[14], w14);
    WT_ROUND(b, c, d, e, f, g, h, a, kRound[15], w15);
    WT_SCHEDULE(w0, w14, w9, w1);
    WT_SCHEDULE(w1, w15, w10, w2);
    WT_SCHEDULE(w2, w0, w11, w3);
    WT_SCHEDULE(w3, w1, w12, w4);
    WT_SCHEDULE(w4, w2, w13, w5);
    WT_SCHEDULE(w5, w3, w14, w6);
    WT_SCHEDULE(w6, w4, w15, w7);
    WT_SCHEDULE(w7, w5, w0, w8);
    WT_SCHEDULE(w8, w6, w1, w9);
    WT_SCHEDULE(w9, w7, w2, w10);
    WT_SCHEDULE(w10, w8, w3, w11);
    WT_SCHEDULE(w11, w9, w4, w12);
    WT_SCHEDULE(w12, w10, w5, w13);
    WT_SCHEDULE(w13, w11, w6, w14);
    WT_SCHEDULE(w14, w12, w7, w15);
    WT_SCHEDULE(w15, w13, w8, w0);
    WT_ROUND(a, b, c, d, e, f, g, h, kRound[16], w0);
    WT_ROUND(h, a, b, c, d, e, f, g, kRound[17], w1);
    WT_ROUND(g, h, a, b, c, d, e, f, kRound[18], w2);
    WT_ROUND(f, g, h, a, b, c, d, e, kRound[19], w3);
    WT_ROUND(e, f, g, h, a, b, c, d, kRound[20], w4);
    WT_ROUND(d, e, f, g, h, a, b, c, kRound[21], w5);
    WT_ROUND(c, d, e, f, g, h, a, b, kRound[22], w6);
    WT_ROUND(b, c, d, e, f, g, h, a, kRound[23], w7);
    WT_ROUND(a, b, c, d, e, f, g, h, kRound[24], w8);
    WT_ROUND(h, a, b, c, d, e, f, g, kRound[25], w9);
    WT_ROUND(g, h, a, b, c, d, e, f, kRound[26], w10);
    WT_ROUND(f, g, h, a, b, c, d, e, kRound[27], w11);
    WT_ROUND(e, f, g, h, a, b, c, d, kRound[28], w12);
    WT_ROUND(d, e, f, g, h, a, b, c, kRound[29], w13);
    WT_ROUND(c, d, e, f, g, h, a, b, kRound[30], w14);
    WT_ROUND(b, c, d, e, f, g, h, a, kRound[31], w15);
    WT_SCHEDULE(w0, w14, w9, w1);
    WT_SCHEDULE(w1, w15, w10, w2);
    WT_SCHEDULE(w2, w0, w11, w3);
    WT_SCHEDULE(w3, w1, w12, w4);
    WT_SCHEDULE(w4, w2, w13, w5);
    WT_SCHEDULE(w5, w3, w14, w6);
    WT_SCHEDULE(w6, w4, w15, w7);
    WT_SCHEDULE(w7, w5, w0, w8);
    WT_SCHEDULE(w8, w6, w1, w9);
    WT_SCHEDULE(w9, w7, w2, w10);
    WT_SCHEDULE(w10, w8, w3, w11);
    WT_SCHEDULE(w11, w9, w4, w12);
    WT_SCHEDULE(w12, w10, w5, w13);
    WT_SCHEDULE(w13, w11, w6, w14);
    WT_SCHEDULE(w14, w12, w7, w15);
    WT_SCHEDULE(w15, w13, w8, w0);
    WT_ROUND(a, b, c, d, e, f, g, h, kRound[32], w0);
    WT_ROUND(h, a, b, c, d, e, f, g, kRound[33], w1);
    WT_ROUND(g, h, a, b, c, d, e, f, kRound[34], w2);
    WT_ROUND(f, g, h, a, b, c, d, e, kRound[35], w3);
    WT_ROUND(e, f, g, h, a, b, c, d, kRound[36], w4);
    WT_ROUND(d, e, f, g, h, a, b, c, kRound[37], w5);
    WT_ROUND(c, d, e, f, g, h, a, b, kRound[38], w6);
    WT_ROUND(b, c, d, e, f, g, h, a, kRound[39], w7);
    WT_ROUND(a, b, c, d, e, f, g, h, kRound[40], w8);
    WT_ROUND(h, a, b, c, d, e, f, g, kRound[41], w9);
    WT_ROUND(g, h, a, b, c, d, e, f, kRound[42], w10);
    WT_ROUND(f, g, h, a, b, c, d, e, kRound[43], w11);
    WT_ROUND(e, f, g, h, a, b, c, d, kRound[44], w12);
    WT_ROUND(d, e, f, g, h, a, b, c, kRound[45], w13);
    WT_ROUND(c, d, e, f, g, h, a, b, kRound[46], w14);
    WT_ROUND(b, c, d, e, f, g, h, a, kRound[47], w15);
    WT_SCHEDULE(w0, w14, w9, w1);
    WT_SCHEDULE(w1, w15, w10, w2);
    WT_SCHEDULE(w2, w0, w11, w3);
    WT_SCHEDULE(w3, w1, w12, w4);
    WT_SCHEDULE(w4, w2, w13, w5);
    WT_SCHEDULE(w5, w3, w14, w6);
    WT_SCHEDULE(w6, w4, w15, w7);
    WT_SCHEDULE(w7, w5, w0, w8);
    WT_SCHEDULE(w8, w6, w1, w9);
    WT_SCHEDULE(w9, w7, w2, w10);
    WT_SCHEDULE(w10, w8, w3, w11);
    WT_SCHEDULE(w11, w9, w4, w12);
    WT_SCHEDULE(w12, w10, w5, w13);
    WT_SCHEDULE(w13, w11, w6, w14);
    WT_SCHEDULE(w14, w12, w7, w15);
    WT_SCHEDULE(w15, w13, w8, w0);
    WT_ROUND(a, b, c, d, e, f, g, h, kRound[48], w0);
    WT_ROUND(h, a, b, c, d, e, f, g, kRound[49], w1);
    WT_ROUND(g, h, a, b, c, d, e, f, kRound[50], w2);
    WT_ROUND(f, g, h, a, b, c, d, e, kRound[51], w3);
    WT_ROUND(e, f, g, h, a, b, c, d, kRound[52], w4);
    WT_ROUND(d, e, f, g, h, a, b, c, kRound[53], w5);
    WT_ROUND(c, d, e, f, g, h, a, b, kRound[54], w6);
    WT_ROUND(b, c, d, e, f, g, h, a, kRound[55], w7);
    WT_ROUND(a, b, c, d, e, f, g, h, kRound[56], w8);
    WT_ROUND(h, a, b, c, d, e, f, g, kRound[57], w9);
    WT_ROUND(g, h, a, b, c, d, e, f, kRound[58], w10);
    WT_ROUND(f, g, h, a, b, c, d, e, kRound[59], w11);
    WT_ROUND(e, f, g, h, a, b, c, d, kRound[60], w12);
    WT_ROUND(d, e, f, g, h, a, b, c, kRound[61], w13);
    WT_ROUND(c, d, e, f, g, h, a, b, kRound[62], w14);
    WT_ROUND(b, c, d, e, f, g, h, a, kRound[63], w15);
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
#undef WT_SCHEDULE

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
