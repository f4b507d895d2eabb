// Fuzz target: the reader of the subtitle tracks inside a movie (src/subtitles/embedded_subtitles.*:
// Matroska/WebM blocks, MP4/MOV timed-text and WebVTT samples) on any bytes, as a peer's movie
// arrives. The first byte picks how much the glue passes per feed (2^(n % 21) bytes from what is
// wanted: a byte to a 1 MiB piece); the rest is the file. Invariants: what it wants lies in the
// file and moves forward (a later byte, or more bytes from the same one), so the read ends; every
// cue belongs to a track it reads, is finite, starts at or after 0 and before it ends, and its text
// is WebVTT cue text that shows exactly its words (cue_text_check.hpp); fed the whole file at once
// it finds the same cues, tracks, skipped count and error as fed in pieces. With skips (a seek
// ahead: skip_to a later byte, picked by the input, every few feeds, or on_blocked going back to
// a place skipped) the read still ends, within a
// bounded number of feeds, and every cue it gives is a valid one.
#include <cmath>
#include <string>
#include <vector>

#include "cue_text_check.hpp"
#include "fuzz_check.hpp"
#include "subtitles/embedded_subtitles.hpp"

namespace {

std::vector<wt::EmbeddedCue> read_all(wt::EmbeddedSubtitles& r, const std::uint8_t* file, std::size_t size, std::size_t chunk) {
  std::vector<wt::EmbeddedCue> cues;
  wt::ByteRange last{0, 0};
  bool first = true;
  for (auto want = r.wanted(); want.length; want = r.wanted()) {
    FUZZ_CHECK(want.offset + want.length <= size);
    FUZZ_CHECK(first || want.offset > last.offset || (want.offset == last.offset && want.length > last.length));
    first = false;
    last = want;
    const std::size_t n = std::size_t(std::min<std::uint64_t>(std::max<std::uint64_t>(chunk, want.length), size - want.offset));
    FUZZ_CHECK(!r.feed(want.offset, file + want.offset, std::size_t(want.length - 1)));  // short of what it wants
    FUZZ_CHECK(r.feed(want.offset, file + want.offset, n));
    for (auto& c : r.take_cues()) cues.push_back(std::move(c));
  }
  FUZZ_CHECK(r.done());
  for (auto& c : r.take_cues()) cues.push_back(std::move(c));
  return cues;
}

// Fed as above, but every `every` feeds it is told the bytes from a later offset are here first.
std::vector<wt::EmbeddedCue> read_skipping(wt::EmbeddedSubtitles& r, const std::uint8_t* file, std::size_t size, std::size_t chunk,
                                          std::size_t every) {
  std::vector<wt::EmbeddedCue> cues;
  std::size_t feeds = 0;
  for (auto want = r.wanted(); want.length; want = r.wanted()) {
    FUZZ_CHECK(want.offset + want.length <= size);
    FUZZ_CHECK(++feeds < 8 * size + 10000);  // it ends: each byte is passed over a bounded number of times
    if (feeds % every == 0) {
      const std::uint64_t jump = want.offset + 1 + (file[(want.offset * 7 + feeds) % size] << 6);
      if (jump < size && (feeds / every) % 2 == 0) r.skip_to(jump);
      else r.on_blocked(jump < size ? jump : ~std::uint64_t(0), true);  // back to a hole, if there is one
      want = r.wanted();
      if (!want.length) break;
    }
    const std::size_t n = std::size_t(std::min<std::uint64_t>(std::max<std::uint64_t>(chunk, want.length), size - want.offset));
    FUZZ_CHECK(r.feed(want.offset, file + want.offset, n));
    for (auto& c : r.take_cues()) cues.push_back(std::move(c));
  }
  FUZZ_CHECK(r.done());
  for (auto& c : r.take_cues()) cues.push_back(std::move(c));
  for (const auto& c : cues) {
    FUZZ_CHECK(std::isfinite(c.cue.start_s) && std::isfinite(c.cue.end_s));
    FUZZ_CHECK(c.cue.start_s >= 0 && c.cue.start_s < c.cue.end_s);
    if (c.compressed.empty()) wt_fuzz::check_cue_text(c.cue.text);
  }
  return cues;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t chunk = std::size_t(1) << (data[0] % 21);
  const std::uint8_t* file = data + 1;
  const std::size_t n = size - 1;
  wt::EmbeddedSubtitles pieces(n);
  const auto cues = read_all(pieces, file, n, chunk);
  for (const auto& c : cues) {
    bool read = false;
    bool zlib = false;
    for (const auto& t : pieces.tracks()) {
      if (read || t.number != c.track || !t.unsupported.empty()) continue;
      read = true;  // the first readable track of that number is the one its blocks go to
      zlib = t.zlib;
    }
    FUZZ_CHECK(read);
    FUZZ_CHECK(std::isfinite(c.cue.start_s) && std::isfinite(c.cue.end_s));
    FUZZ_CHECK(c.cue.start_s >= 0 && c.cue.start_s < c.cue.end_s);
    FUZZ_CHECK(zlib == !c.compressed.empty());  // a zlib track's cues go out as stored, and only theirs
    if (c.compressed.empty()) wt_fuzz::check_cue_text(c.cue.text);
    else FUZZ_CHECK(c.cue.text.empty());
  }
  wt::EmbeddedSubtitles whole(n);
  const auto again = read_all(whole, file, n, n);
  FUZZ_CHECK(again.size() == cues.size() && whole.skipped() == pieces.skipped() && whole.error() == pieces.error());
  FUZZ_CHECK(whole.tracks().size() == pieces.tracks().size());
  for (std::size_t i = 0; i < cues.size() && i < again.size(); ++i) {
    FUZZ_CHECK(again[i].track == cues[i].track && again[i].cue.text == cues[i].cue.text && again[i].compressed == cues[i].compressed);
    FUZZ_CHECK(again[i].cue.start_s == cues[i].cue.start_s && again[i].cue.end_s == cues[i].cue.end_s);
  }
  wt::EmbeddedSubtitles skipping(n);
  read_skipping(skipping, file, n, chunk, 2 + (data[0] >> 5));
  return 0;
}
