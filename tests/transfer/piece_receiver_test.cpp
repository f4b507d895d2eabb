// The receiver driven frame by frame by a hand-played peer: verification, re-requests, and what a
// broken or lying peer can send.
#include "transfer/piece_receiver.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "transfer/transfer_pair.hpp"

using wt::FrameType;
using wt::ReceiveError;
using wt::ReceiverAction;
using wt_test::frame_bytes;

namespace {

using Kind = ReceiverAction::Kind;

struct Drained {
  std::vector<std::vector<std::uint8_t>> frames;
  std::vector<ReceiverAction> actions;  // everything but SendFrame (data views not kept)
  std::vector<std::vector<std::uint8_t>> stored;

  std::vector<wt::PieceRange> requests() const {
    std::vector<wt::PieceRange> out;
    for (const auto& f : frames) {
      wt::FrameView v;
      if (wt::decode_frame(f.data(), f.size(), v) == wt::FrameError::Ok &&
          (v.header.type == FrameType::Request || v.header.type == FrameType::UrgentRequest))
        out.push_back({v.header.index, v.header.sub});
    }
    return out;
  }
  bool has_frame(FrameType t, std::uint32_t index) const {
    for (const auto& f : frames) {
      wt::FrameView v;
      if (wt::decode_frame(f.data(), f.size(), v) == wt::FrameError::Ok && v.header.type == t &&
          v.header.index == index)
        return true;
    }
    return false;
  }
  int count(Kind k) const {
    return int(std::count_if(actions.begin(), actions.end(),
                             [&](const ReceiverAction& a) { return a.kind == k; }));
  }
  bool requested(std::uint32_t piece) const {
    for (const wt::PieceRange& r : requests())
      if (piece >= r.first && piece < r.first + r.count) return true;
    return false;
  }
};

// A receiver for `file` plus a hand-played sender.
class Peer {
 public:
  explicit Peer(std::vector<std::uint8_t> file, wt::ReceiverConfig cfg = {},
                bool digest_known = true, std::vector<std::uint8_t> stored_ledger = {})
      : file(std::move(file)) {
    m.transfer_id = "t1";
    m.file_name = "a.webm";
    m.file_size = this->file.size();
    m.digest_known = digest_known;
    m.file_digest = wt::Sha256::of(this->file.data(), this->file.size());
    rx = std::make_unique<wt::PieceReceiver>(m, cfg, stored_ledger);
  }

  ReceiveError send(const std::vector<std::uint8_t>& frame) {
    return rx->on_message(frame.data(), frame.size(), now);
  }
  ReceiveError manifest() { return send(wt::encode_manifest_frame(m)); }
  std::vector<std::uint8_t> piece_bytes(std::uint32_t p) const {
    const wt::TransferLayout& l = rx->layout();
    return {file.begin() + long(l.piece_offset(p)),
            file.begin() + long(l.piece_offset(p) + l.piece_length(p))};
  }
  std::vector<std::uint8_t> digest_frame(std::uint32_t p) const {
    const std::vector<std::uint8_t> b = piece_bytes(p);
    const wt::Sha256Digest d = wt::Sha256::of(b.data(), b.size());
    return frame_bytes(FrameType::PieceDigest, p, 0, {}, d.data());
  }
  std::vector<std::uint8_t> chunk_frame(std::uint32_t p, std::uint32_t c) const {
    const wt::TransferLayout& l = rx->layout();
    const auto begin = file.begin() + long(l.piece_offset(p) + l.chunk_offset_in_piece(c));
    return frame_bytes(FrameType::Chunk, p, c, {begin, begin + l.chunk_length(p, c)});
  }
  // Sends piece p whole and correct; returns the first error.
  ReceiveError send_piece(std::uint32_t p) {
    ReceiveError e = send(digest_frame(p));
    for (std::uint32_t c = 0; c < rx->layout().chunk_count(p) && e == ReceiveError::None; ++c)
      e = send(chunk_frame(p, c));
    return e;
  }
  Drained drain() {
    Drained d;
    for (int i = 0; i < 10'000; ++i) {
      ReceiverAction a = rx->poll_action(now);
      if (a.kind == Kind::None) break;
      if (a.kind == Kind::SendFrame) {
        d.frames.emplace_back(a.data, a.data + a.size);
        continue;
      }
      if (a.kind == Kind::StorePiece) {
        d.stored.emplace_back(a.data, a.data + a.size);
        const std::vector<std::uint8_t> expect = piece_bytes(a.piece);
        if (d.stored.back() != expect) ++unverified_stores;
      }
      a.data = nullptr;
      d.actions.push_back(a);
    }
    return d;
  }
  // Drains and completes every StorePiece at once.
  Drained drain_and_store() {
    Drained d = drain();
    for (const ReceiverAction& a : d.actions)
      if (a.kind == Kind::StorePiece) rx->on_piece_stored(a.piece, now);
    return d;
  }

  std::vector<std::uint8_t> file;
  wt::TransferManifest m;
  std::unique_ptr<wt::PieceReceiver> rx;
  double now = 1000;
  int unverified_stores = 0;
};

std::vector<std::uint8_t> three_and_a_bit_pieces() {
  return wt_test::random_bytes(3 * wt::kPieceSize + 5000, 11);  // pieces 0..3, last 5000 bytes
}

}  // namespace

TEST_CASE("a manifest starts the connection: ManifestAck, then requests from the playhead",
          "[receiver]") {
  Peer peer(three_and_a_bit_pieces());
  CHECK(peer.rx->state() == wt::ReceiverState::AwaitingManifest);
  REQUIRE(peer.manifest() == ReceiveError::None);
  CHECK(peer.rx->state() == wt::ReceiverState::Receiving);
  const Drained d = peer.drain();
  REQUIRE(d.frames.size() >= 2);
  wt::FrameView v;
  REQUIRE(wt::decode_frame(d.frames[0].data(), d.frames[0].size(), v) == wt::FrameError::Ok);
  CHECK(v.header.type == FrameType::ManifestAck);
  REQUIRE(d.requests().size() == 1);
  CHECK(d.requests()[0] == wt::PieceRange{0, 4});
}

TEST_CASE("a verified piece is handed out for storage, then acknowledged and put in the ledger",
          "[receiver]") {
  Peer peer(three_and_a_bit_pieces());
  peer.manifest();
  peer.drain();
  REQUIRE(peer.send_piece(1) == ReceiveError::None);
  Drained d = peer.drain();
  REQUIRE(d.count(Kind::StorePiece) == 1);
  CHECK(d.stored[0] == peer.piece_bytes(1));
  CHECK_FALSE(peer.rx->ledger().has(1));  // not before it is stored
  REQUIRE(peer.rx->on_piece_stored(1, peer.now) == ReceiveError::None);
  CHECK(peer.rx->ledger().has(1));
  d = peer.drain();
  CHECK(d.has_frame(FrameType::PieceOk, 1));
  CHECK(d.count(Kind::SaveLedger) == 1);
  CHECK(peer.rx->on_piece_stored(1, peer.now) == ReceiveError::BadCall);  // only once
}

TEST_CASE("a piece that fails verification is rejected, reported and requested again, never stored",
          "[receiver]") {
  Peer peer(three_and_a_bit_pieces());
  peer.manifest();
  peer.drain();
  REQUIRE(peer.send(peer.digest_frame(0)) == ReceiveError::None);
  for (std::uint32_t c = 0; c < 16; ++c) {
    std::vector<std::uint8_t> f = peer.chunk_frame(0, c);
    if (c == 9) f.back() ^= 1;  // one bit flipped in one chunk
    REQUIRE(peer.send(f) == ReceiveError::None);
  }
  Drained d = peer.drain();
  CHECK(d.count(Kind::StorePiece) == 0);
  REQUIRE(d.count(Kind::PieceRejected) == 1);
  CHECK(d.has_frame(FrameType::PieceBad, 0));
  CHECK(d.requested(0));
  CHECK(peer.rx->stats().pieces_rejected == 1);
  // The sender tries again, correctly this time.
  REQUIRE(peer.send_piece(0) == ReceiveError::None);
  d = peer.drain();
  REQUIRE(d.count(Kind::StorePiece) == 1);
  CHECK(d.stored[0] == peer.piece_bytes(0));
  CHECK(peer.unverified_stores == 0);
}

TEST_CASE("malformed and lying frames give clear error codes and store nothing unverified",
          "[receiver][peer]") {
  wt::ReceiverConfig cfg;
  cfg.scheduler.window_pieces = 2;  // pieces 0 and 1 requested; 2 and 3 not
  Peer peer(three_and_a_bit_pieces(), cfg);
  peer.manifest();
  peer.drain();

  SECTION("bytes that are not a frame") {
    CHECK(peer.send({1, 2, 3}) == ReceiveError::MalformedFrame);
    std::vector<std::uint8_t> chunk = peer.chunk_frame(0, 0);
    chunk.push_back(0);  // trailing byte
    CHECK(peer.send(chunk) == ReceiveError::MalformedFrame);
    chunk.resize(chunk.size() - 100);  // truncated
    CHECK(peer.send(chunk) == ReceiveError::MalformedFrame);
  }
  SECTION("frames only a sender receives") {
    CHECK(peer.send(frame_bytes(FrameType::Request, 0, 1)) == ReceiveError::UnexpectedFrame);
    CHECK(peer.send(frame_bytes(FrameType::PieceOk, 0, 0)) == ReceiveError::UnexpectedFrame);
    CHECK(peer.send(frame_bytes(FrameType::Complete, 0, 0)) == ReceiveError::UnexpectedFrame);
  }
  SECTION("a piece beyond the file") {
    std::uint8_t d[32] = {};
    CHECK(peer.send(frame_bytes(FrameType::PieceDigest, 4, 0, {}, d)) == ReceiveError::PieceOutOfRange);
    CHECK(peer.send(frame_bytes(FrameType::Chunk, 1000, 0, {1})) == ReceiveError::PieceOutOfRange);
  }
  SECTION("a piece that was not requested, reported once for all its frames") {
    CHECK(peer.send(peer.digest_frame(2)) == ReceiveError::UnrequestedPiece);
    CHECK(peer.send(peer.chunk_frame(2, 0)) == ReceiveError::None);  // dropped quietly
    CHECK(peer.send(peer.chunk_frame(3, 0)) == ReceiveError::UnrequestedPiece);
  }
  SECTION("a chunk before its piece's digest") {
    CHECK(peer.send(peer.chunk_frame(0, 0)) == ReceiveError::ChunkBeforeDigest);
    CHECK(peer.drain().requested(0));
  }
  SECTION("a chunk index beyond its piece") {
    peer.send(peer.digest_frame(0));
    CHECK(peer.send(frame_bytes(FrameType::Chunk, 0, 16, std::vector<std::uint8_t>(wt::kChunkSize))) ==
          ReceiveError::ChunkOutOfRange);
    CHECK(peer.drain().requested(0));
  }
  SECTION("a chunk of the wrong size, including the short last chunk") {
    peer.send(peer.digest_frame(0));
    CHECK(peer.send(frame_bytes(FrameType::Chunk, 0, 3, std::vector<std::uint8_t>(100))) ==
          ReceiveError::ChunkSizeMismatch);
    CHECK(peer.drain().requested(0));
  }
  SECTION("the same chunk twice") {
    peer.send(peer.digest_frame(1));
    CHECK(peer.send(peer.chunk_frame(1, 4)) == ReceiveError::None);
    CHECK(peer.send(peer.chunk_frame(1, 4)) == ReceiveError::DuplicateChunk);
    // The attempt is discarded: the rest of it is dropped quietly and nothing is stored.
    for (std::uint32_t c = 0; c < 16; ++c) CHECK(peer.send(peer.chunk_frame(1, c)) == ReceiveError::None);
    const Drained d = peer.drain();
    CHECK(d.count(Kind::StorePiece) == 0);
    CHECK(d.requested(1));
  }
  const Drained d = peer.drain();
  CHECK(d.count(Kind::StorePiece) == 0);
  CHECK(peer.rx->state() == wt::ReceiverState::Receiving);  // none of these is fatal
  CHECK(peer.rx->stats().errors >= 1);
}

TEST_CASE("the short last piece has exactly one short chunk", "[receiver][peer]") {
  Peer peer(three_and_a_bit_pieces());  // piece 3 holds 5000 bytes
  peer.manifest();
  peer.drain();
  peer.send(peer.digest_frame(3));
  CHECK(peer.send(frame_bytes(FrameType::Chunk, 3, 1, {1, 2, 3})) == ReceiveError::ChunkOutOfRange);
  peer.drain();
  peer.send(peer.digest_frame(3));
  CHECK(peer.send(frame_bytes(FrameType::Chunk, 3, 0, std::vector<std::uint8_t>(wt::kChunkSize))) ==
        ReceiveError::ChunkSizeMismatch);
  peer.drain();
  REQUIRE(peer.send_piece(3) == ReceiveError::None);
  const Drained d = peer.drain();
  REQUIRE(d.count(Kind::StorePiece) == 1);
  CHECK(d.stored[0].size() == 5000);
  CHECK(peer.unverified_stores == 0);
}

TEST_CASE("a new digest for a piece already verified stops the transfer: the file changed",
          "[receiver][peer]") {
  Peer peer(three_and_a_bit_pieces());
  peer.manifest();
  peer.drain();
  REQUIRE(peer.send_piece(0) == ReceiveError::None);
  peer.drain_and_store();
  std::uint8_t other[32] = {9};
  CHECK(peer.send(frame_bytes(FrameType::PieceDigest, 0, 0, {}, other)) == ReceiveError::DigestChanged);
  const Drained d = peer.drain();
  CHECK(peer.rx->state() == wt::ReceiverState::Failed);
  CHECK(peer.rx->fatal_error() == ReceiveError::DigestChanged);
  CHECK(d.has_frame(FrameType::Cancel, 0));
  REQUIRE(d.count(Kind::Error) == 1);
  CHECK(d.actions.back().fatal);
  CHECK(peer.send_piece(1) == ReceiveError::Inactive);  // nothing more is taken in
}

TEST_CASE("a manifest with absurd values or for another file is refused", "[receiver][peer]") {
  Peer peer(three_and_a_bit_pieces());
  SECTION("another file size mid-transfer") {
    peer.manifest();
    wt::TransferManifest other = peer.m;
    other.file_size += 1;
    CHECK(peer.send(wt::encode_manifest_frame(other)) == ReceiveError::ManifestMismatch);
  }
  SECTION("another whole-file digest") {
    wt::TransferManifest other = peer.m;
    other.file_digest[0] ^= 1;
    CHECK(peer.send(wt::encode_manifest_frame(other)) == ReceiveError::ManifestMismatch);
  }
  SECTION("an absurd size (the encoder refuses it, so it is written by hand)") {
    const std::string json =
        "{\"type\":\"file-transfer-init\",\"transferId\":\"t1\",\"fileName\":\"a\",\"fileSize\":"
        "99999999999999,\"fileType\":\"\",\"fileHash\":null,\"chunkSize\":65536,\"pieceSize\":1048576}";
    std::uint8_t zero[32] = {};
    CHECK(peer.send(frame_bytes(FrameType::Manifest, 0, 0, {json.begin(), json.end()}, zero)) ==
          ReceiveError::ManifestInvalid);
  }
  CHECK(peer.rx->state() == wt::ReceiverState::Failed);
}

TEST_CASE("a receiver constructed from an invalid manifest fails instead of allocating",
          "[receiver][peer]") {
  wt::TransferManifest m;
  m.transfer_id = "t";
  m.file_size = std::uint64_t(1) << 50;  // a petabyte
  wt::PieceReceiver rx(m);
  CHECK(rx.state() == wt::ReceiverState::Failed);
  CHECK(rx.fatal_error() == ReceiveError::ManifestInvalid);
  CHECK(rx.layout().piece_count() == 0);
}

TEST_CASE("a peer that keeps sending junk is cut off after max_strikes errors", "[receiver][peer]") {
  wt::ReceiverConfig cfg;
  cfg.max_strikes = 5;
  Peer peer(three_and_a_bit_pieces(), cfg);
  peer.manifest();
  for (int i = 0; i < 5; ++i) CHECK(peer.send({0x57, 1, 99}) == ReceiveError::MalformedFrame);
  CHECK(peer.rx->state() == wt::ReceiverState::Receiving);
  peer.send({0x57, 1, 99});
  CHECK(peer.rx->state() == wt::ReceiverState::Failed);
  CHECK(peer.rx->fatal_error() == ReceiveError::TooManyErrors);
}

TEST_CASE("random corruptions of valid frames never crash and never store unverified bytes",
          "[receiver][peer][fuzz]") {
  const std::uint64_t seed = 314159;
  std::mt19937_64 rng(seed);
  INFO("fuzz seed " << seed);
  const std::vector<std::uint8_t> file = wt_test::random_bytes(wt::kPieceSize + 70'000, 3);
  wt::ReceiverConfig cfg;
  cfg.max_strikes = 1'000'000;  // keep the receiver listening to all of it
  Peer peer(file, cfg);
  peer.manifest();
  peer.drain();
  int stores = 0;
  std::vector<std::vector<std::uint8_t>> valid[2];
  for (std::uint32_t p = 0; p < 2; ++p) {
    valid[p].push_back(peer.digest_frame(p));
    for (std::uint32_t c = 0; c < peer.rx->layout().chunk_count(p); ++c)
      valid[p].push_back(peer.chunk_frame(p, c));
  }
  for (int round = 0; round < 300; ++round) {
    std::vector<std::vector<std::uint8_t>> frames = valid[rng() % 2];
    for (auto& f : frames) {
      switch (rng() % 8) {
        case 0: f[rng() % f.size()] ^= std::uint8_t(1 + rng() % 255); break;  // any byte
        case 1: f.resize(rng() % f.size()); break;                              // truncated
        case 2: f[4 + rng() % 12] ^= std::uint8_t(1 + rng() % 255); break;      // header field
        default: break;
      }
      peer.send(f);
    }
    const Drained d = peer.drain_and_store();
    stores += d.count(Kind::StorePiece);
  }
  CHECK(peer.unverified_stores == 0);
  CHECK(stores > 0);  // untouched rounds got through
}

TEST_CASE("a stalled sender is asked again for everything outstanding after the stall timeout",
          "[receiver]") {
  wt::ReceiverConfig cfg;
  cfg.scheduler.stall_timeout_ms = 10'000;
  Peer peer(three_and_a_bit_pieces(), cfg);
  peer.manifest();
  peer.drain();
  peer.send(peer.digest_frame(0));
  peer.send(peer.chunk_frame(0, 0));  // then silence
  CHECK(peer.rx->next_deadline() == Approx(peer.now + 10'000));
  peer.now += 9'999;
  peer.rx->on_timeout(peer.now);
  CHECK(peer.drain().requests().empty());
  peer.now += 1;
  peer.rx->on_timeout(peer.now);
  const Drained d = peer.drain();
  CHECK(d.requests().size() == 4);  // each outstanding piece again
  CHECK(peer.rx->stats().stalls == 1);
  // The re-sent piece starts over with its digest and completes.
  REQUIRE(peer.send_piece(0) == ReceiveError::None);
  CHECK(peer.drain().count(Kind::StorePiece) == 1);
}

TEST_CASE("a channel on which no Manifest comes is given up once, after manifest_timeout_ms",
          "[receiver]") {
  wt::ReceiverConfig cfg;
  cfg.manifest_timeout_ms = 10'000;
  Peer peer(three_and_a_bit_pieces(), cfg);
  CHECK(peer.rx->next_deadline() == std::numeric_limits<double>::infinity());  // no channel yet
  peer.rx->on_channel_open(peer.now);
  CHECK(peer.rx->next_deadline() == Approx(peer.now + 10'000));
  peer.now += 9'999;
  peer.rx->on_timeout(peer.now);
  CHECK(peer.drain().count(Kind::Reconnect) == 0);
  peer.now += 1;
  peer.rx->on_timeout(peer.now);
  CHECK(peer.drain().count(Kind::Reconnect) == 1);
  CHECK(peer.rx->stats().silent_channels == 1);
  // Asked once: the channel is closing, the next one opens with on_channel_open.
  CHECK(peer.rx->next_deadline() == std::numeric_limits<double>::infinity());
  peer.now += 60'000;
  peer.rx->on_timeout(peer.now);
  CHECK(peer.drain().count(Kind::Reconnect) == 0);
  peer.rx->on_disconnected(peer.now);
  // The next channel brings its Manifest in time: no reconnect, and the transfer goes on.
  peer.rx->on_channel_open(peer.now);
  peer.now += 500;
  peer.manifest();
  const Drained d = peer.drain();
  CHECK_FALSE(d.requests().empty());
  CHECK(peer.rx->stats().connections == 1);
  CHECK(peer.rx->next_deadline() != Approx(peer.now - 500 + 10'000));  // the stall timer now, not the Manifest's
  peer.now += 10'000;
  peer.rx->on_timeout(peer.now);
  CHECK(peer.drain().count(Kind::Reconnect) == 0);
  CHECK(peer.rx->stats().silent_channels == 1);
}

TEST_CASE("a channel that closes before its Manifest is due leaves no timer behind", "[receiver]") {
  Peer peer(three_and_a_bit_pieces());
  peer.rx->on_channel_open(peer.now);
  CHECK(std::isfinite(peer.rx->next_deadline()));
  peer.rx->on_disconnected(peer.now + 100);
  CHECK(peer.rx->next_deadline() == std::numeric_limits<double>::infinity());
  peer.rx->on_timeout(peer.now + 60'000);
  CHECK(peer.drain().count(Kind::Reconnect) == 0);
}

TEST_CASE("the whole-file digest is checked at the end and a mismatch is fatal", "[receiver]") {
  Peer peer(wt_test::random_bytes(2 * wt::kPieceSize, 8));
  peer.m.file_digest[5] ^= 0x10;  // the sender announces a wrong whole-file digest
  peer.rx = std::make_unique<wt::PieceReceiver>(peer.m);
  peer.manifest();
  peer.drain();
  peer.send_piece(0);
  peer.send_piece(1);
  const Drained d = peer.drain_and_store();
  CHECK(d.count(Kind::StorePiece) == 2);
  peer.drain();
  CHECK(peer.rx->state() == wt::ReceiverState::Failed);
  CHECK(peer.rx->fatal_error() == ReceiveError::FileDigestMismatch);
}

TEST_CASE("the whole-file digest can arrive after the last piece (a second Manifest)", "[receiver]") {
  Peer peer(wt_test::random_bytes(2 * wt::kPieceSize + 1, 12), {}, /*digest_known=*/false);
  peer.manifest();
  peer.drain();
  for (std::uint32_t p = 0; p < 3; ++p) peer.send_piece(p);
  peer.drain_and_store();
  peer.drain();
  CHECK(peer.rx->state() == wt::ReceiverState::Verifying);
  peer.m.digest_known = true;  // now the sender knows it
  REQUIRE(peer.manifest() == ReceiveError::None);
  const Drained d = peer.drain();
  CHECK(d.count(Kind::Done) == 1);
  CHECK(d.has_frame(FrameType::Complete, 0));
  CHECK(peer.rx->state() == wt::ReceiverState::Complete);
}

TEST_CASE("after a reload the receiver reads stored pieces back, in order, to check the whole file",
          "[receiver][resume]") {
  const std::vector<std::uint8_t> file = wt_test::random_bytes(3 * wt::kPieceSize + 99, 21);
  // A previous session stored everything but did not get to the final check.
  wt::PieceLedger ledger("t1", file.size());
  for (std::uint32_t p = 0; p < 4; ++p) {
    const std::uint64_t at = std::uint64_t(p) * wt::kPieceSize;
    const std::size_t len = std::size_t(std::min<std::uint64_t>(wt::kPieceSize, file.size() - at));
    ledger.mark(p, wt::Sha256::of(file.data() + at, len));
  }
  Peer peer(file, {}, true, ledger.serialize());
  REQUIRE(peer.rx->ledger_restore_result() == wt::LedgerError::Ok);
  CHECK(peer.rx->state() == wt::ReceiverState::Verifying);
  for (std::uint32_t p = 0; p < 4; ++p) {
    const Drained d = peer.drain();
    REQUIRE(d.count(Kind::ReadBack) == 1);
    CHECK(d.actions[0].piece == p);
    CHECK(peer.rx->on_read_back(p + 1, nullptr, 0, peer.now) == ReceiveError::BadCall);  // in order only
    const std::vector<std::uint8_t> b = peer.piece_bytes(p);
    REQUIRE(peer.rx->on_read_back(p, b.data(), b.size(), peer.now) == ReceiveError::None);
  }
  CHECK(peer.drain().count(Kind::Done) == 1);
  CHECK(peer.rx->state() == wt::ReceiverState::Complete);
}

TEST_CASE("a stored piece that reads back damaged is fetched again", "[receiver][resume]") {
  Peer peer(three_and_a_bit_pieces());
  peer.rx->seek_to_piece(1);
  peer.manifest();
  Drained d = peer.drain();
  REQUIRE(d.requests().size() == 2);
  CHECK(d.requests()[0] == wt::PieceRange{1, 3});
  CHECK(d.requests()[1] == wt::PieceRange{0, 1});
  for (std::uint32_t p : {1u, 2u, 3u}) peer.send_piece(p);
  peer.drain_and_store();
  peer.send_piece(0);  // hashed straight from memory; 1..3 must be read back
  d = peer.drain_and_store();
  REQUIRE(d.count(Kind::ReadBack) == 1);
  std::vector<std::uint8_t> damaged = peer.piece_bytes(1);
  damaged[1000] ^= 0xff;
  CHECK(peer.rx->on_read_back(1, damaged.data(), damaged.size(), peer.now) ==
        ReceiveError::StoredPieceCorrupt);
  CHECK_FALSE(peer.rx->ledger().has(1));
  d = peer.drain();
  CHECK(d.requested(1));
  peer.send_piece(1);  // hashed from memory this time
  d = peer.drain_and_store();
  REQUIRE(d.count(Kind::ReadBack) == 1);  // piece 2
  for (std::uint32_t p : {2u, 3u}) {
    const std::vector<std::uint8_t> b = peer.piece_bytes(p);
    REQUIRE(peer.rx->on_read_back(p, b.data(), b.size(), peer.now) == ReceiveError::None);
    d = peer.drain();
  }
  CHECK(peer.rx->state() == wt::ReceiverState::Complete);
  CHECK(peer.unverified_stores == 0);
}

TEST_CASE("a ledger for another file is rejected at start-up and the transfer starts fresh",
          "[receiver][resume]") {
  const std::vector<std::uint8_t> file = three_and_a_bit_pieces();
  wt::PieceLedger foreign("another-transfer", file.size());
  foreign.mark(0, wt::Sha256Digest{});
  Peer peer(file, {}, true, foreign.serialize());
  CHECK(peer.rx->ledger_restore_result() == wt::LedgerError::ForeignFile);
  CHECK(peer.rx->ledger().verified_count() == 0);
  peer.manifest();
  const Drained d = peer.drain();
  CHECK(d.requests()[0] == wt::PieceRange{0, 4});
  CHECK(d.count(Kind::SaveLedger) == 1);  // the bad record is overwritten
}

TEST_CASE("a stored piece read for playback is checked: a damaged one is dropped and fetched again",
          "[receiver][damaged]") {
  Peer peer(three_and_a_bit_pieces());
  peer.manifest();
  peer.drain();
  for (std::uint32_t p : {0u, 1u}) peer.send_piece(p);
  peer.drain_and_store();
  const std::vector<std::uint8_t> good = peer.piece_bytes(0);
  CHECK(peer.rx->check_stored_piece(0, good.data(), good.size(), peer.now) == ReceiveError::None);
  std::vector<std::uint8_t> bad = peer.piece_bytes(1);
  bad[bad.size() - 1] ^= 0x80;  // the very last byte
  CHECK(peer.rx->check_stored_piece(1, bad.data(), bad.size(), peer.now) == ReceiveError::StoredPieceCorrupt);
  CHECK_FALSE(peer.rx->ledger().has(1));
  // Not held (never stored, or dropped already): nothing to check against.
  CHECK(peer.rx->check_stored_piece(1, bad.data(), bad.size(), peer.now) == ReceiveError::BadCall);
  CHECK(peer.rx->check_stored_piece(3, bad.data(), bad.size(), peer.now) == ReceiveError::BadCall);
  Drained d = peer.drain();
  CHECK(d.requested(1));
  CHECK(d.count(Kind::SaveLedger) == 1);  // the record no longer counts it
  REQUIRE(d.count(Kind::Error) == 1);
  CHECK(d.actions[0].error == ReceiveError::StoredPieceCorrupt);
  CHECK(peer.rx->stats().stored_pieces_damaged == 1);
  // The same digest comes again with the piece (the file did not change): stored again.
  REQUIRE(peer.send_piece(1) == ReceiveError::None);
  d = peer.drain_and_store();
  CHECK(d.count(Kind::StorePiece) == 1);
  CHECK(peer.rx->ledger().has(1));
  CHECK(peer.unverified_stores == 0);
}

TEST_CASE("storage full: the piece is kept and handed out again unchanged; the sender hears of the pause",
          "[receiver][storage]") {
  wt::ReceiverConfig cfg;
  cfg.scheduler.window_pieces = 2;  // pieces 0 and 1 asked for; 2 only once there is room
  Peer peer(three_and_a_bit_pieces(), cfg);
  peer.manifest();
  peer.drain();
  peer.send_piece(0);
  Drained d = peer.drain();
  REQUIRE(d.count(Kind::StorePiece) == 1);
  CHECK(peer.rx->on_storage_full(0, peer.now) == ReceiveError::StorageFull);
  CHECK(peer.rx->state() == wt::ReceiverState::StorageFull);
  d = peer.drain();
  CHECK(d.has_frame(FrameType::Pause, 0));
  CHECK(d.requests().empty());
  REQUIRE(d.count(Kind::Error) == 1);
  CHECK(d.actions[0].error == ReceiveError::StorageFull);
  CHECK_FALSE(d.actions[0].fatal);
  CHECK(d.actions[0].text == "Storage is full — free some space to continue");
  // Pieces asked for before still arrive and are verified; nothing new is asked for.
  peer.send_piece(1);
  d = peer.drain();
  CHECK(d.count(Kind::StorePiece) == 1);
  CHECK(peer.rx->on_storage_full(1, peer.now) == ReceiveError::StorageFull);
  CHECK(peer.drain().requests().empty());
  // The retry is due 2 s after the pause; a timeout before it changes nothing.
  CHECK(peer.rx->next_deadline() == Approx(peer.now + 2000));
  peer.now += 1999;
  peer.rx->on_timeout(peer.now);
  CHECK(peer.drain().actions.empty());
  peer.now += 1;
  peer.rx->on_timeout(peer.now);
  d = peer.drain();
  REQUIRE(d.count(Kind::StorePiece) == 2);  // both, with their verified bytes
  CHECK(peer.unverified_stores == 0);
  CHECK(d.requests().empty());
  CHECK(peer.rx->next_deadline() == Approx(peer.now + 4000));
  // This time there is room for one: still paused (the other may not fit), nothing asked for.
  CHECK(peer.rx->on_piece_stored(0, peer.now) == ReceiveError::None);
  CHECK(peer.rx->state() == wt::ReceiverState::StorageFull);
  d = peer.drain();
  CHECK_FALSE(d.has_frame(FrameType::Pause, 0));
  CHECK(d.requests().empty());
  // Both refused pieces are stored: the pause ends, the sender hears it, requests go on.
  CHECK(peer.rx->on_piece_stored(1, peer.now) == ReceiveError::None);
  CHECK(peer.rx->state() == wt::ReceiverState::Receiving);
  d = peer.drain();
  CHECK(d.has_frame(FrameType::Pause, 0));
  CHECK(d.requested(2));
  CHECK(peer.rx->ledger().verified_count() == 2);
}

TEST_CASE("storage full: one store that fits among refused ones tries them again but does not end the pause",
          "[receiver][storage]") {
  wt::ReceiverConfig cfg;
  cfg.scheduler.window_pieces = 3;
  Peer peer(three_and_a_bit_pieces(), cfg);
  peer.manifest();
  peer.drain();
  for (std::uint32_t p : {0u, 1u}) peer.send_piece(p);
  peer.drain();
  REQUIRE(peer.rx->on_storage_full(0, peer.now) == ReceiveError::StorageFull);
  REQUIRE(peer.rx->on_storage_full(1, peer.now) == ReceiveError::StorageFull);
  peer.drain();
  // Piece 2, asked for before the pause, arrives and fits (a smaller write).
  peer.send_piece(2);
  Drained d = peer.drain();
  REQUIRE(d.count(Kind::StorePiece) == 1);
  CHECK(peer.rx->on_piece_stored(2, peer.now) == ReceiveError::None);
  d = peer.drain();
  CHECK(d.count(Kind::StorePiece) == 2);  // room appeared: the refused ones go again at once
  CHECK(d.requests().empty());
  CHECK_FALSE(d.has_frame(FrameType::Pause, 0));
  CHECK(peer.rx->state() == wt::ReceiverState::StorageFull);
  CHECK(peer.rx->on_storage_full(0, peer.now) == ReceiveError::StorageFull);  // still no room for it
  CHECK(peer.rx->on_piece_stored(1, peer.now) == ReceiveError::None);
  CHECK(peer.rx->state() == wt::ReceiverState::StorageFull);
  CHECK(peer.rx->stats().storage_pauses == 1);
}
