// The subtitle reader (src/subtitles/subtitle_file.*). Independent truth: ffmpeg's own conversions of
// a hand-written SubRip file (tests/media/make_fixtures.sh), and bytes in legacy encodings made by
// Python's codecs (the hex strings below: "text".encode('cp1251') and so on).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "media/media_fixtures.hpp"
#include "subtitles/subtitle_file.hpp"

using wt::SubtitleFormat;
using wt::TextEncoding;

namespace {

wt::SubtitleFile read(const std::string& text, const std::string& name = "movie.srt", TextEncoding e = TextEncoding::Auto) {
  return wt::read_subtitle_file(reinterpret_cast<const std::uint8_t*>(text.data()), text.size(), name, e);
}

std::vector<std::uint8_t> from_hex(const std::string& hex) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(std::uint8_t(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

}  // namespace

TEST_CASE("a SubRip file and ffmpeg's WebVTT and ASS conversions of it give the same cues", "[subtitles]") {
  for (const char* name : {"convert.srt", "convert.vtt", "convert.ass"}) {
    INFO(name);
    const auto bytes = wt_test::fixture(name);
    const auto f = wt::read_subtitle_file(bytes.data(), bytes.size(), name);
    CHECK(f.error.empty());
    CHECK(f.skipped == 0);
    CHECK(f.encoding == TextEncoding::Utf8);
    REQUIRE(f.cues.size() == 2);
    CHECK(f.cues[0].start_s == Approx(1.0));
    CHECK(f.cues[0].end_s == Approx(2.5));
    CHECK(f.cues[0].text == "<i>Bonjour</i> \xC3\xA0 tous\nsecond line");
    CHECK(f.cues[1].start_s == Approx(62.04));
    CHECK(f.cues[1].end_s == Approx(64.0));
    // '&' escaped for WebVTT cue text; <b> kept; <font> (or ASS's colour) dropped, its text kept.
    CHECK(f.cues[1].text == "B &amp; <b>bold</b> red");
  }
  CHECK(wt::read_subtitle_file(nullptr, 0, "x.srt").format == SubtitleFormat::Unknown);
}

TEST_CASE("broken SubRip: missing numbers and blank lines, CRLF, a BOM, bad and backwards times", "[subtitles]") {
  const std::string srt =
      "\xEF\xBB\xBF"
      "00:00:01,000 --> 00:00:02,000\r\n"  // no number
      "First\r\n"
      "2\r\n"                               // no blank line before the next cue: its number is not text
      "00:00:03,000 --> 00:00:04,000\r\n"
      "Second\r\n"
      "\r\n"
      "3\r\n"
      "00:00:0x,000 --> 00:00:06,000\r\n"   // unreadable
      "Lost\r\n"
      "\r\n"
      "4\r\n"
      "00:00:08,000 --> 00:00:07,000\r\n"   // ends before it starts
      "Backwards\r\n"
      "\r\n"
      "5\r\n"
      "0:00:09.5 --> 0:00:10.25\r\n"        // short fields, '.' for ','
      "Fifth\r\n"
      "\r\n"
      "6\r\n"
      "00:00:09,000 --> 00:00:12,000\r\n"   // overlaps the fifth: both show
      "Sixth\r\n";
  const auto f = read(srt);
  CHECK(f.format == SubtitleFormat::Srt);
  CHECK(f.skipped == 2);
  REQUIRE(f.cues.size() == 4);
  CHECK(f.cues[0].text == "First");
  CHECK(f.cues[1].text == "Second");
  CHECK(f.cues[1].start_s == Approx(3.0));
  // Sorted by start: the sixth (9 s) before the fifth (9.5 s).
  CHECK(f.cues[2].text == "Sixth");
  CHECK(f.cues[3].text == "Fifth");
  CHECK(f.cues[3].start_s == Approx(9.5));
  CHECK(f.cues[3].end_s == Approx(10.25));
  const std::string cr_only = "1\r00:00:01,000 --> 00:00:02,000\rOld Mac\r\r";
  REQUIRE(read(cr_only).cues.size() == 1);
  CHECK(read(cr_only).cues[0].text == "Old Mac");
}

TEST_CASE("a file with nothing usable says why", "[subtitles]") {
  CHECK(read("just some notes\nno times at all\n").error ==
        "This is not a subtitle file this app can read (SubRip .srt, WebVTT .vtt, or .ass/.ssa).");
  CHECK(read("1\n00:00:0x --> 00:00:02,000\nA\n\n2\n99:99:99 --> 1\nB\n").error ==
        "No subtitle in this file could be read: the times of all 2 of its cues are broken.");
  CHECK(read("WEBVTT\n\nNOTE nothing here\n").error == "This subtitle file has no subtitles in it.");
  const std::vector<std::uint8_t> huge(wt::kMaxSubtitleBytes + 1, 'a');
  CHECK(wt::read_subtitle_file(huge.data(), huge.size(), "big.srt").error ==
        "This file is too large to be subtitles (16.8 MB; at most 16 MB).");
}

TEST_CASE("WebVTT: header, NOTE and STYLE blocks, identifiers, settings, tags and entities", "[subtitles]") {
  const std::string vtt =
      "WEBVTT - a title\n"
      "Kind: captions\n"
      "\n"
      "STYLE\n"
      "::cue { color: yellow }\n"
      "\n"
      "NOTE a comment\n"
      "that goes on --> with an arrow\n"
      "\n"
      "intro\n"
      "00:00:01.000 --> 00:00:02.000 position:10% align:start\n"
      "<v Bob>Hi</v> &amp; <c.loud>welcome</c> &lt;3 &nbsp;<00:00:01.500>now\n"
      "\n"
      "1:02:03.004 --> 1:02:04.000\n"
      "<b><i>both</b> left open\n";
  const auto f = read(vtt, "movie.vtt");
  CHECK(f.format == SubtitleFormat::WebVtt);
  CHECK(f.skipped == 0);
  REQUIRE(f.cues.size() == 2);
  CHECK(f.cues[0].text == "Hi &amp; welcome &lt;3 \xC2\xA0now");
  CHECK(f.cues[1].start_s == Approx(3723.004));
  // Tags stay balanced: </b> closes the <i> inside it, which opens again; the end closes it.
  CHECK(f.cues[1].text == "<b><i>both</i></b><i> left open</i>");
}

TEST_CASE("ASS/SSA: the Format line's field order, override tags, \\N and \\h, drawings and comments", "[subtitles]") {
  const std::string ass =
      "[Script Info]\n"
      "Title: test\n"
      "\n"
      "[V4+ Styles]\n"
      "Format: Name, Fontname\n"
      "Style: Default,Arial\n"
      "\n"
      "[Events]\n"
      "Format: Layer, Style, Start, End, Name, MarginL, MarginR, MarginV, Effect, Text\n"
      "Dialogue: 0,Default,0:00:05.50,0:00:07.00,,0,0,0,,{\\an8\\pos(10,20)}Top, with a comma\\Nand {\\i1}more{\\i0}\n"
      "Comment: 0,Default,0:00:01.00,0:00:02.00,,0,0,0,,not shown\n"
      "Dialogue: 0,Default,0:00:08.00,0:00:09.00,,0,0,0,,{\\p1}m 0 0 l 100 0 100 100{\\p0}\n"
      "Dialogue: 0,Default,0:00:10.00,0:00:11.00,,0,0,0,,{\\b700}heavy{\\b0}\\hspace {\\iclip(1,2,3,4)}x\n"
      "Dialogue: 0,Default,bad,0:00:11.00,,0,0,0,,broken\n";
  const auto f = read(ass, "movie.ass");
  CHECK(f.format == SubtitleFormat::Ass);
  CHECK(f.skipped == 1);
  REQUIRE(f.cues.size() == 2);  // the drawing leaves nothing to show
  CHECK(f.cues[0].start_s == Approx(5.5));
  CHECK(f.cues[0].end_s == Approx(7.0));
  CHECK(f.cues[0].text == "Top, with a comma\nand <i>more</i>");
  CHECK(f.cues[1].text == "<b>heavy</b>\xC2\xA0space x");
}

TEST_CASE("legacy encodings: Windows-1251 and -1252 detected, UTF-16 with and without a BOM", "[subtitles]") {
  const auto cyr = from_hex("310a30303a30303a30312c303030202d2d3e2030303a30303a30322c3030300acff0e8e2e5f22c20ece8f02120a8ebeae00a");
  auto f = wt::read_subtitle_file(cyr.data(), cyr.size(), "ru.srt");
  CHECK(f.encoding == TextEncoding::Windows1251);
  REQUIRE(f.cues.size() == 1);
  CHECK(f.cues[0].text == "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82, \xD0\xBC\xD0\xB8\xD1\x80! \xD0\x81\xD0\xBB\xD0\xBA\xD0\xB0");  // Привет, мир! Ёлка
  const auto west = from_hex("310a30303a30303a30312c303030202d2d3e2030303a30303a30322c3030300a436166e9209620936e61ef766594209c757672652080350a");
  f = wt::read_subtitle_file(west.data(), west.size(), "fr.srt");
  CHECK(f.encoding == TextEncoding::Windows1252);
  REQUIRE(f.cues.size() == 1);
  CHECK(f.cues[0].text == "Caf\xC3\xA9 \xE2\x80\x93 \xE2\x80\x9Cna\xC3\xAFve\xE2\x80\x9D \xC5\x93uvre \xE2\x82\xAC" "5");  // Café – “naïve” œuvre €5
  // The viewer's own pick wins over the guess.
  f = wt::read_subtitle_file(west.data(), west.size(), "fr.srt", TextEncoding::Windows1251);
  CHECK(f.encoding == TextEncoding::Windows1251);
  const std::string le = "31000d000a00300030003a00300030003a00300031002c0030003000300020002d002d003e002000300030003a00300030003a00300032002c003000300030000d000a00e5652c679e8a20003dd800de0d000a00";
  const std::string be = "0031000d000a00300030003a00300030003a00300031002c0030003000300020002d002d003e002000300030003a00300030003a00300032002c003000300030000d000a65e5672c8a9e0020d83dde00000d000a";
  for (const auto& [hex, enc, bom] : std::vector<std::tuple<std::string, TextEncoding, std::string>>{
           {le, TextEncoding::Utf16Le, "fffe"}, {be, TextEncoding::Utf16Be, "feff"}, {le, TextEncoding::Utf16Le, ""}, {be, TextEncoding::Utf16Be, ""}}) {
    const auto bytes = from_hex(bom + hex);
    f = wt::read_subtitle_file(bytes.data(), bytes.size(), "ja.srt");
    INFO(bom + hex);
    CHECK(f.encoding == enc);
    REQUIRE(f.cues.size() == 1);
    CHECK(f.cues[0].text == "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E \xF0\x9F\x98\x80");  // 日本語 😀
  }
  CHECK(std::string(wt::text_encoding_name(wt::text_encoding_from_name("windows-1251"))) == "windows-1251");
  CHECK(wt::text_encoding_from_name("latin-9") == TextEncoding::Auto);
}

TEST_CASE("a viewer's offset moves every cue; cues before the start are cut or dropped", "[subtitles]") {
  const auto f = read("1\n00:00:01,000 --> 00:00:03,000\nA\n\n2\n00:00:05,000 --> 00:00:06,000\nB\n");
  auto later = wt::shift_cues(f.cues, 0.3);
  REQUIRE(later.size() == 2);
  CHECK(later[0].start_s == Approx(1.3));
  CHECK(later[1].end_s == Approx(6.3));
  auto earlier = wt::shift_cues(f.cues, -2.0);
  REQUIRE(earlier.size() == 2);
  CHECK(earlier[0].start_s == 0);
  CHECK(earlier[0].end_s == Approx(1.0));
  CHECK(wt::shift_cues(f.cues, -3.0).size() == 1);  // A would end at 0
  CHECK(wt::shift_cues(f.cues, std::nan("")).size() == 2);
}
