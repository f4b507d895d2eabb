// Fuzz target: the subtitle reader (src/subtitles/subtitle_file.*) on any bytes, as a viewer's
// subtitle file reaches the other viewer. The first byte picks the encoding asked for and the file
// name's extension; the rest is the file. Invariants: a file gives cues or an error, never both;
// cues are finite, start before they end, at or after 0, in order; their text is valid UTF-8, lines
// of WebVTT cue text with no empty line (it would end the cue in a WebVTT file), no control
// character but '\n', no '<' or '>' outside balanced <i>, <b>, <u> tags and no '&' outside &amp;
// &lt; &gt; (so the browser shows exactly the words); a shift keeps every cue after 0 and in order;
// reading twice gives the same.
#include <cmath>
#include <string>
#include <vector>

#include "fuzz_check.hpp"
#include "subtitles/subtitle_file.hpp"
#include "text/peer_text.hpp"
#include "transfer/flat_json.hpp"

namespace {

bool valid_utf8(const std::string& s) {
  std::string again;
  for (std::uint32_t cp : wt::decode_utf8(s)) wt::append_utf8(again, cp);
  return again == s;
}

void check_cue_text(const std::string& t) {
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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const char* const kNames[] = {"a.srt", "a.vtt", "a.ass", "a.txt"};
  static const wt::TextEncoding kEncodings[] = {wt::TextEncoding::Auto, wt::TextEncoding::Utf8, wt::TextEncoding::Utf16Le,
                                                wt::TextEncoding::Utf16Be, wt::TextEncoding::Windows1251, wt::TextEncoding::Windows1252};
  const std::string name = kNames[data[0] & 3];
  const wt::TextEncoding encoding = kEncodings[(data[0] >> 2) % 6];
  const wt::SubtitleFile f = wt::read_subtitle_file(data + 1, size - 1, name, encoding);
  FUZZ_CHECK(f.cues.empty() != f.error.empty());
  FUZZ_CHECK(f.encoding != wt::TextEncoding::Auto);
  double last = 0;
  for (const wt::SubtitleCue& c : f.cues) {
    FUZZ_CHECK(std::isfinite(c.start_s) && std::isfinite(c.end_s));
    FUZZ_CHECK(c.start_s >= 0 && c.start_s < c.end_s);
    FUZZ_CHECK(c.start_s >= last);
    last = c.start_s;
    check_cue_text(c.text);
  }
  const double offset = double(static_cast<int>(data[0]) - 128) / 10;
  last = 0;
  for (const wt::SubtitleCue& c : wt::shift_cues(f.cues, offset)) {
    FUZZ_CHECK(c.start_s >= 0 && c.end_s > 0 && c.start_s < c.end_s);
    FUZZ_CHECK(c.start_s >= last);
    last = c.start_s;
  }
  const wt::SubtitleFile again = wt::read_subtitle_file(data + 1, size - 1, name, encoding);
  FUZZ_CHECK(again.cues.size() == f.cues.size() && again.skipped == f.skipped && again.error == f.error);
  return 0;
}
