// Incremental SHA-256 (FIPS 180-4). Pure C++: no allocation, no I/O.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace wt {

using Sha256Digest = std::array<std::uint8_t, 32>;

class Sha256 {
 public:
  Sha256() { reset(); }

  void reset();
  // Feed any number of bytes; the digest does not depend on how input is split.
  void update(const std::uint8_t* data, std::size_t len);
  // Finishes the hash. The object must be reset() before further use.
  Sha256Digest finish();

  std::uint64_t bytes_hashed() const { return total_len_; }

  static Sha256Digest of(const std::uint8_t* data, std::size_t len);

 private:
  std::uint32_t state_[8];
  std::uint8_t block_[64];
  std::size_t block_len_ = 0;
  std::uint64_t total_len_ = 0;
};

std::string to_hex(const Sha256Digest& digest);
// Parses 64 hex digits (either case); returns false on anything else.
bool from_hex(const std::string& hex, Sha256Digest& out);

}  // namespace wt
