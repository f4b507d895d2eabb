// Storage faults on the receiving side, end to end between a PieceSender and a PieceReceiver over a
// simulated channel in virtual time (tests/transfer/transfer_pair.hpp): IndexedDB running full (the
// transfer pauses, keeps every verified piece, asks for nothing, and goes on by itself or on a
// click), and stored pieces damaged in place (found when read back, fetched again). Every run ends
// by comparing the reassembled bytes with the source, and their SHA-256 with the source's.
#include <catch2/catch.hpp>

#include <set>
#include <vector>

#include "transfer/transfer_pair.hpp"

using wt_test::PairOptions;
using wt_test::TransferPair;

namespace {

// 11 pieces, the last one short.
const std::vector<std::uint8_t>& movie() {
  static const std::vector<std::uint8_t> f = wt_test::random_bytes(10 * 1024 * 1024 + 4321, 777);
  return f;
}

void require_identical(const TransferPair& pair, const std::vector<std::uint8_t>& file) {
  REQUIRE(pair.done);
  REQUIRE_FALSE(pair.failed);
  const std::vector<std::uint8_t> got = pair.assembled();
  REQUIRE(got.size() == file.size());
  CHECK(got == file);
  CHECK(wt::Sha256::of(got.data(), got.size()) == wt::Sha256::of(file.data(), file.size()));
  CHECK(pair.unverified_stores == 0);
}

// Pieces whose every byte has reached the receiver so far.
std::set<std::uint32_t> whole_pieces(const TransferPair& pair) {
  std::set<std::uint32_t> out;
  for (const auto& kv : pair.chunk_bytes_delivered)
    if (kv.second >= pair.rx->layout().piece_length(kv.first)) out.insert(kv.first);
  return out;
}

// The distinct moments at which refused stores were handed out again.
std::vector<double> retry_moments(const TransferPair& pair) {
  std::vector<double> out;
  for (double t : pair.store_retry_times)
    if (out.empty() || t != out.back()) out.push_back(t);
  return out;
}

}  // namespace

TEST_CASE("storage full pauses the transfer: verified pieces kept, nothing asked for, the sender told; "
          "it goes on by itself on a doubling schedule once space frees",
          "[transfer][pair][storage]") {
  PairOptions opt;
  opt.disk_pieces = 4;  // "IndexedDB" refuses the fifth piece
  TransferPair pair(movie(), opt);
  pair.connect();
  REQUIRE(pair.run_until([&] { return pair.rx->state() == wt::ReceiverState::StorageFull; }));
  const double paused_at = pair.now;
  CHECK(pair.stores_refused == 1);
  CHECK_FALSE(pair.failed);
  // The channel drops while paused (what was on its way is lost) and comes back: the receiver says
  // again that it is paused and asks for nothing, though its window has room again.
  pair.cut();
  const std::set<std::uint32_t> whole_at_cut = whole_pieces(pair);
  pair.reconnect_after_delay();
  pair.advance_by(100'000);
  CHECK(pair.rx->state() == wt::ReceiverState::StorageFull);
  CHECK(pair.tx->receiver_paused());
  CHECK(pair.pauses_sent == 2);  // once per connection
  CHECK(pair.resumes_sent == 0);
  CHECK(pair.requests_while_paused == 0);
  CHECK(pair.rx->scheduler().requested_count() == 0);
  CHECK(pair.stored.size() == 4);
  CHECK_FALSE(pair.failed);
  // Retried after 2 s, then 4, 8, 16, and every 30 s at most; each retry refused (still full).
  const std::vector<double> retries = retry_moments(pair);
  REQUIRE(retries.size() == 6);
  CHECK(retries[0] == Approx(paused_at + 2000));
  const double gaps[] = {4000, 8000, 16000, 30000, 30000};
  for (std::size_t i = 1; i < retries.size(); ++i) CHECK(retries[i] - retries[i - 1] == Approx(gaps[i - 1]));

  // Space is freed: the next scheduled retry stores the parked pieces and the transfer goes on.
  pair.set_disk_pieces(std::numeric_limits<std::size_t>::max());
  const std::size_t requests_before = pair.requests_seen.size();
  REQUIRE(pair.run_until([&] { return pair.rx->state() != wt::ReceiverState::StorageFull; }));
  REQUIRE(retry_moments(pair).size() == 7);
  CHECK(retry_moments(pair)[6] == Approx(retries.back() + 30000));
  CHECK(pair.resumes_sent == 1);
  CHECK(pair.run_until([&] { return !pair.tx->receiver_paused(); }));  // the sender hears it
  REQUIRE(pair.run_to_end());
  require_identical(pair, movie());
  CHECK(pair.requests_seen.size() > requests_before);  // it asked for the rest only after the pause
  // Every piece that had arrived whole before the cut (stored, or refused and held in memory) was
  // never asked for again: the pause lost nothing verified.
  REQUIRE(whole_at_cut.size() >= 5);
  for (std::uint32_t p : whole_at_cut) {
    CAPTURE(p);
    CHECK(pair.attempts_delivered[p] == 1);
  }
  CHECK(pair.rx->stats().storage_pauses == 1);
}

TEST_CASE("\"Try again\" stores at once when space was freed, without waiting for the schedule",
          "[transfer][pair][storage]") {
  PairOptions opt;
  opt.disk_pieces = 6;
  TransferPair pair(movie(), opt);
  pair.connect();
  REQUIRE(pair.run_until([&] { return pair.rx->state() == wt::ReceiverState::StorageFull; }));
  // Let what was asked for arrive (it is kept in memory), short of the first scheduled retry.
  pair.advance_by(1500);
  REQUIRE(pair.store_retry_times.empty());
  REQUIRE(pair.rx->state() == wt::ReceiverState::StorageFull);
  // Still full: "Try again" tries at once, is refused, and the schedule starts over from there.
  const double click1 = pair.now;
  pair.rx->retry_storage(pair.now);
  pair.advance_by(10);
  REQUIRE(retry_moments(pair).size() == 1);
  CHECK(retry_moments(pair)[0] == click1);
  CHECK(pair.rx->next_deadline() == Approx(click1 + 2000));
  CHECK(pair.rx->state() == wt::ReceiverState::StorageFull);
  // Space freed, clicked again: stored at once and the transfer goes on.
  pair.set_disk_pieces(std::numeric_limits<std::size_t>::max());
  const double click2 = pair.now;
  pair.rx->retry_storage(pair.now);
  REQUIRE(pair.run_until([&] { return pair.rx->state() != wt::ReceiverState::StorageFull; }));
  CHECK(pair.now - click2 < 200);  // the stores' own time, no waiting
  REQUIRE(pair.run_to_end());
  require_identical(pair, movie());
  CHECK(pair.pieces_received_again() == 0);  // not a byte came twice
  CHECK(pair.bytes_received_twice() == 0);
}

TEST_CASE("a stored piece damaged before a reload is found when read back and fetched again",
          "[transfer][pair][resume][damaged]") {
  TransferPair pair(movie());
  pair.connect();
  REQUIRE(pair.run_until([&] { return pair.stored.size() >= 6; }));
  pair.cut();
  pair.reload_receiver();
  REQUIRE(pair.rx->ledger_restore_result() == wt::LedgerError::Ok);
  const std::uint32_t damaged = 2;
  REQUIRE(pair.rx->ledger().has(damaged));
  pair.damage_stored(damaged);
  const int attempts_before = pair.attempts_delivered[damaged];
  pair.reconnect_after_delay();
  REQUIRE(pair.run_to_end());
  require_identical(pair, movie());
  CHECK(pair.attempts_delivered[damaged] == attempts_before + 1);  // fetched again, once
  CHECK(pair.rx->stats().stored_pieces_damaged == 1);
  // Nothing else held was asked for again.
  for (std::uint32_t p = 0; p < 6; ++p) {
    CAPTURE(p);
    if (p != damaged) CHECK(pair.attempts_delivered[p] == 1);
  }
}

TEST_CASE("a stored piece found damaged while every piece is held is fetched again, not a failed file",
          "[transfer][pair][resume][damaged]") {
  // The worst moment of the old behaviour: everything stored, the final check pending after a
  // reload, and one piece bad. The whole-file check would fail and the download be deleted.
  TransferPair pair(movie());
  pair.connect();
  REQUIRE(pair.run_until([&] { return pair.stored.size() == pair.rx->layout().piece_count(); }));
  // Both pages reload (the session has not become ready, so the sender picks the file again).
  pair.cut();
  pair.reload_receiver();
  pair.reload_sender();
  pair.done = false;
  REQUIRE(pair.rx->ledger().complete());
  pair.damage_stored(9);
  pair.reconnect_after_delay();
  REQUIRE(pair.run_to_end());
  require_identical(pair, movie());
  CHECK(pair.attempts_delivered[9] == 2);
  CHECK(pair.rx->stats().stored_pieces_damaged == 1);
}
