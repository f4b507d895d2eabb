// Fuzz target: a whole transfer against a hostile peer and a faulty world. The virtual-time pair of
// the Catch2 tests (tests/transfer/transfer_pair.hpp: an honest PieceSender and a PieceReceiver on
// a simulated channel, with the glue's storage and file reads) is driven by the input, a list of
// operations: let time pass, cut the channel, reload either page, fill or free the disk, damage a
// stored piece, open and close lanes (extra connections), and inject messages of the fuzzer's own
// into either side (raw bytes, or a frame with a valid header and any payload, as a lying peer
// would send; into the receiver on the main channel or on a lane).
//
// The receiver knows the whole file's SHA-256 (the session record carries it), so:
//   - it never reports the file done unless every piece is stored and is the file's, byte for byte
//     (but for a piece the disk damaged after it was verified: Save checks those);
//   - it never counts more verified bytes than the file has;
//   - afterwards, with the hostile sender gone and the world healed (disk room, a connection), an
//     honest run either ends with the file byte-identical or with a fatal error the receiver
//     reported; it never stalls forever with neither (unless the transfer had already ended: then
//     the sender serves it no more, as in the app, where a finished download is not resumed).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <vector>

#include "../transfer/transfer_pair.hpp"
#include "fuzz_check.hpp"

using wt_fuzz::Input;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool trace = std::getenv("WT_FUZZ_TRACE") != nullptr;  // replaying one input by hand
  Input in{data, size};
  // Mostly one piece (two chunks, the second short), a quarter of the runs two pieces: every byte
  // is hashed three times a run (the record's digest, the sender's, the receiver's), so size is speed.
  static const std::vector<std::uint8_t> small = wt_test::random_bytes(70'000, 7);
  static const std::vector<std::uint8_t> large = wt_test::random_bytes(wt::kPieceSize + 70'000, 7);
  const std::vector<std::uint8_t>& file = (in.byte() % 4 == 1) ? large : small;
  const std::size_t file_size = file.size();
  wt_test::PairOptions opt;
  opt.digest_in_manifest = true;
  wt_test::TransferPair pair(file, opt);
  FUZZ_CHECK(pair.manifest_decoded());
  const std::uint32_t pieces = pair.rx->layout().piece_count();

  bool connected = false;
  bool done_checked = false;  // Done is checked when it is reported (a piece damaged later is the disk's doing)
  bool ever_done = false;
  std::set<std::uint32_t> damaged;  // pieces the "disk" damaged after they were stored
  // Frames injected into the sender speak for the receiver (a Cancel, say, which only the receiver
  // itself could send): the sender must survive them, but the liveness check then means nothing.
  bool lied_to_sender = false;     // a transfer that ended is over: the sender stops serving it (as the app's does)
  const auto check = [&] {
    FUZZ_CHECK(pair.rx->bytes_verified() <= file_size);
    if (pair.done && !done_checked) {
      // Every piece stored, and each is the file's, unless the disk damaged it after it was
      // verified (the whole-file digest is computed as pieces are verified; a later read, such as
      // Save, checks each stored piece against its digest).
      const wt::TransferLayout& l = pair.rx->layout();
      for (std::uint32_t p = 0; p < pieces; ++p) {
        FUZZ_CHECK(pair.stored.count(p) == 1);
        const std::vector<std::uint8_t>& got = pair.stored.at(p);
        const bool same = got.size() == l.piece_length(p) &&
                          std::memcmp(got.data(), file.data() + l.piece_offset(p), got.size()) == 0;
        FUZZ_CHECK(same || damaged.count(p) == 1);
      }
      done_checked = ever_done = true;
    }
  };
  for (int ops = 0; in.left && ops < 64; ++ops) {
    const int op = in.byte() % 13;
    if (trace) std::fprintf(stderr, "op %d at %.0f ms: state %d, verified %llu, stored %zu\n", op, pair.now,
                            int(pair.rx->state()), (unsigned long long)pair.rx->bytes_verified(), pair.stored.size());
    switch (op) {
      case 0: {  // let events happen
        const int steps = 1 + in.byte();
        for (int i = 0; i < steps && pair.step_event(); ++i) check();
        break;
      }
      case 1: pair.advance_by(in.u16() * 4.0); break;  // up to ~4 min: timers, stalls, retries
      case 2:
        if (!connected) pair.connect();
        else pair.cut();
        connected = !connected;
        break;
      case 3:  // the receiver's page reloads (the channel goes with it)
        if (connected) pair.cut();
        connected = false;
        pair.reload_receiver();
        pair.done = pair.failed = done_checked = false;  // a new receiver, which reports afresh
        break;
      case 4:
        if (connected) pair.cut();
        connected = false;
        pair.reload_sender();
        break;
      case 5: pair.set_disk_pieces(in.byte() % (pieces + 1)); break;
      case 6: {
        const std::uint32_t piece = in.byte() % pieces;
        if (pair.stored.count(piece)) {
          pair.damage_stored(piece);
          damaged.insert(piece);
        }
        break;
      }
      case 7: pair.inject_to_receiver(in.bytes(in.u16() % 2048)); break;
      case 8:
        pair.inject_to_sender(in.bytes(in.u16() % 2048));
        lied_to_sender = true;
        break;
      case 9:
      case 10: {  // a frame with a header the decoder accepts, from a lying sender (9) or receiver (10)
        const bool to_receiver = op == 9;
        const auto type = wt::FrameType(in.byte() % 16);
        const std::uint32_t index = in.byte() % (pieces + 2);
        const std::uint32_t sub = in.byte() % 20;
        std::vector<std::uint8_t> digest = in.bytes(32);
        digest.resize(32);
        const std::vector<std::uint8_t> payload = in.bytes(in.u16() % 70'000);
        const std::vector<std::uint8_t> frame = wt_test::frame_bytes(type, index, sub, payload, digest.data());
        if (frame.empty()) break;
        if (to_receiver) pair.inject_to_receiver(frame, in.byte() % wt::kMaxLanes);
        else pair.inject_to_sender(frame);
        lied_to_sender = lied_to_sender || !to_receiver;
        break;
      }
      case 11: pair.open_lane(1 + in.byte() % (wt::kMaxLanes - 1)); break;
      case 12: pair.close_lane(1 + in.byte() % (wt::kMaxLanes - 1)); break;
    }
    check();
  }

  // The hostile peer is gone; the disk has room and the channel comes back. (A transfer that ended
  // is over: its sender serves it no more.)
  if (ever_done || lied_to_sender) return 0;
  pair.set_disk_pieces(pieces);
  if (!connected) pair.connect();
  pair.run_to_end(50'000);
  if (trace) {
    std::fprintf(stderr, "end at %.0f ms: state %d, done %d, failed %d, verified %llu, stored %zu, errors:", pair.now,
                 int(pair.rx->state()), pair.done, pair.failed, (unsigned long long)pair.rx->bytes_verified(), pair.stored.size());
    for (std::size_t i = 0; i < pair.receiver_errors.size() && i < 40; ++i) std::fprintf(stderr, " %s", wt::receive_error_name(pair.receiver_errors[i]));
    std::fprintf(stderr, "\n");
  }
  check();
  FUZZ_CHECK(pair.done || pair.failed);
  return 0;
}
