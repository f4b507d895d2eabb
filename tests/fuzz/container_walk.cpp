// Fuzz target: the media box walker (src/media/container_walk.*) on a file of arbitrary bytes, fed
// as the progressive player's glue feeds it (web/controllers/progressive-player.js): from where the walk wants
// bytes, at least what it wants and up to a read size, through ProgressivePlayback::feed_container.
// The first input byte picks the read size (1 B to 64 KiB); the rest is the file.
// Invariants: a walk that is not done always wants bytes inside the file, and once fed them it
// moves on (the glue loops on wanted(): asking again and again for what it was given would never
// end; one repeat is allowed, and only for the index, see below);
// a feed that does not cover what it wants is refused and changes nothing; what it learns lies
// inside the file (boxes, index, points, media start) and its times are finite, its tracks and
// points are bounded (64 tracks, strings of 128 bytes, kMaxPoints); and it learns the same whatever
// the read size (a second walk fed exactly what it asks for), so that every viewer of a file builds
// the same index and sees the same tracks. Afterwards a demand read (request_range) from the input
// is urgent only while some of its pieces are missing.
#include <algorithm>
#include <cmath>
#include <vector>

#include "fuzz_check.hpp"
#include "media/progressive_playback.hpp"

namespace {

bool same_want(const wt::ByteRange& a, const wt::ByteRange& b) { return a == b; }

void check_learnt(const wt::ContainerWalk& w, std::uint64_t size) {
  for (const wt::ContainerBox& b : w.boxes()) FUZZ_CHECK(b.offset <= size && b.size <= size - b.offset);
  const wt::ByteRange idx = w.index_range();
  FUZZ_CHECK(idx.offset <= size && idx.length <= size - idx.offset);
  for (const wt::ContainerPoint& p : w.points()) {
    FUZZ_CHECK(p.offset < size);
    FUZZ_CHECK(std::isfinite(p.time_s) && p.time_s >= 0);
  }
  FUZZ_CHECK(w.points().size() <= wt::ContainerWalk::kMaxPoints);
  FUZZ_CHECK(w.media_start() <= size);
  FUZZ_CHECK(std::isfinite(w.duration_s()) && w.duration_s() >= 0);
  FUZZ_CHECK(w.tracks().size() <= wt::ContainerWalk::kMaxTracks);
  FUZZ_CHECK(w.tracks_known() || w.tracks().empty());
  for (const wt::MediaTrack& t : w.tracks())
    FUZZ_CHECK(t.name.size() <= 128 && t.codec_id.size() <= 128 && t.language.size() <= 128);
}

void walk_exactly(wt::ContainerWalk& w, const std::uint8_t* file) {
  for (int step = 0; step < 100000 && w.wanted().length; ++step) {
    const wt::ByteRange want = w.wanted();
    const std::vector<std::uint8_t> bytes(file + want.offset, file + want.offset + want.length);
    FUZZ_CHECK(w.feed(want.offset, bytes.data(), bytes.size()));
  }
  FUZZ_CHECK(w.done());
}

void check_same(const wt::ContainerWalk& a, const wt::ContainerWalk& b) {
  FUZZ_CHECK(a.error().empty() == b.error().empty());
  FUZZ_CHECK(a.format() == b.format() && a.fragmented() == b.fragmented());
  FUZZ_CHECK(a.boxes().size() == b.boxes().size());
  for (std::size_t i = 0; i < a.boxes().size(); ++i)
    FUZZ_CHECK(a.boxes()[i].type == b.boxes()[i].type && a.boxes()[i].offset == b.boxes()[i].offset &&
               a.boxes()[i].size == b.boxes()[i].size);
  FUZZ_CHECK(a.points().size() == b.points().size());
  for (std::size_t i = 0; i < a.points().size(); ++i)
    FUZZ_CHECK(a.points()[i].time_s == b.points()[i].time_s && a.points()[i].offset == b.points()[i].offset &&
               a.points()[i].keyframe == b.points()[i].keyframe);
  FUZZ_CHECK(a.points_complete() == b.points_complete());
  FUZZ_CHECK(a.tracks_known() == b.tracks_known() && a.tracks() == b.tracks());
  FUZZ_CHECK(a.index_range() == b.index_range() && a.index_read() == b.index_read() &&
             a.index_at_end() == b.index_at_end());
  FUZZ_CHECK(a.duration_s() == b.duration_s() && a.media_start() == b.media_start());
  FUZZ_CHECK(a.codec_ids() == b.codec_ids());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint64_t read_size = std::uint64_t(1) << (data[0] % 17);
  const std::uint8_t* file = data + 1;
  const std::uint64_t file_size = size - 1;

  wt::ProgressivePlayback pp(file_size);
  const wt::ContainerWalk& walk = pp.walk();
  double now = 0;
  int repeats = 0;  // feeds in a row after which the walk wanted the very same bytes again
  for (int step = 0; step < 100000; ++step) {
    const wt::ByteRange want = pp.container_wanted();
    if (want.length == 0) {
      FUZZ_CHECK(walk.done());
      break;
    }
    FUZZ_CHECK(!walk.done());
    FUZZ_CHECK(want.offset < file_size && want.length <= file_size - want.offset);

    // Short by one byte: refused, nothing changes.
    FUZZ_CHECK(!pp.feed_container(want.offset, file + want.offset, std::size_t(want.length - 1), now));
    FUZZ_CHECK(same_want(pp.container_wanted(), want));

    const std::uint64_t len = std::min(file_size - want.offset, std::max(want.length, read_size));
    // An exact-size copy, so that a read past what was fed is caught by AddressSanitizer.
    const std::vector<std::uint8_t> bytes(file + want.offset, file + want.offset + len);
    FUZZ_CHECK(pp.feed_container(want.offset, bytes.data(), bytes.size(), now));
    now += 10;
    check_learnt(walk, file_size);
    // Moving on: the same bytes may be asked for once more right after, only as the index (the
    // linear walk reaching the element the SeekHead pointed at, the Cues, then reading it as the
    // index), and never a third time in a row.
    repeats = !walk.done() && same_want(pp.container_wanted(), want) ? repeats + 1 : 0;
    FUZZ_CHECK(repeats <= 1);
    FUZZ_CHECK(repeats == 0 || same_want(want, walk.index_range()));
  }
  FUZZ_CHECK(walk.done());  // 100000 feeds and not done: a walk that never ends

  wt::ContainerWalk exact(file_size);
  walk_exactly(exact, file);
  check_same(walk, exact);

  // What the player does with it next: a demuxer waits for some bytes (a range the input picks),
  // every piece arrives, the playhead moves.
  const std::uint32_t pieces = wt::TransferLayout(file_size).piece_count();
  if (file_size > 9) {
    const std::uint64_t at =
        std::uint64_t(file[1]) << 24 | std::uint64_t(file[2]) << 16 | std::uint64_t(file[3]) << 8 | file[4];
    const std::uint64_t len = std::uint64_t(file[5]) << 16 | std::uint64_t(file[6]) << 8 | file[7];
    pp.request_range(file[0] & 1 ? at : at % file_size, len, now);  // sometimes past the end
  }
  const wt::PieceRange urgent = pp.fetch_plan().urgent;
  FUZZ_CHECK(urgent.count <= pieces && urgent.first <= pieces - urgent.count);
  if (urgent.count) FUZZ_CHECK(!pp.piece_held(urgent.first) && !pp.piece_held(urgent.first + urgent.count - 1));
  for (std::uint32_t p = 0; p < pieces; ++p) pp.on_piece_held(p, now += 100);
  FUZZ_CHECK(pp.request().length == 0 && pp.fetch_plan().urgent.count == 0);
  pp.set_position(now, walk.duration_s() / 2);
  const wt::ProgressiveStatus st = pp.status(now);
  FUZZ_CHECK(!std::isnan(st.horizon_s) && !std::isnan(st.fraction));
  return 0;
}
