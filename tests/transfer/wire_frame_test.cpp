#include "transfer/wire_frame.hpp"

#include <catch2/catch.hpp>

#include <cstring>
#include <random>
#include <vector>

using wt::FrameError;
using wt::FrameHeader;
using wt::FrameType;
using wt::FrameView;

namespace {

std::vector<std::uint8_t> make_frame(FrameType type, std::uint32_t index, std::uint32_t sub,
                                     std::vector<std::uint8_t> payload,
                                     const std::uint8_t* digest = nullptr) {
  std::vector<std::uint8_t> out(wt::frame_size(type, payload.size()));
  FrameHeader h{type, index, sub, std::uint32_t(payload.size())};
  const std::size_t n = wt::encode_frame_prefix(h, digest, out.data(), out.size());
  REQUIRE(n == wt::frame_size(type, 0));
  std::copy(payload.begin(), payload.end(), out.begin() + n);
  return out;
}

// Hand-written header, independent of the encoder, for the byte layout test.
std::vector<std::uint8_t> raw_header(std::uint8_t type, std::uint32_t index, std::uint32_t sub,
                                     std::uint32_t len) {
  std::vector<std::uint8_t> b = {0x57, 1, type, 0};
  for (std::uint32_t v : {index, sub, len})
    for (int i = 0; i < 4; ++i) b.push_back(std::uint8_t(v >> (8 * i)));
  return b;
}

}  // namespace

TEST_CASE("a chunk frame has the documented little-endian layout", "[frame]") {
  auto f = make_frame(FrameType::Chunk, 0x01020304, 7, {0xaa, 0xbb, 0xcc});
  std::vector<std::uint8_t> expect = raw_header(4, 0x01020304, 7, 3);
  expect.insert(expect.end(), {0xaa, 0xbb, 0xcc});
  CHECK(f == expect);
}

TEST_CASE("every frame type round-trips through encode and decode", "[frame]") {
  std::uint8_t digest[32];
  for (int i = 0; i < 32; ++i) digest[i] = std::uint8_t(200 + i);
  struct Case {
    FrameType type;
    std::uint32_t index, sub;
    std::size_t payload;
  };
  const Case cases[] = {
      {FrameType::Manifest, 0, 0, 40},    {FrameType::ManifestAck, 0, 0, 2},
      {FrameType::PieceDigest, 9, 0, 0},  {FrameType::Chunk, 3, 15, wt::kChunkSize},
      {FrameType::Chunk, 3, 0, 1},        {FrameType::Request, 4, 12, 0},
      {FrameType::UrgentRequest, 40, 3, 0},
      {FrameType::PieceOk, 5, 0, 0},      {FrameType::PieceBad, 6, 0, 0},
      {FrameType::Ping, 77, 0, 8},        {FrameType::Pong, 77, 0, 16},
      {FrameType::Cancel, 0, 0, 0},       {FrameType::Cancel, 0, 0, 11},
      {FrameType::Complete, 0, 0, 0},
      {FrameType::Pause, 0, wt::kPauseStorageFull, 0}, {FrameType::Pause, 0, wt::kPauseNone, 0},
  };
  for (const auto& c : cases) {
    std::vector<std::uint8_t> payload(c.payload);
    for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = std::uint8_t(i * 13);
    auto bytes = make_frame(c.type, c.index, c.sub, payload, digest);
    FrameView v;
    INFO("type " << int(c.type));
    REQUIRE(wt::decode_frame(bytes.data(), bytes.size(), v) == FrameError::Ok);
    CHECK(v.header.type == c.type);
    CHECK(v.header.index == c.index);
    CHECK(v.header.sub == c.sub);
    REQUIRE(v.payload_len == c.payload);
    CHECK(std::equal(payload.begin(), payload.end(), v.payload));
    if (wt::frame_has_digest(c.type)) {
      REQUIRE(v.digest != nullptr);
      CHECK(std::memcmp(v.digest, digest, 32) == 0);
    } else {
      CHECK(v.digest == nullptr);
    }
  }
}

TEST_CASE("every truncation of a valid frame is rejected as truncated", "[frame]") {
  std::uint8_t digest[32] = {1};
  const auto full = make_frame(FrameType::Manifest, 0, 0, std::vector<std::uint8_t>(50, '{'), digest);
  for (std::size_t len = 0; len < full.size(); ++len) {
    // Copy into an exact-size buffer so that a read past the end would be caught by sanitizers.
    std::vector<std::uint8_t> cut(full.begin(), full.begin() + len);
    FrameView v;
    INFO("length " << len);
    CHECK(wt::decode_frame(cut.data(), cut.size(), v) == FrameError::Truncated);
    CHECK(v.payload == nullptr);
  }
}

TEST_CASE("malformed frames from a peer get the matching error code", "[frame]") {
  FrameView v;
  auto check = [&](std::vector<std::uint8_t> b, FrameError want) {
    CHECK(wt::decode_frame(b.data(), b.size(), v) == want);
  };
  SECTION("a foreign message") {
    check({'{', '"', 't', 'y', 'p', 'e', '"', ':', '1', '}'}, FrameError::BadMagic);
    auto b = raw_header(4, 0, 0, 1);
    b[0] = 0x58;
    b.push_back(0);
    check(b, FrameError::BadMagic);
  }
  SECTION("another protocol version") {
    auto b = raw_header(4, 0, 0, 1);
    b[1] = 2;
    b.push_back(0);
    check(b, FrameError::UnsupportedVersion);
  }
  SECTION("unknown types") {
    check(raw_header(0, 0, 0, 0), FrameError::UnknownType);
    check(raw_header(14, 0, 0, 0), FrameError::UnknownType);
    check(raw_header(255, 0, 0, 0), FrameError::UnknownType);
  }
  SECTION("a chunk larger than 64 KiB is oversized, even when the bytes are there") {
    auto b = raw_header(4, 0, 0, wt::kChunkSize + 1);
    b.resize(b.size() + wt::kChunkSize + 1);
    check(b, FrameError::Oversized);
    check(raw_header(4, 0, 0, 0xffffffffu), FrameError::Oversized);
  }
  SECTION("fields that contradict the type") {
    check(raw_header(4, 0, 0, 0), FrameError::Inconsistent);  // empty chunk
    check(raw_header(5, 3, 0, 0), FrameError::Inconsistent);  // request of zero pieces
    check(raw_header(5, 0xfffffff0u, 0x20, 0), FrameError::Inconsistent);  // range wraps
    check(raw_header(6, 1, 0, 4), FrameError::Inconsistent);  // PieceOk with a payload
    check(raw_header(8, 1, 0, 7), FrameError::Inconsistent);  // ping clock must be 8 bytes
    check(raw_header(11, 1, 0, 0), FrameError::Inconsistent);  // Complete names no piece
    check(raw_header(13, 0, 2, 0), FrameError::Inconsistent);  // Pause for no known reason
    check(raw_header(13, 4, 1, 0), FrameError::Inconsistent);  // Pause names no piece
    check(raw_header(13, 0, 1, 1), FrameError::Inconsistent);  // Pause carries nothing
    auto flags = raw_header(6, 1, 0, 0);
    flags[3] = 1;
    check(flags, FrameError::Inconsistent);
  }
  SECTION("bytes after the declared payload") {
    auto b = raw_header(6, 1, 0, 0);
    b.push_back(0);
    check(b, FrameError::TrailingBytes);
  }
  SECTION("a null or empty buffer") {
    CHECK(wt::decode_frame(nullptr, 0, v) == FrameError::Truncated);
    CHECK(wt::decode_frame(nullptr, 100, v) == FrameError::Truncated);
  }
}

TEST_CASE("the encoder refuses frames the decoder would reject", "[frame]") {
  std::uint8_t out[64];
  CHECK(wt::encode_frame_prefix({FrameType::Chunk, 0, 0, 0}, nullptr, out, sizeof out) == 0);
  CHECK(wt::encode_frame_prefix({FrameType::Chunk, 0, 0, wt::kChunkSize + 1}, nullptr, out, sizeof out) == 0);
  CHECK(wt::encode_frame_prefix({FrameType::PieceDigest, 0, 0, 0}, nullptr, out, sizeof out) == 0);  // no digest
  CHECK(wt::encode_frame_prefix({FrameType::Request, 0, 0, 0}, nullptr, out, sizeof out) == 0);
  CHECK(wt::encode_frame_prefix({FrameType::Chunk, 0, 0, 5}, nullptr, out, 15) == 0);  // no room
}

TEST_CASE("random bytes and bit flips never crash the decoder or yield views outside the buffer", "[frame]") {
  const unsigned seed = 20261124;
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  std::uint8_t digest[32] = {};
  const auto valid = make_frame(FrameType::Chunk, 2, 3, std::vector<std::uint8_t>(100, 7), digest);
  for (int iter = 0; iter < 20000; ++iter) {
    std::vector<std::uint8_t> b;
    if (iter % 2 == 0) {
      b = valid;
      const int flips = 1 + int(rng() % 4);
      for (int k = 0; k < flips; ++k) b[rng() % b.size()] ^= std::uint8_t(1u << (rng() % 8));
      if (rng() % 4 == 0) b.resize(rng() % (b.size() + 1));
    } else {
      b.resize(rng() % 80);
      for (auto& x : b) x = std::uint8_t(rng());
      if (b.size() >= 2 && rng() % 2) {
        b[0] = 0x57;
        b[1] = 1;
      }
    }
    FrameView v;
    const FrameError e = wt::decode_frame(b.data(), b.size(), v);
    if (e == FrameError::Ok) {
      REQUIRE(v.payload >= b.data());
      REQUIRE(v.payload + v.payload_len == b.data() + b.size());
    } else {
      REQUIRE(v.payload == nullptr);
    }
  }
}
