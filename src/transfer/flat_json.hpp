// The small JSON the transfer's control frames carry (Manifest, ManifestAck): one flat object whose
// values are strings, numbers, booleans or null. The reader is strict (a peer's bytes are untrusted):
// nesting, duplicate keys, invalid UTF-8, unpaired surrogates and trailing garbage are all rejected.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

namespace wt {

struct FlatJsonValue {
  enum class Kind : std::uint8_t { Null, Bool, Number, String };
  Kind kind = Kind::Null;
  bool boolean = false;
  std::string text;  // String: the decoded UTF-8; Number: the literal as written
  // Number only: true when the literal is a plain non-negative integer that fits 2^53 (exact in JS).
  bool is_uint = false;
  std::uint64_t uint_value = 0;
};

using FlatJsonObject = std::map<std::string, FlatJsonValue>;

// Returns false on anything but one flat object (surrounding whitespace allowed).
bool parse_flat_json(const char* data, std::size_t len, FlatJsonObject& out);

// Appends a JSON string literal (quotes and escapes; control characters as \u00XX).
void append_json_string(std::string& out, const std::string& utf8);
// Appends one Unicode code point (at most 0x10FFFF, not a surrogate) as UTF-8.
void append_utf8(std::string& out, std::uint32_t code_point);

}  // namespace wt
