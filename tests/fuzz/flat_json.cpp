// Fuzz target: the flat JSON reader (src/transfer/flat_json.*) on any bytes, as a peer's control
// frame payload carries them. Invariants: what it accepts, written back out with the module's own
// string writer, reads back to the same object (so every accepted string is valid UTF-8 that the
// writer can carry), and a value marked as an exact integer is written exactly as it was read.
#include <string>

#include "fuzz_check.hpp"
#include "transfer/flat_json.hpp"

namespace {

std::string write_back(const wt::FlatJsonObject& o) {
  std::string j = "{";
  for (const auto& [key, v] : o) {
    if (j.size() > 1) j += ',';
    wt::append_json_string(j, key);
    j += ':';
    switch (v.kind) {
      case wt::FlatJsonValue::Kind::Null: j += "null"; break;
      case wt::FlatJsonValue::Kind::Bool: j += v.boolean ? "true" : "false"; break;
      case wt::FlatJsonValue::Kind::Number: j += v.text; break;
      case wt::FlatJsonValue::Kind::String: wt::append_json_string(j, v.text); break;
    }
  }
  return j + "}";
}

bool same(const wt::FlatJsonValue& a, const wt::FlatJsonValue& b) {
  return a.kind == b.kind && a.boolean == b.boolean && a.text == b.text && a.is_uint == b.is_uint &&
         a.uint_value == b.uint_value;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  wt::FlatJsonObject o;
  if (!wt::parse_flat_json(reinterpret_cast<const char*>(data), size, o)) {
    FUZZ_CHECK(o.empty());
    return 0;
  }
  for (const auto& [key, v] : o) {
    if (v.kind != wt::FlatJsonValue::Kind::Number) continue;
    FUZZ_CHECK(!v.text.empty());
    if (v.is_uint) {
      FUZZ_CHECK(v.uint_value <= (std::uint64_t(1) << 53) - 1);
      FUZZ_CHECK(std::to_string(v.uint_value) == v.text);
    }
  }
  const std::string again = write_back(o);
  wt::FlatJsonObject back;
  FUZZ_CHECK(wt::parse_flat_json(again.data(), again.size(), back));
  FUZZ_CHECK(back.size() == o.size());
  for (const auto& [key, v] : o) {
    const auto it = back.find(key);
    FUZZ_CHECK(it != back.end() && same(it->second, v));
  }
  return 0;
}
