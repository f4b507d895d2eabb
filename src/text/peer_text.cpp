#include "text/peer_text.hpp"

namespace wt {

std::vector<std::uint32_t> decode_utf8(const std::string& s) {
  std::vector<std::uint32_t> out;
  const std::size_t n = s.size();
  for (std::size_t i = 0; i < n;) {
    const auto b0 = std::uint8_t(s[i]);
    int extra;
    std::uint32_t cp, min;
    if (b0 < 0x80) { out.push_back(b0); ++i; continue; }
    if (b0 >= 0xc2 && b0 < 0xe0) { extra = 1; cp = b0 & 0x1f; min = 0x80; }
    else if (b0 >= 0xe0 && b0 < 0xf0) { extra = 2; cp = b0 & 0x0f; min = 0x800; }
    else if (b0 >= 0xf0 && b0 < 0xf5) { extra = 3; cp = b0 & 0x07; min = 0x10000; }
    else { out.push_back(0xfffd); ++i; continue; }
    bool ok = i + std::size_t(extra) < n;  // all continuation bytes present
    for (int k = 1; ok && k <= extra; ++k) {
      const auto b = std::uint8_t(s[i + std::size_t(k)]);
      if ((b & 0xc0) != 0x80) ok = false;
      else cp = cp << 6 | (b & 0x3f);
    }
    if (!ok || cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      out.push_back(0xfffd);
      ++i;
      continue;
    }
    out.push_back(cp);
    i += std::size_t(extra) + 1;
  }
  return out;
}


bool invisible_or_control(std::uint32_t cp) {
  return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) ||  // C0, DEL, C1
         cp == 0x061c || cp == 0x200e || cp == 0x200f ||  // bidi marks
         (cp >= 0x202a && cp <= 0x202e) ||  // bidi embeddings/overrides ("movie\u202Efdp.exe")
         (cp >= 0x2066 && cp <= 0x2069) ||  // bidi isolates
         (cp >= 0x200b && cp <= 0x200d) || cp == 0xfeff ||  // zero-width
         (cp >= 0x2028 && cp <= 0x2029);  // line/paragraph separators
}

}  // namespace wt
