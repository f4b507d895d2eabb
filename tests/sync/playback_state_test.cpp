#include "sync/playback_state.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using wt::GroupState;
using wt::PlaybackState;

namespace {
PlaybackState record(GroupState s, double pos, double anchor, std::uint32_t seq = 1,
                     const char* by = "alice") {
  PlaybackState r;
  r.seq = seq;
  r.state = s;
  r.position_s = pos;
  r.anchor_shared_ms = anchor;
  r.duration_s = 100;
  r.updated_by = by;
  return r;
}
}  // namespace

TEST_CASE("a playing record holds until its start instant, then moves at its rate", "[state]") {
  PlaybackState r = record(GroupState::Playing, 10, 5000);
  CHECK(r.position_at(4000) == 10);  // scheduled start in the future: hold
  CHECK_FALSE(r.moving_at(4999));
  CHECK(r.moving_at(5000));
  CHECK(r.position_at(7500) == Approx(12.5));
  r.rate = 2;
  CHECK(r.position_at(7500) == Approx(15));
  CHECK(r.position_at(1e9) == 100);  // never past the end
  CHECK_FALSE(r.moving_at(1e9));
  CHECK(r.shared_time_of(15) == Approx(7500));
  CHECK(r.is_playing());
}

TEST_CASE("a waiting record moves until its stop instant, then holds", "[state]") {
  PlaybackState r = record(GroupState::Waiting, 42, 10000);
  CHECK(r.position_at(9000) == Approx(41));
  CHECK(r.moving_at(9000));
  CHECK(r.position_at(10000) == Approx(42));
  CHECK(r.position_at(20000) == Approx(42));
  CHECK_FALSE(r.moving_at(10000));
  CHECK(r.shared_time_of(41.5) == Approx(9500));
  CHECK(std::isinf(r.shared_time_of(43)));  // it stops before
  CHECK_FALSE(r.is_playing());
}

TEST_CASE("paused and idle records stay put", "[state]") {
  for (GroupState s : {GroupState::Paused, GroupState::Idle}) {
    const PlaybackState r = record(s, 7, 0);
    CHECK(r.position_at(-1e9) == 7);
    CHECK(r.position_at(1e9) == 7);
    CHECK_FALSE(r.moving_at(123));
  }
}

TEST_CASE("records are ordered by seq, then by writer id", "[state]") {
  const PlaybackState a5 = record(GroupState::Paused, 0, 0, 5, "alice");
  const PlaybackState b5 = record(GroupState::Playing, 0, 0, 5, "bob");
  const PlaybackState a6 = record(GroupState::Paused, 0, 0, 6, "alice");
  CHECK(wt::supersedes(b5, a5));
  CHECK_FALSE(wt::supersedes(a5, b5));
  CHECK(wt::supersedes(a6, b5));
  CHECK_FALSE(wt::supersedes(a5, a5));  // a record never beats itself: no echo on its return
  CHECK(wt::same_record(a5, record(GroupState::Playing, 9, 9, 5, "alice")));
}

TEST_CASE("group state names round-trip through the database strings", "[state]") {
  for (GroupState s : {GroupState::Idle, GroupState::Waiting, GroupState::Paused, GroupState::Playing}) {
    GroupState back = GroupState::Idle;
    REQUIRE(wt::parse_group_state(wt::group_state_name(s), &back));
    CHECK(back == s);
  }
  GroupState untouched = GroupState::Paused;
  CHECK_FALSE(wt::parse_group_state("buffering", &untouched));
  CHECK(untouched == GroupState::Paused);
  CHECK(std::string(wt::group_state_name(GroupState::Waiting)) == "waiting");
}
