// The container walk over real files made by ffmpeg at build time (tests/media/make_fixtures.sh),
// checked against what ffprobe says of the same files (duration, video keyframe times) and against
// the bytes themselves (the box at the index offset spells "moov" and ends where the file ends).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "media/container_walk.hpp"
#include "subtitles/embedded_subtitles.hpp"
#include "media_fixtures.hpp"

using wt::ContainerFormat;
using wt::ContainerWalk;
using wt_test::fixture;
using wt_test::fixture_duration;
using wt_test::fixture_keyframes;

namespace {

// Feeds the walk as the glue does: whatever it wants, from `have` (bytes [0, have) of the file and
// anything at or after `tail_from`), `piece` bytes at a time at least. Returns the feeds made.
int walk_over(ContainerWalk& w, const std::vector<std::uint8_t>& file, std::size_t piece = 4096,
              std::uint64_t have = ~std::uint64_t(0), std::uint64_t tail_from = ~std::uint64_t(0)) {
  int feeds = 0;
  for (int guard = 0; guard < 100000 && !w.done(); ++guard) {
    const wt::ByteRange want = w.wanted();
    const bool held = want.offset + want.length <= std::min<std::uint64_t>(have, file.size()) || want.offset >= tail_from;
    if (want.length == 0 || !held) break;
    const std::uint64_t len = std::min<std::uint64_t>(std::max<std::uint64_t>(want.length, piece), file.size() - want.offset);
    // An exact-size copy, so that the AddressSanitizer build catches a read past what was fed.
    const std::vector<std::uint8_t> bytes(file.begin() + long(want.offset), file.begin() + long(want.offset + len));
    REQUIRE(w.feed(want.offset, bytes.data(), bytes.size()));
    ++feeds;
  }
  return feeds;
}

std::string bytes_at(const std::vector<std::uint8_t>& f, std::uint64_t at, std::size_t n) {
  return std::string(reinterpret_cast<const char*>(f.data() + at), n);
}

void check_points_near_keyframes(const ContainerWalk& w, const std::vector<double>& keyframes, double tolerance) {
  std::vector<double> times;
  for (const auto& p : w.points()) times.push_back(p.time_s);
  std::sort(times.begin(), times.end());
  REQUIRE(times.size() == keyframes.size());
  for (std::size_t i = 0; i < times.size(); ++i) CHECK(std::fabs(times[i] - keyframes[i]) <= tolerance);
}

}  // namespace

TEST_CASE("faststart MP4: the moov is found before the media, with the file's duration", "[media][walk]") {
  const auto file = fixture("faststart.mp4");
  ContainerWalk w(file.size());
  walk_over(w, file);
  CHECK(w.done());
  CHECK(w.error().empty());
  CHECK(w.format() == ContainerFormat::Mp4);
  REQUIRE(w.index_read());
  CHECK_FALSE(w.index_at_end());
  CHECK(bytes_at(file, w.index_range().offset + 4, 4) == "moov");
  CHECK(w.index_range().offset < w.media_start());
  CHECK(bytes_at(file, w.media_start() - 4, 4) == "mdat");
  CHECK(w.duration_s() == Approx(fixture_duration("faststart.mp4")).margin(0.05));
  CHECK_FALSE(w.fragmented());
}

TEST_CASE("moov-at-end MP4: the first piece alone says where the index is, at the end of the file", "[media][walk]") {
  const auto file = fixture("moov_end.mp4");
  ContainerWalk w(file.size());
  walk_over(w, file, 4096, /*have=*/4096);  // only the first 4 KiB have arrived
  REQUIRE_FALSE(w.done());
  CHECK(w.format() == ContainerFormat::Mp4);
  CHECK_FALSE(w.index_read());
  CHECK(w.media_start() > 0);
  // It wants the box after the mdat: the moov, the file's last box.
  const wt::ByteRange want = w.wanted();
  CHECK(bytes_at(file, want.offset + 4, 4) == "moov");
  const std::uint64_t moov_size = (std::uint64_t(file[want.offset]) << 24) | (file[want.offset + 1] << 16) |
                                  (file[want.offset + 2] << 8) | file[want.offset + 3];
  CHECK(want.offset + moov_size == file.size());
  // Its header arrives (fetched first): the walk knows the index is at the end and how large it is.
  wt::ByteRange header = want;
  REQUIRE(w.feed(header.offset, file.data() + header.offset, std::size_t(header.length)));
  CHECK(w.index_at_end());
  CHECK(w.index_range().offset == want.offset);
  CHECK(w.index_range().length == moov_size);
  CHECK(w.wanted().length == moov_size);
  // The whole index arrives: the walk reads it and ends.
  walk_over(w, file, 4096, 4096, /*tail_from=*/want.offset);
  CHECK(w.done());
  CHECK(w.index_read());
  CHECK(w.duration_s() == Approx(fixture_duration("moov_end.mp4")).margin(0.05));
}

TEST_CASE("an mdat with a 64-bit size is walked over like a 32-bit one", "[media][walk]") {
  // ffmpeg leaves an 8-byte 'free' box before a moov-at-end file's mdat, for exactly this: turn
  // free + mdat header (8 + 8 bytes) into one 16-byte header with size 1 and a 64-bit largesize.
  auto file = fixture("moov_end.mp4");
  ContainerWalk plain(file.size());
  walk_over(plain, file);
  std::uint64_t free_at = 0;
  for (const auto& b : plain.boxes())
    if (b.type == "free" && b.size == 8) free_at = b.offset;
  REQUIRE(free_at > 0);
  REQUIRE(bytes_at(file, free_at + 12, 4) == "mdat");
  const std::uint64_t mdat32 = (std::uint64_t(file[free_at + 8]) << 24) | (file[free_at + 9] << 16) |
                               (file[free_at + 10] << 8) | file[free_at + 11];
  const std::uint64_t large = mdat32 + 8;
  const std::uint8_t header[16] = {0, 0, 0, 1, 'm', 'd', 'a', 't', 0, 0, 0, 0,
                                   std::uint8_t(large >> 24), std::uint8_t(large >> 16), std::uint8_t(large >> 8),
                                   std::uint8_t(large)};
  std::memcpy(file.data() + free_at, header, 16);
  ContainerWalk w(file.size());
  walk_over(w, file);
  CHECK(w.error().empty());
  CHECK(w.done());
  CHECK(w.media_start() == free_at + 16);
  CHECK(w.index_read());
  CHECK(w.index_range().offset == plain.index_range().offset);
}

TEST_CASE("fragmented MP4: one start point per fragment, at the keyframes' times", "[media][walk]") {
  const auto file = fixture("frag.mp4");
  ContainerWalk w(file.size());
  walk_over(w, file);
  CHECK(w.done());
  CHECK(w.error().empty());
  CHECK(w.fragmented());
  CHECK(w.index_read());
  CHECK_FALSE(w.index_at_end());
  check_points_near_keyframes(w, fixture_keyframes("frag.mp4"), 0.1);
  for (const auto& p : w.points()) CHECK(bytes_at(file, p.offset + 4, 4) == "moof");
}

TEST_CASE("WebM with Cues: the SeekHead leads to the Cues at the end before the clusters are walked", "[media][walk]") {
  const auto file = fixture("cues.webm");
  ContainerWalk w(file.size());
  // Only the head has arrived, and the Cues' region (fetched first): the walk reads the Cues.
  const std::uint64_t head = 2048;
  walk_over(w, file, 512, head);
  REQUIRE(w.format() == ContainerFormat::WebM);
  REQUIRE(w.index_range().length > 0);  // known from the SeekHead
  REQUIRE_FALSE(w.index_read());
  const std::uint64_t cues = w.index_range().offset;
  CHECK(cues > file.size() / 2);
  walk_over(w, file, 512, head, cues);
  CHECK(w.index_read());
  CHECK(w.duration_s() == Approx(fixture_duration("cues.webm")).margin(0.05));
  CHECK(w.codec_ids() == std::vector<std::string>{"V_VP9", "A_OPUS"});  // what make_fixtures.sh encoded
  check_points_near_keyframes(w, fixture_keyframes("cues.webm"), 0.05);
  // The rest arrives: the clusters the walk then passes are the ones the Cues named.
  const auto from_cues = w.points();
  walk_over(w, file, 512);
  CHECK(w.done());
  CHECK(w.error().empty());
  CHECK(w.points().size() == from_cues.size());
}

TEST_CASE("WebM written to a pipe: no Cues, a Segment of unknown size, clusters indexed as walked", "[media][walk]") {
  const auto file = fixture("live.webm");
  ContainerWalk w(file.size());
  walk_over(w, file, 512);
  CHECK(w.format() == ContainerFormat::WebM);
  CHECK(w.done());
  CHECK(w.error().empty());
  CHECK(w.index_range().length == 0);
  CHECK(w.media_start() > 0);
  // A pipe's clusters are cut by size too, so they start between keyframes: each point is a
  // Cluster (its ID at its offset), in time order, spanning the movie.
  REQUIRE(w.points().size() >= fixture_keyframes("live.webm").size());
  double last = -1;
  for (const auto& p : w.points()) {
    CHECK(bytes_at(file, p.offset, 4) == "\x1f\x43\xb6\x75");
    CHECK(p.time_s > last);
    last = p.time_s;
  }
  CHECK(w.points().front().time_s < 0.05);
  CHECK(last > fixture_duration("live.webm") - 1.5);
}

TEST_CASE("a walk fed less than it wants changes nothing", "[media][walk]") {
  const auto file = fixture("faststart.mp4");
  ContainerWalk w(file.size());
  const wt::ByteRange want = w.wanted();
  REQUIRE(want.length > 4);
  CHECK_FALSE(w.feed(0, file.data(), 4));
  CHECK(w.wanted() == want);
  CHECK_FALSE(w.feed(1, file.data() + 1, 4096));  // does not start where it wants
  CHECK(w.format() == ContainerFormat::Unknown);
}

TEST_CASE("lying sizes end the walk with a reason and never read past what was given", "[media][walk]") {
  SECTION("a box claiming more than the file") {
    auto file = fixture("faststart.mp4");
    file[0] = 0x7f;  // ftyp's size becomes ~2 GB
    ContainerWalk w(file.size());
    walk_over(w, file);
    CHECK(w.done());
    CHECK_THAT(w.error(), Catch::Contains("past the end"));
  }
  SECTION("a box smaller than its header") {
    auto file = fixture("faststart.mp4");
    file[0] = file[1] = file[2] = 0;
    file[3] = 4;
    ContainerWalk w(file.size());
    walk_over(w, file);
    CHECK(w.done());
    CHECK_FALSE(w.error().empty());
  }
  SECTION("not a movie") {
    std::vector<std::uint8_t> text(1000, 'x');
    ContainerWalk w(text.size());
    walk_over(w, text);
    CHECK(w.done());
    CHECK(w.format() == ContainerFormat::Unknown);
    CHECK_THAT(w.error(), Catch::Contains("not those of an MP4, MOV, WebM, Matroska or MPEG-TS file"));
  }
  SECTION("a WebM element running past its Segment") {
    auto file = fixture("cues.webm");
    ContainerWalk probe(file.size());
    walk_over(probe, file, 512);
    std::uint64_t info = 0;
    for (const auto& b : probe.boxes())
      if (b.type == "Info") info = b.offset;
    REQUIRE(info > 0);
    file[info + 4] = 0x01;  // an 8-byte size: 0x01 followed by the next 7 bytes, huge
    ContainerWalk w(file.size());
    walk_over(w, file, 512);
    CHECK(w.done());
    CHECK_FALSE(w.error().empty());
  }
  SECTION("every truncation of a real file") {
    const auto file = fixture("frag.mp4");
    for (std::size_t cut = 0; cut < 4096; cut += 7) {
      const std::vector<std::uint8_t> part(file.begin(), file.begin() + cut);
      ContainerWalk w(file.size());  // the header says the full size; only `cut` bytes exist
      walk_over(w, part, 64, cut);
      CHECK((w.done() || w.wanted().offset + w.wanted().length > cut));
    }
  }
}

// Inputs the fuzz target (tests/fuzz/container_walk.cpp) found, each a bug fixed in the walk.
TEST_CASE("hostile files found by fuzzing end the walk with a reason", "[media][walk][fuzz]") {
  SECTION("a 64-bit box size cut off by the end of the file: not the same bytes asked for forever") {
    const std::vector<std::uint8_t> file = {0, 0, 0, 1, 'm', 'f', 'r', 'a'};  // size 1: 64-bit size follows
    ContainerWalk w(file.size());
    const wt::ByteRange first = w.wanted();
    REQUIRE(w.feed(0, file.data(), file.size()));
    CHECK((w.done() || !(w.wanted() == first)));
    walk_over(w, file, 1);
    CHECK(w.done());
    CHECK_THAT(w.error(), Catch::Contains("'mfra'"));
  }
  SECTION("an EBML header longer than the file: no read past the bytes given (AddressSanitizer build)") {
    // EBML id, then a 2-byte size of 0x2893 (10387) bytes in a 10-byte file.
    const std::vector<std::uint8_t> file = {0x1a, 0x45, 0xdf, 0xa3, 0x68, 0x93, 0x68, 0x68, 0x68, 0x68};
    ContainerWalk w(file.size());
    walk_over(w, file, 1);
    CHECK(w.done());
    CHECK(w.format() == ContainerFormat::Matroska);  // EBML without a DocType: Matroska, the default
    CHECK_THAT(w.error(), Catch::Contains("ends inside its EBML header"));
  }
  SECTION("a SeekHead pointing at Cues in the file's last byte: the index range stays inside the file") {
    const std::vector<std::uint8_t> file = {
        0x1a, 0x45, 0xdf, 0xa3, 0x80,              // EBML header, empty
        0x18, 0x53, 0x80, 0x67, 0x99,              // Segment of 25 bytes: its data starts at 10
        0x11, 0x4d, 0x9b, 0x74, 0x8e,              // SeekHead of 14 bytes
        0x4d, 0xbb, 0x8b,                          //   Seek of 11 bytes
        0x53, 0xab, 0x84, 0x1c, 0x53, 0xbb, 0x6b,  //     SeekID: Cues
        0x53, 0xac, 0x81, 24,                      //     SeekPosition 24: byte 34, the last one
        0xec, 0x84, 0, 0, 0, 0};                   // Void of 4 bytes, to the Segment's end
    REQUIRE(file.size() == 35);
    ContainerWalk w(file.size());
    walk_over(w, file, 64);
    CHECK(w.done());
    CHECK(w.index_range().offset == 34);
    CHECK(w.index_range().offset + w.index_range().length <= file.size());
  }
  SECTION("what the walk learns does not depend on how many bytes the glue passes") {
    // A Cluster whose Timestamp comes after a 32-byte Void: past the 32 bytes the walk asks for.
    std::vector<std::uint8_t> file = {
        0x1a, 0x45, 0xdf, 0xa3, 0x80,  // EBML header, empty
        0x18, 0x53, 0x80, 0x67, 0xa8,  // Segment of 40 bytes
        0x1f, 0x43, 0xb6, 0x75, 0xa3,  // Cluster of 35 bytes
        0xec, 0x9e};                   //   Void of 30 bytes
    file.resize(file.size() + 30, 0);
    file.insert(file.end(), {0xe7, 0x81, 0x05});  // Timestamp 5
    REQUIRE(file.size() == 50);
    ContainerWalk exact(file.size()), whole(file.size());
    walk_over(exact, file, 1);  // exactly the bytes it asks for
    walk_over(whole, file, 4096);
    CHECK(exact.done());
    CHECK(whole.done());
    CHECK(exact.media_start() == 10);
    CHECK(whole.media_start() == 10);
    CHECK(exact.points().size() == whole.points().size());
  }
  SECTION("a second moov after the first is walked over, not read from bytes it was not given") {
    // moov (8 bytes, empty), then a moov of 64 bytes; the walk reads only the first one.
    std::vector<std::uint8_t> file = {0, 0, 0, 8, 'm', 'o', 'o', 'v', 0, 0, 0, 64, 'm', 'o', 'o', 'v'};
    file.resize(8 + 64, 0);
    for (std::size_t at = 16; at + 8 <= file.size(); at += 8) {  // children: 8-byte 'free' boxes
      file[at + 3] = 8;
      std::memcpy(&file[at + 4], "free", 4);
    }
    ContainerWalk w(file.size());
    walk_over(w, file, 16);  // fed 16 bytes at a time: the second moov's header, not its body
    CHECK(w.done());
    CHECK(w.error().empty());
    CHECK(w.index_read());
    CHECK(w.index_range() == wt::ByteRange{0, 8});
    REQUIRE(w.boxes().size() == 2);
    CHECK(w.boxes()[1].offset == 8);
    CHECK(w.boxes()[1].size == 64);
  }
}

// ---- formats, tracks, sample tables, transport streams ----

namespace {

using wt::MediaTrack;
using wt::TrackKind;

// ffprobe's codec names in the walk's families (MediaTrack::codec).
std::string family_of(const std::string& ffprobe_codec) {
  static const std::map<std::string, std::string> kFamilies = {
      {"h264", "avc"}, {"hevc", "hevc"}, {"vp9", "vp9"},   {"aac", "aac"},         {"opus", "opus"},
      {"ac3", "ac3"},  {"eac3", "eac3"}, {"mp3", "mp3"},   {"pcm_s16le", "pcm"},   {"subrip", "srt"},
      {"dts", "dts"},  {"flac", "flac"}, {"av1", "av1"},   {"mov_text", "tx3g"},   {"webvtt", "webvtt"}};
  const auto it = kFamilies.find(ffprobe_codec);
  return it == kFamilies.end() ? "?" + ffprobe_codec : it->second;
}

TrackKind kind_of(const std::string& codec_type) {
  if (codec_type == "video") return TrackKind::Video;
  if (codec_type == "audio") return TrackKind::Audio;
  if (codec_type == "subtitle") return TrackKind::Subtitle;
  return TrackKind::Other;
}

std::string field(const std::map<std::string, std::string>& f, const std::string& key, const std::string& absent = "") {
  const auto it = f.find(key);
  return it == f.end() ? absent : it->second;
}

ContainerWalk walked(const std::string& name, std::size_t piece = 4096) {
  const auto file = fixture(name);
  ContainerWalk w(file.size());
  walk_over(w, file, piece);
  return w;
}

// The tracks the walk read against ffprobe's list of the same file's streams. ffprobe does not say
// a transport stream's default track, nor an MP4/MOV track's title (ffmpeg keeps it in udta 'name').
void check_tracks_as_ffprobe_says(const std::string& name) {
  INFO(name);
  const ContainerWalk w = walked(name);
  REQUIRE(w.tracks_known());
  const auto expected = wt_test::fixture_tracks(name);
  REQUIRE(w.tracks().size() == expected.size());
  const bool ts = w.format() == ContainerFormat::MpegTs;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const auto& f = expected[i];
    const MediaTrack& t = w.tracks()[i];
    INFO("stream " << i << ": " << field(f, "codec_name") << " / " << t.codec_id);
    CHECK(t.kind == kind_of(field(f, "codec_type")));
    CHECK(t.codec == family_of(field(f, "codec_name")));
    CHECK(t.language == field(f, "tag:language", "und"));
    if (wt::is_ebml(w.format())) CHECK(t.name == field(f, "tag:title"));
    if (!ts) CHECK(t.is_default == (field(f, "disposition:default") == "1"));
    if (t.kind == TrackKind::Audio) {
      CHECK(std::to_string(t.channels) == field(f, "channels"));
      CHECK(std::to_string(t.sample_rate) == field(f, "sample_rate"));
    }
    if (t.kind == TrackKind::Video && !ts) {  // a TS's sizes are in its video stream, not read here
      CHECK(std::to_string(t.width) == field(f, "width"));
      CHECK(std::to_string(t.height) == field(f, "height"));
    }
  }
}

}  // namespace

TEST_CASE("each container is told apart by its first bytes", "[media][walk][formats]") {
  // What make_fixtures.sh asked ffmpeg to write.
  const std::vector<std::pair<std::string, ContainerFormat>> files = {
      {"faststart.mp4", ContainerFormat::Mp4},     {"moov_end.mp4", ContainerFormat::Mp4},
      {"frag.mp4", ContainerFormat::Mp4},          {"ac3.mp4", ContainerFormat::Mp4},
      {"cues.webm", ContainerFormat::WebM},        {"live.webm", ContainerFormat::WebM},
      {"cues.mkv", ContainerFormat::Matroska},     {"nocues.mkv", ContainerFormat::Matroska},
      {"two_audio.mkv", ContainerFormat::Matroska}, {"hevc.mkv", ContainerFormat::Matroska},
      {"camera.mov", ContainerFormat::Mov},        {"pcm.mov", ContainerFormat::Mov},
      {"stream.ts", ContainerFormat::MpegTs},      {"stream.m2ts", ContainerFormat::MpegTs}};
  for (const auto& [name, format] : files) {
    INFO(name);
    const ContainerWalk w = walked(name);
    CHECK(w.format() == format);
    CHECK(w.done());
    CHECK(w.error().empty());
    CHECK(w.tracks_known());
    if (!w.fragmented()) CHECK(w.duration_s() == Approx(fixture_duration(name)).margin(0.1));  // an fMP4 says none
  }
  CHECK(std::string(wt::container_format_name(ContainerFormat::Mov)) == "mov");
  CHECK(std::string(wt::container_format_name(ContainerFormat::MpegTs)) == "mpegts");
}

TEST_CASE("tracks are what ffprobe says: codecs, languages, titles, channels, sizes, defaults",
          "[media][walk][tracks]") {
  for (const char* name : {"faststart.mp4", "frag.mp4", "ac3.mp4", "camera.mov", "pcm.mov", "cues.webm", "cues.mkv",
                           "nocues.mkv", "two_audio.mkv", "hevc.mkv", "stream.ts", "stream.m2ts"})
    check_tracks_as_ffprobe_says(name);
}

TEST_CASE("several audio tracks and a subtitle track in Matroska, with their titles and languages",
          "[media][walk][tracks]") {
  const ContainerWalk w = walked("two_audio.mkv");
  REQUIRE(w.tracks().size() == 4);
  // What make_fixtures.sh wrote: AAC stereo "Stereo" (eng), AC-3 5.1 "Surround 5.1" (fra), SRT (eng).
  CHECK(w.tracks()[1].name == "Stereo");
  CHECK(w.tracks()[2].name == "Surround 5.1");
  CHECK(w.tracks()[2].channels == 6);
  CHECK(w.tracks()[2].language == "fra");
  CHECK(w.tracks()[3].kind == TrackKind::Subtitle);
  CHECK(w.tracks()[3].codec_id == "S_TEXT/UTF8");
  // codec_ids: the video track's first, then the others in order.
  CHECK(w.codec_ids() == std::vector<std::string>{"V_MPEG4/ISO/AVC", "A_AAC", "A_AC3", "S_TEXT/UTF8"});
}

TEST_CASE("an MP4 track's title comes from its udta 'name' box", "[media][walk][tracks]") {
  const ContainerWalk w = walked("ac3.mp4");
  REQUIRE(w.tracks().size() == 2);
  CHECK(w.tracks()[1].name == "Commentary");  // what make_fixtures.sh wrote
  CHECK(w.tracks()[1].codec_id == "ac-3");
  CHECK(w.tracks()[0].name.empty());
}

TEST_CASE("MP4/MOV sample tables give the keyframes ffprobe lists, a point every half second, from where their "
          "data starts",
          "[media][walk][sample-table]") {
  for (const char* name : {"faststart.mp4", "moov_end.mp4", "ac3.mp4", "camera.mov", "pcm.mov"}) {
    INFO(name);
    const ContainerWalk w = walked(name);
    REQUIRE(w.index_read());
    CHECK(w.points_complete());
    std::vector<wt::ContainerPoint> points = w.points();
    std::sort(points.begin(), points.end(), [](const auto& a, const auto& b) { return a.time_s < b.time_s; });
    std::vector<wt::ContainerPoint> keys;
    for (const auto& p : points)
      if (p.keyframe) keys.push_back(p);
    const auto expected = wt_test::fixture_keyframe_pos(name);
    REQUIRE(keys.size() == expected.size());
    // ffprobe applies the edit list (the B-frame delay); the sample table's times do not, as
    // mp4box.js's do not: the same keyframes, all shifted by the same small amount.
    const double shift = keys[0].time_s - expected[0].first;
    CHECK(shift >= 0);
    CHECK(shift < 0.1);
    for (std::size_t i = 0; i < keys.size(); ++i) {
      CHECK(keys[i].time_s - expected[i].first == Approx(shift).margin(1e-6));
      // Its data starts at the keyframe's packet or before it (a moment's audio stored first),
      // never as far back as the previous keyframe.
      CHECK(keys[i].offset <= expected[i].second);
      if (i > 0) CHECK(keys[i].offset > expected[i - 1].second);
    }
    // A point at least every half second, or at the first frame after it in decode order (B-frames:
    // up to 3 frames later at 25 fps, as mp4-segmenter.js picks them); none before the media data.
    for (std::size_t i = 1; i < points.size(); ++i) CHECK(points[i].time_s - points[i - 1].time_s <= 0.5 + 0.12 + 1e-9);
    CHECK(fixture_duration(name) - points.back().time_s <= 0.5 + 0.12);
    for (const auto& p : points) CHECK(p.offset >= w.media_start());
  }
}

TEST_CASE("QuickTime variants: a 64-bit mdat after 'wide', a last box of size 0, no ftyp at all",
          "[media][walk][mov]") {
  const auto original = fixture("camera.mov");
  ContainerWalk plain(original.size());
  walk_over(plain, original);
  REQUIRE(plain.format() == ContainerFormat::Mov);
  std::uint64_t wide_at = 0, moov_at = 0;
  for (const auto& b : plain.boxes()) {
    if (b.type == "wide") wide_at = b.offset;
    if (b.type == "moov") moov_at = b.offset;
  }
  REQUIRE(wide_at > 0);
  REQUIRE(moov_at > wide_at);
  const auto same_as_plain = [&](const ContainerWalk& w) {
    CHECK(w.done());
    CHECK(w.error().empty());
    CHECK(w.index_read());
    CHECK(w.tracks() == plain.tracks());
    REQUIRE(w.points().size() == plain.points().size());
    for (std::size_t i = 0; i < w.points().size(); ++i) CHECK(w.points()[i].time_s == plain.points()[i].time_s);
  };
  SECTION("'wide' + mdat's 8-byte header become one 16-byte header with a 64-bit size (what 'wide' is for)") {
    auto file = original;
    REQUIRE(bytes_at(file, wide_at + 12, 4) == "mdat");
    const std::uint64_t mdat32 = (std::uint64_t(file[wide_at + 8]) << 24) | (file[wide_at + 9] << 16) |
                                 (file[wide_at + 10] << 8) | file[wide_at + 11];
    const std::uint64_t large = mdat32 + 8;
    const std::uint8_t header[16] = {0, 0, 0, 1, 'm', 'd', 'a', 't', 0, 0, 0, 0, std::uint8_t(large >> 24),
                                     std::uint8_t(large >> 16), std::uint8_t(large >> 8), std::uint8_t(large)};
    std::memcpy(file.data() + wide_at, header, 16);
    ContainerWalk w(file.size());
    walk_over(w, file);
    CHECK(w.media_start() == wide_at + 16);
    same_as_plain(w);
  }
  SECTION("the moov, the last box, with size 0: to the end of the file") {
    auto file = original;
    std::memset(file.data() + moov_at, 0, 4);
    ContainerWalk w(file.size());
    walk_over(w, file);
    CHECK(w.index_range().offset == moov_at);
    CHECK(w.index_range().offset + w.index_range().length == file.size());
    same_as_plain(w);
  }
  SECTION("an old QuickTime file without ftyp (its first box a 'skip' here)") {
    auto file = original;
    std::memcpy(file.data() + 4, "skip", 4);
    ContainerWalk w(file.size());
    walk_over(w, file);
    CHECK(w.format() == ContainerFormat::Mov);
    same_as_plain(w);
    auto mp4 = fixture("faststart.mp4");
    std::memcpy(mp4.data() + 4, "free", 4);  // an MP4 that lost its ftyp is walked as QuickTime too
    ContainerWalk m(mp4.size());
    walk_over(m, mp4);
    CHECK(m.format() == ContainerFormat::Mov);
    CHECK(m.index_read());
  }
}

TEST_CASE("Matroska with Cues at the end: the SeekHead leads to them before the clusters are walked",
          "[media][walk][matroska]") {
  for (const char* name : {"cues.mkv", "two_audio.mkv", "hevc.mkv"}) {
    INFO(name);
    const auto file = fixture(name);
    ContainerWalk w(file.size());
    const std::uint64_t head = 4096;
    walk_over(w, file, 512, head);
    REQUIRE(w.format() == ContainerFormat::Matroska);
    REQUIRE(w.tracks_known());  // the Tracks sit in the head
    REQUIRE(w.index_range().length > 0);
    REQUIRE_FALSE(w.index_read());
    const std::uint64_t cues = w.index_range().offset;
    CHECK(cues > file.size() / 2);
    walk_over(w, file, 512, head, cues);
    CHECK(w.index_read());
    check_points_near_keyframes(w, fixture_keyframes(name), 0.05);
    walk_over(w, file, 512);
    CHECK(w.done());
    CHECK(w.error().empty());
  }
}

TEST_CASE("Matroska written to a pipe: no Cues, clusters indexed as walked", "[media][walk][matroska]") {
  const auto file = fixture("nocues.mkv");
  ContainerWalk w(file.size());
  walk_over(w, file, 512);
  CHECK(w.format() == ContainerFormat::Matroska);
  CHECK(w.done());
  CHECK(w.error().empty());
  CHECK(w.index_range().length == 0);
  CHECK_FALSE(w.points_complete());
  REQUIRE(w.points().size() >= fixture_keyframes("nocues.mkv").size());
  double last = -1;
  for (const auto& p : w.points()) {
    CHECK(bytes_at(file, p.offset, 4) == "\x1f\x43\xb6\x75");
    CHECK(p.time_s > last);
    last = p.time_s;
  }
}

namespace {

// An MPEG-TS packet: PID, payload (at most 184 bytes; the rest is adaptation-field stuffing), and
// a PCR (90 kHz base) when pcr >= 0.
std::vector<std::uint8_t> ts_packet(std::uint16_t pid, bool unit_start, const std::vector<std::uint8_t>& payload,
                                    std::int64_t pcr = -1) {
  std::vector<std::uint8_t> p = {0x47, std::uint8_t((unit_start ? 0x40 : 0) | (pid >> 8)), std::uint8_t(pid), 0x10};
  const std::size_t room = 184 - payload.size();
  if (room > 0 || pcr >= 0) {
    REQUIRE(room >= (pcr >= 0 ? 8u : 1u));
    p[3] = 0x30;
    p.push_back(std::uint8_t(room - 1));
    if (room > 1) {
      p.push_back(pcr >= 0 ? 0x10 : 0x00);
      if (pcr >= 0) {
        const std::uint64_t b = std::uint64_t(pcr);
        for (const std::uint8_t byte : {std::uint8_t(b >> 25), std::uint8_t(b >> 17), std::uint8_t(b >> 9),
                                        std::uint8_t(b >> 1), std::uint8_t(((b & 1) << 7) | 0x7e), std::uint8_t(0)})
          p.push_back(byte);
      }
      while (p.size() < 4 + room) p.push_back(0xff);
    }
  }
  p.insert(p.end(), payload.begin(), payload.end());
  REQUIRE(p.size() == 188);
  return p;
}

// A PSI section (CRC not computed: the walk does not check it) after a zero pointer field.
std::vector<std::uint8_t> psi(std::uint8_t table, const std::vector<std::uint8_t>& body, int length = -1) {
  const std::size_t len = length >= 0 ? std::size_t(length) : 5 + body.size() + 4;
  std::vector<std::uint8_t> s = {0, table, std::uint8_t(0xb0 | (len >> 8)), std::uint8_t(len), 0, 1, 0xc1, 0, 0};
  for (const std::uint8_t b : body) s.push_back(b);
  s.resize(s.size() + 4, 0);
  return s;
}

std::vector<std::uint8_t> pat(std::uint16_t pmt_pid) {
  return psi(0x00, {0, 1, std::uint8_t(0xe0 | (pmt_pid >> 8)), std::uint8_t(pmt_pid)});
}

struct TsStream {
  std::uint8_t type;
  std::uint16_t pid;
  std::vector<std::uint8_t> descriptors;
};
std::vector<std::uint8_t> pmt_body(std::uint16_t pcr_pid, const std::vector<TsStream>& streams) {
  std::vector<std::uint8_t> b = {std::uint8_t(0xe0 | (pcr_pid >> 8)), std::uint8_t(pcr_pid), 0xf0, 0};
  for (const auto& s : streams) {
    b.insert(b.end(), {s.type, std::uint8_t(0xe0 | (s.pid >> 8)), std::uint8_t(s.pid),
                       std::uint8_t(0xf0 | (s.descriptors.size() >> 8)), std::uint8_t(s.descriptors.size())});
    b.insert(b.end(), s.descriptors.begin(), s.descriptors.end());
  }
  return b;
}

std::vector<std::uint8_t> pes(std::int64_t pts, const std::vector<std::uint8_t>& data = {}) {
  const std::uint64_t t = std::uint64_t(pts);
  const bool timed = pts >= 0;
  std::vector<std::uint8_t> p = {0, 0, 1, 0xe0, 0, 0, 0x80, std::uint8_t(timed ? 0x80 : 0), std::uint8_t(timed ? 5 : 0)};
  if (timed)
    p.insert(p.end(), {std::uint8_t(0x21 | ((t >> 29) & 0x0e)), std::uint8_t(t >> 22),
                       std::uint8_t(((t >> 14) & 0xfe) | 1), std::uint8_t(t >> 7), std::uint8_t(((t << 1) & 0xfe) | 1)});
  p.insert(p.end(), data.begin(), data.end());
  return p;
}

void append(std::vector<std::uint8_t>& file, const std::vector<std::uint8_t>& packet) {
  file.insert(file.end(), packet.begin(), packet.end());
}

// Null packets (PID 0x1fff), to make a stream as large as a test needs.
void pad(std::vector<std::uint8_t>& file, std::size_t packets) {
  const auto null = ts_packet(0x1fff, false, std::vector<std::uint8_t>(184, 0xff));
  for (std::size_t i = 0; i < packets; ++i) append(file, null);
}

}  // namespace

TEST_CASE("MPEG-TS: PAT, PMT and the stream's clock, its tail read as its index, points estimated from the bytes",
          "[media][walk][mpegts]") {
  for (const char* name : {"stream.ts", "stream.m2ts"}) {
    INFO(name);
    const auto file = fixture(name);
    ContainerWalk w(file.size());
    walk_over(w, file, 1);
    REQUIRE(w.format() == ContainerFormat::MpegTs);
    CHECK(w.done());
    CHECK(w.error().empty());
    CHECK(w.index_at_end());
    CHECK(w.index_read());
    CHECK(w.media_start() == 0);
    CHECK(w.duration_s() == Approx(fixture_duration(name)).margin(0.1));
    const std::uint32_t packet = std::string(name).find("m2ts") != std::string::npos ? 192 : 188;
    REQUIRE(w.points_complete());
    REQUIRE(w.points().size() == std::size_t(std::ceil(w.duration_s())));  // one a second
    for (std::size_t i = 0; i < w.points().size(); ++i) {
      const auto& p = w.points()[i];
      CHECK(p.keyframe);
      CHECK(p.time_s == Approx(double(i)));
      CHECK(p.offset % packet == 0);
      CHECK(p.offset < file.size());
      // At the file's average rate, on a packet boundary (within one packet below it).
      const double estimate = p.time_s / w.duration_s() * double(file.size());
      CHECK(double(p.offset) <= estimate);
      CHECK(double(p.offset) > estimate - packet);
      if (i > 0) CHECK(p.offset >= w.points()[i - 1].offset);
    }
  }
}

TEST_CASE("MPEG-TS larger than its head: the first MiB at most, then only the last 256 KiB", "[media][walk][mpegts]") {
  // The fixture with 5 MiB of null packets after its first 64 KiB: its end is the stream's end.
  const auto small = fixture("stream.ts");
  const std::size_t split = 348 * 188;
  std::vector<std::uint8_t> file(small.begin(), small.begin() + split);
  pad(file, (5u << 20) / 188);
  file.insert(file.end(), small.begin() + split, small.end());
  ContainerWalk w(file.size());
  REQUIRE(w.feed(0, file.data(), 4096));
  REQUIRE(w.format() == ContainerFormat::MpegTs);
  // The tail is known at once (the "index first" rule fetches it early): whole packets, ~256 KiB.
  const wt::ByteRange tail = w.index_range();
  CHECK(tail.offset % 188 == 0);
  CHECK(tail.offset + tail.length == file.size() / 188 * 188);
  CHECK(tail.length <= 256 * 1024);
  CHECK(tail.length > 256 * 1024 - 188);
  std::uint64_t furthest_head = 0;
  int feeds = 0;
  while (!w.done() && w.wanted().offset < tail.offset) {
    const wt::ByteRange want = w.wanted();
    furthest_head = std::max(furthest_head, want.offset + want.length);
    const std::vector<std::uint8_t> bytes(file.begin() + long(want.offset),
                                          file.begin() + long(want.offset + want.length));
    REQUIRE(w.feed(want.offset, bytes.data(), bytes.size()));
    REQUIRE(++feeds < 100);
  }
  CHECK(furthest_head <= (1u << 20));
  REQUIRE_FALSE(w.done());
  CHECK(w.tracks_known());
  CHECK(w.wanted() == tail);
  const std::vector<std::uint8_t> bytes(file.begin() + long(tail.offset),
                                        file.begin() + long(tail.offset + tail.length));
  REQUIRE(w.feed(tail.offset, bytes.data(), bytes.size()));
  CHECK(w.done());
  CHECK(w.index_read());
  CHECK(w.duration_s() == Approx(fixture_duration("stream.ts")).margin(0.1));
}

TEST_CASE("hostile transport streams end with a reason or a best effort, never a read outside the bytes",
          "[media][walk][mpegts]") {
  const auto walk_file = [](const std::vector<std::uint8_t>& file) {
    ContainerWalk w(file.size());
    walk_over(w, file, 1);
    CHECK(w.done());
    CHECK(w.format() == ContainerFormat::MpegTs);
    for (const auto& p : w.points()) CHECK(p.offset < file.size());
    return w;
  };
  const std::vector<TsStream> av = {{0x1b, 0x100, {}}, {0x0f, 0x101, {0x0a, 4, 'd', 'e', 'u', 0}}};
  SECTION("a well-formed stream of our own: PAT, PMT, PCR, PTS") {
    std::vector<std::uint8_t> file;
    append(file, ts_packet(0, true, pat(0x1000)));
    append(file, ts_packet(0x1000, true, psi(0x02, pmt_body(0x100, av))));
    append(file, ts_packet(0x100, true, pes(900000), 900000 - 63000));
    append(file, ts_packet(0x101, true, pes(900000)));
    pad(file, 10);
    append(file, ts_packet(0x100, true, pes(900000 + 90000 * 7), 900000 + 90000 * 7 - 63000));
    const ContainerWalk w = walk_file(file);
    CHECK(w.error().empty());
    REQUIRE(w.tracks().size() == 2);
    CHECK(w.tracks()[0].codec == "avc");
    CHECK(w.tracks()[0].id == 0x100);
    CHECK(w.tracks()[1].codec == "aac");
    CHECK(w.tracks()[1].language == "deu");
    CHECK(w.duration_s() == Approx(7));
  }
  SECTION("PES packets without a PTS: the PCR's span") {
    std::vector<std::uint8_t> file;
    append(file, ts_packet(0x100, true, pes(-1), 450000));  // a PCR before the PMT names its PID
    append(file, ts_packet(0, true, pat(0x1000)));
    append(file, ts_packet(0x1000, true, psi(0x02, pmt_body(0x100, {av[0]}))));
    pad(file, 6);
    append(file, ts_packet(0x100, true, pes(-1), 450000 + 90000 * 5 / 2));
    const ContainerWalk w = walk_file(file);
    CHECK(w.error().empty());
    CHECK(w.duration_s() == Approx(2.5));
    CHECK(w.points().size() == 3);
  }
  SECTION("a clock that wraps (33 bits) between the head and the tail") {
    const std::int64_t near_end = (std::int64_t(1) << 33) - 90000;
    std::vector<std::uint8_t> file;
    append(file, ts_packet(0, true, pat(0x1000)));
    append(file, ts_packet(0x1000, true, psi(0x02, pmt_body(0x100, {av[0]}))));
    append(file, ts_packet(0x100, true, pes(near_end)));
    pad(file, 4);
    append(file, ts_packet(0x100, true, pes(90000 * 2)));  // 3 s later, past the wrap
    CHECK(walk_file(file).duration_s() == Approx(3));
  }
  SECTION("a PMT listing more streams than the walk keeps: the first 64") {
    std::vector<TsStream> many;
    for (std::uint16_t i = 0; i < 200; ++i) many.push_back({0x0f, std::uint16_t(0x200 + i), {}});
    const auto section = psi(0x02, pmt_body(0x1fff, many));
    REQUIRE(section.size() > 184);
    std::vector<std::uint8_t> file;
    append(file, ts_packet(0, true, pat(0x1000)));
    for (std::size_t at = 0; at < section.size(); at += 184) {
      const std::size_t end = std::min(section.size(), at + 184);
      std::vector<std::uint8_t> part(section.begin() + long(at), section.begin() + long(end));
      append(file, ts_packet(0x1000, at == 0, part));
    }
    pad(file, 4);
    const ContainerWalk w = walk_file(file);
    CHECK(w.tracks().size() == ContainerWalk::kMaxTracks);
    CHECK(w.duration_s() == 0);  // no PCR, no PTS: nothing to estimate from
    CHECK(w.points().empty());
  }
  SECTION("a section longer than its packets, then nothing: no program") {
    std::vector<std::uint8_t> file;
    append(file, ts_packet(0, true, psi(0x00, {0, 1, 0xf0, 0}, 1000)));
    pad(file, 4);
    const ContainerWalk w = walk_file(file);
    CHECK_THAT(w.error(), Catch::Contains("no program"));
    CHECK_FALSE(w.tracks_known());
  }
  SECTION("a stream's descriptors running past the section: the streams before it stand") {
    std::vector<std::uint8_t> body = pmt_body(0x100, {av[0]});
    body.insert(body.end(), {0x0f, 0xe1, 0x01, 0xf0, 0xff});  // 255 bytes of descriptors that are not there
    std::vector<std::uint8_t> file;
    append(file, ts_packet(0, true, pat(0x1000)));
    append(file, ts_packet(0x1000, true, psi(0x02, body)));
    append(file, ts_packet(0x100, true, pes(1000), 500));
    const ContainerWalk w = walk_file(file);
    REQUIRE(w.tracks().size() == 1);
    CHECK(w.tracks()[0].codec == "avc");
  }
  SECTION("an adaptation field longer than its packet, no PTS: no clock, tracks still known") {
    std::vector<std::uint8_t> file;
    append(file, ts_packet(0, true, pat(0x1000)));
    append(file, ts_packet(0x1000, true, psi(0x02, pmt_body(0x100, {av[0]}))));
    auto lying = ts_packet(0x100, true, pes(-1));
    lying[4] = 200;
    append(file, lying);
    append(file, ts_packet(0x100, true, pes(-1)));
    const ContainerWalk w = walk_file(file);
    CHECK(w.tracks_known());
    CHECK(w.duration_s() == 0);
    CHECK_FALSE(w.points_complete());
  }
  SECTION("private streams told by their descriptors; a Blu-ray stream by its registration") {
    const std::vector<TsStream> streams = {{0x06, 0x110, {0x6a, 1, 0}},
                                           {0x06, 0x111, {0x7a, 1, 0}},
                                           {0x06, 0x112, {0x59, 8, 'f', 'r', 'a', 0x10, 0, 1, 0, 1}},
                                           {0x06, 0x113, {0x05, 4, 'D', 'T', 'S', '2'}},
                                           {0x06, 0x114, {0x05, 4, 'O', 'p', 'u', 's'}},
                                           {0x06, 0x115, {0x56, 5, 'e', 'n', 'g', 0x09, 0}},
                                           {0x87, 0x116, {}},
                                           {0x24, 0x117, {}}};
    std::vector<std::uint8_t> file;
    append(file, ts_packet(0, true, pat(0x1000)));
    append(file, ts_packet(0x1000, true, psi(0x02, pmt_body(0x1fff, streams))));
    const ContainerWalk w = walk_file(file);
    REQUIRE(w.tracks().size() == streams.size());
    const std::vector<std::string> codecs = {"ac3", "eac3", "dvb", "dts", "opus", "teletext", "eac3", "hevc"};
    for (std::size_t i = 0; i < codecs.size(); ++i) CHECK(w.tracks()[i].codec == codecs[i]);
    CHECK(w.tracks()[2].language == "fra");
    CHECK(w.tracks()[2].kind == TrackKind::Subtitle);
    CHECK(w.tracks()[0].is_default);
    CHECK_FALSE(w.tracks()[1].is_default);  // the first audio track is
  }
}

TEST_CASE("an MPEG-TS's subtitle tracks are listed with why they cannot show", "[media][walk][subtitles]") {
  const std::vector<TsStream> streams = {{0x1b, 0x100, {}},
                                         {0x06, 0x112, {0x59, 8, 'f', 'r', 'a', 0x10, 0, 1, 0, 1}},
                                         {0x06, 0x115, {0x56, 5, 'e', 'n', 'g', 0x09, 0}}};
  std::vector<std::uint8_t> file;
  append(file, ts_packet(0, true, pat(0x1000)));
  append(file, ts_packet(0x1000, true, psi(0x02, pmt_body(0x1fff, streams))));
  wt::EmbeddedSubtitles r(file.size());
  for (auto want = r.wanted(); want.length; want = r.wanted()) REQUIRE(r.feed(want.offset, file.data() + want.offset, file.size() - want.offset));
  CHECK(r.done());
  REQUIRE(r.tracks().size() == 2);
  CHECK((r.tracks()[0].number == 0x112 && r.tracks()[0].label == "French"));
  CHECK(r.tracks()[0].unsupported == "picture subtitles (DVB) are not supported, only text ones");
  CHECK((r.tracks()[1].label == "English" && r.tracks()[1].unsupported == "teletext subtitles are not supported"));
  CHECK(r.take_cues().empty());
}

TEST_CASE("every truncation of every format ends, without a read past the bytes given", "[media][walk][truncation]") {
  for (const char* name : {"camera.mov", "ac3.mp4", "cues.mkv", "two_audio.mkv", "nocues.mkv", "stream.ts",
                           "stream.m2ts"}) {
    INFO(name);
    const auto file = fixture(name);
    for (std::size_t cut = 0; cut < file.size(); cut += std::max<std::size_t>(1, file.size() / 97)) {
      // Only a prefix has arrived: the walk waits for more, or has ended.
      const std::vector<std::uint8_t> part(file.begin(), file.begin() + long(cut));
      ContainerWalk w(file.size());
      walk_over(w, part, 64, cut);
      CHECK((w.done() || w.wanted().offset + w.wanted().length > cut));
      // A file that really ends there: the walk ends, with a reason or what it could learn.
      if (cut == 0) continue;
      ContainerWalk t(cut);
      walk_over(t, part, 64);
      CHECK(t.done());
      for (const auto& p : t.points()) CHECK(p.offset < cut);
    }
  }
}

TEST_CASE("lying sample tables and track headers: bounded, finite, inside the file", "[media][walk][sample-table]") {
  // Every 32-bit field in the first 48 bytes of each sample-table box (and of tkhd, mdhd, stsd, esds)
  // set to 0 and to 0xffffffff in turn.
  const auto original = fixture("faststart.mp4");
  for (const char* box : {"stts", "ctts", "stsc", "stsz", "stco", "stss", "tkhd", "mdhd", "stsd", "esds", "mp4a"}) {
    std::size_t at = 0;
    for (std::size_t i = 0; i + 4 < original.size(); ++i)
      if (std::memcmp(&original[i], box, 4) == 0) {
        at = i + 4;
        break;
      }
    REQUIRE(at > 0);
    for (std::size_t f = 0; f < 48; f += 4) {
      for (const std::uint8_t value : {std::uint8_t(0), std::uint8_t(0xff)}) {
        INFO(box << " +" << f << " = " << int(value));
        auto file = original;
        std::memset(&file[at + f], value, 4);
        ContainerWalk w(file.size());
        walk_over(w, file);
        CHECK(w.done());
        CHECK(w.points().size() <= ContainerWalk::kMaxPoints);
        for (const auto& p : w.points()) {
          CHECK(p.offset < file.size());
          CHECK(std::isfinite(p.time_s));
          CHECK(p.time_s >= 0);
        }
        CHECK(w.tracks().size() <= ContainerWalk::kMaxTracks);
        for (const auto& t : w.tracks()) {
          CHECK(t.name.size() <= 128);
          CHECK(t.codec_id.size() <= 128);
        }
      }
    }
  }
}

TEST_CASE("lying Matroska track entries: bounded strings, the spec's defaults", "[media][walk][matroska]") {
  // A Segment holding only Tracks: one entry without Language or FlagDefault, with a 300-byte Name
  // and a CodecID with control bytes.
  std::vector<std::uint8_t> entry = {0xd7, 0x81, 0x05, 0x83, 0x81, 0x02, 0x86, 0x86, 'A', '_', 0x01, 'O', 'P', 'U'};
  entry.insert(entry.end(), {0x53, 0x6e, 0x41, 0x2c});  // Name, 300 bytes
  entry.insert(entry.end(), 300, 'n');
  std::vector<std::uint8_t> tracks = {0xae, 0x41, std::uint8_t(entry.size() >> 0)};
  tracks[1] = std::uint8_t(0x40 | (entry.size() >> 8));
  tracks[2] = std::uint8_t(entry.size());
  tracks.insert(tracks.end(), entry.begin(), entry.end());
  std::vector<std::uint8_t> file = {0x1a, 0x45, 0xdf, 0xa3, 0x87, 0x42, 0x82, 0x84, 'w', 'e', 'b', 'm'};
  file.insert(file.end(), {0x18, 0x53, 0x80, 0x67, 0x01, 0, 0, 0, 0, 0, 0, 0});
  const std::size_t segment_size_at = file.size() - 7;
  file.insert(file.end(), {0x16, 0x54, 0xae, 0x6b, 0x40, 0});
  file[file.size() - 2] = std::uint8_t(0x40 | (tracks.size() >> 8));
  file[file.size() - 1] = std::uint8_t(tracks.size());
  file.insert(file.end(), tracks.begin(), tracks.end());
  const std::uint64_t segment = file.size() - (segment_size_at + 7);
  for (int i = 0; i < 7; ++i) file[segment_size_at + std::size_t(i)] = std::uint8_t(segment >> (8 * (6 - i)));
  ContainerWalk w(file.size());
  walk_over(w, file, 1);
  CHECK(w.error().empty());
  CHECK(w.format() == ContainerFormat::WebM);
  REQUIRE(w.tracks().size() == 1);
  const MediaTrack& t = w.tracks()[0];
  CHECK(t.id == 5);
  CHECK(t.kind == TrackKind::Audio);
  CHECK(t.codec_id == "A_OPU");  // the control byte dropped, and with it the family
  CHECK(t.codec.empty());
  CHECK(t.name == std::string(128, 'n'));
  CHECK(t.language == "eng");  // Language's default
  CHECK(t.is_default);         // FlagDefault's
}
