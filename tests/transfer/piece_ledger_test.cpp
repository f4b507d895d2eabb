#include "transfer/piece_ledger.hpp"

#include <catch2/catch.hpp>

using wt::LedgerError;
using wt::PieceLedger;

namespace {

constexpr std::uint64_t kMiB = 1024 * 1024;

// A digest standing for piece p's (the ledger only keeps it; these tests do not hash).
wt::Sha256Digest digest_of(std::uint32_t p) {
  wt::Sha256Digest d{};
  d[0] = std::uint8_t(p);
  d[1] = std::uint8_t(p >> 8);
  d[31] = 0x5a;
  return d;
}

}  // namespace

TEST_CASE("the piece ledger counts verified pieces and bytes, with a short last piece", "[ledger]") {
  PieceLedger l("t", 5 * kMiB + 100);  // pieces 0..5, the last 100 bytes
  REQUIRE(l.piece_count() == 6);
  CHECK(l.bytes_verified() == 0);
  CHECK(l.mark(5, digest_of(5)));
  CHECK_FALSE(l.mark(5, digest_of(5)));
  CHECK_FALSE(l.mark(6, digest_of(6)));  // out of range
  CHECK(l.bytes_verified() == 100);
  CHECK(l.contiguous_prefix_bytes() == 0);
  l.mark(0, digest_of(0));
  l.mark(1, digest_of(1));
  l.mark(3, digest_of(3));
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
  l.mark(2, digest_of(2));
  l.mark(4, digest_of(4));
  CHECK(l.complete());
  CHECK(l.contiguous_prefix_bytes() == 5 * kMiB + 100);
  CHECK(l.missing_ranges().empty());
  CHECK(l.unmark(4));
  CHECK(l.missing_ranges() == std::vector<wt::PieceRange>{{4, 1}});
}

TEST_CASE("a 5 GiB file's ledger is a 640-byte bitfield plus 32 bytes per piece held", "[ledger]") {
  PieceLedger l("session-abc:movie", 5ull << 30);
  CHECK(l.piece_count() == 5120);
  CHECK(l.bitfield().size() == 640);
  CHECK(l.serialize().size() == 56 + 17 + 640 + 8);
  for (std::uint32_t p = 0; p < 5120; ++p) l.mark(p, digest_of(p));
  CHECK(l.serialize().size() == 56 + 17 + 640 + 5120 * 32 + 8);
}

TEST_CASE("the ledger survives a serialize/restore round trip", "[ledger][resume]") {
  PieceLedger a("t-1", 40 * kMiB + 3);
  for (std::uint32_t p : {0u, 1u, 2u, 9u, 39u, 40u}) a.mark(p, digest_of(p));
  wt::Sha256Digest d{};
  d[0] = 0xab;
  d[31] = 0xcd;
  a.set_file_digest(d);
  const std::vector<std::uint8_t> bytes = a.serialize();

  PieceLedger b("t-1", 40 * kMiB + 3);
  REQUIRE(b.restore(bytes.data(), bytes.size()) == LedgerError::Ok);
  CHECK(b.bitfield() == a.bitfield());
  CHECK(b.verified_count() == 6);
  for (std::uint32_t p = 0; p < b.piece_count(); ++p) {
    CAPTURE(p);
    if (a.has(p)) {
      REQUIRE(b.piece_digest(p) != nullptr);
      CHECK(*b.piece_digest(p) == digest_of(p));
    } else {
      CHECK(b.piece_digest(p) == nullptr);
    }
  }
  CHECK(b.bytes_verified() == a.bytes_verified());
  CHECK(b.digest_known());
  CHECK(b.file_digest() == d);
  CHECK(b.serialize() == bytes);
}

TEST_CASE("a ledger for another transfer, size or digest is rejected and leaves a fresh ledger",
          "[ledger][resume]") {
  PieceLedger a("t-1", 10 * kMiB);
  a.mark(3, digest_of(3));
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
  for (std::uint32_t p = 0; p < 21; p += 2) a.mark(p, digest_of(p));
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
  std::vector<std::uint8_t> v3 = bytes;
  v3[4] = 3;
  CHECK(b.restore(v3.data(), v3.size()) == LedgerError::UnsupportedVersion);
  std::vector<std::uint8_t> v1 = bytes;  // version 1 kept no piece digests: its pieces come again
  v1[4] = 1;
  CHECK(b.restore(v1.data(), v1.size()) == LedgerError::UnsupportedVersion);
  CHECK(b.restore(bytes.data(), bytes.size()) == LedgerError::Ok);  // the original is still fine
}

TEST_CASE("a stored piece is checked against the SHA-256 it was verified with; a damaged one is dropped",
          "[ledger][resume]") {
  // Real pieces and their digests (the same function the receiver verifies with, over other bytes).
  const std::uint64_t size = 2 * kMiB + 777;
  std::vector<std::uint8_t> file(size);
  for (std::size_t i = 0; i < file.size(); ++i) file[i] = std::uint8_t(i * 2654435761u >> 13);
  PieceLedger l("t", size);
  auto piece = [&](std::uint32_t p) {
    const std::uint64_t at = p * kMiB;
    return std::vector<std::uint8_t>(file.begin() + long(at), file.begin() + long(at + l.layout().piece_length(p)));
  };
  for (std::uint32_t p = 0; p < 3; ++p) {
    const std::vector<std::uint8_t> b = piece(p);
    l.mark(p, wt::Sha256::of(b.data(), b.size()));
  }
  // Through a stored record, as after a reload.
  const std::vector<std::uint8_t> record = l.serialize();
  PieceLedger r("t", size);
  REQUIRE(r.restore(record.data(), record.size()) == LedgerError::Ok);

  std::vector<std::uint8_t> p0 = piece(0), p1 = piece(1), p2 = piece(2);
  CHECK(r.verify_stored(0, p0.data(), p0.size()) == wt::StoredPiece::Intact);
  CHECK(r.verify_stored(2, p2.data(), p2.size()) == wt::StoredPiece::Intact);  // the short last piece
  p1[123456] ^= 0x01;  // one bit
  CHECK(r.verify_stored(1, p1.data(), p1.size()) == wt::StoredPiece::Damaged);
  CHECK_FALSE(r.has(1));
  CHECK(r.verified_count() == 2);
  CHECK(r.verify_stored(1, p1.data(), p1.size()) == wt::StoredPiece::NotHeld);
  // A short read is damage too (the copy lost its tail), as is nothing at all.
  CHECK(r.verify_stored(2, p2.data(), p2.size() - 1) == wt::StoredPiece::Damaged);
  CHECK(r.verify_stored(0, nullptr, 0) == wt::StoredPiece::Damaged);
  CHECK(r.verified_count() == 0);
  // What is saved afterwards no longer holds the dropped pieces.
  const std::vector<std::uint8_t> after = r.serialize();
  PieceLedger again("t", size);
  REQUIRE(again.restore(after.data(), after.size()) == LedgerError::Ok);
  CHECK(again.verified_count() == 0);
}
