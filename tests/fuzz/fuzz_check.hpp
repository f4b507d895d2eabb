// What the fuzz targets share: an invariant check that holds in every build type (assert() is
// compiled out under NDEBUG) and stops the run as a crash, so that libFuzzer saves the input.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#define FUZZ_CHECK(cond)                                                               \
  do {                                                                                 \
    if (!(cond)) {                                                                     \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                    \
    }                                                                                  \
  } while (0)

namespace wt_fuzz {

// Reads the fuzz input front to back; past the end every read gives 0 (or nothing).
struct Input {
  const std::uint8_t* p;
  std::size_t left;
  std::uint8_t byte() {
    if (!left) return 0;
    --left;
    return *p++;
  }
  std::uint32_t u16() { return byte() | (std::uint32_t(byte()) << 8); }
  double f64() {
    std::uint8_t b[8];
    for (auto& x : b) x = byte();
    double d;
    std::memcpy(&d, b, sizeof d);
    return d;
  }
  std::vector<std::uint8_t> bytes(std::size_t n) {
    n = std::min(n, left);
    std::vector<std::uint8_t> out(p, p + n);
    p += n;
    left -= n;
    return out;
  }
  std::string text(std::size_t n) {
    const std::vector<std::uint8_t> b = bytes(n);
    return std::string(b.begin(), b.end());
  }
};

}  // namespace wt_fuzz
