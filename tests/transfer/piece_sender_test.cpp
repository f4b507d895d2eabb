// The sender driven by hand: framing order, flow control, pacing, and what a lying receiver can send.
#include "transfer/piece_sender.hpp"

#include <catch2/catch.hpp>

#include "transfer/transfer_pair.hpp"
#include "transfer/upload_pacer.hpp"

using wt::FrameType;
using wt::SendError;
using wt::Transmit;
using wt_test::frame_bytes;

namespace {

struct Sent {
  FrameType type;
  std::uint32_t index, sub;
  std::vector<std::uint8_t> payload;
  std::vector<std::uint8_t> digest;
};

class Harness {
 public:
  explicit Harness(std::size_t size, wt::SenderConfig cfg = {})
      : file(wt_test::random_bytes(size, 77)) {
    m.transfer_id = "t1";
    m.file_name = "f.mp4";
    m.file_size = size;
    tx = std::make_unique<wt::PieceSender>(m, cfg);
  }
  SendError request(std::uint32_t first, std::uint32_t count, FrameType type = FrameType::Request) {
    const auto f = frame_bytes(type, first, count);
    return tx->on_message(f.data(), f.size(), now);
  }
  // Serves reads and sends until idle or blocked; returns the frames, decoded.
  std::vector<Sent> run(std::uint64_t buffered = 0, Transmit::Kind* stop = nullptr) {
    std::vector<Sent> out;
    for (int guard = 0; guard < 100'000; ++guard) {
      const wt::ReadRequest r = tx->poll_read();
      if (r.valid) {
        REQUIRE(r.offset + r.length <= file.size());
        REQUIRE(tx->on_read(r.piece, file.data() + r.offset, r.length, now) == SendError::None);
        continue;
      }
      const Transmit t = tx->poll_transmit(now, buffered);
      if (t.kind != Transmit::Kind::Frame) {
        if (stop) *stop = t.kind;
        return out;
      }
      wt::FrameView v;
      REQUIRE(wt::decode_frame(t.data, t.size, v) == wt::FrameError::Ok);
      Sent s{v.header.type, v.header.index, v.header.sub, {v.payload, v.payload + v.payload_len}, {}};
      if (v.digest) s.digest.assign(v.digest, v.digest + 32);
      out.push_back(std::move(s));
    }
    FAIL("sender never went idle");
    return out;
  }

  std::vector<std::uint8_t> file;
  wt::TransferManifest m;
  std::unique_ptr<wt::PieceSender> tx;
  double now = 0;
};

}  // namespace

TEST_CASE("the sender opens with a Manifest and sends each requested piece as digest then chunks",
          "[sender]") {
  Harness h(2 * wt::kPieceSize + 70'000);  // pieces 0, 1 and a 70000-byte piece 2 (2 chunks)
  h.tx->on_connected(h.now);
  std::vector<Sent> s = h.run();
  REQUIRE(s.size() == 1);
  CHECK(s[0].type == FrameType::Manifest);
  REQUIRE(h.request(2, 1) == SendError::None);
  REQUIRE(h.request(0, 1) == SendError::None);
  s = h.run();
  REQUIRE(s.size() == 1 + 2 + 1 + 16);
  CHECK(s[0].type == FrameType::PieceDigest);
  CHECK(s[0].index == 2);
  const wt::Sha256Digest d2 = wt::Sha256::of(h.file.data() + 2 * wt::kPieceSize, 70'000);
  CHECK(std::equal(d2.begin(), d2.end(), s[0].digest.begin()));
  CHECK(s[1].type == FrameType::Chunk);
  CHECK(s[1].sub == 0);
  CHECK(s[1].payload.size() == wt::kChunkSize);
  CHECK(s[2].payload.size() == 70'000 - wt::kChunkSize);
  CHECK(s[3].type == FrameType::PieceDigest);
  CHECK(s[3].index == 0);
  for (std::uint32_t c = 0; c < 16; ++c) {
    CHECK(s[4 + c].index == 0);
    CHECK(s[4 + c].sub == c);
    CHECK(std::equal(s[4 + c].payload.begin(), s[4 + c].payload.end(),
                     h.file.begin() + long(c * wt::kChunkSize)));
  }
  CHECK(h.tx->stats().pieces_sent == 2);
}

TEST_CASE("duplicate requests for a queued piece are ignored; a request after sending re-sends it",
          "[sender]") {
  Harness h(3 * wt::kPieceSize);
  h.tx->on_connected(h.now);
  h.run();
  h.request(0, 2);
  h.request(0, 2);
  h.request(1, 1);
  std::vector<Sent> s = h.run();
  CHECK(s.size() == 2 * 17);
  h.request(1, 1);
  s = h.run();
  CHECK(s.size() == 17);
  CHECK(h.tx->stats().pieces_resent == 1);
}

TEST_CASE("an urgent request goes before everything queued; a queued piece moves up, not twice", "[sender]") {
  Harness h(10 * wt::kPieceSize);
  h.tx->on_connected(h.now);
  h.run();
  h.request(0, 4);
  h.request(7, 2, FrameType::UrgentRequest);
  h.request(2, 1, FrameType::UrgentRequest);  // queued already: moves to the front
  std::vector<std::uint32_t> order;
  for (const Sent& s : h.run())
    if (s.type == FrameType::PieceDigest) order.push_back(s.index);
  CHECK(order == std::vector<std::uint32_t>{2, 7, 8, 0, 1, 3});
  CHECK(h.tx->stats().urgent_requests == 2);
  CHECK(h.request(9, 2, FrameType::UrgentRequest) == SendError::PieceOutOfRange);  // past the end
}

TEST_CASE("an urgent request overtakes pieces read ahead but not started", "[sender]") {
  Harness h(10 * wt::kPieceSize);
  h.tx->on_connected(h.now);
  h.run();
  h.request(0, 4);
  for (int i = 0; i < 2; ++i) {  // both read slots fill (pieces 0 and 1); nothing is sent yet
    const wt::ReadRequest r = h.tx->poll_read();
    REQUIRE(r.valid);
    REQUIRE(h.tx->on_read(r.piece, h.file.data() + r.offset, r.length, h.now) == SendError::None);
  }
  h.request(6, 1, FrameType::UrgentRequest);
  std::vector<std::uint32_t> order;
  for (const Sent& s : h.run())
    if (s.type == FrameType::PieceDigest) order.push_back(s.index);
  CHECK(order == std::vector<std::uint32_t>{6, 0, 1, 2, 3});
  CHECK(h.tx->stats().pieces_resent == 0);  // read twice, sent once
}

TEST_CASE("flow control: no frame is handed over that would take bufferedAmount past high water",
          "[sender][flow]") {
  wt::SenderConfig cfg;
  cfg.high_water_bytes = 1 << 20;
  cfg.low_water_bytes = 256 << 10;
  Harness h(3 * wt::kPieceSize, cfg);
  h.tx->on_connected(h.now);
  h.run();  // the Manifest
  h.request(0, 3);
  const std::uint64_t high = 1 << 20;
  Transmit::Kind stop;
  CHECK(h.run(high - 47, &stop).empty());  // not even the 48-byte PieceDigest fits
  CHECK(stop == Transmit::Kind::WaitBuffer);
  CHECK(h.tx->low_water_bytes() == 256u << 10);
  // Room for the PieceDigest frame but not for a chunk.
  std::vector<Sent> s = h.run(high - wt::frame_size(FrameType::PieceDigest, 0), &stop);
  REQUIRE(s.size() == 1);
  CHECK(s[0].type == FrameType::PieceDigest);
  CHECK(stop == Transmit::Kind::WaitBuffer);
  // Exactly room for one full chunk frame.
  s = h.run(high - wt::frame_size(FrameType::Chunk, wt::kChunkSize), &stop);
  // The rest of the data, plus the Manifest announcing the whole-file digest (all 3 pieces were
  // read in order). The harness does not add to bufferedAmount: each frame fits on its own.
  CHECK(s.size() == 3 * 17 - 1 + 1);
  CHECK(stop == Transmit::Kind::Idle);
}

TEST_CASE("the high-water mark is clamped below Chrome's 16 MiB channel limit", "[sender][flow]") {
  wt::SenderConfig cfg;
  cfg.high_water_bytes = 64ull << 20;
  Harness h(wt::kPieceSize, cfg);
  CHECK(h.tx->high_water_bytes() < (16u << 20));
  cfg.high_water_bytes = 10;  // and never below one frame, or nothing could ever be sent
  Harness tiny(wt::kPieceSize, cfg);
  CHECK(tiny.tx->high_water_bytes() >= wt::frame_size(FrameType::Chunk, wt::kChunkSize));
}

TEST_CASE("the low-water mark lies a full frame below high water, so 'bufferedamountlow' always fires",
          "[sender][flow]") {
  // The sender waits whenever bufferedAmount > high - frame; the event fires only on a fall to
  // the threshold from above. A threshold at or above the waiting level would never fire.
  wt::SenderConfig cfg;
  cfg.high_water_bytes = 1 << 20;
  cfg.low_water_bytes = 1 << 20;
  Harness h(wt::kPieceSize, cfg);
  CHECK(h.tx->low_water_bytes() + wt::frame_size(FrameType::Chunk, wt::kChunkSize) <= h.tx->high_water_bytes());
}

TEST_CASE("a lying receiver's requests and acknowledgements give error codes, not crashes",
          "[sender][peer]") {
  Harness h(3 * wt::kPieceSize);
  h.tx->on_connected(h.now);
  CHECK(h.request(3, 1) == SendError::PieceOutOfRange);
  CHECK(h.request(2, 2) == SendError::PieceOutOfRange);
  CHECK(h.request(0xfffffff0u, 15) == SendError::PieceOutOfRange);
  auto ok = frame_bytes(FrameType::PieceOk, 77, 0);
  CHECK(h.tx->on_message(ok.data(), ok.size(), 0) == SendError::PieceOutOfRange);
  auto chunk = frame_bytes(FrameType::Chunk, 0, 0, {1});
  CHECK(h.tx->on_message(chunk.data(), chunk.size(), 0) == SendError::UnexpectedFrame);
  const std::uint8_t junk[] = {1, 2, 3, 4};
  CHECK(h.tx->on_message(junk, sizeof junk, 0) == SendError::MalformedFrame);
  const std::string ack = "{\"type\":\"file-transfer-ack\",\"transferId\":\"zzz\",\"pieces\":3,\"have\":\"AA==\"}";
  auto f = frame_bytes(FrameType::ManifestAck, 0, 0, {ack.begin(), ack.end()});
  CHECK(h.tx->on_message(f.data(), f.size(), 0) == SendError::WrongTransfer);
  CHECK(h.tx->state() == wt::SenderState::Failed);
  CHECK(h.tx->on_message(ok.data(), ok.size(), 0) == SendError::Inactive);
}

TEST_CASE("a read that returns the wrong length stops the transfer: the file changed", "[sender]") {
  Harness h(2 * wt::kPieceSize);
  h.tx->on_connected(h.now);
  h.request(1, 1);
  h.run();  // (reads are served by the harness; ask again for a manual read)
  h.request(0, 1);
  const wt::ReadRequest r = h.tx->poll_read();
  REQUIRE(r.valid);
  CHECK(h.tx->complete_read(r.piece + 1, r.length, 0) == SendError::BadCall);
  CHECK(h.tx->on_read(r.piece, h.file.data(), r.length - 1, 0) == SendError::ReadFailed);
  CHECK(h.tx->state() == wt::SenderState::Failed);
  CHECK(h.tx->fatal_error() == SendError::ReadFailed);
  // The receiver is told.
  const Transmit t = h.tx->poll_transmit(0, 0);
  REQUIRE(t.kind == Transmit::Kind::Frame);
  wt::FrameView v;
  REQUIRE(wt::decode_frame(t.data, t.size, v) == wt::FrameError::Ok);
  CHECK(v.header.type == FrameType::Cancel);
}

TEST_CASE("the sender's whole-file digest covers pieces the receiver already had, by hash-only reads",
          "[sender][resume]") {
  Harness h(3 * wt::kPieceSize + 10);
  h.tx->on_connected(h.now);
  h.run();
  // The receiver holds pieces 0 and 1 (bits 0 and 1) and asks for the rest.
  const std::string have = wt::base64_encode(std::vector<std::uint8_t>{0x03}.data(), 1);
  const std::string ack = "{\"type\":\"file-transfer-ack\",\"transferId\":\"t1\",\"pieces\":4,\"have\":\"" + have + "\"}";
  auto f = frame_bytes(FrameType::ManifestAck, 0, 0, {ack.begin(), ack.end()});
  REQUIRE(h.tx->on_message(f.data(), f.size(), 0) == SendError::None);
  h.request(2, 2);
  const std::vector<Sent> s = h.run();
  CHECK(h.tx->stats().hash_only_reads == 2);
  REQUIRE(h.tx->manifest().digest_known);
  CHECK(h.tx->manifest().file_digest == wt::Sha256::of(h.file.data(), h.file.size()));
  // Announced with a second Manifest as soon as it is known.
  int manifests = 0;
  for (const Sent& x : s)
    if (x.type == FrameType::Manifest) {
      ++manifests;
      CHECK(std::equal(x.digest.begin(), x.digest.end(), h.tx->manifest().file_digest.begin()));
    }
  CHECK(manifests == 1);
}

TEST_CASE("the upload pacer lets a burst through, then holds the long-run rate to the cap",
          "[sender][cap]") {
  wt::UploadPacer p(100'000, 100);  // 100 kB/s, 10 kB of burst
  CHECK(p.ready_at(0) == 0);
  double now = 0;
  std::uint64_t sent = 0;
  while (now < 10'000) {
    now = p.ready_at(now);
    p.on_sent(now, 20'000);
    sent += 20'000;
  }
  // By time `now` (when the last send started) at most the burst, the rate's allowance and that
  // last send went out; at least the rate's allowance.
  const double allowance = 100'000 * now / 1000.0;
  CHECK(double(sent) <= 10'000 + allowance + 20'000);
  CHECK(double(sent) >= allowance);
  wt::UploadPacer off;
  CHECK_FALSE(off.capped());
  CHECK(off.ready_at(5) == 5);
}

TEST_CASE("a receiver's Pause frame says its storage is full, not that anything failed; it ends with the "
          "pause or the connection", "[sender][storage]") {
  Harness h(3 * wt::kPieceSize);
  h.tx->on_connected(h.now);
  h.run();
  REQUIRE(h.request(0, 3) == SendError::None);
  const auto pause = frame_bytes(FrameType::Pause, 0, wt::kPauseStorageFull);
  const auto go_on = frame_bytes(FrameType::Pause, 0, wt::kPauseNone);
  REQUIRE(h.tx->on_message(pause.data(), pause.size(), h.now) == SendError::None);
  CHECK(h.tx->receiver_paused());
  CHECK(h.tx->state() == wt::SenderState::Sending);
  // What was asked for is still sent: the receiver keeps it in memory until it can store it.
  std::size_t digests = 0;
  for (const Sent& s : h.run()) digests += s.type == FrameType::PieceDigest;
  CHECK(digests == 3);
  REQUIRE(h.tx->on_message(go_on.data(), go_on.size(), h.now) == SendError::None);
  CHECK_FALSE(h.tx->receiver_paused());
  h.tx->on_message(pause.data(), pause.size(), h.now);
  h.tx->on_disconnected(h.now);
  CHECK_FALSE(h.tx->receiver_paused());  // a receiver still paused says so on the next connection
  CHECK(h.tx->stats().errors == 0);
}
