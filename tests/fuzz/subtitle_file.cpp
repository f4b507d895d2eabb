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

#include "cue_text_check.hpp"
#include "fuzz_check.hpp"
#include "subtitles/subtitle_file.hpp"

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
    wt_fuzz::check_cue_text(c.text);
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
