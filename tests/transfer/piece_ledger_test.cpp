#include "transfer/piece_ledger.hpp"

#include <catch2/catch.hpp>

using wt::LedgerError;
using wt::PieceLedger;

namespace {

constexpr std::uint64_t kMiB = 1024 * 1024;

}  // namespace

TEST_CASE("the piece ledger counts verified pieces and bytes, with a short last piece", "[ledger]") {
  PieceLedger l("t", 5 * kMiB + 100);  // pieces 0..5, the last 100 bytes
  REQUIRE(l.piece_count() == 6);
  CHECK(l.bytes_verified() == 0);
  CHECK(l.mark(5));
  CHECK_FALSE(l.mark(5));
  CHECK_FALSE(l.mark(6));  // out of range
  CHECK(l.bytes_verified() == 100);
  CHECK(l.contiguous_prefix_bytes() == 0);
  l.mark(0);
  l.mark(1);
  l.mark(3);
  CHECK(l.verified_count() == 4);
  CHECK(l.bytes_verified() == 3 * kMiB + 100);
  CHECK(l.contiguous_prefix_bytes() == 2 * kMiB);
  CHECK(l.contiguous_bytes_from(kMiB + 10) == kMiB - 10);
  CHECK(l.contiguous_bytes_from(2 * kMiB) == 0);
  CHECK(l.contiguous_bytes_from(3 * kMiB + 1) == kMiB - 1);
  CHECK(l.contiguous_bytes_from(5 * kMiB + 99) == 1);
  CHECK(l.first_missing_from(0) == 2);
  CHECK(l.first_missing_from(3) == 4);
  CHECK(l.missing_ranges() == std::vector<wt::PieceRange>{{2, 1}, {4, 1}});
  CHECK(l.missing_byte_ranges() == std::vector<wt::ByteRange>{{2 * kMiB, kMiB}, {4 * kMiB, kMiB}});
  l.mark(2);
  l.mark(4);
  CHECK(l.complete());
  CHECK(l.contiguous_prefix_bytes() == 5 * kMiB + 100);
  CHECK(l.missing_ranges().empty());
  CHECK(l.unmark(4));
  CHECK(l.missing_ranges() == std::vector<wt::PieceRange>{{4, 1}});
}

TEST_CASE("a 5 GiB file's ledger is a 640-byte bitfield", "[ledger]") {
  PieceLedger l("session-abc:movie", 5ull << 30);
  CHECK(l.piece_count() == 5120);
  CHECK(l.bitfield().size() == 640);
  CHECK(l.serialize().size() == 56 + 17 + 640 + 8);
}

TEST_CASE("the ledger survives a serialize/restore round trip", "[ledger][resume]") {
  PieceLedger a("t-1", 40 * kMiB + 3);
  for (std::uint32_t p : {0u, 1u, 2u, 9u, 39u, 40u}) a.mark(p);
  wt::Sha256Digest d{};
  d[0] = 0xab;
  d[31] = 0xcd;
  a.set_file_digest(d);
  const std::vector<std::uint8_t> bytes = a.serialize();

  PieceLedger b("t-1", 40 * kMiB + 3);
  REQUIRE(b.restore(bytes.data(), bytes.size()) == LedgerError::Ok);
  CHECK(b.bitfield() == a.bitfield());
  CHECK(b.verified_count() == 6);
  CHECK(b.bytes_verified() == a.bytes_verified());
  CHECK(b.digest_known());
  CHECK(b.file_digest() == d);
  CHECK(b.serialize() == bytes);
}

TEST_CASE("a ledger for another transfer, size or digest is rejected and leaves a fresh ledger",
          "[ledger][resume]") {
  PieceLedger a("t-1", 10 * kMiB);
  a.mark(3);
  wt::Sha256Digest d{};
  d[7] = 1;
  a.set_file_digest(d);
  const std::vector<std::uint8_t> bytes = a.serialize();

  PieceLedger other_id("t-2", 10 * kMiB);
  CHECK(other_id.restore(bytes.data(), bytes.size()) == LedgerError::ForeignFile);
  PieceLedger other_size("t-1", 10 * kMiB + 1);
  CHECK(other_size.restore(bytes.data(), bytes.size()) == LedgerError::ForeignFile);
  PieceLedger other_digest("t-1", 10 * kMiB);
  wt::Sha256Digest e = d;
  e[0] = 9;
  other_digest.set_file_digest(e);
  CHECK(other_digest.restore(bytes.data(), bytes.size()) == LedgerError::DigestMismatch);
  CHECK(other_digest.verified_count() == 0);
  PieceLedger digest_unknown("t-1", 10 * kMiB);  // learns the digest from the record
  CHECK(digest_unknown.restore(bytes.data(), bytes.size()) == LedgerError::Ok);
  CHECK(digest_unknown.file_digest() == d);
}

TEST_CASE("a truncated or corrupted ledger record is rejected, never half-adopted", "[ledger][resume]") {
  PieceLedger a("transfer", 20 * kMiB + 5);
  for (std::uint32_t p = 0; p < 21; p += 2) a.mark(p);
  const std::vector<std::uint8_t> bytes = a.serialize();

  PieceLedger b("transfer", 20 * kMiB + 5);
  CHECK(b.restore(nullptr, 0) == LedgerError::Empty);
  for (std::size_t len = 1; len < bytes.size(); ++len) {
    CAPTURE(len);
    const LedgerError e = b.restore(bytes.data(), len);
    CHECK((e == LedgerError::Truncated || e == LedgerError::Corrupt));
    CHECK(b.verified_count() == 0);
  }
  std::vector<std::uint8_t> longer = bytes;
  longer.push_back(0);
  CHECK(b.restore(longer.data(), longer.size()) == LedgerError::Corrupt);
  // Flip each bit of the record in turn: every damaged record is refused.
  for (std::size_t i = 0; i < bytes.size(); ++i)
    for (int bit = 0; bit < 8; ++bit) {
      std::vector<std::uint8_t> bad = bytes;
      bad[i] ^= std::uint8_t(1 << bit);
      const LedgerError e = b.restore(bad.data(), bad.size());
      CAPTURE(i, bit);
      CHECK(e != LedgerError::Ok);
      CHECK(b.verified_count() == 0);
    }
  const std::uint8_t junk[] = {'{', '"', 'a', '"', ':', '1', '}'};
  CHECK(b.restore(junk, sizeof junk) == LedgerError::BadMagic);
  std::vector<std::uint8_t> v2 = bytes;
  v2[4] = 2;
  CHECK(b.restore(v2.data(), v2.size()) == LedgerError::UnsupportedVersion);
  CHECK(b.restore(bytes.data(), bytes.size()) == LedgerError::Ok);  // the original is still fine
}
