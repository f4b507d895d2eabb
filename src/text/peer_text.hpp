// Text that came from another person (a file name, a track's title): decoded from UTF-8 without
// trusting it, and the characters that must not reach a page from it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace wt {

// Decodes UTF-8; an invalid byte becomes U+FFFD (so what is built from the result is valid UTF-8).
std::vector<std::uint32_t> decode_utf8(const std::string& s);

// Control characters, bidi marks, embeddings, overrides and isolates, zero-width characters and
// line/paragraph separators: in a name shown on a page they could make "movie\u202Efdp.exe" read
// as something else, or forge a line. They are dropped from a peer's names and titles.
bool invisible_or_control(std::uint32_t cp);

}  // namespace wt
