// End-to-end transfers between a PieceSender and a PieceReceiver over a simulated channel, with
// virtual time. Every run compares the reassembled bytes with the source and the SHA-256 of the
// source computed independently (wt::Sha256::of over the source buffer).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <set>

#include "transfer/transfer_pair.hpp"

using wt_test::PairOptions;
using wt_test::TransferPair;

namespace {

// 10 MiB + 12345 bytes: not a multiple of the chunk or piece size, so the last piece is short
// and ends with a short chunk (11 pieces; the last has 12345 bytes).
constexpr std::size_t kFileSize = 10 * 1024 * 1024 + 12345;

const std::vector<std::uint8_t>& movie() {
  static const std::vector<std::uint8_t> f = wt_test::random_bytes(kFileSize, 20240601);
  return f;
}

// Half the size, for the tests about order and resumption (keeps the suite fast under wasm).
const std::vector<std::uint8_t>& short_movie() {
  static const std::vector<std::uint8_t> f = wt_test::random_bytes(5 * 1024 * 1024 + 12345, 424242);
  return f;
}

void require_identical(const TransferPair& pair, const std::vector<std::uint8_t>& file) {
  REQUIRE(pair.done);
  REQUIRE_FALSE(pair.failed);
  const std::vector<std::uint8_t> got = pair.assembled();
  REQUIRE(got.size() == file.size());
  CHECK(got == file);
  const wt::Sha256Digest source = wt::Sha256::of(file.data(), file.size());
  CHECK(wt::Sha256::of(got.data(), got.size()) == source);
  CHECK(pair.rx->manifest().digest_known);
  CHECK(pair.rx->manifest().file_digest == source);
  CHECK(pair.unverified_stores == 0);
  CHECK(pair.rx->state() == wt::ReceiverState::Complete);
}

}  // namespace

TEST_CASE("a 10 MiB + 12345 byte file arrives byte-identical with the source's SHA-256",
          "[transfer][pair]") {
  TransferPair pair(movie());
  REQUIRE(pair.manifest_decoded());
  pair.connect();
  REQUIRE(pair.run_to_end());
  require_identical(pair, movie());
  pair.advance_by(100);  // the receiver's Complete frame reaches the sender
  CHECK(pair.tx->state() == wt::SenderState::Complete);
  CHECK(pair.tx->receiver_bytes() == kFileSize);
  CHECK(pair.tx->manifest().file_digest == wt::Sha256::of(movie().data(), movie().size()));
  CHECK(pair.receiver_errors.empty());
  CHECK(pair.pieces_received_again() == 0);
  CHECK(pair.tx->stats().pieces_resent == 0);
  CHECK(pair.tx->stats().pieces_sent == 11);
  CHECK(pair.read_backs == 0);  // in order: the whole-file digest needed no second read
  CHECK(pair.tx->stats().hash_only_reads == 0);
  // At 20 MB/s and 20 ms latency, 10.5 MB takes a little over half a second of virtual time.
  CHECK(pair.now < 1000);
}

TEST_CASE("a chunk corrupted on the wire is detected, fetched again and never stored",
          "[transfer][pair]") {
  PairOptions opt;
  opt.corrupt_chunk_frame = 37;  // piece 2, chunk 5 (16 chunks per piece)
  TransferPair pair(movie(), opt);
  pair.connect();
  REQUIRE(pair.run_to_end());
  require_identical(pair, movie());
  CHECK(pair.rx->stats().pieces_rejected == 1);
  CHECK(pair.tx->stats().pieces_bad == 1);
  CHECK(pair.attempts_delivered[2] == 2);
  CHECK(pair.pieces_received_again() == 1);
  CHECK(std::count(pair.receiver_errors.begin(), pair.receiver_errors.end(),
                   wt::ReceiveError::PieceDigestMismatch) == 0);  // reported as PieceRejected
}

TEST_CASE("a chunk lost by a partially reliable channel is noticed at the next piece and fetched again",
          "[transfer][pair]") {
  PairOptions opt;
  opt.drop_chunk_frame = 16 * 4 + 7;  // piece 4, chunk 7
  TransferPair pair(short_movie(), opt);
  pair.connect();
  REQUIRE(pair.run_to_end());
  require_identical(pair, short_movie());
  CHECK(pair.rx->stats().pieces_lost == 1);
  CHECK(pair.attempts_delivered[4] == 2);
  CHECK(pair.rx->stats().stalls == 0);
  CHECK(pair.now < 2000);  // long before the 15 s stall timeout
}

TEST_CASE("a chunk lost from the very last piece is fetched again after the stall timeout",
          "[transfer][pair]") {
  PairOptions opt;
  opt.drop_chunk_frame = 16 * 5;  // the last piece (5) has one chunk
  TransferPair pair(short_movie(), opt);
  pair.connect();
  REQUIRE(pair.run_to_end());
  require_identical(pair, short_movie());
  CHECK(pair.rx->stats().stalls == 1);
  CHECK(pair.now > wt::SchedulerConfig{}.stall_timeout_ms);
}

TEST_CASE("connection killed twice at random points resumes and ends byte-identical",
          "[transfer][pair][resume]") {
  constexpr std::uint64_t kPiece = wt::TransferLayout::piece_size();
  const std::uint64_t high_water = wt::SenderConfig{}.high_water_bytes;
  for (const std::uint64_t seed : {7u, 1234u, 99u, 31337u}) {
    std::mt19937_64 rng(seed);
    std::printf("connection-kill seed %llu\n", static_cast<unsigned long long>(seed));
    CAPTURE(seed);
    TransferPair pair(movie());
    pair.connect();
    // Cut 1 (connection only) somewhere in the first half, cut 2 (connection and both pages
    // reloaded: only IndexedDB survives) somewhere in the second half, by bytes delivered.
    // (Plain modulo rather than std::uniform_int_distribution, whose output differs between
    // libstdc++ and libc++: the same seed cuts at the same bytes natively and under wasm.)
    const std::uint64_t cut1 = kFileSize / 20 + rng() % (kFileSize / 2 - kFileSize / 20);
    const std::uint64_t cut2 = kFileSize / 2 + 1 + rng() % (kFileSize * 19 / 20 - kFileSize / 2);
    CAPTURE(cut1, cut2);

    REQUIRE(pair.run_until([&] { return pair.rx->stats().chunk_bytes_received >= cut1; }));
    REQUIRE_FALSE(pair.done);
    const std::uint64_t twice_before1 = pair.bytes_received_twice();
    const int again_before1 = pair.pieces_received_again();
    const std::uint32_t resent_before1 = pair.tx->stats().pieces_resent;
    pair.cut();
    pair.reconnect_after_delay();
    REQUIRE(pair.run_until([&] { return pair.rx->ledger().bytes_verified() >= cut2; }));
    // A connection cut costs the receiver at most the one piece that was arriving: the sender
    // sends pieces one after another, and a whole piece is never asked for again. The sender
    // re-sends what it had handed to the dead channel and the receiver never had whole: the
    // pieces in flight, which flow control bounds by its high-water mark.
    const std::uint64_t twice1 = pair.bytes_received_twice() - twice_before1;
    const int again1 = pair.pieces_received_again() - again_before1;
    const std::uint32_t resent1 = pair.tx->stats().pieces_resent - resent_before1;
    std::printf("  cut1 at %llu: %llu bytes received twice, %d piece begun again, re-sent %u of %zu in flight\n",
                (unsigned long long)cut1, (unsigned long long)twice1, again1, resent1, pair.in_flight_at_cut);
    CHECK(twice1 <= kPiece);
    CHECK(again1 <= 1);
    CHECK(pair.in_flight_at_cut >= 1);  // the cut came mid-transfer
    CHECK(pair.in_flight_at_cut <= high_water / kPiece + 2);  // a 4 MiB buffer spans 5 pieces, + the one arriving
    CHECK(resent1 <= pair.in_flight_at_cut);

    const std::uint64_t twice_before2 = pair.bytes_received_twice();
    pair.cut();
    pair.reload_receiver();
    pair.reload_sender();
    REQUIRE(pair.rx->ledger_restore_result() == wt::LedgerError::Ok);
    std::set<std::uint32_t> held;
    for (std::uint32_t p = 0; p < pair.rx->ledger().piece_count(); ++p)
      if (pair.rx->ledger().has(p)) held.insert(p);
    REQUIRE_FALSE(held.empty());
    const std::size_t requests_before = pair.requests_seen.size();
    pair.reconnect_after_delay();
    REQUIRE(pair.run_to_end());
    require_identical(pair, movie());
    // A reload also loses the verified pieces whose IndexedDB write had not completed (the page's
    // memory is gone): the arriving piece plus those, and no more.
    const std::uint64_t twice2 = pair.bytes_received_twice() - twice_before2;
    std::printf("  cut2 at %llu: %llu bytes received twice (held %zu, %zu stores lost)\n",
                (unsigned long long)cut2, (unsigned long long)twice2, held.size(), pair.stores_lost_at_reload);
    CHECK(pair.stores_lost_at_reload <= 1);  // a store (4 ms) is faster than a piece's arrival (~50 ms)
    CHECK(twice2 <= kPiece * (1 + pair.stores_lost_at_reload));
    CHECK(pair.tx->stats().pieces_resent == 0);  // a fresh sender: counted as received twice instead
    // The resumed receiver asked only for what its persisted ledger did not hold.
    for (std::size_t i = requests_before; i < pair.requests_seen.size(); ++i)
      for (std::uint32_t p = pair.requests_seen[i].first;
           p < pair.requests_seen[i].first + pair.requests_seen[i].count; ++p)
        CHECK(held.count(p) == 0);
    // The reloaded sender completed its whole-file digest by reading what it never re-sent.
    CHECK(pair.tx->stats().hash_only_reads >= held.size());
    CHECK(pair.read_backs >= int(held.size()));  // the reloaded receiver re-read what it held
  }
}

TEST_CASE("resumes from a persisted ledger and asks only for the missing pieces",
          "[transfer][pair][resume]") {
  TransferPair pair(short_movie());
  pair.connect();
  // The reload comes after 3 pieces are stored, while a 4th is verified and its IndexedDB write
  // has not completed: that one is at risk.
  REQUIRE(pair.run_until([&] { return pair.stored.size() >= 3 && pair.pending_stores().size() == 1; }));
  const std::size_t stored_at_reload = pair.stored.size();
  const std::uint32_t unstored = pair.pending_stores().front();
  pair.cut();
  pair.reload_receiver();
  REQUIRE(pair.rx->ledger_restore_result() == wt::LedgerError::Ok);
  const wt::PieceLedger held = pair.rx->ledger();
  // What survives is exactly what was stored: the unstored piece is lost, nothing else.
  CHECK(held.verified_count() == stored_at_reload);
  CHECK_FALSE(held.has(unstored));
  for (std::uint32_t p = 0; p < held.piece_count(); ++p) CHECK(held.has(p) == (pair.stored.count(p) == 1));
  const std::size_t requests_before = pair.requests_seen.size();
  pair.reconnect_after_delay();
  REQUIRE(pair.run_to_end());
  require_identical(pair, short_movie());
  std::uint32_t asked = 0;
  for (std::size_t i = requests_before; i < pair.requests_seen.size(); ++i)
    for (std::uint32_t p = pair.requests_seen[i].first;
         p < pair.requests_seen[i].first + pair.requests_seen[i].count; ++p) {
      CHECK_FALSE(held.has(p));
      ++asked;
    }
  CHECK(asked == held.piece_count() - held.verified_count());
  CHECK(pair.attempts_delivered[unstored] == 2);  // the lost piece came again, once
}

TEST_CASE("requests follow the playhead: a seek before the start fetches from there, then wraps",
          "[transfer][pair][seek]") {
  TransferPair pair(short_movie());
  pair.rx->seek_to_byte(3 * std::uint64_t(wt::kPieceSize) + 1000);  // inside piece 3 of 6
  pair.connect();
  REQUIRE(pair.run_to_end());
  require_identical(pair, short_movie());
  REQUIRE(pair.requests_seen.size() >= 2);
  CHECK(pair.requests_seen[0].first == 3);
  CHECK(pair.requests_seen[0].count == 3);  // pieces 3..5, up to the end of the file
  CHECK(pair.urgent_seen[0]);               // the playhead moved: before anything queued
  CHECK(pair.requests_seen[1].first == 0);  // then from the start
  CHECK(pair.requests_seen[1].count == 3);
  CHECK(pair.read_backs > 0);  // pieces 3..5 were stored before 0..2 were hashed
}

TEST_CASE("a seek during the transfer sends the next requests to the new playhead",
          "[transfer][pair][seek]") {
  PairOptions opt;
  opt.receiver.scheduler.window_pieces = 2;
  TransferPair pair(short_movie(), opt);  // 6 pieces
  pair.connect();
  REQUIRE(pair.run_until([&] { return pair.rx->ledger().verified_count() >= 2; }));
  const std::size_t before = pair.requests_seen.size();
  pair.rx->seek_to_piece(5);
  REQUIRE(pair.run_to_end());
  require_identical(pair, short_movie());
  // What was in flight (pieces 2 and 3) still arrives; every new request starts at the
  // playhead: piece 5, then (past the end) the first missing piece from the start, 4.
  std::vector<std::uint32_t> firsts;
  for (std::size_t i = before; i < pair.requests_seen.size(); ++i)
    firsts.push_back(pair.requests_seen[i].first);
  CHECK(firsts == std::vector<std::uint32_t>{5, 4});
  CHECK(pair.urgent_seen[before]);        // the seek's piece jumps the sender's queue
  CHECK_FALSE(pair.urgent_seen[before + 1]);
}

TEST_CASE("a seek jumps the sender's queue: the seek's piece arrives before pieces requested earlier",
          "[transfer][pair][seek]") {
  PairOptions opt;
  opt.receiver.scheduler.window_pieces = 8;
  opt.sender.high_water_bytes = 1 << 20;  // one piece in the channel's buffer at most
  opt.sender.low_water_bytes = 256 << 10;
  TransferPair pair(movie(), opt);  // 11 pieces; 8 requested at once
  pair.connect();
  REQUIRE(pair.run_until([&] { return pair.rx->ledger().verified_count() >= 1; }));
  pair.rx->seek_to_piece(9);
  std::vector<std::uint32_t> order;
  REQUIRE(pair.run_until([&] {
    for (std::uint32_t p = 0; p < 11; ++p)
      if (pair.rx->ledger().has(p) && std::find(order.begin(), order.end(), p) == order.end()) order.push_back(p);
    return pair.rx->ledger().has(9);
  }));
  // Pieces 1..8 were requested before the seek; in request order 9 would be stored 10th. Before
  // it come only those already on their way: the one arriving, one in the channel's buffer and
  // the sender's two read slots.
  const auto at9 = std::find(order.begin(), order.end(), 9u) - order.begin();
  CAPTURE(order);
  CHECK(at9 <= 1 + 4);
  REQUIRE(pair.run_to_end());
  require_identical(pair, movie());
  CHECK(pair.tx->stats().urgent_requests >= 1);
}

TEST_CASE("flow control never lets bufferedAmount exceed the high-water mark",
          "[transfer][pair][flow]") {
  for (const std::uint64_t high : {std::uint64_t(1) << 20, std::uint64_t(4) << 20}) {
    CAPTURE(high);
    PairOptions opt;
    opt.link_bytes_per_ms = 2'000;  // 2 MB/s: the sender outruns the link and must wait
    opt.sender.high_water_bytes = high;
    opt.sender.low_water_bytes = high / 4;
    const std::vector<std::uint8_t> file = wt_test::random_bytes(6 * 1024 * 1024 + 777, 99);
    TransferPair pair(file, opt);
    pair.connect();
    REQUIRE(pair.run_to_end());
    require_identical(pair, file);
    CHECK(pair.max_buffered <= high);
    CHECK(pair.max_buffered + wt::frame_size(wt::FrameType::Chunk, wt::kChunkSize) > high);  // it filled up
  }
}

TEST_CASE("an upload cap holds the send rate to the cap (within 5%) in virtual time",
          "[transfer][pair][cap]") {
  for (const double cap : {1'000'000.0, 300'000.0}) {
    CAPTURE(cap);
    PairOptions opt;
    opt.sender.upload_cap_bytes_per_s = cap;
    const std::vector<std::uint8_t> file =
        wt_test::random_bytes(cap > 500'000 ? 3 * 1024 * 1024 + 999 : 1024 * 1024 + 4321, 5);
    TransferPair pair(file, opt);
    pair.connect();
    REQUIRE(pair.run_to_end());
    require_identical(pair, file);
    const double seconds = (pair.last_data_send_ms - pair.first_data_send_ms) / 1000.0;
    REQUIRE(seconds > 2.0);
    const double rate = double(pair.data_frame_bytes_sent) / seconds;
    CHECK(rate >= cap * 0.95);
    CHECK(rate <= cap * 1.05);
  }
}

TEST_CASE("a sender that knows the digest up front announces it once and needs no extra reads",
          "[transfer][pair]") {
  PairOptions opt;
  opt.digest_in_manifest = true;
  TransferPair pair(short_movie(), opt);
  pair.connect();
  REQUIRE(pair.run_to_end());
  require_identical(pair, short_movie());
  CHECK(pair.tx->stats().hash_only_reads == 0);
}
