#include "transfer/request_scheduler.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using wt::PieceRange;
using wt::RequestScheduler;
using State = wt::RequestScheduler::PieceState;

namespace {

wt::SchedulerConfig window(std::uint32_t n, double stall_ms = 15000) {
  wt::SchedulerConfig c;
  c.window_pieces = n;
  c.stall_timeout_ms = stall_ms;
  return c;
}

}  // namespace

TEST_CASE("requests run sequentially from the start, no more than the window outstanding",
          "[scheduler]") {
  RequestScheduler s(20, window(4));
  CHECK(s.next_request(0) == PieceRange{0, 4});
  CHECK(s.next_request(0) == PieceRange{});  // window full
  s.on_arrived(0);
  CHECK(s.next_request(0) == PieceRange{});  // still being stored: still in the window
  s.mark_held(0);
  s.mark_held(1);
  CHECK(s.next_request(0) == PieceRange{4, 2});
  CHECK(s.outstanding() == 4);
  CHECK(s.held_count() == 2);
}

TEST_CASE("held pieces are skipped: a resumed transfer asks only for what is missing",
          "[scheduler]") {
  RequestScheduler s(10, window(8));
  for (std::uint32_t p : {0u, 1u, 2u, 5u, 6u}) s.mark_held(p);
  CHECK(s.next_request(0) == PieceRange{3, 2});
  CHECK(s.next_request(0) == PieceRange{7, 3});
  CHECK(s.next_request(0) == PieceRange{});
  CHECK(s.requested_pieces() == std::vector<std::uint32_t>{3, 4, 7, 8, 9});
}

TEST_CASE("a seek moves new requests to the seek point; after the end they wrap to the start",
          "[scheduler][seek]") {
  RequestScheduler s(12, window(3));
  CHECK(s.next_request(0) == PieceRange{0, 3});
  s.seek(8);
  CHECK(s.playhead() == 8);
  for (std::uint32_t p = 0; p < 3; ++p) s.mark_held(p);  // in-flight pieces still arrive
  CHECK(s.next_request(0) == PieceRange{8, 3});
  for (std::uint32_t p = 8; p < 11; ++p) s.mark_held(p);
  CHECK(s.next_request(0) == PieceRange{11, 1});  // a run never wraps past the end...
  CHECK(s.next_request(0) == PieceRange{3, 2});   // ...the next one starts over at the beginning
  s.seek(1000);
  CHECK(s.playhead() == 11);  // clamped to the last piece
}

TEST_CASE("a failed piece is asked for again before anything new, without using more window",
          "[scheduler]") {
  RequestScheduler s(10, window(2));
  CHECK(s.next_request(0) == PieceRange{0, 2});
  s.on_failed(1);
  CHECK(s.state(1) == State::Requested);
  CHECK(s.next_request(0) == PieceRange{1, 1});
  CHECK(s.next_request(0) == PieceRange{});
  CHECK(s.outstanding() == 2);
}

TEST_CASE("a disconnect returns requested pieces to missing and keeps those being stored",
          "[scheduler]") {
  RequestScheduler s(10, window(4));
  CHECK(s.next_request(0) == PieceRange{0, 4});
  s.on_arrived(0);
  s.on_disconnected();
  CHECK(s.state(0) == State::Arrived);
  CHECK(s.state(1) == State::Missing);
  CHECK(s.outstanding() == 1);
  CHECK(s.next_request(0) == PieceRange{1, 3});
}

TEST_CASE("the stall timeout re-requests everything outstanding, in virtual time", "[scheduler]") {
  RequestScheduler s(10, window(3, 5000));
  CHECK(std::isinf(s.next_deadline()));
  CHECK(s.next_request(1000) == PieceRange{0, 3});
  CHECK(s.next_deadline() == Approx(6000));
  s.on_activity(4000);  // data is flowing
  CHECK(s.next_deadline() == Approx(9000));
  CHECK(s.on_timeout(8999) == 0);
  s.mark_held(0);
  CHECK(s.on_timeout(9000) == 2);
  CHECK(s.next_request(9000) == PieceRange{1, 1});
  CHECK(s.next_request(9000) == PieceRange{2, 1});
  CHECK(s.next_request(9000) == PieceRange{3, 1});  // the held piece freed room for one new
  CHECK(s.next_deadline() == Approx(14000));
}

TEST_CASE("a held piece found damaged becomes missing and is requested again", "[scheduler]") {
  RequestScheduler s(5, window(8));
  for (std::uint32_t p = 0; p < 5; ++p) s.mark_held(p);
  CHECK(s.next_request(0) == PieceRange{});
  s.mark_missing(2);
  CHECK(s.next_request(0) == PieceRange{2, 1});
}

TEST_CASE("urgent pieces (an index at the end) are asked for before the playhead order, within the window",
          "[scheduler]") {
  RequestScheduler s(100, window(4));
  s.mark_held(0);
  s.prioritize({98, 2});
  CHECK(s.next_request(0) == PieceRange{98, 2});  // first, though the playhead is at 0
  CHECK(s.next_request(0) == PieceRange{1, 2});   // then the playhead order, with the room left
  CHECK(s.next_request(0) == PieceRange{});
  s.mark_held(98);
  s.mark_held(99);
  s.mark_held(1);
  CHECK(s.next_request(0) == PieceRange{3, 3});  // the urgent range is done: order as before
  s.prioritize({200, 5});                         // beyond the file: ignored
  CHECK(s.urgent().count == 0);
}

TEST_CASE("a smaller window limits new requests; what is already requested stays", "[scheduler]") {
  RequestScheduler s(100, window(24));
  CHECK(s.next_request(0) == PieceRange{0, 24});
  s.set_window(3);
  CHECK(s.window() == 3);
  for (std::uint32_t p = 0; p < 21; ++p) s.mark_held(p);
  CHECK(s.outstanding() == 3);
  CHECK(s.next_request(0) == PieceRange{});  // 3 outstanding: nothing new
  s.mark_held(21);
  CHECK(s.next_request(0) == PieceRange{24, 1});
  s.set_window(100);
  CHECK(s.window() == 24);  // never above the configured window
  s.set_window(0);
  CHECK(s.window() == 1);
}
