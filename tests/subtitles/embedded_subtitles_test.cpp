// The subtitle tracks inside a movie (src/subtitles/matroska_subtitles.*, embedded_subtitles.*).
// Independent truth: ffmpeg muxed the hand-written convert.srt and its own .ass and .vtt
// conversions into subs.mkv, subs.webm, subs.mp4 and subs.mov (tests/media/make_fixtures.sh), so
// each track must give the cues the subtitle file reader finds in the file it came from; the rarer
// cases are built element by element below.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#ifdef WT_TEST_ZLIB
#include <zlib.h>
#endif

#include "media/media_fixtures.hpp"
#include "subtitles/embedded_subtitles.hpp"
#include "subtitles/matroska_subtitles.hpp"

using wt::EmbeddedCue;
using wt::MatroskaSubtitles;

namespace {

using Bytes = std::vector<std::uint8_t>;

// Feeds the reader what it asks for, `chunk` bytes at a time from there (as the glue feeds pieces),
// up to byte `limit` of the file; returns the cues taken.
std::vector<EmbeddedCue> read(MatroskaSubtitles& r, const Bytes& file, std::size_t chunk, std::size_t limit = ~std::size_t(0)) {
  std::vector<EmbeddedCue> cues;
  limit = std::min(limit, file.size());
  for (auto want = r.wanted(); want.length && want.offset + want.length <= limit; want = r.wanted()) {
    const std::size_t n = std::min<std::size_t>(std::max<std::uint64_t>(chunk, want.length), limit - want.offset);
    REQUIRE(r.feed(want.offset, file.data() + want.offset, n));
    for (auto& c : r.take_cues()) cues.push_back(std::move(c));
  }
  return cues;
}

std::vector<wt::SubtitleCue> of_track(const std::vector<EmbeddedCue>& cues, std::uint32_t track) {
  std::vector<wt::SubtitleCue> out;
  for (const auto& c : cues)
    if (c.track == track) out.push_back(c.cue);
  return out;
}

void same_cues(const std::vector<wt::SubtitleCue>& got, const std::vector<wt::SubtitleCue>& expected) {
  REQUIRE(got.size() == expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO("cue " << i);
    CHECK(got[i].start_s == Approx(expected[i].start_s).margin(0.0015));
    CHECK(got[i].end_s == Approx(expected[i].end_s).margin(0.0015));
    CHECK(got[i].text == expected[i].text);
  }
}

std::vector<wt::SubtitleCue> file_cues(const std::string& name) {
  const auto bytes = wt_test::fixture(name);
  return wt::read_subtitle_file(bytes.data(), bytes.size(), name).cues;
}

// EBML built by hand: an ID's bytes and a body, its size as an 8-byte variable-length integer.
Bytes el(std::initializer_list<std::uint8_t> id, const Bytes& body) {
  Bytes out(id);
  out.push_back(0x01);
  for (int i = 6; i >= 0; --i) out.push_back(std::uint8_t(body.size() >> (8 * i)));
  out.insert(out.end(), body.begin(), body.end());
  return out;
}
Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
Bytes text(const std::string& s) { return Bytes(s.begin(), s.end()); }
Bytes u8(std::uint8_t v) { return {v}; }
// A block's body: track number (one byte), a relative time, flags, the payload.
Bytes block(std::uint8_t track, std::int16_t rel, std::uint8_t flags, const std::string& payload) {
  Bytes b{std::uint8_t(0x80 | track), std::uint8_t(std::uint16_t(rel) >> 8), std::uint8_t(rel & 0xff), flags};
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}
Bytes track_entry(std::uint8_t number, const std::string& codec, const Bytes& extra = {}) {
  return el({0xAE}, cat({el({0xD7}, u8(number)), el({0x83}, u8(0x11)), el({0x86}, text(codec)), extra}));
}
Bytes matroska(const Bytes& tracks, const Bytes& clusters) {
  return cat({el({0x1A, 0x45, 0xDF, 0xA3}, el({0x42, 0x82}, text("matroska"))),
              el({0x18, 0x53, 0x80, 0x67},
                 cat({el({0x15, 0x49, 0xA9, 0x66}, el({0x2A, 0xD7, 0xB1}, {0x0F, 0x42, 0x40})),  // 1 ms
                      el({0x16, 0x54, 0xAE, 0x6B}, tracks), clusters}))});
}

}  // namespace

TEST_CASE("an MKV's SRT, ASS and WebVTT tracks give the cues of the files they were made from", "[subtitles]") {
  const auto file = wt_test::fixture("subs.mkv");
  for (std::size_t chunk : {std::size_t(1) << 20, std::size_t(4096), std::size_t(1)}) {
    INFO("fed " << chunk << " bytes at a time");
    MatroskaSubtitles r(file.size());
    const auto cues = read(r, file, chunk);
    CHECK(r.done());
    CHECK(r.error().empty());
    CHECK(r.skipped() == 0);
    REQUIRE(r.tracks().size() == 3);
    const auto& t = r.tracks();
    CHECK((t[0].codec == "srt" && t[0].codec_id == "S_TEXT/UTF8" && t[0].language == "eng" && t[0].name == "English"));
    CHECK((t[1].codec == "ass" && t[1].language == "fra" && !t[1].forced));
    CHECK((t[2].codec == "webvtt" && t[2].language == "deu" && t[2].forced));
    for (const auto& tr : t) CHECK(tr.unsupported.empty());
    CHECK(t[0].label == "English");  // its title only repeats the language
    CHECK(t[1].label == "French");
    CHECK(t[2].label == "German (forced)");
    same_cues(of_track(cues, t[0].number), file_cues("convert.srt"));
    same_cues(of_track(cues, t[1].number), file_cues("convert.ass"));
    same_cues(of_track(cues, t[2].number), file_cues("convert.vtt"));
  }
}

TEST_CASE("a WebM's WebVTT track (D_WEBVTT/SUBTITLES)", "[subtitles]") {
  const auto file = wt_test::fixture("subs.webm");
  MatroskaSubtitles r(file.size());
  const auto cues = read(r, file, 1 << 20);
  CHECK(r.error().empty());
  REQUIRE(r.tracks().size() == 1);
  CHECK(r.tracks()[0].codec_id == "D_WEBVTT/SUBTITLES");
  same_cues(of_track(cues, r.tracks()[0].number), file_cues("convert.vtt"));
}

TEST_CASE("cues come as the part of the file that holds them arrives", "[subtitles]") {
  const auto file = wt_test::fixture("subs.mkv");
  // The second cue ("B & bold red", at 62 s) lies in the file's last cluster: up to its bytes, only
  // the first cue of each track is read, and the read waits for more.
  const std::string second = "bold";
  const auto at = std::search(file.begin(), file.end(), second.begin(), second.end()) - file.begin();
  REQUIRE(std::size_t(at) < file.size());
  MatroskaSubtitles r(file.size());
  auto cues = read(r, file, 64 << 10, std::size_t(at));
  CHECK_FALSE(r.done());
  CHECK(r.position() < std::uint64_t(at));
  REQUIRE(cues.size() == 3);
  for (const auto& c : cues) CHECK(c.cue.start_s == Approx(1.0));
  const auto rest = read(r, file, 64 << 10);
  CHECK(r.done());
  CHECK(rest.size() == 3);
  for (const auto& c : rest) CHECK(c.cue.start_s == Approx(62.04));
}

TEST_CASE("after a seek ahead: the cues of a later stretch first, then those skipped, each once", "[subtitles]") {
  const auto file = wt_test::fixture("subs.mkv");
  const Bytes cluster_id{0x1F, 0x43, 0xB6, 0x75};
  std::vector<std::size_t> clusters;
  for (auto it = file.begin(); (it = std::search(it, file.end(), cluster_id.begin(), cluster_id.end())) != file.end(); ++it)
    clusters.push_back(std::size_t(it - file.begin()));
  // The Cluster holding the 62 s cues: the last ID before their text (a later match lies in the Cues).
  const std::string second = "bold";
  const auto text_at = std::size_t(std::search(file.begin(), file.end(), second.begin(), second.end()) - file.begin());
  while (!clusters.empty() && clusters.back() > text_at) clusters.pop_back();
  REQUIRE(clusters.size() >= 3);
  for (const std::size_t back : {std::size_t(0), std::size_t(50)}) {
    INFO("skip to " << back << " bytes before the last cluster");
    MatroskaSubtitles r(file.size());
    // Only the head and the first cluster's bytes are here; then those from just before the last.
    const auto before = read(r, file, 64, clusters[1]);
    CHECK_FALSE(r.done());
    CHECK_FALSE(r.skip_to(r.position()));  // not past the cursor
    REQUIRE(r.skip_to(clusters.back() - back));
    const auto after = read(r, file, 64);  // the glue feeds what it wants: the later stretch, then the hole
    CHECK(r.done());
    CHECK(r.error().empty());
    // Each cue once; the 62 s ones (the last cluster's) before any skipped one.
    REQUIRE(before.size() + after.size() == 6);
    REQUIRE(after.size() >= 3);
    for (std::size_t i = 0; i < after.size(); ++i) CHECK(after[i].cue.start_s == Approx(i < 3 ? 62.04 : 1.0));
    for (const auto& c : before) CHECK(c.cue.start_s == Approx(1.0));
  }
  // Blocked in the middle after a skip, while the hole's bytes have come: back to the hole first,
  // then on from where the later stretch stopped, each cue once.
  {
    wt::EmbeddedSubtitles e(file.size());
    CHECK(e.first_hole() == ~std::uint64_t(0));
    std::vector<EmbeddedCue> cues;
    const auto feed_to = [&](std::size_t limit) {
      for (auto want = e.wanted(); want.length && want.offset + want.length <= limit; want = e.wanted()) {
        REQUIRE(e.feed(want.offset, file.data() + want.offset, std::size_t(want.length)));
        for (auto& c : e.take_cues()) cues.push_back(std::move(c));
      }
    };
    feed_to(clusters[1]);
    CHECK_FALSE(e.on_blocked(clusters[3], false));  // less than kSkipBytes ahead: waited for
    REQUIRE(e.skip_to(clusters[3]));
    const std::uint64_t hole = e.first_hole();
    CHECK(hole <= clusters[1]);
    feed_to(clusters[4]);  // the 3 s cluster: no cue in it; then blocked before the 62 s one
    CHECK(cues.empty());
    REQUIRE(e.on_blocked(~std::uint64_t(0), true));
    CHECK(e.wanted().offset == hole);
    feed_to(file.size());
    CHECK(e.done());
    REQUIRE(cues.size() == 6);
    for (std::size_t i = 0; i < 6; ++i) CHECK(cues[i].cue.start_s == Approx(i < 3 ? 1.0 : 62.04));
  }
  // Skipped to a stretch with no Cluster in it: the read comes back for the hole, and a skip there
  // again is refused (the glue would otherwise scan that tail over and over while it waits).
  MatroskaSubtitles r(file.size());
  read(r, file, 64, clusters[1]);
  const std::uint64_t hole = r.position();
  // What the glue feeds while the hole's bytes are missing: everything wanted past them.
  const auto feed_past_hole = [&] {
    std::vector<EmbeddedCue> cues;
    for (auto want = r.wanted(); want.length && want.offset > hole; want = r.wanted()) {
      REQUIRE(r.feed(want.offset, file.data() + want.offset, std::size_t(std::min<std::uint64_t>(std::max<std::uint64_t>(64, want.length), file.size() - want.offset))));
      for (auto& c : r.take_cues()) cues.push_back(std::move(c));
    }
    return cues;
  };
  REQUIRE(r.skip_to(file.size() - 5));
  CHECK(feed_past_hole().empty());  // scanned to the end, back at the hole
  CHECK(r.wanted().offset == hole);
  CHECK_FALSE(r.skip_to(file.size() - 5));
  CHECK_FALSE(r.skip_to(file.size() - 3));
  // A skip short of the last Cluster reads it; another skip into the bytes it scanned is refused.
  REQUIRE(r.skip_to(clusters.back() - 30));
  CHECK(feed_past_hole().size() == 3);
  CHECK_FALSE(r.skip_to(clusters.back() - 10));
  CHECK_FALSE(r.skip_to(clusters.back() + 10));
  CHECK(read(r, file, 64).size() == 3);  // the hole's, each once
  CHECK(r.done());
}

TEST_CASE("files with nothing to read end the read at once", "[subtitles]") {
  for (const char* name : {"faststart.mp4", "stream.ts"}) {  // not Matroska
    const auto file = wt_test::fixture(name);
    MatroskaSubtitles r(file.size());
    CHECK(read(r, file, 1 << 20).empty());
    CHECK(r.done());
    CHECK(r.tracks_known());
    CHECK(r.tracks().empty());
    CHECK(r.error().empty());
  }
  // Matroska without a subtitle track: the clusters are not read.
  const auto file = wt_test::fixture("cues.mkv");
  MatroskaSubtitles r(file.size());
  read(r, file, 4096);
  CHECK(r.done());
  CHECK(r.tracks().empty());
  CHECK(r.error().empty());
  MatroskaSubtitles empty(0);
  CHECK(empty.done());
}

TEST_CASE("picture and encrypted tracks are listed with why, zlib blocks handed out as stored; laced blocks and cues without a duration", "[subtitles]") {
  const Bytes zlib = el({0x6D, 0x80}, el({0x62, 0x40}, el({0x50, 0x34}, {})));  // ContentCompAlgo's default: zlib
  const Bytes strip = el({0x6D, 0x80}, el({0x62, 0x40}, el({0x50, 0x34}, cat({el({0x42, 0x54}, u8(3)), el({0x42, 0x55}, text("Hel"))}))));
  const Bytes encrypted = el({0x6D, 0x80}, el({0x62, 0x40}, el({0x50, 0x35}, {})));
  const Bytes tracks = cat({track_entry(1, "S_HDMV/PGS"), track_entry(2, "S_TEXT/UTF8", zlib), track_entry(3, "S_TEXT/UTF8", strip),
                            track_entry(4, "S_TEXT/UTF8"), track_entry(5, "S_TEXT/UTF8", encrypted), track_entry(6, "S_KATE")});
  const Bytes cluster = el({0x1F, 0x43, 0xB6, 0x75}, cat({
      el({0xE7}, {0x03, 0xE8}),                                         // 1 s
      el({0xA3}, block(3, 0, 0x80, "lo")),                              // "Hel" + "lo", no duration
      el({0xA3}, block(4, 100, 0x82, "laced")),                         // laced: skipped
      el({0xA0}, cat({el({0xA1}, block(4, 200, 0, "<i>x</i>")), el({0x9B}, {0x01, 0xF4})})),  // 500 ms
      el({0xA3}, block(2, 300, 0x80, "compressed")),                    // not read
      el({0xA3}, block(3, 3000, 0x80, "p")),                            // ends "Hello" at 4 s
  }));
  const Bytes file = matroska(tracks, cluster);
  MatroskaSubtitles r(file.size());
  const auto cues = read(r, file, 7);
  CHECK(r.done());
  CHECK(r.error().empty());
  REQUIRE(r.tracks().size() == 6);
  CHECK(r.tracks()[0].unsupported == "picture subtitles (PGS) are not supported, only text ones");
  CHECK(r.tracks()[1].unsupported.empty());  // zlib: its blocks go out as stored, for the browser's inflater
  CHECK(r.tracks()[1].zlib);
  CHECK(r.tracks()[2].unsupported.empty());
  CHECK(r.tracks()[3].unsupported.empty());
  CHECK(r.tracks()[4].unsupported == "the track is encrypted");
  CHECK(r.tracks()[5].unsupported == "subtitles in S_KATE are not supported");
  CHECK(r.skipped() == 1);
  REQUIRE(cues.size() == 4);
  CHECK((cues[0].track == 4 && cues[0].cue.text == "<i>x</i>"));
  CHECK(cues[0].cue.start_s == Approx(1.2));
  CHECK(cues[0].cue.end_s == Approx(1.7));
  CHECK((cues[1].track == 3 && cues[1].cue.text == "Hello"));
  CHECK(cues[1].cue.start_s == Approx(1.0));
  CHECK(cues[1].cue.end_s == Approx(4.0));  // until the track's next cue
  // At the end, the cues still waiting for their track's next one: 5 s each.
  CHECK((cues[2].track == 2 && cues[2].cue.text.empty() && cues[2].compressed == "compressed"));
  CHECK(cues[2].cue.start_s == Approx(1.3));
  CHECK(cues[2].cue.end_s == Approx(6.3));
  CHECK(cues[3].cue.text == "Help");
  CHECK(cues[3].cue.end_s == Approx(9.0));
  // What the glue does with an inflated payload: an ASS block's fields before the text dropped.
  const std::string ass = "3,0,Default,,0,0,0,,{\\i1}Hi{\\i0}, you\\Nthere";
  CHECK(wt::embedded_cue_text("ass", reinterpret_cast<const std::uint8_t*>(ass.data()), ass.size()) == "<i>Hi</i>, you\nthere");
  CHECK(wt::embedded_cue_text("ass", reinterpret_cast<const std::uint8_t*>("1,2,3"), 5).empty());
}

TEST_CASE("a lying element ends the read with an error; the cues before it stay", "[subtitles]") {
  Bytes good = el({0xA0}, cat({el({0xA1}, block(1, 0, 0, "fine")), el({0x9B}, {0x64})}));
  Bytes liar = el({0xA3}, block(1, 10, 0x80, "x"));
  liar[8] = 0x7f;  // its size's low byte: far past the cluster
  const Bytes file = matroska(track_entry(1, "S_TEXT/UTF8"), el({0x1F, 0x43, 0xB6, 0x75}, cat({el({0xE7}, {0x00}), good, liar})));
  MatroskaSubtitles r(file.size());
  const auto cues = read(r, file, 1 << 20);
  CHECK(r.done());
  CHECK(r.error().find("runs past") != std::string::npos);
  REQUIRE(cues.size() == 1);
  CHECK(cues[0].cue.text == "fine");
}

// ---- MP4 and MOV (src/subtitles/embedded_subtitles.*) ----

namespace {

std::vector<EmbeddedCue> read_embedded(wt::EmbeddedSubtitles& r, const Bytes& file, std::size_t chunk) {
  std::vector<EmbeddedCue> cues;
  for (auto want = r.wanted(); want.length; want = r.wanted()) {
    const std::size_t n = std::min<std::size_t>(std::max<std::uint64_t>(chunk, want.length), file.size() - want.offset);
    REQUIRE(r.feed(want.offset, file.data() + want.offset, n));
    for (auto& c : r.take_cues()) cues.push_back(std::move(c));
  }
  return cues;
}

}  // namespace

TEST_CASE("an MP4's and a MOV's timed text (ffmpeg's mov_text of convert.srt) give the file's cues", "[subtitles]") {
  // convert.srt without its markup: timed text is plain (ffmpeg drops the tags; '&' stays, escaped).
  const auto expected = file_cues("convert.srt");
  for (const char* name : {"subs.mp4", "subs.mov"}) {
    INFO(name);
    const auto file = wt_test::fixture(name);
    for (std::size_t chunk : {std::size_t(1) << 20, std::size_t(16)}) {
      wt::EmbeddedSubtitles r(file.size());
      const auto cues = read_embedded(r, file, chunk);
      CHECK(r.done());
      CHECK(r.error().empty());
      REQUIRE(r.tracks().size() == 1);
      CHECK(r.tracks()[0].unsupported.empty());
      CHECK(r.tracks()[0].label == (std::string(name) == "subs.mp4" ? "English" : "Track 1"));
      REQUIRE(cues.size() == 2);  // the empty samples between them are gaps, not cues
      CHECK(cues[0].cue.start_s == Approx(expected[0].start_s));
      CHECK(cues[0].cue.end_s == Approx(expected[0].end_s));
      CHECK(cues[0].cue.text == "Bonjour \xC3\xA0 tous\nsecond line");
      CHECK(cues[1].cue.start_s == Approx(expected[1].start_s));
      CHECK(cues[1].cue.end_s == Approx(expected[1].end_s));
      CHECK(cues[1].cue.text == "B &amp; bold red");
    }
  }
}

TEST_CASE("an MP4 after a seek ahead: the later sample first, then the skipped one", "[subtitles]") {
  const auto file = wt_test::fixture("subs.mp4");
  wt::EmbeddedSubtitles r(file.size());
  std::vector<EmbeddedCue> cues;
  auto want = r.wanted();
  for (; want.length && !r.tracks_known(); want = r.wanted()) REQUIRE(r.feed(want.offset, file.data() + want.offset, std::size_t(want.length)));
  REQUIRE(r.tracks().size() == 1);
  // Sample 0 (a gap at 0 s) is wanted; the bytes of the 62 s cue are here first.
  const std::string second = "bold";
  const auto at = std::uint64_t(std::search(file.begin(), file.end(), second.begin(), second.end()) - file.begin());
  REQUIRE(r.skip_to(at - 20));
  CHECK_FALSE(r.skip_to(at - 20));
  for (want = r.wanted(); want.length; want = r.wanted()) {
    REQUIRE(r.feed(want.offset, file.data() + want.offset, std::size_t(want.length)));
    for (auto& c : r.take_cues()) cues.push_back(std::move(c));
  }
  CHECK(r.done());
  REQUIRE(cues.size() == 2);
  CHECK(cues[0].cue.start_s == Approx(62.04));
  CHECK(cues[1].cue.start_s == Approx(1.0));
}

TEST_CASE("WebVTT in MP4 (wvtt): each vttc's payload is a cue", "[subtitles]") {
  // ffmpeg 5.1 cannot write wvtt: subs.mp4 made into one, its sample entry renamed and each text
  // sample rewritten in place as a 'vttc' box holding a 'payl' of the same length.
  auto file = wt_test::fixture("subs.mp4");
  wt::ContainerWalk walk(file.size());
  for (auto w = walk.wanted(); w.length && !walk.index_read(); w = walk.wanted()) walk.feed(w.offset, file.data() + w.offset, file.size() - w.offset);
  const std::string tx3g = "tx3g";
  const auto entry = std::search(file.begin(), file.end(), tx3g.begin(), tx3g.end());
  REQUIRE(entry != file.end());
  std::copy_n("wvtt", 4, entry);
  std::vector<std::string> payloads;
  for (const auto& s : walk.text_samples()) {
    if (s.size <= 16) continue;  // a gap: left as it is (no box in it)
    std::uint8_t* p = file.data() + s.offset;
    const std::string text = "cue " + std::to_string(payloads.size() + 1) + std::string(s.size - 16 - 5, '!');
    const auto be = [](std::uint8_t* at, std::uint32_t v) { for (int i = 0; i < 4; ++i) at[i] = std::uint8_t(v >> (24 - 8 * i)); };
    be(p, s.size);
    std::copy_n("vttc", 4, p + 4);
    be(p + 8, s.size - 8);
    std::copy_n("payl", 4, p + 12);
    std::copy(text.begin(), text.end(), p + 16);
    payloads.push_back(text);
  }
  REQUIRE(payloads.size() == 2);
  wt::EmbeddedSubtitles r(file.size());
  const auto cues = read_embedded(r, file, 1 << 20);
  REQUIRE(r.tracks().size() == 1);
  CHECK(r.tracks()[0].codec == "webvtt");
  REQUIRE(cues.size() == 2);
  CHECK(cues[0].cue.text == payloads[0]);
  CHECK(cues[1].cue.text == payloads[1]);
  CHECK(cues[1].cue.start_s == Approx(62.04));
  CHECK(r.skipped() == 0);  // the 2-byte gap samples (two zero bytes): no box, no cue
}

TEST_CASE("a Matroska file through the reader of any container; MPEG-TS has none to read", "[subtitles]") {
  const auto mkv = wt_test::fixture("subs.mkv");
  wt::EmbeddedSubtitles r(mkv.size());
  CHECK(read_embedded(r, mkv, 1 << 20).size() == 6);
  CHECK(r.tracks().size() == 3);
  const auto ts = wt_test::fixture("stream.ts");
  wt::EmbeddedSubtitles t(ts.size());
  CHECK(read_embedded(t, ts, 1 << 20).empty());
  CHECK(t.done());
  CHECK(t.tracks().empty());
}

TEST_CASE("mkvmerge's Matroska: plain, and with zlib-compressed SRT and ASS tracks", "[subtitles]") {
  const auto plain = wt_test::fixture("subs-mkvmerge.mkv");
  MatroskaSubtitles p(plain.size());
  const auto cues = read(p, plain, 1 << 20);
  CHECK(p.error().empty());
  REQUIRE(p.tracks().size() == 3);
  CHECK(p.tracks()[2].codec_id == "D_WEBVTT/SUBTITLES");  // mkvmerge's name for WebVTT
  same_cues(of_track(cues, p.tracks()[0].number), file_cues("convert.srt"));
  same_cues(of_track(cues, p.tracks()[1].number), file_cues("convert.ass"));
  same_cues(of_track(cues, p.tracks()[2].number), file_cues("convert.vtt"));

  const auto file = wt_test::fixture("subs-zlib.mkv");
  MatroskaSubtitles r(file.size());
  const auto packed = read(r, file, 1 << 20);
  REQUIRE(r.tracks().size() == 3);
  CHECK((r.tracks()[0].zlib && r.tracks()[1].zlib && !r.tracks()[2].zlib));
  for (const auto& t : r.tracks()) CHECK(t.unsupported.empty());
  same_cues(of_track(packed, r.tracks()[2].number), file_cues("convert.vtt"));
  for (std::size_t k = 0; k < 2; ++k) {
    const auto& t = r.tracks()[k];
    const auto expected = file_cues(k == 0 ? "convert.srt" : "convert.ass");
    std::vector<wt::SubtitleCue> got;
    for (const auto& c : packed) {
      if (c.track != t.number) continue;
      CHECK(c.cue.text.empty());
      REQUIRE_FALSE(c.compressed.empty());
#ifdef WT_TEST_ZLIB
      std::vector<std::uint8_t> out(64 << 10);
      uLongf n = out.size();
      REQUIRE(uncompress(out.data(), &n, reinterpret_cast<const Bytef*>(c.compressed.data()), c.compressed.size()) == Z_OK);
      got.push_back({c.cue.start_s, c.cue.end_s, wt::embedded_cue_text(t.codec, out.data(), n)});
#endif
    }
#ifdef WT_TEST_ZLIB
    same_cues(got, expected);
#endif
  }
}
