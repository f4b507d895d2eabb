#include "hash/sha256.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace {

std::string hex_of(const std::string& text) {
  return wt::to_hex(wt::Sha256::of(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

// Expected digests are the FIPS 180-4 / NIST CSRC example values, independent of this code.
constexpr const char* kEmpty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr const char* kAbc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
constexpr const char* k448 = "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1";
constexpr const char* kMillionA = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
constexpr const char* k448Text = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

}  // namespace

TEST_CASE("SHA-256 matches the FIPS 180-4 example vectors", "[sha256]") {
  CHECK(hex_of("") == kEmpty);
  CHECK(hex_of("abc") == kAbc);
  CHECK(hex_of(k448Text) == k448);
  CHECK(hex_of(std::string(1000000, 'a')) == kMillionA);
}

TEST_CASE("SHA-256 of one million 'a' is the same fed in uneven updates", "[sha256]") {
  const std::string a(1000000, 'a');
  wt::Sha256 h;
  std::size_t at = 0, step = 1;
  while (at < a.size()) {
    const std::size_t n = std::min(step, a.size() - at);
    h.update(reinterpret_cast<const std::uint8_t*>(a.data()) + at, n);
    at += n;
    step = step * 7 % 9973 + 1;  // sizes from 1 byte to ~10 KB, crossing block edges at odd places
  }
  CHECK(h.bytes_hashed() == a.size());
  CHECK(wt::to_hex(h.finish()) == kMillionA);
}

TEST_CASE("SHA-256 digest is independent of every two-way split around a block boundary", "[sha256]") {
  // Messages of 55..130 bytes cover the padding edge cases (55, 56, 63, 64, 119, 120, 128 bytes);
  // each is hashed whole and then split at every position and compared.
  for (std::size_t len = 55; len <= 130; ++len) {
    std::vector<std::uint8_t> msg(len);
    for (std::size_t i = 0; i < len; ++i) msg[i] = std::uint8_t(i * 31 + len);
    const auto whole = wt::Sha256::of(msg.data(), msg.size());
    for (std::size_t cut = 0; cut <= len; ++cut) {
      wt::Sha256 h;
      h.update(msg.data(), cut);
      h.update(msg.data() + cut, len - cut);
      INFO("length " << len << " split at " << cut);
      REQUIRE(h.finish() == whole);
    }
  }
}

TEST_CASE("SHA-256 three-way splits around the 64-byte boundary give the same digest", "[sha256]") {
  const std::string text = std::string(k448Text) + k448Text + "tail";
  const auto* p = reinterpret_cast<const std::uint8_t*>(text.data());
  const auto whole = wt::Sha256::of(p, text.size());
  for (std::size_t i = 56; i <= 72; ++i) {
    for (std::size_t j = i; j <= text.size(); ++j) {
      wt::Sha256 h;
      h.update(p, i);
      h.update(p + i, j - i);
      h.update(p + j, text.size() - j);
      REQUIRE(h.finish() == whole);
    }
  }
}

TEST_CASE("SHA-256 448-bit vector fed one byte at a time", "[sha256]") {
  wt::Sha256 h;
  for (const char* c = k448Text; *c; ++c) h.update(reinterpret_cast<const std::uint8_t*>(c), 1);
  CHECK(wt::to_hex(h.finish()) == k448);
}

TEST_CASE("SHA-256 reset starts a fresh hash", "[sha256]") {
  wt::Sha256 h;
  h.update(reinterpret_cast<const std::uint8_t*>("junk"), 4);
  h.reset();
  h.update(reinterpret_cast<const std::uint8_t*>("abc"), 3);
  CHECK(wt::to_hex(h.finish()) == kAbc);
}

TEST_CASE("hex round trip accepts 64 hex digits and rejects anything else", "[sha256]") {
  wt::Sha256Digest d{};
  REQUIRE(wt::from_hex(kAbc, d));
  CHECK(wt::to_hex(d) == kAbc);
  std::string upper = kAbc;
  for (auto& c : upper) c = char(std::toupper(static_cast<unsigned char>(c)));
  REQUIRE(wt::from_hex(upper, d));
  CHECK(wt::to_hex(d) == kAbc);
  CHECK_FALSE(wt::from_hex(std::string(kAbc).substr(1), d));
  CHECK_FALSE(wt::from_hex(std::string(63, 'a') + "g", d));
  CHECK_FALSE(wt::from_hex("", d));
}
