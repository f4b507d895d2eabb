// The receiver's ledger: which pieces are verified and stored. It is what persists across reloads
// and reconnections (the glue keeps serialize()'s bytes in IndexedDB next to the pieces), so a
// resumed transfer asks only for what is missing.
//
// Stored format, version 1 (little-endian):
//   0  "WTLG"   magic
//   4  u8       version (1)
//   5  u8       flags: bit 0 = file digest known (no other bits in version 1)
//   6  u16      transfer id length L (1..128)
//   8  u64      file size
//   16 u32      piece size (kPieceSize)
//   20 u32      piece count (= ceil(file size / piece size))
//   24 [32]     whole-file SHA-256 (zero when unknown)
//   56 [L]      transfer id
//   .. [B]      bitfield, B = ceil(piece count / 8); bit i of byte i/8 (LSB first) = piece i held
//   .. [8]      the first 8 bytes of SHA-256 over everything above (catches torn/corrupt records)
// A 5 GiB file's record is 64 + L + 640 bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "hash/sha256.hpp"
#include "transfer/transfer_layout.hpp"

namespace wt {

enum class LedgerError : std::uint8_t {
  Ok = 0,
  Empty,               // no stored ledger: a fresh transfer
  Truncated,           // shorter than its header or its declared contents
  BadMagic,            // not a ledger record
  UnsupportedVersion,  // written by another version of the format
  Corrupt,             // checksum, flags, sizes or stray bits do not add up
  ForeignFile,         // a ledger for another transfer (id, size or piece size differ)
  DigestMismatch,      // same id and size, but another whole-file digest: the file changed
};

const char* ledger_error_name(LedgerError e);

class PieceLedger {
 public:
  PieceLedger() = default;
  PieceLedger(std::string transfer_id, std::uint64_t file_size);

  const std::string& transfer_id() const { return id_; }
  const TransferLayout& layout() const { return layout_; }
  std::uint32_t piece_count() const { return count_; }

  bool has(std::uint32_t piece) const {
    return piece < count_ && (bits_[piece >> 3] >> (piece & 7) & 1) != 0;
  }
  bool mark(std::uint32_t piece);    // true when newly marked; false if held or out of range
  bool unmark(std::uint32_t piece);  // true when it was held
  void clear();                      // all missing; identity and digest kept

  std::uint32_t verified_count() const { return verified_; }
  bool complete() const { return verified_ == count_; }
  std::uint64_t bytes_verified() const;
  // Bytes held without a gap from the start of the file (what playback from 0 may use).
  std::uint64_t contiguous_prefix_bytes() const { return contiguous_bytes_from(0); }
  // Bytes held without a gap from byte_offset on (0 if that byte's piece is missing).
  std::uint64_t contiguous_bytes_from(std::uint64_t byte_offset) const;
  // First missing piece at or after `piece` (no wrap); piece_count() when none.
  std::uint32_t first_missing_from(std::uint32_t piece) const;
  std::vector<PieceRange> missing_ranges() const;
  std::vector<ByteRange> missing_byte_ranges() const;
  const std::vector<std::uint8_t>& bitfield() const { return bits_; }

  bool digest_known() const { return digest_known_; }
  const Sha256Digest& file_digest() const { return digest_; }
  // Records the whole-file digest; false (and no change) if a different one is already recorded.
  bool set_file_digest(const Sha256Digest& digest);

  std::vector<std::uint8_t> serialize() const;
  // Adopts a stored ledger if it describes this transfer (same id and size; same digest where
  // both know one) and takes its digest if this ledger has none. On any error this ledger is left
  // fresh (nothing held) and the error says why; the glue should then drop the stored pieces.
  LedgerError restore(const std::uint8_t* data, std::size_t len);

 private:
  std::string id_;
  TransferLayout layout_;
  std::uint32_t count_ = 0;
  std::uint32_t verified_ = 0;
  std::vector<std::uint8_t> bits_;
  bool digest_known_ = false;
  Sha256Digest digest_{};
};

}  // namespace wt
