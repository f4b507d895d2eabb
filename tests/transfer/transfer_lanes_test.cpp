// Lanes: pieces spread over extra connections across a long path (piece_sender.hpp). The pair
// harness models what was measured between two browsers: one SCTP association carries about 64 KiB
// per round trip, so its rate is window / rtt whatever the link could carry. Every run compares the
// reassembled bytes with the source and its independently computed SHA-256.
#include <catch2/catch.hpp>

#include <cstdint>

#include "transfer/transfer_pair.hpp"

using wt_test::PairOptions;
using wt_test::TransferPair;

namespace {

// 8 MiB - 1000 bytes: eight pieces (two for each of four lanes), the last one short.
const std::vector<std::uint8_t>& file() {
  static const std::vector<std::uint8_t> f = wt_test::random_bytes(8 * 1024 * 1024 - 1000, 300);
  return f;
}

void require_identical(const TransferPair& pair) {
  REQUIRE(pair.done);
  REQUIRE_FALSE(pair.failed);
  const std::vector<std::uint8_t> got = pair.assembled();
  REQUIRE(got.size() == file().size());
  CHECK(got == file());
  CHECK(wt::Sha256::of(got.data(), got.size()) == wt::Sha256::of(file().data(), file().size()));
  CHECK(pair.unverified_stores == 0);
}

// A 100 ms round trip (50 ms each way), 64 KiB per round trip and association, a fast link.
PairOptions long_path() {
  PairOptions o;
  o.latency_ms = 50;
  o.window_bytes = 64 * 1024;
  o.link_bytes_per_ms = 20'000;
  return o;
}

double transfer_ms(PairOptions o) {
  TransferPair pair(file(), o);
  pair.connect();
  REQUIRE(pair.run_to_end());
  require_identical(pair);
  CHECK(pair.receiver_errors.empty());
  return pair.now;
}

}  // namespace

TEST_CASE("how many lanes: one on a short path or before a round trip is known, more as the "
          "path's round trip and the rate to reach grow, at most max_lanes", "[transfer][lanes]") {
  wt::TransferManifest m;
  m.transfer_id = "s:f";
  m.file_name = "f.mp4";
  m.file_size = 10 << 20;
  wt::PieceSender s(m);
  CHECK(s.wanted_lanes() == 1);
  s.on_connected(0);
  CHECK(s.open_lanes() == 1);
  s.on_round_trip(3, 0);  // loopback
  CHECK(s.wanted_lanes() == 1);
  s.on_round_trip(0, 0);  // a browser that rounds to zero says nothing
  s.on_round_trip(-1, 0);
  CHECK(s.min_round_trip_ms() == 3);

  wt::PieceSender far(m);
  far.on_round_trip(100, 0);
  CHECK(far.wanted_lanes() == 4);  // 8 MB/s × 100 ms / 64 KiB = 12, at most 4
  far.on_round_trip(20, 0);        // the smallest sample counts: queues only add to a round trip
  CHECK(far.wanted_lanes() == 3);  // 8 MB/s × 20 ms / 64 KiB = 2.4
  far.on_round_trip(40, 0);
  CHECK(far.min_round_trip_ms() == 20);

  // The upload cap is the rate to reach: 0.5 MB/s needs one association even at 50 ms.
  wt::SenderConfig capped;
  capped.upload_cap_bytes_per_s = 500'000;
  wt::PieceSender slow(m, capped);
  slow.on_round_trip(50, 0);
  CHECK(slow.wanted_lanes() == 1);
  slow.set_upload_cap(2'000'000, 0);  // 2 MB/s × 100 ms / 64 KiB = 3.05
  slow.on_round_trip(100, 0);
  CHECK(slow.wanted_lanes() == 2);    // the minimum is still 50 ms: 2 MB/s × 50 ms / 64 KiB = 1.5
  wt::PieceSender two(m, capped);
  two.set_upload_cap(2'000'000, 0);
  two.on_round_trip(100, 0);
  CHECK(two.wanted_lanes() == 4);

  // Lanes are opened only inside a connection, and all close with it.
  wt::PieceSender s2(m);
  s2.on_lane_open(1, 0);
  CHECK(s2.open_lanes() == 0);
  s2.on_connected(0);
  s2.on_lane_open(1, 0);
  s2.on_lane_open(2, 0);
  s2.on_lane_open(wt::kMaxLanes, 0);  // out of range: ignored
  CHECK(s2.open_lanes() == 3);
  s2.on_lane_closed(2, 0);
  CHECK(s2.open_lanes() == 2);
  s2.on_disconnected(0);
  CHECK(s2.open_lanes() == 0);
}

TEST_CASE("across a 100 ms round trip, four lanes carry a file about four times as fast as one, "
          "byte-identical, the sender choosing them from the round trip", "[transfer][lanes]") {
  const double one = transfer_ms(long_path());
  PairOptions o = long_path();
  o.follow_wanted_lanes = true;
  TransferPair pair(file(), o);
  pair.connect();
  CHECK(pair.tx->wanted_lanes() == 4);
  CHECK(pair.tx->open_lanes() == 4);
  REQUIRE(pair.run_to_end());
  require_identical(pair);
  CHECK(pair.receiver_errors.empty());
  CHECK(pair.pieces_received_again() == 0);
  CHECK(pair.tx->stats().lane_pieces_started >= 4);
  CHECK(pair.rx->stats().lane_chunk_bytes > file().size() / 2);
  const double four = pair.now;
  INFO("one lane " << one << " ms, four lanes " << four << " ms");
  CHECK(one / four > 3.0);
  // At most one piece in each lane's buffer and one read ahead: never more than 1 MiB queued on a lane.
  CHECK(pair.max_buffered <= (4u << 20) + 70'000);
}

TEST_CASE("a lane that closes mid-piece gives the piece back: it goes out again whole on another "
          "lane, and a lane opened later is used; nothing stored unverified", "[transfer][lanes]") {
  PairOptions o = long_path();
  TransferPair pair(file(), o);
  pair.connect();
  pair.open_lane(1);
  pair.open_lane(2);
  pair.open_lane(3);
  // Until pieces are under way on every lane.
  REQUIRE(pair.run_until([&] { return pair.lane_frames_sent > 40; }));
  pair.close_lane(2);
  CHECK(pair.tx->stats().lane_pieces_returned == 1);
  REQUIRE(pair.run_until([&] { return pair.rx->bytes_verified() >= 3u << 20; }));
  pair.close_lane(3);
  pair.advance_by(200);
  pair.open_lane(2);
  REQUIRE(pair.run_to_end());
  require_identical(pair);
  CHECK(pair.receiver_errors.empty());
  CHECK(pair.tx->stats().lane_pieces_returned >= 1);
  // Each returned piece reached the receiver twice at most (the cut attempt and the whole one).
  CHECK(pair.pieces_received_again() <= int(pair.tx->stats().lane_pieces_returned));
  CHECK(pair.rx->stats().stalls == 0);
}

TEST_CASE("the main channel's cut closes every lane; the next connection starts with one lane and "
          "the file still arrives whole", "[transfer][lanes]") {
  PairOptions o = long_path();
  o.follow_wanted_lanes = true;
  TransferPair pair(file(), o);
  pair.connect();
  REQUIRE(pair.run_until([&] { return pair.rx->bytes_verified() >= 2u << 20; }));
  pair.cut();
  CHECK(pair.tx->open_lanes() == 0);
  pair.reconnect_after_delay();
  CHECK(pair.tx->open_lanes() == 4);
  REQUIRE(pair.run_to_end());
  require_identical(pair);
}

TEST_CASE("what a lane may carry: piece data only; a lane's frames after the main channel closed "
          "are moot; a chunk of an attempt on another lane is dropped", "[transfer][lanes]") {
  TransferPair pair(file(), long_path());
  pair.connect();
  pair.open_lane(1);
  // Until a piece is being received (its PieceDigest came, it is not verified yet).
  const auto receiving = [&] {
    for (const auto& kv : pair.attempts_delivered)
      if (!pair.rx->ledger().has(kv.first)) return std::int64_t(kv.first);
    return std::int64_t(-1);
  };
  REQUIRE(pair.run_until([&] { return receiving() >= 0; }));
  const std::uint32_t piece = std::uint32_t(receiving());
  // A Manifest on a lane is refused like any unexpected frame.
  const std::vector<std::uint8_t> manifest = wt::encode_manifest_frame(pair.tx->manifest());
  CHECK(pair.rx->on_message(manifest.data(), manifest.size(), pair.now, 1) ==
        wt::ReceiveError::UnexpectedFrame);
  // A chunk on lane 2 of a piece being received on lane 0 or 1: dropped quietly.
  const std::vector<std::uint8_t> chunk = wt_test::frame_bytes(
      wt::FrameType::Chunk, piece, 0, std::vector<std::uint8_t>(64 * 1024, 0x55));
  const std::uint32_t errors = pair.rx->stats().errors;
  CHECK(pair.rx->on_message(chunk.data(), chunk.size(), pair.now, 2) == wt::ReceiveError::None);
  CHECK(pair.rx->stats().errors == errors);
  REQUIRE(pair.run_to_end());
  require_identical(pair);

  TransferPair gone(file(), long_path());
  gone.connect();
  gone.cut();
  CHECK(gone.rx->on_message(chunk.data(), chunk.size(), gone.now, 1) == wt::ReceiveError::None);
  CHECK(gone.rx->stats().errors == 0);
}

TEST_CASE("once a lane is open, a piece asked for earlier and not begun is not taken for lost when a "
          "later one begins on the main channel (it may be on its way on the lane)", "[transfer][lanes]") {
  for (const bool lane_open : {false, true}) {
    wt::TransferManifest m;
    m.transfer_id = "s:f";
    m.file_name = "f.mp4";
    m.file_size = 4 << 20;
    wt::PieceReceiver rx(m);
    const std::vector<std::uint8_t> manifest = wt::encode_manifest_frame(m);
    REQUIRE(rx.on_message(manifest.data(), manifest.size(), 0) == wt::ReceiveError::None);
    for (wt::ReceiverAction a = rx.poll_action(0); a.kind != wt::ReceiverAction::Kind::None; a = rx.poll_action(0)) {
    }
    if (lane_open) rx.on_lane_open(1, 0);
    const wt::Sha256Digest d{};
    const std::vector<std::uint8_t> digest = wt_test::frame_bytes(wt::FrameType::PieceDigest, 1, 0, {}, d.data());
    REQUIRE(rx.on_message(digest.data(), digest.size(), 1, 0) == wt::ReceiveError::None);
    INFO("lane open: " << lane_open);
    // One channel serves requests in order: piece 0 was skipped, so it is lost (asked again at once).
    CHECK(rx.stats().pieces_lost == (lane_open ? 0u : 1u));
  }
}

TEST_CASE("no lane is wanted once nothing is left to send", "[transfer][lanes]") {
  PairOptions o = long_path();
  o.follow_wanted_lanes = true;
  TransferPair pair(file(), o);
  pair.connect();
  CHECK(pair.tx->wanted_lanes() == 4);
  REQUIRE(pair.run_to_end());
  pair.advance_by(200);  // the receiver's Complete frame reaches the sender
  REQUIRE(pair.tx->state() == wt::SenderState::Complete);
  CHECK(pair.tx->wanted_lanes() == 1);
}
