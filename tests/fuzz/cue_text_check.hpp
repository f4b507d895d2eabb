// What every cue a subtitle reader gives must be, for the fuzz targets of the subtitle file reader and
// the Matroska subtitle reader: WebVTT cue text that shows exactly its words. Valid UTF-8, lines with
// no empty one (it would end the cue in a WebVTT file), no control character but '\n', no '<' or
// '>' outside balanced <i>, <b>, <u> tags and no '&' outside &amp; &lt; &gt;.
#pragma once

#include <string>

#include "fuzz_check.hpp"
#include "text/peer_text.hpp"
#include "transfer/flat_json.hpp"  // append_utf8

namespace wt_fuzz {

inline bool valid_utf8(const std::string& s) {
  std::string again;
  for (std::uint32_t cp : wt::decode_utf8(s)) wt::append_utf8(again, cp);
  return again == s;
}

inline void check_cue_text(const std::string& t) {
  FUZZ_CHECK(!t.empty());
  FUZZ_CHECK(valid_utf8(t));
  FUZZ_CHECK(t.front() != '\n' && t.back() != '\n' && t.find("\n\n") == std::string::npos);  // no empty line
  std::string open;
  for (std::size_t i = 0; i < t.size(); ++i) {
    const char c = t[i];
    FUZZ_CHECK(c == '\n' || static_cast<unsigned char>(c) >= 0x20);
    FUZZ_CHECK(c != 0x7f);
    if (c == '&') {
      const bool entity = t.compare(i, 5, "&amp;") == 0 || t.compare(i, 4, "&lt;") == 0 || t.compare(i, 4, "&gt;") == 0;
      FUZZ_CHECK(entity);
    } else if (c == '<') {
      const bool closing = i + 1 < t.size() && t[i + 1] == '/';
      const std::size_t at = i + 1 + closing;
      FUZZ_CHECK(at + 1 < t.size() && t[at + 1] == '>');
      const char tag = t[at];
      FUZZ_CHECK(tag == 'i' || tag == 'b' || tag == 'u');
      if (closing) {
        FUZZ_CHECK(!open.empty() && open.back() == tag);
        open.pop_back();
      } else {
        FUZZ_CHECK(open.find(tag) == std::string::npos);
        open += tag;
      }
      i = at + 1;
    } else {
      FUZZ_CHECK(c != '>');
    }
  }
  FUZZ_CHECK(open.empty());
}

}  // namespace wt_fuzz
