// The container walk over real files made by ffmpeg at build time (tests/media/make_fixtures.sh),
// checked against what ffprobe says of the same files (duration, video keyframe times) and against
// the bytes themselves (the box at the index offset spells "moov" and ends where the file ends).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "media/container_walk.hpp"
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
    CHECK_THAT(w.error(), Catch::Contains("not an MP4 or WebM"));
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
    CHECK(w.format() == ContainerFormat::WebM);
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
