#include "transfer/piece_ledger.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

namespace wt {
namespace {

constexpr std::uint8_t kMagic[4] = {'W', 'T', 'L', 'G'};
constexpr std::uint8_t kLedgerVersion = 2;
constexpr std::uint8_t kFlagDigestKnown = 1;
constexpr std::size_t kFixedHeader = 56;
constexpr std::size_t kCheckSize = 8;
constexpr std::size_t kMaxIdBytes = 128;

void put_le(std::vector<std::uint8_t>& out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(std::uint8_t(v >> (8 * i)));
}

std::uint64_t get_le(const std::uint8_t* p, int bytes) {
  std::uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = v << 8 | p[i];
  return v;
}

int popcount8(std::uint8_t b) {
  int n = 0;
  for (; b; b &= std::uint8_t(b - 1)) ++n;
  return n;
}

}  // namespace

const char* stored_piece_name(StoredPiece s) {
  switch (s) {
    case StoredPiece::Intact: return "intact";
    case StoredPiece::Damaged: return "damaged";
    case StoredPiece::NotHeld: return "not-held";
  }
  return "unknown";
}

const char* ledger_error_name(LedgerError e) {
  switch (e) {
    case LedgerError::Ok: return "ok";
    case LedgerError::Empty: return "empty";
    case LedgerError::Truncated: return "truncated";
    case LedgerError::BadMagic: return "bad-magic";
    case LedgerError::UnsupportedVersion: return "unsupported-version";
    case LedgerError::Corrupt: return "corrupt";
    case LedgerError::ForeignFile: return "foreign-file";
    case LedgerError::DigestMismatch: return "digest-mismatch";
  }
  return "unknown-error";
}

PieceLedger::PieceLedger(std::string transfer_id, std::uint64_t file_size)
    : id_(std::move(transfer_id)),
      layout_(file_size),
      count_(layout_.piece_count()),
      bits_((std::size_t(count_) + 7) / 8, 0),
      piece_digests_(count_) {}

bool PieceLedger::mark(std::uint32_t piece, const Sha256Digest& digest) {
  if (piece >= count_ || has(piece)) return false;
  bits_[piece >> 3] = std::uint8_t(bits_[piece >> 3] | 1u << (piece & 7));
  piece_digests_[piece] = digest;
  ++verified_;
  return true;
}

bool PieceLedger::unmark(std::uint32_t piece) {
  if (!has(piece)) return false;
  bits_[piece >> 3] = std::uint8_t(bits_[piece >> 3] & ~(1u << (piece & 7)));
  piece_digests_[piece] = Sha256Digest{};
  --verified_;
  return true;
}

void PieceLedger::clear() {
  std::fill(bits_.begin(), bits_.end(), 0);
  std::fill(piece_digests_.begin(), piece_digests_.end(), Sha256Digest{});
  verified_ = 0;
}

const Sha256Digest* PieceLedger::piece_digest(std::uint32_t piece) const {
  return has(piece) ? &piece_digests_[piece] : nullptr;
}

StoredPiece PieceLedger::verify_stored(std::uint32_t piece, const std::uint8_t* data, std::size_t len) {
  if (!has(piece)) return StoredPiece::NotHeld;
  if (data == nullptr || len != layout_.piece_length(piece) ||
      Sha256::of(data, len) != piece_digests_[piece]) {
    unmark(piece);
    return StoredPiece::Damaged;
  }
  return StoredPiece::Intact;
}

std::uint64_t PieceLedger::bytes_verified() const {
  if (count_ == 0) return 0;
  std::uint64_t n = std::uint64_t(verified_) * kPieceSize;
  if (has(count_ - 1)) n -= kPieceSize - layout_.piece_length(count_ - 1);
  return n;
}

std::uint64_t PieceLedger::contiguous_bytes_from(std::uint64_t byte_offset) const {
  const std::uint32_t p = layout_.piece_at(byte_offset);
  if (p >= count_ || !has(p)) return 0;
  const std::uint32_t end_piece = first_missing_from(p);
  const std::uint64_t end = end_piece >= count_ ? layout_.file_size() : layout_.piece_offset(end_piece);
  return end - byte_offset;
}

std::uint32_t PieceLedger::first_missing_from(std::uint32_t piece) const {
  std::uint32_t i = piece;
  while (i < count_) {
    // Skip whole bytes of held pieces.
    if ((i & 7) == 0 && bits_[i >> 3] == 0xff) {
      i += 8;
      continue;
    }
    if (!has(i)) return i;
    ++i;
  }
  return count_;
}

std::vector<PieceRange> PieceLedger::missing_ranges() const {
  std::vector<PieceRange> out;
  std::uint32_t i = first_missing_from(0);
  while (i < count_) {
    std::uint32_t j = i;
    while (j < count_ && !has(j)) ++j;
    out.push_back({i, j - i});
    i = first_missing_from(j);
  }
  return out;
}

std::vector<ByteRange> PieceLedger::missing_byte_ranges() const {
  std::vector<ByteRange> out;
  for (const PieceRange& r : missing_ranges()) {
    const std::uint64_t begin = layout_.piece_offset(r.first);
    const std::uint32_t last = r.first + r.count - 1;
    out.push_back({begin, layout_.piece_offset(last) + layout_.piece_length(last) - begin});
  }
  return out;
}

bool PieceLedger::set_file_digest(const Sha256Digest& digest) {
  if (digest_known_) return digest_ == digest;
  digest_ = digest;
  digest_known_ = true;
  return true;
}

std::vector<std::uint8_t> PieceLedger::serialize() const {
  std::vector<std::uint8_t> out;
  out.reserve(kFixedHeader + id_.size() + bits_.size() + std::size_t(verified_) * 32 + kCheckSize);
  out.insert(out.end(), kMagic, kMagic + 4);
  out.push_back(kLedgerVersion);
  out.push_back(digest_known_ ? kFlagDigestKnown : 0);
  put_le(out, id_.size(), 2);
  put_le(out, layout_.file_size(), 8);
  put_le(out, kPieceSize, 4);
  put_le(out, count_, 4);
  if (digest_known_) out.insert(out.end(), digest_.begin(), digest_.end());
  else out.insert(out.end(), 32, 0);
  out.insert(out.end(), id_.begin(), id_.end());
  out.insert(out.end(), bits_.begin(), bits_.end());
  for (std::uint32_t p = 0; p < count_; ++p)
    if (has(p)) out.insert(out.end(), piece_digests_[p].begin(), piece_digests_[p].end());
  const Sha256Digest check = Sha256::of(out.data(), out.size());
  out.insert(out.end(), check.begin(), check.begin() + kCheckSize);
  return out;
}

LedgerError PieceLedger::restore(const std::uint8_t* data, std::size_t len) {
  clear();
  if (data == nullptr || len == 0) return LedgerError::Empty;
  if (len < 4) return std::memcmp(data, kMagic, len) == 0 ? LedgerError::Truncated : LedgerError::BadMagic;
  if (std::memcmp(data, kMagic, 4) != 0) return LedgerError::BadMagic;
  if (len < kFixedHeader + kCheckSize) return LedgerError::Truncated;
  if (data[4] != kLedgerVersion) return LedgerError::UnsupportedVersion;
  const std::uint8_t flags = data[5];
  const std::size_t id_len = std::size_t(get_le(data + 6, 2));
  const std::uint64_t size = get_le(data + 8, 8);
  const std::uint64_t piece_size = get_le(data + 16, 4);
  const std::uint64_t count = get_le(data + 20, 4);
  // Bound every field before using it in a length, so nothing below can overflow.
  if ((flags & ~kFlagDigestKnown) != 0 || id_len == 0 || id_len > kMaxIdBytes ||
      count > kMaxPieceCount)
    return LedgerError::Corrupt;
  const std::size_t bit_bytes = std::size_t((count + 7) / 8);
  const std::size_t before_digests = kFixedHeader + id_len + bit_bytes;
  if (len < before_digests + kCheckSize) return LedgerError::Truncated;
  std::size_t held = 0;
  for (std::size_t i = 0; i < bit_bytes; ++i) held += std::size_t(popcount8(data[kFixedHeader + id_len + i]));
  const std::size_t total = before_digests + held * 32 + kCheckSize;
  if (len < total) return LedgerError::Truncated;
  if (len > total) return LedgerError::Corrupt;
  const Sha256Digest check = Sha256::of(data, total - kCheckSize);
  if (std::memcmp(check.data(), data + total - kCheckSize, kCheckSize) != 0) return LedgerError::Corrupt;
  if (size == 0 || size > kMaxTransferSize || piece_size == 0 ||
      count != (size + piece_size - 1) / piece_size)
    return LedgerError::Corrupt;
  const std::uint8_t* bits = data + kFixedHeader + id_len;
  if (count % 8 != 0 && (bits[bit_bytes - 1] >> (count % 8)) != 0) return LedgerError::Corrupt;

  const std::string id(reinterpret_cast<const char*>(data + kFixedHeader), id_len);
  if (id != id_ || size != layout_.file_size() || piece_size != kPieceSize)
    return LedgerError::ForeignFile;
  const bool stored_digest_known = (flags & kFlagDigestKnown) != 0;
  Sha256Digest stored_digest;
  std::memcpy(stored_digest.data(), data + 24, 32);
  if (stored_digest_known && digest_known_ && stored_digest != digest_)
    return LedgerError::DigestMismatch;

  std::memcpy(bits_.data(), bits, bit_bytes);
  verified_ = std::uint32_t(held);
  const std::uint8_t* digest = data + before_digests;
  for (std::uint32_t p = 0; p < count_; ++p) {
    if (!has(p)) continue;
    std::memcpy(piece_digests_[p].data(), digest, 32);
    digest += 32;
  }
  if (stored_digest_known && !digest_known_) {
    digest_ = stored_digest;
    digest_known_ = true;
  }
  return LedgerError::Ok;
}

}  // namespace wt
