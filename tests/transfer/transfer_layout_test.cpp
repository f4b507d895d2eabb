#include "transfer/transfer_layout.hpp"

#include <catch2/catch.hpp>

using wt::TransferLayout;

TEST_CASE("a piece is 16 chunks of 64 KiB: 1 MiB", "[layout]") {
  CHECK(wt::kChunkSize == 65536);
  CHECK(wt::kPieceSize == 1048576);
  CHECK(wt::kMaxPieceCount == 65536);
}

TEST_CASE("piece and chunk ranges cover the file exactly, with a short last piece and chunk",
          "[layout]") {
  const std::uint64_t size = 10 * 1048576ull + 12345;
  TransferLayout l(size);
  REQUIRE(l.piece_count() == 11);
  CHECK(l.piece_length(0) == 1048576);
  CHECK(l.piece_length(10) == 12345);
  CHECK(l.piece_length(11) == 0);
  CHECK(l.chunk_count(0) == 16);
  CHECK(l.chunk_count(10) == 1);
  CHECK(l.chunk_length(10, 0) == 12345);
  CHECK(l.chunk_length(10, 1) == 0);
  CHECK(l.piece_at(size - 1) == 10);
  CHECK(l.piece_at(size) == 11);
  std::uint64_t total = 0;
  for (std::uint32_t p = 0; p < l.piece_count(); ++p) {
    CHECK(l.piece_offset(p) == total);
    std::uint64_t in_piece = 0;
    for (std::uint32_t c = 0; c < l.chunk_count(p); ++c) in_piece += l.chunk_length(p, c);
    CHECK(in_piece == l.piece_length(p));
    total += l.piece_length(p);
  }
  CHECK(total == size);
}

TEST_CASE("piece counts at the boundaries", "[layout]") {
  CHECK(TransferLayout(0).piece_count() == 0);
  CHECK(TransferLayout(1).piece_count() == 1);
  CHECK(TransferLayout(1048576).piece_count() == 1);
  CHECK(TransferLayout(1048577).piece_count() == 2);
  CHECK(TransferLayout(1048577).chunk_count(1) == 1);
  CHECK(TransferLayout(65537).chunk_count(0) == 2);
  CHECK(TransferLayout(65537).chunk_length(0, 1) == 1);
  CHECK(TransferLayout(5ull << 30).piece_count() == 5120);
}
