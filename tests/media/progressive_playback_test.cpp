// The receiver's playback policy on virtual time: when play unlocks (the spec's 25% and the
// adaptive rule), the playable horizon over holes, index-first and seek priority, stall notices.
// A synthetic movie: 100 s, 100 MiB (1 MiB of media a second, 8 Mbit/s), a keyframe every second
// at the start of its MiB (offsets are the media's own; piece p holds second p).
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "media/progressive_playback.hpp"
#include "media_fixtures.hpp"
#include "transfer/request_scheduler.hpp"

using wt::ProgressiveConfig;
using wt::ProgressivePlayback;
using wt::UnlockRule;

namespace {

constexpr std::uint64_t kMiB = 1024 * 1024;
constexpr double kDuration = 100;
constexpr std::uint64_t kSize = 100 * kMiB;

ProgressivePlayback synthetic(const ProgressiveConfig& c = {}) {
  ProgressivePlayback p(kSize, c);
  p.set_playable(true, 0);  // the glue's pipeline is up
  for (int s = 0; s < 100; ++s) p.add_index_point(s, std::uint64_t(s) * kMiB);
  p.set_duration(kDuration);
  p.set_index_complete(0);
  return p;
}

// Pieces arrive in order at `mib_per_s`, from `first`, until `until` holds or `count` arrived.
// Returns the virtual time after the last.
double arrive(ProgressivePlayback& p, double start_ms, double mib_per_s, std::uint32_t first, std::uint32_t count,
              bool (*until)(const ProgressivePlayback&) = nullptr) {
  double t = start_ms;
  for (std::uint32_t i = 0; i < count; ++i) {
    t += 1000.0 / mib_per_s;
    p.on_piece_held(first + i, t);    // verified ...
    p.on_piece_stored(first + i, t);  // ... and stored at once (storage keeps up)
    if (until && until(p)) break;
  }
  return t;
}

bool unlocked(const ProgressivePlayback& p) { return p.status(0).unlocked; }

}  // namespace

TEST_CASE("slower than playback: play unlocks at the spec's 25%, not before", "[media][progressive]") {
  auto p = synthetic();
  // 0.5 MiB/s against 1 MiB of media a second: playing at once would catch up with the download.
  const double t = arrive(p, 0, 0.5, 0, 100, unlocked);
  const auto st = p.status(t);
  REQUIRE(st.unlocked);
  CHECK(st.rule == UnlockRule::Fraction);
  CHECK(st.unlocked_at_fraction == Approx(0.25));
  CHECK(st.text.find("You can start watching — 25% downloaded") == 0);
}

TEST_CASE("faster than playback: the adaptive rule unlocks long before 25%", "[media][progressive]") {
  auto p = synthetic();
  // 2 MiB/s: the download outruns playback, so the margin alone (12 s of media) is enough.
  const double t = arrive(p, 0, 2, 0, 100, unlocked);
  const auto st = p.status(t);
  REQUIRE(st.unlocked);
  CHECK(st.rule == UnlockRule::Adaptive);
  CHECK(st.unlocked_at_fraction < 0.25);
  // Gaining 2 x 0.8 = 1.6 s of media a second (>= 1.5): 5 s ahead is enough, the gap only grows.
  CHECK(st.gain == Approx(1.6));
  CHECK(st.ahead_s >= 5);
  CHECK(st.ahead_s < 6);
  // Never before the rate was measured for 1 s.
  CHECK(t >= 1000);
}

TEST_CASE("three times as fast as playback: play unlocks a second after the first piece, with 2 s ahead",
          "[media][progressive]") {
  // 4 MiB/s: gaining 4 x 0.8 = 3.2 s of media a second (>= 3), the gap grows by 2.2 s a second.
  auto p = synthetic();
  const double t = arrive(p, 0, 4, 0, 100, unlocked);
  auto st = p.status(t);
  REQUIRE(st.unlocked);
  CHECK(st.rule == UnlockRule::Adaptive);
  CHECK(st.gain == Approx(3.2));
  // The first piece at 250 ms opens the rate's span; a second later, with 4 more pieces, it counts.
  CHECK(t == Approx(1250));
  // Where the rate is known before the data ahead is (a viewer joining at 50 s), 2 s ahead is
  // enough: two pieces there, not the five that 5 s would need.
  auto q = synthetic();
  q.set_position(0, 50);
  const double known = arrive(q, 0, 4, 0, 5);
  REQUIRE_FALSE(q.status(known).unlocked);
  CHECK(q.status(known).gain == Approx(3.2));
  arrive(q, known, 4, 50, 100, unlocked);
  st = q.status(known);
  REQUIRE(st.unlocked);
  CHECK(st.ahead_s == Approx(2));
}

TEST_CASE("by the chunks off the wire, the rate counts after 0.5 s: play unlocks with the second piece",
          "[media][progressive]") {
  // 4 MiB/s in 64 KiB chunks (one every 15.6 ms), each piece held when its 16th chunk is in; the
  // glue's timer fires at next_deadline().
  auto p = synthetic();
  const double chunk_ms = 1000.0 / 64;
  double t = 0;
  std::uint32_t chunks = 0;
  while (!p.status(t).unlocked && chunks < 64 * 16) {
    const double next = t + chunk_ms;
    if (p.next_deadline() <= next) {
      t = p.next_deadline();
      p.on_timeout(t);
      if (p.status(t).unlocked) break;
    }
    t = next;
    p.on_bytes_arrived(64 * 1024, t);
    if (++chunks % 16 == 0) p.on_piece_held(chunks / 16 - 1, t);
  }
  const auto st = p.status(t);
  REQUIRE(st.unlocked);
  CHECK(st.rule == UnlockRule::Adaptive);
  CHECK(st.gain == Approx(3.2).epsilon(0.05));
  CHECK(st.ahead_s == Approx(2));
  // Half a second after the first chunk (at 15.6 ms), just after the second piece (at 500 ms).
  CHECK(chunks == 32);
  CHECK(t == Approx(515.6).margin(0.1));
  CHECK(p.next_deadline() > 1000);  // then only the stall notice
  // By the pieces (the glue reporting no arrivals) the same download unlocks at 1250 ms.
}

TEST_CASE("the download rate counts only after a second and two pieces: a burst of pieces proves nothing",
          "[media][progressive]") {
  auto p = synthetic();
  // Ten pieces within 100 ms (a queue emptying at once), then nothing: no rate yet, no unlock.
  for (std::uint32_t i = 0; i < 10; ++i) p.on_piece_held(i, 10.0 * (i + 1));
  CHECK(p.status(100).rate_bps == 0);
  CHECK_FALSE(p.status(100).unlocked);
  // A second after the first, measured over that second: 9 MiB/s, and play unlocks with the next
  // input (the timer or a piece).
  p.on_timeout(1010);
  CHECK(p.status(1010).rate_bps == Approx(9.0 * kMiB));
  CHECK(p.status(1010).unlocked);
  // The core asks to be woken the moment the rate starts to count (it may unlock play then).
  auto r = synthetic();
  for (std::uint32_t i = 0; i < 6; ++i) r.on_piece_held(i, 100.0 * (i + 1));
  CHECK(r.next_deadline() == Approx(1100));
  r.on_timeout(1100);
  CHECK(r.status(1100).unlocked);
  CHECK(r.next_deadline() == Approx(600 + 10000));  // then only the stall notice
  // Two pieces at the start, a second apart, are one interval: not enough either.
  auto q = synthetic();
  q.on_piece_held(0, 0);
  q.on_piece_held(1, 1500);
  CHECK(q.status(1500).rate_bps == 0);
  q.on_piece_held(2, 1600);
  CHECK(q.status(1600).rate_bps == Approx(2.0 * kMiB / 1.6));
}

TEST_CASE("faster than playback but not by much: the adaptive rule still wants 12 s ahead", "[media][progressive]") {
  auto p = synthetic();
  const double t = arrive(p, 0, 1.5, 0, 100, unlocked);  // gains 1.2 s of media a second
  const auto st = p.status(t);
  REQUIRE(st.unlocked);
  CHECK(st.rule == UnlockRule::Adaptive);
  CHECK(st.gain == Approx(1.2));
  CHECK(st.ahead_s >= 12);
  CHECK(st.ahead_s < 13);
}

TEST_CASE("a little slower than playback: adaptive once the rest will arrive before the playhead gets there",
          "[media][progressive]") {
  auto p = synthetic();
  // 0.9 MiB/s: the rest (100 - n MiB) takes (100 - n) / (0.9 * 0.8) s at the derated rate; playing
  // from 0 needs it within 100 - 12 s. That holds from n = 37 on: above 25%, so the 25% rule wins
  // here. Turn the 25% rule off to see the adaptive one alone.
  ProgressiveConfig c;
  c.unlock_fraction = 1.5;
  auto q = synthetic(c);
  const double t = arrive(q, 0, 0.9, 0, 100, unlocked);
  const auto st = q.status(t);
  REQUIRE(st.unlocked);
  CHECK(st.rule == UnlockRule::Adaptive);
  const double n = st.fraction * 100;
  CHECK((100 - n) / (0.9 * 0.8) + 12 <= 100 + 1.5);  // the rule's own bound, with one piece of slack
  CHECK((100 - (n - 2)) / (0.9 * 0.8) + 12 > 100);   // two pieces earlier it did not hold
}

TEST_CASE("nothing unlocks without the index or with too little playable ahead", "[media][progressive]") {
  ProgressivePlayback p(kSize);
  p.set_playable(true, 0);  // the glue's pipeline is up
  p.set_duration(kDuration);
  arrive(p, 0, 10, 0, 50);  // half the file, but no index yet
  CHECK_FALSE(p.status(0).unlocked);
  CHECK(p.horizon_s() == 0);
  CHECK(p.status(0).sync_horizon_s == 0);  // locked: nothing ahead for the sync core
  for (int s = 0; s < 100; ++s) p.add_index_point(s, std::uint64_t(s) * kMiB);
  p.set_index_complete(6000);
  CHECK(p.status(6000).unlocked);
  CHECK(p.status(6000).sync_horizon_s == Approx(50));  // unlocked: the horizon

  auto holes = synthetic();
  for (std::uint32_t piece = 0; piece < 40; piece += 4) holes.on_piece_held(piece, 1000 + piece);  // 10% in holes
  for (std::uint32_t piece = 50; piece < 70; ++piece) holes.on_piece_held(piece, 2000 + piece);    // +20% later on
  CHECK(holes.status(3000).fraction >= 0.25);
  CHECK_FALSE(holes.status(3000).unlocked);  // 30% held, but from the playhead less than a second plays
}

TEST_CASE("the horizon runs over contiguous pieces from the playhead and stops at the first hole", "[media][progressive]") {
  auto p = synthetic();
  for (std::uint32_t piece = 0; piece < 10; ++piece) p.on_piece_held(piece, piece);
  for (std::uint32_t piece = 20; piece < 30; ++piece) p.on_piece_held(piece, piece);
  p.set_position(100, 0);
  CHECK(p.horizon_s() == Approx(10));  // pieces 0..9 hold seconds 0..9, up to second 10's offset
  p.set_position(101, 22.5);
  CHECK(p.horizon_s() == Approx(30));
  p.set_position(102, 15);
  CHECK(p.horizon_s() == Approx(15));  // in the hole: nothing ahead
  CHECK(p.status(102).ahead_s == 0);
  for (std::uint32_t piece = 30; piece < 100; ++piece) p.on_piece_held(piece, piece);
  p.set_position(103, 50);
  CHECK(p.horizon_s() == Approx(kDuration));  // to the end of the movie
}

TEST_CASE("a seek beyond the horizon fetches from that point's keyframe; a seek back into held pieces moves nothing",
          "[media][progressive]") {
  auto p = synthetic();
  wt::RequestScheduler sched(100, {});
  for (std::uint32_t piece = 0; piece < 30; ++piece) {
    p.on_piece_held(piece, piece);
    sched.mark_held(piece);
  }
  const std::uint32_t before = p.fetch_plan().generation;
  p.set_position(1000, 80.4);
  const wt::FetchPlan plan = p.fetch_plan();
  CHECK(plan.generation != before);
  CHECK(plan.from_byte == 80 * kMiB);  // the keyframe at 80 s
  sched.seek(std::uint32_t(plan.from_byte / kMiB));
  const wt::PieceRange first = sched.next_request(1000);
  CHECK(first.first == 80);  // the first pieces asked for after the seek are the seek's
  // Back to 10 s: held, playable at once, and the plan does not move away from what is missing.
  p.set_position(2000, 10);
  CHECK(p.horizon_s() == Approx(30));
  CHECK(p.fetch_plan().from_byte == 10 * kMiB);
  sched.seek(std::uint32_t(p.fetch_plan().from_byte / kMiB));
  CHECK(sched.next_request(2000).first == 30);  // held pieces are skipped: the gap after them comes next
}

TEST_CASE("a seek reads from the keyframe before it, not from a data-only point", "[media][progressive]") {
  ProgressivePlayback p(kSize);
  p.set_playable(true, 0);  // the glue's pipeline is up
  // A point every half second; a keyframe every 2 s.
  for (int h = 0; h < 200; ++h) p.add_index_point(h * 0.5, std::uint64_t(h) * kMiB / 2, h % 4 == 0);
  p.set_duration(kDuration);
  p.set_index_complete(0);
  CHECK(p.offset_for(5.3) == 4 * kMiB);  // the keyframe at 4 s, not the point at 5 s
  p.set_position(10, 5.3);
  CHECK(p.fetch_plan().from_byte == 4 * kMiB);
  for (std::uint32_t piece = 4; piece < 8; ++piece) p.on_piece_held(piece, 20 + piece);
  p.set_position(30, 5.3);
  CHECK(p.horizon_s() == Approx(8));  // from the keyframe's data on, over every point to byte 8 MiB
  CHECK(p.offset_for(1) == 0);
}

TEST_CASE("an index at the end of the file is fetched before anything else", "[media][progressive]") {
  const auto file = wt_test::fixture("moov_end.mp4");
  ProgressivePlayback p(file.size());
  p.set_playable(true, 0);  // the glue's pipeline is up
  // The first piece arrives; the walk reads it and learns that the moov is at the end.
  p.on_piece_held(0, 10);
  const wt::ByteRange want = p.container_wanted();
  REQUIRE(p.feed_container(want.offset, file.data(), std::min<std::size_t>(file.size(), wt::kPieceSize), 10));
  // (A fixture this small is one piece: the walk has all it needs. The plan's rule is the point:
  // with a larger file, an unread moov beyond held data is urgent.)
  CHECK(p.walk().index_read());
  CHECK(p.fetch_plan().urgent.count == 0);

  // A larger file whose moov sits in its last pieces: a 40 MiB mdat, then the fixture's moov.
  const wt::ContainerWalk& small = p.walk();
  wt::ByteRange moov = small.index_range();
  std::vector<std::uint8_t> big(file.begin(), file.begin() + std::ptrdiff_t(moov.offset));
  std::uint64_t mdat_at = 0;
  for (const auto& b : small.boxes())
    if (b.type == "mdat") mdat_at = b.offset;
  const std::uint64_t grow = 40 * kMiB;
  big.resize(big.size() + grow, 0);
  const std::uint64_t mdat_size = moov.offset - mdat_at + grow;
  big[mdat_at] = std::uint8_t(mdat_size >> 24);
  big[mdat_at + 1] = std::uint8_t(mdat_size >> 16);
  big[mdat_at + 2] = std::uint8_t(mdat_size >> 8);
  big[mdat_at + 3] = std::uint8_t(mdat_size);
  big.insert(big.end(), file.begin() + std::ptrdiff_t(moov.offset), file.end());
  ProgressivePlayback q(big.size());
  q.set_playable(true, 0);  // the glue's pipeline is up
  q.on_piece_held(0, 10);
  REQUIRE(q.feed_container(0, big.data(), wt::kPieceSize, 10));
  const wt::FetchPlan plan = q.fetch_plan();
  const std::uint32_t last = std::uint32_t((big.size() - 1) / wt::kPieceSize);
  CHECK(plan.urgent.first == last);
  CHECK(plan.urgent.count == 1);
  CHECK(q.status(10).index_needed);
  CHECK(q.status(10).text.find("Fetching the movie's index first") == 0);
  wt::RequestScheduler sched(last + 1, {});
  sched.mark_held(0);
  sched.prioritize(plan.urgent);
  CHECK(sched.next_request(10).first == last);  // the index before the media
  // It arrives; the walk reads the moov; nothing is urgent any more.
  q.on_piece_held(last, 20);
  const wt::ByteRange w = q.container_wanted();
  REQUIRE(w.offset >= std::uint64_t(last) * wt::kPieceSize);
  REQUIRE(q.feed_container(w.offset, big.data() + w.offset, std::size_t(big.size() - w.offset), 20));
  CHECK(q.walk().index_read());
  CHECK(q.walk().index_at_end());
  CHECK(q.fetch_plan().urgent.count == 0);
}

TEST_CASE("while the index is still wanted, pieces in flight stay few, whatever the rate", "[media][progressive]") {
  ProgressivePlayback p(kSize);
  p.set_playable(true, 0);
  p.set_duration(kDuration);
  const double t = arrive(p, 0, 10, 0, 20);  // 10 MiB/s, but no index yet
  CHECK(p.fetch_plan().window_pieces == 4);
  for (int s = 0; s < 100; ++s) p.add_index_point(s, std::uint64_t(s) * kMiB);
  p.set_index_complete(t);
  CHECK(p.fetch_plan().window_pieces == 17);  // then the rate's: ceil(15) + 2
}

TEST_CASE("pieces in flight follow the download rate, so that a seek waits for little", "[media][progressive]") {
  auto slow = synthetic();
  CHECK(slow.fetch_plan().window_pieces == 4);  // before the rate is known
  arrive(slow, 0, 0.5, 0, 10);                 // 0.5 MiB/s: 1.5 s of it is under a piece
  CHECK(slow.fetch_plan().window_pieces == 4);  // ceil(0.75) + 2 = 3, at least 4
  auto fast = synthetic();
  arrive(fast, 0, 10, 0, 60);  // 10 MiB/s: ceil(15) + 2
  CHECK(fast.fetch_plan().window_pieces == 17);
  auto faster = synthetic();
  arrive(faster, 0, 20, 0, 99);
  CHECK(faster.fetch_plan().window_pieces == 24);  // never more than the transfer's own window
  auto unplayable = synthetic();
  unplayable.set_playable(false, 0);
  CHECK(unplayable.fetch_plan().window_pieces == 24);  // nothing to seek in: full speed
}

TEST_CASE("no data for 10 s: the stall notice, gone with the next piece", "[media][progressive]") {
  auto p = synthetic();
  arrive(p, 0, 1, 0, 5);  // 5 pieces by t = 5 s
  CHECK_FALSE(p.status(14000).stalled);
  CHECK(p.next_deadline() == Approx(15000));
  p.on_timeout(15000);
  const auto st = p.status(15000);
  CHECK(st.stalled);
  CHECK(st.text.find("Waiting for download… no data for 10 s") == 0);
  p.on_piece_held(5, 16000);
  CHECK_FALSE(p.status(16000).stalled);
}

TEST_CASE("a file this browser cannot play progressively unlocks only when complete", "[media][progressive]") {
  auto p = synthetic();
  p.set_playable(false, 0);
  arrive(p, 0, 5, 0, 99);
  CHECK_FALSE(p.status(20000).unlocked);
  CHECK(p.status(20000).text.find("can be watched only once it has fully arrived") != std::string::npos);
  p.on_piece_held(99, 31000);
  CHECK(p.status(31000).unlocked);
  CHECK(p.status(31000).rule == UnlockRule::Complete);
  CHECK(p.status(31000).text == "Everything has arrived — 100%");
}

TEST_CASE("pieces restored after a reload count as held but not as download rate", "[media][progressive]") {
  auto p = synthetic();
  for (std::uint32_t piece = 0; piece < 20; ++piece) p.restore_held(piece);
  CHECK(p.horizon_s() == Approx(20));
  // A burst of 20 restored pieces is no rate: nothing unlocks adaptively on it.
  p.on_piece_held(20, 5000);
  CHECK(p.status(5000).rate_bps == 0);
  CHECK_FALSE(p.status(5000).unlocked);
}

TEST_CASE("the line's percent counts stored pieces, as the transfer's line does; playback uses held ones at once",
          "[media][progressive]") {
  auto p = synthetic();
  // 30 pieces verified at 0.5 MiB/s, of which only the first 20 are stored yet (the writes lag).
  for (std::uint32_t piece = 0; piece < 30; ++piece) {
    p.on_piece_held(piece, 2000.0 * (piece + 1));
    if (piece < 20) p.on_piece_stored(piece, 2000.0 * (piece + 1));
  }
  const auto st = p.status(60000);
  CHECK(st.fraction == Approx(0.30));
  CHECK(st.stored_fraction == Approx(0.20));
  // The unlock rule and the horizon count what is verified: 25% is here and playable.
  CHECK(st.unlocked);
  CHECK(st.rule == UnlockRule::Fraction);
  CHECK(p.horizon_s() == Approx(30));
  CHECK(st.text == "You can start watching — 20% downloaded");
  // The writes catch up; a stored piece is counted once.
  for (std::uint32_t piece = 20; piece < 30; ++piece) p.on_piece_stored(piece, 61000);
  p.on_piece_stored(29, 61000);
  CHECK(p.status(61000).text == "You can start watching — 30% downloaded");
  // A stored piece found damaged is neither held nor stored until it is here again.
  p.on_piece_lost(10);
  CHECK(p.status(61000).stored_fraction == Approx(0.29));
  CHECK(p.status(61000).fraction == Approx(0.29));
  CHECK(p.horizon_s() == Approx(10));
}

TEST_CASE("a piece the player first hears of as stored (verified before it opened) is held too", "[media][progressive]") {
  auto p = synthetic();
  for (std::uint32_t piece = 0; piece < 5; ++piece) p.restore_held(piece);   // stored before the page
  CHECK(p.status(0).stored_fraction == Approx(0.05));
  p.on_piece_stored(5, 1000);  // verified while no player listened, stored now
  CHECK(p.piece_held(5));
  CHECK(p.piece_stored(5));
  CHECK(p.horizon_s() == Approx(6));
  CHECK(p.status(1000).fraction == Approx(0.06));
  CHECK(p.status(1000).stored_fraction == Approx(0.06));
  // Restored after being heard of as verified: stored now, held once.
  p.on_piece_held(6, 2000);
  p.restore_held(6);
  CHECK(p.status(2000).fraction == Approx(0.07));
  CHECK(p.status(2000).stored_fraction == Approx(0.07));
  // The last, short piece counts its own length; everything stored is 100%.
  ProgressivePlayback q(10 * kMiB + 1000);
  q.set_playable(true, 0);  // the glue's pipeline is up
  for (std::uint32_t piece = 0; piece <= 10; ++piece) q.on_piece_stored(piece, 3000);
  CHECK(q.status(3000).stored_fraction == Approx(1.0));
  CHECK(q.status(3000).text == "Everything has arrived — 100%");
}

// ---- the walk's own index, per format; demand reads ----

namespace {

// What the glue does with held pieces: feeds the walk what it wants while those bytes are held
// (from where it wants them to the end of that piece, at least what it wants).
void feed_walk(ProgressivePlayback& p, const std::vector<std::uint8_t>& file, double now) {
  for (int guard = 0; guard < 10000; ++guard) {
    const wt::ByteRange want = p.container_wanted();
    if (want.length == 0 || !p.range_held(want.offset, want.length)) return;
    const std::uint64_t piece_end = (want.offset / wt::kPieceSize + 1) * wt::kPieceSize;
    const std::uint64_t end = std::min<std::uint64_t>(file.size(), std::max(want.offset + want.length, piece_end));
    const std::vector<std::uint8_t> bytes(file.begin() + long(want.offset), file.begin() + long(end));
    REQUIRE(p.feed_container(want.offset, bytes.data(), bytes.size(), now));
  }
}

void hold(ProgressivePlayback& p, const std::vector<std::uint8_t>& file, std::uint32_t piece, double now) {
  p.on_piece_held(piece, now);
  feed_walk(p, file, now);
}

std::uint32_t last_piece(const std::vector<std::uint8_t>& file) {
  return std::uint32_t((file.size() - 1) / wt::kPieceSize);
}

// An MP4/MOV fixture whose mdat is grown by `grow` zero bytes (before the moov at its end), so that
// the moov lands in a later piece than the media's start.
std::vector<std::uint8_t> grow_mdat(const std::string& name, std::uint64_t grow) {
  const auto file = wt_test::fixture(name);
  wt::ContainerWalk w(file.size());
  w.feed(0, file.data(), file.size());
  while (!w.done() && w.wanted().length) {
    const wt::ByteRange r = w.wanted();
    REQUIRE(w.feed(r.offset, file.data() + r.offset, std::size_t(file.size() - r.offset)));
  }
  const wt::ByteRange moov = w.index_range();
  REQUIRE(w.index_at_end());
  std::uint64_t mdat_at = 0;
  for (const auto& b : w.boxes())
    if (b.type == "mdat") mdat_at = b.offset;
  std::vector<std::uint8_t> big(file.begin(), file.begin() + std::ptrdiff_t(moov.offset));
  big.resize(big.size() + grow, 0);
  const std::uint64_t mdat_size = moov.offset - mdat_at + grow;
  for (int i = 0; i < 4; ++i) big[mdat_at + std::size_t(i)] = std::uint8_t(mdat_size >> (24 - 8 * i));
  big.insert(big.end(), file.begin() + std::ptrdiff_t(moov.offset), file.end());
  return big;
}

}  // namespace

TEST_CASE("an MP4's index is ready once the walk has read its moov: no demuxer needed, the glue's points change "
          "nothing",
          "[media][progressive]") {
  const auto file = wt_test::fixture("faststart.mp4");
  ProgressivePlayback p(file.size());
  p.set_playable(true, 0);  // the glue's pipeline is up
  CHECK_FALSE(p.index_ready());
  hold(p, file, 0, 10);
  REQUIRE(p.walk().index_read());
  CHECK(p.index_ready());
  CHECK(p.index().size() == p.walk().points().size());
  // The keyframes and the half-second points from the sample table, as IndexPoints.
  std::size_t keys = 0;
  for (const auto& pt : p.index().points()) keys += pt.keyframe;
  CHECK(keys == wt_test::fixture_keyframes("faststart.mp4").size());
  // What the glue still does after its own demuxer parsed the moov: the same points, then "complete".
  const auto before = p.index().points();
  for (const auto& pt : p.walk().points()) p.add_index_point(pt.time_s, pt.offset, pt.keyframe);
  p.set_index_complete(20);
  CHECK(p.index().points() == before);
  CHECK(p.status(20).unlocked);  // the whole file is one piece: complete
}

TEST_CASE("a MOV whose moov is at the end: the moov's piece first, then its sample table indexes it",
          "[media][progressive]") {
  const auto big = grow_mdat("camera.mov", 20 * kMiB);
  const std::uint32_t last = last_piece(big);
  ProgressivePlayback p(big.size());
  p.set_playable(true, 0);  // the glue's pipeline is up
  hold(p, big, 0, 10);
  CHECK(p.walk().format() == wt::ContainerFormat::Mov);
  CHECK_FALSE(p.index_ready());
  CHECK(p.fetch_plan().urgent.first == last);
  CHECK(p.fetch_plan().urgent.count == 1);
  CHECK(p.status(10).index_needed);
  hold(p, big, last, 20);
  CHECK(p.walk().index_read());
  CHECK(p.fetch_plan().urgent.count == 0);
  CHECK(p.index_ready());
  CHECK(p.walk().tracks_known());
  // The keyframes sit in the first piece (the growth is at the mdat's end): 4 s playable from 0.
  CHECK(p.horizon_s() > 3);
}

TEST_CASE("Matroska with its Cues at the end: the Cues' piece first", "[media][progressive]") {
  const auto file = wt_test::fixture("noisy.mkv");
  REQUIRE(file.size() > wt::kPieceSize);
  ProgressivePlayback p(file.size());
  p.set_playable(true, 0);  // the glue's pipeline is up
  hold(p, file, 0, 10);
  CHECK(p.walk().format() == wt::ContainerFormat::Matroska);
  CHECK(p.walk().tracks_known());  // the Tracks came before the detour to the Cues
  const wt::ByteRange cues = p.walk().index_range();
  REQUIRE(cues.offset >= wt::kPieceSize);
  CHECK(p.fetch_plan().urgent.first == 1);
  CHECK(p.status(10).index_needed);
  hold(p, file, 1, 20);
  CHECK(p.walk().index_read());
  CHECK(p.fetch_plan().urgent.count == 0);
  CHECK(p.index_ready());
}

TEST_CASE("a transport stream's tail is fetched first; with it, its points are estimated and play can unlock",
          "[media][progressive]") {
  // The fixture with 6 MiB of null packets after its first 64 KiB: seven pieces, its end in the last.
  const auto small = wt_test::fixture("stream.ts");
  const std::size_t split = 348 * 188;
  std::vector<std::uint8_t> file(small.begin(), small.begin() + split);
  const auto null = [] {
    std::vector<std::uint8_t> n(188, 0xff);
    n[0] = 0x47, n[1] = 0x1f, n[2] = 0xff, n[3] = 0x10;
    return n;
  }();
  for (std::size_t i = 0; i < (6u << 20) / 188; ++i) file.insert(file.end(), null.begin(), null.end());
  file.insert(file.end(), small.begin() + split, small.end());
  ProgressivePlayback p(file.size());
  p.set_playable(true, 0);  // the glue's pipeline is up
  CHECK(p.fetch_plan().urgent.count == 0);  // nothing known before the first piece
  hold(p, file, 0, 10);
  REQUIRE(p.walk().format() == wt::ContainerFormat::MpegTs);
  CHECK(p.walk().tracks_known());
  const wt::ByteRange tail = p.walk().index_range();
  const wt::PieceRange urgent = p.fetch_plan().urgent;
  CHECK(urgent.first == tail.offset / wt::kPieceSize);
  CHECK(urgent.first + urgent.count - 1 == last_piece(file));
  CHECK(p.status(10).index_needed);
  CHECK_FALSE(p.index_ready());
  for (std::uint32_t piece = urgent.first; piece < urgent.first + urgent.count; ++piece) hold(p, file, piece, 20);
  CHECK(p.walk().index_read());
  CHECK(p.index_ready());
  CHECK(p.fetch_plan().urgent.count == 0);
  CHECK(p.duration_s() == Approx(wt_test::fixture_duration("stream.ts")).margin(0.1));
  CHECK(p.index().size() == 4);  // a point a second
  // The tail is media, not an index apart: everything held plays to the end.
  for (std::uint32_t piece = 1; piece < urgent.first; ++piece) hold(p, file, piece, 30);
  CHECK(p.horizon_s() == Approx(p.duration_s()));
}

TEST_CASE("a demand read becomes urgent after the index, shrinks as its pieces arrive, and is dropped once held",
          "[media][progressive]") {
  auto p = synthetic();
  const std::uint32_t g0 = p.fetch_plan().generation;
  p.request_range(50 * kMiB + 10, 3 * kMiB, 100);  // bytes in pieces 50..53
  CHECK(p.fetch_plan().urgent == wt::PieceRange{50, 4});
  CHECK(p.fetch_plan().generation != g0);
  CHECK_FALSE(p.status(100).index_needed);  // urgent, but not for the index
  p.on_piece_held(50, 200);
  CHECK(p.fetch_plan().urgent == wt::PieceRange{51, 3});
  p.on_piece_stored(53, 300);
  CHECK(p.fetch_plan().urgent == wt::PieceRange{51, 2});
  p.restore_held(51);
  CHECK(p.fetch_plan().urgent == wt::PieceRange{52, 1});
  const std::uint32_t g1 = p.fetch_plan().generation;
  p.on_piece_held(52, 400);
  CHECK(p.request().length == 0);
  CHECK(p.fetch_plan().urgent.count == 0);
  CHECK(p.fetch_plan().generation != g1);
  // A request for held bytes is done at once; clear_request drops one still waiting.
  p.request_range(50 * kMiB, 100, 500);
  CHECK(p.request().length == 0);
  p.request_range(90 * kMiB, 100, 600);
  CHECK(p.fetch_plan().urgent == wt::PieceRange{90, 1});
  p.clear_request(700);
  CHECK(p.fetch_plan().urgent.count == 0);
  // Past the end of the file: nothing to fetch.
  p.request_range(kSize + 5, 100, 800);
  CHECK(p.fetch_plan().urgent.count == 0);
}

TEST_CASE("the index need stays ahead of a demand read", "[media][progressive]") {
  const auto big = grow_mdat("moov_end.mp4", 20 * kMiB);
  const std::uint32_t last = last_piece(big);
  ProgressivePlayback p(big.size());
  p.set_playable(true, 0);  // the glue's pipeline is up
  hold(p, big, 0, 10);
  p.request_range(5 * kMiB, 10, 20);
  CHECK(p.fetch_plan().urgent == wt::PieceRange{last, 1});  // the moov first
  CHECK(p.status(20).index_needed);
  hold(p, big, last, 30);
  CHECK(p.walk().index_read());
  CHECK(p.fetch_plan().urgent == wt::PieceRange{5, 1});  // then the read the demuxer waits on
  CHECK_FALSE(p.status(30).index_needed);
}

TEST_CASE("play does not unlock before the glue says whether this browser can play the file: pieces "
          "that outrun its codec checks unlock nothing, and a file found unplayable waits for the end",
          "[media][progressive]") {
  for (const bool playable : {true, false}) {
    ProgressivePlayback p(kSize);
    for (int s = 0; s < 100; ++s) p.add_index_point(s, std::uint64_t(s) * kMiB);
    p.set_duration(kDuration);
    p.set_index_complete(0);
    // Half the file, fast: far past 25% and the margin, while the codec checks are still running.
    const double t = arrive(p, 0, 100, 0, 50);
    CHECK_FALSE(unlocked(p));
    CHECK(p.status(t).text.rfind("Preparing playback", 0) == 0);
    p.set_playable(playable, t);
    INFO("playable: " << playable);
    CHECK(unlocked(p) == playable);
    if (!playable) {
      arrive(p, t, 100, 50, 50);
      CHECK(unlocked(p));
      CHECK(p.status(0).rule == wt::UnlockRule::Complete);
    }
  }
}
