// The receiver's ledger: which pieces are verified and stored, and the SHA-256 each was verified
// with. It is what persists across reloads and reconnections (the glue keeps serialize()'s bytes in
// IndexedDB next to the pieces), so a resumed transfer asks only for what is missing, and a piece read
// back from storage is checked against its own digest (a damaged one is fetched again, instead of
// failing the whole file at the end).
//
// Stored format, version 2 (little-endian):
//   0  "WTLG"   magic
//   4  u8       version (2)
//   5  u8       flags: bit 0 = file digest known (no other bits in version 2)
//   6  u16      transfer id length L (1..128)
//   8  u64      file size
//   16 u32      piece size (kPieceSize)
//   20 u32      piece count (= ceil(file size / piece size))
//   24 [32]     whole-file SHA-256 (zero when unknown)
//   56 [L]      transfer id
//   .. [B]      bitfield, B = ceil(piece count / 8); bit i of byte i/8 (LSB first) = piece i held
//   .. [32 × H] the SHA-256 of each held piece, in piece order (H = pieces held)
//   .. [8]      the first 8 bytes of SHA-256 over everything above (catches torn/corrupt records)
// A 5 GiB file's record is 64 + L + 640 bytes, plus 32 per piece held (160 KiB when complete: the
// glue saves it with every batch of pieces, about 4% on top of the pieces at the very end).
// Version 1 records (no digests) are refused as UnsupportedVersion: their pieces are fetched again.
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

// What bytes read back from storage are, compared with the digest their piece was verified with.
enum class StoredPiece : std::uint8_t {
  Intact = 0,
  Damaged,  // wrong length or another SHA-256: the stored copy went bad
  NotHeld,  // the ledger does not hold this piece (nothing to compare with)
};

const char* stored_piece_name(StoredPiece s);

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
  // `digest`: the SHA-256 the piece was verified with. True when newly marked; false if held or
  // out of range.
  bool mark(std::uint32_t piece, const Sha256Digest& digest);
  bool unmark(std::uint32_t piece);  // true when it was held
  void clear();                      // all missing; identity and digest kept
  // The digest piece `piece` was verified with; null when it is not held.
  const Sha256Digest* piece_digest(std::uint32_t piece) const;
  // Checks bytes read back from storage against that digest. A damaged piece is dropped (unmarked):
  // it is missing from then on, to be fetched again, and serialize() no longer counts it.
  StoredPiece verify_stored(std::uint32_t piece, const std::uint8_t* data, std::size_t len);

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
  std::vector<Sha256Digest> piece_digests_;  // per piece; zero while not held
  bool digest_known_ = false;
  Sha256Digest digest_{};
};

}  // namespace wt
