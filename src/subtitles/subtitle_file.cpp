#include "subtitles/subtitle_file.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <string_view>

#include "text/peer_text.hpp"
#include "transfer/flat_json.hpp"  // append_utf8

namespace wt {

namespace {

// ---- decoding ------------------------------------------------------------------------------------

// Windows-1251 bytes 0x80..0xBF (0xC0..0xFF are U+0410..U+044F), and Windows-1252 bytes 0x80..0x9F
// (0xA0..0xFF are Latin-1), as the WHATWG Encoding Standard maps them (its unassigned bytes to the C1
// control of the same value, which the cue text drops).
constexpr std::array<std::uint16_t, 64> kCp1251High = {
    0x0402, 0x0403, 0x201A, 0x0453, 0x201E, 0x2026, 0x2020, 0x2021, 0x20AC, 0x2030, 0x0409, 0x2039, 0x040A, 0x040C, 0x040B, 0x040F,
    0x0452, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x0098, 0x2122, 0x0459, 0x203A, 0x045A, 0x045C, 0x045B, 0x045F,
    0x00A0, 0x040E, 0x045E, 0x0408, 0x00A4, 0x0490, 0x00A6, 0x00A7, 0x0401, 0x00A9, 0x0404, 0x00AB, 0x00AC, 0x00AD, 0x00AE, 0x0407,
    0x00B0, 0x00B1, 0x0406, 0x0456, 0x0491, 0x00B5, 0x00B6, 0x00B7, 0x0451, 0x2116, 0x0454, 0x00BB, 0x0458, 0x0405, 0x0455, 0x0457};
constexpr std::array<std::uint16_t, 32> kCp1252C1 = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
    0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

std::uint32_t single_byte(std::uint8_t b, TextEncoding e) {
  if (b < 0x80) return b;
  if (e == TextEncoding::Windows1251) return b >= 0xC0 ? 0x0410u + (b - 0xC0u) : kCp1251High[b - 0x80];
  return b < 0xA0 ? kCp1252C1[b - 0x80] : b;
}

bool valid_utf8(const std::uint8_t* p, std::size_t n) {
  for (std::size_t i = 0; i < n;) {
    const std::uint8_t b = p[i];
    if (b < 0x80) { ++i; continue; }
    std::size_t extra;
    std::uint32_t cp, min;
    if (b >= 0xC2 && b < 0xE0) { extra = 1; cp = b & 0x1Fu; min = 0x80; }
    else if (b >= 0xE0 && b < 0xF0) { extra = 2; cp = b & 0x0Fu; min = 0x800; }
    else if (b >= 0xF0 && b < 0xF5) { extra = 3; cp = b & 0x07u; min = 0x10000; }
    else return false;
    if (i + extra >= n) return false;  // cut short at the end
    for (std::size_t k = 1; k <= extra; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return false;
      cp = cp << 6 | (p[i + k] & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += extra + 1;
  }
  return true;
}

// UTF-16 without a byte-order mark: text of mostly ASCII characters (timestamps, digits, "-->")
// has a zero byte in every other place.
TextEncoding guess_utf16(const std::uint8_t* p, std::size_t n) {
  const std::size_t look = std::min<std::size_t>(n, 4096) & ~std::size_t(1);
  if (look < 8) return TextEncoding::Auto;
  std::size_t even = 0, odd = 0;
  for (std::size_t i = 0; i < look; i += 2) {
    even += p[i] == 0;
    odd += p[i + 1] == 0;
  }
  const std::size_t units = look / 2;
  if (odd * 10 >= units * 6 && even * 10 <= units) return TextEncoding::Utf16Le;
  if (even * 10 >= units * 6 && odd * 10 <= units) return TextEncoding::Utf16Be;
  return TextEncoding::Auto;
}

// Windows-1251 or -1252: in Cyrillic text nearly every letter is a byte >= 0xC0; in Western
// European text such bytes are the occasional accented letter among ASCII ones.
TextEncoding guess_single_byte(const std::uint8_t* p, std::size_t n) {
  std::size_t high = 0, ascii = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t b = p[i];
    if (b >= 0xC0) ++high;
    else if ((b | 0x20) >= 'a' && (b | 0x20) <= 'z') ++ascii;
  }
  return high * 10 > (high + ascii) * 3 ? TextEncoding::Windows1251 : TextEncoding::Windows1252;
}

std::string decode_utf16(const std::uint8_t* p, std::size_t n, bool little) {
  std::string out;
  out.reserve(n);
  const auto unit = [&](std::size_t i) -> std::uint32_t {
    return little ? (p[i] | std::uint32_t(p[i + 1]) << 8) : (std::uint32_t(p[i]) << 8 | p[i + 1]);
  };
  for (std::size_t i = 0; i + 1 < n; i += 2) {
    std::uint32_t u = unit(i);
    if (u >= 0xD800 && u <= 0xDBFF && i + 3 < n) {
      const std::uint32_t lo = unit(i + 2);
      if (lo >= 0xDC00 && lo <= 0xDFFF) {
        append_utf8(out, 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00));
        i += 2;
        continue;
      }
    }
    if (u >= 0xD800 && u <= 0xDFFF) u = 0xFFFD;  // an unpaired surrogate
    append_utf8(out, u);
  }
  return out;
}

// ---- timestamps ----------------------------------------------------------------------------------

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_space(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Reads 1..max_digits digits at s[i] into *v (at most 9 digits, so it cannot overflow).
bool read_number(std::string_view s, std::size_t& i, int max_digits, long* v) {
  const std::size_t start = i;
  long n = 0;
  while (i < s.size() && is_digit(s[i]) && int(i - start) < max_digits) n = n * 10 + (s[i++] - '0');
  *v = n;
  return i > start;
}

// [h+:]mm:ss[.,]f+ (SRT, WebVTT; a fraction of 1 to 3 digits, as broken files have; ASS's
// h:mm:ss.cc is the same shape). Reads from s[i]; returns false unless a whole timestamp is there.
bool read_timestamp(std::string_view s, std::size_t& i, double* seconds) {
  long parts[3] = {0, 0, 0};
  int n = 0;
  for (;;) {
    if (n == 3 || !read_number(s, i, n == 0 ? 9 : 2, &parts[n])) return false;
    ++n;
    if (i < s.size() && s[i] == ':') { ++i; continue; }
    break;
  }
  if (n < 2) return false;
  long h = n == 3 ? parts[0] : 0, m = parts[n - 2], sec = parts[n - 1];
  if (m > 59 || sec > 59) return false;
  double frac = 0;
  if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
    ++i;
    const std::size_t start = i;
    long f = 0;
    if (!read_number(s, i, 3, &f)) return false;
    frac = double(f) / std::pow(10.0, double(i - start));
    while (i < s.size() && is_digit(s[i])) ++i;  // more precision than milliseconds: ignored
  }
  *seconds = double(h) * 3600 + double(m) * 60 + double(sec) + frac;
  return true;
}

// "start --> end[ settings]"; false when the line is not one (or its times do not read).
bool read_timing(std::string_view line, double* start, double* end) {
  const std::size_t arrow = line.find("-->");
  if (arrow == std::string_view::npos) return false;
  std::string_view a = trim(line.substr(0, arrow)), b = trim(line.substr(arrow + 3));
  std::size_t i = 0;
  if (!read_timestamp(a, i, start) || i != a.size()) return false;
  i = 0;
  if (!read_timestamp(b, i, end)) return false;
  return i == b.size() || is_space(b[i]);  // WebVTT's cue settings may follow
}

// ---- cue text ------------------------------------------------------------------------------------

// Builds WebVTT cue text from a cue's source text, keeping <i>, <b> and <u> balanced.
class CueText {
 public:
  void text(std::uint32_t cp) {
    if (cp == '\n') { newline(); return; }
    if (cp == '\t') cp = ' ';
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) return;  // control characters
    if (cp == ' ' && line_.empty()) return;                // leading spaces of a line
    if (cp == '&') line_ += "&amp;";
    else if (cp == '<') line_ += "&lt;";
    else if (cp == '>') line_ += "&gt;";
    else append_utf8(line_, cp);
    if (cp != ' ' && cp != 0xA0) visible_ = true;
  }
  void text(std::string_view utf8) {
    for (std::uint32_t cp : decode_utf8(std::string(utf8))) text(cp);
  }
  void set(char tag, bool on) {
    const auto it = std::find(open_.begin(), open_.end(), tag);
    if (on == (it != open_.end())) return;
    if (on) {
      open_.push_back(tag);
      line_ += '<';
      line_ += tag;
      line_ += '>';
      return;
    }
    // Close the tags opened after it, then it, then open those again.
    std::string again(it + 1, open_.end());
    for (auto k = open_.rbegin(); *k != tag; ++k) close_tag(*k);
    close_tag(tag);
    open_.erase(it, open_.end());
    for (char t : again) set(t, true);
  }
  std::string finish() {
    for (auto k = open_.rbegin(); k != open_.rend(); ++k) close_tag(*k);
    open_.clear();
    newline();
    // No empty line: in a WebVTT file one would end the cue.
    std::string out;
    for (const std::string& l : lines_) {
      if (l.empty()) continue;
      if (!out.empty()) out += '\n';
      out += l;
    }
    return visible_ ? out : std::string();
  }

 private:
  void close_tag(char tag) {
    line_ += "</";
    line_ += tag;
    line_ += '>';
  }
  void newline() {
    while (!line_.empty() && line_.back() == ' ') line_.pop_back();
    // A line holding only tags is kept: its tags still open or close what follows.
    lines_.push_back(std::move(line_));
    line_.clear();
  }
  std::string line_;
  std::vector<std::string> lines_;
  std::string open_;
  bool visible_ = false;
};

// &amp; &lt; &gt; &nbsp; &lrm; &rlm; &quot; &apos; and numeric references; 0 when s[i] starts none
// (the '&' is then text). Advances i past it.
std::uint32_t read_entity(std::string_view s, std::size_t& i) {
  const std::size_t semi = s.find(';', i);
  if (semi == std::string_view::npos || semi - i > 10) return 0;
  const std::string_view name = s.substr(i + 1, semi - i - 1);
  std::uint32_t cp = 0;
  if (!name.empty() && name[0] == '#') {
    const bool hex = name.size() > 1 && (name[1] == 'x' || name[1] == 'X');
    const std::string_view digits = name.substr(hex ? 2 : 1);
    if (digits.empty() || digits.size() > 6) return 0;
    for (char c : digits) {
      int d;
      if (is_digit(c)) d = c - '0';
      else if (hex && (c | 0x20) >= 'a' && (c | 0x20) <= 'f') d = (c | 0x20) - 'a' + 10;
      else return 0;
      cp = cp * (hex ? 16 : 10) + std::uint32_t(d);
    }
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  } else if (name == "amp") cp = '&';
  else if (name == "lt") cp = '<';
  else if (name == "gt") cp = '>';
  else if (name == "nbsp") cp = 0xA0;
  else if (name == "lrm") cp = 0x200E;
  else if (name == "rlm") cp = 0x200F;
  else if (name == "quot") cp = '"';
  else if (name == "apos") cp = '\'';
  else return 0;
  i = semi + 1;
  return cp;
}

// An ASS override block's contents ({...}): \i1 \i0 \b1 \b0 (or a weight) \u1 \u0 are kept as
// tags; everything else (positions, colours, fades, karaoke) is dropped. \p1 starts a drawing,
// whose "text" is vector commands: *drawing is set until \p0.
void ass_overrides(std::string_view block, CueText& out, bool* drawing) {
  for (std::size_t i = 0; i < block.size(); ++i) {
    if (block[i] != '\\' || i + 1 >= block.size()) continue;
    const char t = block[i + 1];
    if (t != 'i' && t != 'b' && t != 'u' && t != 'p') continue;
    std::size_t j = i + 2;
    long v = 0;
    if (!read_number(block, j, 4, &v)) {
      if (t == 'b' || t == 'i' || t == 'u') {
        // \b, \i, \u alone: back to the style's default (plain here).
        if (j == block.size() || block[j] == '\\') out.set(t, false);
      }
      continue;
    }
    if (j < block.size() && block[j] != '\\' && block[j] != ' ') continue;  // \iclip, \pos, \bord...
    if (t == 'p') *drawing = v != 0;
    else out.set(t, t == 'b' ? (v == 1 || v >= 600) : v != 0);
  }
}

enum class Markup : std::uint8_t { Srt, WebVtt, Ass };

// One cue's source lines as WebVTT cue text (empty when nothing visible is left).
std::string cue_text(const std::vector<std::string_view>& lines, Markup markup) {
  CueText out;
  bool drawing = false;
  for (std::size_t n = 0; n < lines.size(); ++n) {
    if (n > 0) out.text('\n');
    const std::string_view s = lines[n];
    std::size_t plain = 0;  // start of the text not yet handed over
    const auto flush = [&](std::size_t upto) {
      if (upto > plain && !drawing) out.text(s.substr(plain, upto - plain));
    };
    for (std::size_t i = 0; i < s.size();) {
      const char c = s[i];
      if (c == '{' && markup != Markup::WebVtt) {
        const std::size_t close = s.find('}', i);
        if (close != std::string_view::npos) {
          flush(i);
          ass_overrides(s.substr(i + 1, close - i - 1), out, &drawing);
          i = plain = close + 1;
          continue;
        }
      }
      if (c == '\\' && markup == Markup::Ass && i + 1 < s.size()) {
        const char e = s[i + 1];
        if (e == 'N' || e == 'n' || e == 'h') {
          flush(i);
          if (!drawing) out.text(e == 'h' ? std::uint32_t(0xA0) : std::uint32_t('\n'));
          i = plain = i + 2;
          continue;
        }
      }
      if (c == '<' && markup != Markup::Ass) {
        // A tag: '<', an optional '/', then a letter or a digit (WebVTT's timestamps), to '>'.
        const std::size_t close = s.find('>', i);
        const std::size_t name_at = i + 1 + (i + 1 < s.size() && s[i + 1] == '/');
        const bool tag = close != std::string_view::npos && close - i <= 128 && name_at < close &&
                         (std::isalpha(static_cast<unsigned char>(s[name_at])) || is_digit(s[name_at])) &&
                         s.substr(i + 1, close - i - 1).find('<') == std::string_view::npos;
        if (tag) {
          flush(i);
          const bool closing = s[i + 1] == '/';
          std::size_t end = name_at;
          while (end < close && std::isalnum(static_cast<unsigned char>(s[end]))) ++end;
          std::string name(s.substr(name_at, end - name_at));
          for (char& ch : name) ch = char(std::tolower(static_cast<unsigned char>(ch)));
          if (name == "i" || name == "b" || name == "u") out.set(name[0], !closing);
          i = plain = close + 1;
          continue;
        }
      }
      if (c == '&' && markup != Markup::Ass) {
        std::size_t j = i;
        if (const std::uint32_t cp = read_entity(s, j)) {
          flush(i);
          if (!drawing) out.text(cp);
          i = plain = j;
          continue;
        }
      }
      ++i;
    }
    flush(s.size());
  }
  return out.finish();
}

// ---- formats -------------------------------------------------------------------------------------

std::vector<std::string_view> split_lines(const std::string& text) {
  std::vector<std::string_view> lines;
  std::string_view all(text);
  std::size_t start = 0;
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (all[i] != '\n' && all[i] != '\r') continue;
    lines.push_back(all.substr(start, i - start));
    if (all[i] == '\r' && i + 1 < all.size() && all[i + 1] == '\n') ++i;
    start = i + 1;
  }
  if (start < all.size()) lines.push_back(all.substr(start));
  return lines;
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != std::tolower(static_cast<unsigned char>(prefix[i]))) return false;
  }
  return true;
}

bool ends_with_ci(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && starts_with_ci(std::string_view(s).substr(s.size() - suffix.size()), suffix);
}

SubtitleFormat detect_format(const std::vector<std::string_view>& lines, const std::string& name) {
  for (std::string_view raw : lines) {
    const std::string_view l = trim(raw);
    if (l.empty()) continue;
    if (l.substr(0, 6) == "WEBVTT" && (l.size() == 6 || is_space(l[6]))) return SubtitleFormat::WebVtt;
    break;
  }
  bool timing = false;
  for (std::string_view raw : lines) {
    const std::string_view l = trim(raw);
    if (starts_with_ci(l, "[script info]") || starts_with_ci(l, "[events]") || starts_with_ci(l, "dialogue:")) {
      return SubtitleFormat::Ass;
    }
    if (l.find("-->") != std::string_view::npos) timing = true;
  }
  if (timing) return ends_with_ci(name, ".vtt") ? SubtitleFormat::WebVtt : SubtitleFormat::Srt;
  return SubtitleFormat::Unknown;
}

void add_cue(SubtitleFile& f, double start, double end, const std::vector<std::string_view>& text, Markup markup) {
  if (!(end > start) || !std::isfinite(start) || !std::isfinite(end)) {
    ++f.skipped;
    return;
  }
  std::string t = cue_text(text, markup);
  if (t.empty()) return;  // nothing to show: not broken, just empty
  f.cues.push_back({start, end, std::move(t)});
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_digit);
}

// SRT, and WebVTT's cue blocks: a timing line, then text up to a blank line. A cue number (or a
// WebVTT identifier) before the timing line is not text; a broken file that leaves out the blank
// line before the next cue's number still ends the text at that next timing line.
void read_cue_blocks(SubtitleFile& f, const std::vector<std::string_view>& lines, std::size_t from, Markup markup) {
  for (std::size_t i = from; i < lines.size();) {
    const std::string_view l = trim(lines[i]);
    if (markup == Markup::WebVtt && (starts_with_ci(l, "NOTE") || l == "STYLE" || l == "REGION")) {
      while (i < lines.size() && !trim(lines[i]).empty()) ++i;  // a comment, style or region block
      continue;
    }
    if (l.find("-->") == std::string_view::npos) {
      ++i;
      continue;
    }
    double start = 0, end = 0;
    const bool ok = read_timing(l, &start, &end);
    std::vector<std::string_view> text;
    for (++i; i < lines.size(); ++i) {
      const std::string_view t = trim(lines[i]);
      if (t.empty()) break;
      if (t.find("-->") != std::string_view::npos) {
        if (!text.empty() && all_digits(trim(text.back()))) text.pop_back();  // the next cue's number
        break;
      }
      text.push_back(lines[i]);
    }
    if (ok) add_cue(f, start, end, text, markup);
    else ++f.skipped;
  }
}

// ASS/SSA: the [Events] section's Dialogue lines, their fields in the order its Format line gives
// (Start, End and Text by name; the text is everything after the field before it, commas included).
void read_ass(SubtitleFile& f, const std::vector<std::string_view>& lines) {
  bool events = false;
  std::size_t fields = 10, start_at = 1, end_at = 2;  // the standard Format line's order
  for (std::string_view raw : lines) {
    const std::string_view l = trim(raw);
    if (!l.empty() && l.front() == '[') {
      events = starts_with_ci(l, "[events]");
      continue;
    }
    if (events && starts_with_ci(l, "format:")) {
      std::vector<std::string> names;
      std::string_view rest = l.substr(7);
      for (std::size_t comma; (comma = rest.find(',')) != std::string_view::npos; rest.remove_prefix(comma + 1)) {
        names.emplace_back(trim(rest.substr(0, comma)));
      }
      names.emplace_back(trim(rest));
      std::size_t s = names.size(), e = names.size(), t = names.size();
      for (std::size_t k = 0; k < names.size(); ++k) {
        if (starts_with_ci(names[k], "start") && names[k].size() == 5) s = k;
        else if (starts_with_ci(names[k], "end") && names[k].size() == 3) e = k;
        else if (starts_with_ci(names[k], "text") && names[k].size() == 4) t = k;
      }
      // Text must be the last field (the format says so); otherwise keep the standard order.
      if (s < names.size() && e < names.size() && t == names.size() - 1) {
        fields = names.size();
        start_at = s;
        end_at = e;
      }
      continue;
    }
    if (!starts_with_ci(l, "dialogue:")) continue;
    std::string_view rest = trim(l.substr(9));
    std::vector<std::string_view> parts;
    for (std::size_t k = 0; k + 1 < fields; ++k) {
      const std::size_t comma = rest.find(',');
      if (comma == std::string_view::npos) break;
      parts.push_back(trim(rest.substr(0, comma)));
      rest.remove_prefix(comma + 1);
    }
    if (parts.size() + 1 != fields) {
      ++f.skipped;
      continue;
    }
    double start = 0, end = 0;
    std::size_t i = 0, j = 0;
    if (!read_timestamp(parts[start_at], i, &start) || i != parts[start_at].size() ||
        !read_timestamp(parts[end_at], j, &end) || j != parts[end_at].size()) {
      ++f.skipped;
      continue;
    }
    add_cue(f, start, end, {rest}, Markup::Ass);
  }
}

}  // namespace

const char* subtitle_format_name(SubtitleFormat f) {
  switch (f) {
    case SubtitleFormat::Srt: return "srt";
    case SubtitleFormat::WebVtt: return "vtt";
    case SubtitleFormat::Ass: return "ass";
    case SubtitleFormat::Unknown: break;
  }
  return "unknown";
}

const char* text_encoding_name(TextEncoding e) {
  switch (e) {
    case TextEncoding::Utf8: return "utf-8";
    case TextEncoding::Utf16Le: return "utf-16le";
    case TextEncoding::Utf16Be: return "utf-16be";
    case TextEncoding::Windows1251: return "windows-1251";
    case TextEncoding::Windows1252: return "windows-1252";
    case TextEncoding::Auto: break;
  }
  return "auto";
}

TextEncoding text_encoding_from_name(const std::string& name) {
  for (TextEncoding e : {TextEncoding::Utf8, TextEncoding::Utf16Le, TextEncoding::Utf16Be, TextEncoding::Windows1251,
                         TextEncoding::Windows1252}) {
    if (name == text_encoding_name(e)) return e;
  }
  return TextEncoding::Auto;
}

std::string decode_subtitle_text(const std::uint8_t* data, std::size_t len, TextEncoding encoding, TextEncoding* used) {
  const std::uint8_t* p = data;
  std::size_t n = len;
  TextEncoding e = encoding;
  // A byte-order mark decides, and is not text.
  if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {
    if (e == TextEncoding::Auto || e == TextEncoding::Utf8) { p += 3; n -= 3; e = TextEncoding::Utf8; }
  } else if (n >= 2 && p[0] == 0xFF && p[1] == 0xFE) {
    if (e == TextEncoding::Auto || e == TextEncoding::Utf16Le) { p += 2; n -= 2; e = TextEncoding::Utf16Le; }
  } else if (n >= 2 && p[0] == 0xFE && p[1] == 0xFF) {
    if (e == TextEncoding::Auto || e == TextEncoding::Utf16Be) { p += 2; n -= 2; e = TextEncoding::Utf16Be; }
  }
  if (e == TextEncoding::Auto) e = guess_utf16(p, n);
  if (e == TextEncoding::Auto) e = valid_utf8(p, n) ? TextEncoding::Utf8 : guess_single_byte(p, n);
  if (used) *used = e;
  switch (e) {
    case TextEncoding::Utf16Le: return decode_utf16(p, n, true);
    case TextEncoding::Utf16Be: return decode_utf16(p, n, false);
    case TextEncoding::Windows1251:
    case TextEncoding::Windows1252: {
      std::string out;
      out.reserve(n + n / 2);
      for (std::size_t i = 0; i < n; ++i) append_utf8(out, single_byte(p[i], e));
      return out;
    }
    case TextEncoding::Utf8:
    case TextEncoding::Auto: break;
  }
  // UTF-8 (asked for, or detected): invalid bytes become U+FFFD.
  std::string out;
  out.reserve(n);
  for (std::uint32_t cp : decode_utf8(std::string(reinterpret_cast<const char*>(p), n))) append_utf8(out, cp);
  return out;
}

SubtitleFile read_subtitle_file(const std::uint8_t* data, std::size_t len, const std::string& name, TextEncoding encoding) {
  SubtitleFile f;
  if (len > kMaxSubtitleBytes) {
    char msg[128];
    std::snprintf(msg, sizeof msg, "This file is too large to be subtitles (%.1f MB; at most %zu MB).",
                  double(len) / 1e6, kMaxSubtitleBytes >> 20);
    f.error = msg;
    return f;
  }
  const std::string text = decode_subtitle_text(data, len, encoding, &f.encoding);
  const std::vector<std::string_view> lines = split_lines(text);
  f.format = detect_format(lines, name);
  switch (f.format) {
    case SubtitleFormat::Srt: read_cue_blocks(f, lines, 0, Markup::Srt); break;
    case SubtitleFormat::WebVtt: {
      std::size_t from = 0;  // after the header block ("WEBVTT" and the lines up to a blank one)
      while (from < lines.size() && trim(lines[from]).empty()) ++from;
      while (from < lines.size() && !trim(lines[from]).empty() && lines[from].find("-->") == std::string_view::npos) ++from;
      read_cue_blocks(f, lines, from, Markup::WebVtt);
      break;
    }
    case SubtitleFormat::Ass: read_ass(f, lines); break;
    case SubtitleFormat::Unknown:
      f.error = "This is not a subtitle file this app can read (SubRip .srt, WebVTT .vtt, or .ass/.ssa).";
      return f;
  }
  std::stable_sort(f.cues.begin(), f.cues.end(), [](const SubtitleCue& a, const SubtitleCue& b) { return a.start_s < b.start_s; });
  if (f.cues.empty()) {
    f.error = f.skipped ? "No subtitle in this file could be read: the times of all " + std::to_string(f.skipped) +
                              " of its cues are broken."
                        : "This subtitle file has no subtitles in it.";
  }
  return f;
}

std::string subtitle_cue_text(SubtitleFormat format, const std::uint8_t* data, std::size_t len) {
  const std::string text = decode_subtitle_text(data, len, TextEncoding::Auto);
  const Markup markup = format == SubtitleFormat::Ass ? Markup::Ass : format == SubtitleFormat::WebVtt ? Markup::WebVtt : Markup::Srt;
  return cue_text(split_lines(text), markup);
}

std::vector<SubtitleCue> shift_cues(const std::vector<SubtitleCue>& cues, double offset_s) {
  std::vector<SubtitleCue> out;
  out.reserve(cues.size());
  if (!std::isfinite(offset_s)) offset_s = 0;
  for (const SubtitleCue& c : cues) {
    const double end = c.end_s + offset_s;
    if (end <= 0) continue;
    out.push_back({std::max(0.0, c.start_s + offset_s), end, c.text});
  }
  return out;
}

}  // namespace wt
