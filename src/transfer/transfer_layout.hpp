// How a file is cut for transfer: 64 KiB chunks (one data channel message each) grouped into
// 1 MiB pieces (the unit that is hashed, verified, stored, requested and re-sent).
//
// Why 1 MiB pieces (16 chunks):
//  - digest overhead is one 32-byte PieceDigest frame (48 bytes with its header) per MiB: < 0.005%;
//  - a piece that fails verification costs at most 1 MiB to fetch again, and a connection cut at a
//    random point loses at most the one piece being received;
//  - one IndexedDB record per piece is a "large record" (IndexedDB is slow per record, fast per byte),
//    and a batch of a few pieces per transaction keeps transactions few;
//  - the verified-piece ledger stays tiny: a 5 GiB file has 5120 pieces, a 640-byte bitfield;
//  - the receiver holds at most (window × 1 MiB) of unverified data in memory (8 MiB by default).
// Smaller pieces would multiply records and digests; larger ones would make every cut, every bad
// piece and every seek cost more and would delay the first verified bytes playback can use.
#pragma once

#include <cstdint>

#include "transfer/wire_frame.hpp"

namespace wt {

constexpr std::uint32_t kChunksPerPiece = 16;
constexpr std::uint32_t kPieceSize = kChunkSize * kChunksPerPiece;  // 1 MiB
static_assert(kChunksPerPiece <= 64, "chunk masks are 64-bit");

// The largest file the protocol describes at all (64 GiB = 65536 pieces, an 8 KiB ledger bitfield
// that still fits a ManifestAck as base64). The user-facing limit (5 GB by default) is a setting
// in file_checks; this one only stops a peer from announcing an absurd size.
constexpr std::uint64_t kMaxTransferSize = std::uint64_t(1) << 36;
constexpr std::uint32_t kMaxPieceCount = std::uint32_t(kMaxTransferSize / kPieceSize);

struct PieceRange {
  std::uint32_t first = 0;
  std::uint32_t count = 0;
  bool operator==(const PieceRange& o) const { return first == o.first && count == o.count; }
};

struct ByteRange {
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  bool operator==(const ByteRange& o) const { return offset == o.offset && length == o.length; }
};

// Pure arithmetic over one file size. Indices past the end give empty ranges, never UB.
class TransferLayout {
 public:
  explicit TransferLayout(std::uint64_t file_size = 0) : size_(file_size) {}

  std::uint64_t file_size() const { return size_; }
  static constexpr std::uint32_t piece_size() { return kPieceSize; }
  static constexpr std::uint32_t chunk_size() { return kChunkSize; }

  std::uint32_t piece_count() const {
    return std::uint32_t((size_ + kPieceSize - 1) / kPieceSize);
  }
  std::uint64_t piece_offset(std::uint32_t piece) const {
    return std::uint64_t(piece) * kPieceSize;
  }
  std::uint32_t piece_length(std::uint32_t piece) const {
    const std::uint64_t off = piece_offset(piece);
    if (off >= size_) return 0;
    const std::uint64_t left = size_ - off;
    return left < kPieceSize ? std::uint32_t(left) : kPieceSize;
  }
  std::uint32_t chunk_count(std::uint32_t piece) const {
    return (piece_length(piece) + kChunkSize - 1) / kChunkSize;
  }
  // Offset of a chunk within its piece.
  std::uint32_t chunk_offset_in_piece(std::uint32_t chunk) const { return chunk * kChunkSize; }
  std::uint32_t chunk_length(std::uint32_t piece, std::uint32_t chunk) const {
    const std::uint32_t plen = piece_length(piece);
    const std::uint64_t off = std::uint64_t(chunk) * kChunkSize;
    if (off >= plen) return 0;
    const std::uint64_t left = plen - off;
    return left < kChunkSize ? std::uint32_t(left) : kChunkSize;
  }
  ByteRange piece_range(std::uint32_t piece) const {
    return {piece_offset(piece), piece_length(piece)};
  }
  // The piece holding a byte; piece_count() for offsets at or past the end.
  std::uint32_t piece_at(std::uint64_t byte_offset) const {
    if (byte_offset >= size_) return piece_count();
    return std::uint32_t(byte_offset / kPieceSize);
  }

 private:
  std::uint64_t size_;
};

}  // namespace wt
