// The sending side of a transfer, as a pure state machine. It never holds the file: it tells the
// glue which slice to read (one piece, 1 MiB, at a time), hashes it, and frames it.
//
// The glue:
//   - on channel open: on_connected(now); on close: on_disconnected(now);
//   - every incoming message: on_message(data, len, now);
//   - reading: r = poll_read(); if r.valid, read File.slice(r.offset, r.offset + r.length), write
//     the bytes into read_buffer() (or pass them to on_read) and call complete_read(r.piece, len,
//     now); one read at a time; a failed read: on_read_failed(piece, reason);
//   - sending: loop t = poll_transmit(now, channel.bufferedAmount):
//       Frame       channel.send(t.data[0..t.size)) and loop (the view is valid until the next call)
//       WaitBuffer  wait for 'bufferedamountlow' (set bufferedAmountLowThreshold = low_water_bytes())
//       WaitUntil   upload cap: set a timer for t.wait_until_ms
//       Idle        wait for the next event (a read completing, a message)
//     and poll again after every event.
//
// A piece goes out as one PieceDigest frame followed by its chunk frames, pieces one after another
// in the order requested: a cut connection interrupts at most one piece.
//
// Lanes: one SCTP association carries about 64 KiB per round trip whatever its buffers (measured:
// e2e/bench/figures.md, "Across a long path"), so across a long path the sender spreads pieces over
// extra peer connections, lanes 1..kMaxLanes-1, beside the main channel (lane 0). The glue feeds
// round-trip samples (on_round_trip); wanted_lanes() says how many lanes the path needs; the glue
// opens them (signaled over the main channel) and reports each with on_lane_open/on_lane_closed,
// and polls every open lane: poll_transmit(now, that channel's bufferedAmount, lane). Control
// frames go on lane 0 only; each lane carries whole pieces, the oldest read piece going to the
// first lane with room. A lane that closes gives its unfinished piece back, sent again from its
// start on the next lane with room. Lanes live inside the main connection: on_disconnected closes
// them all.
//
// The whole-file digest is a running SHA-256 over the pieces in file order. Pieces read for sending
// in order feed it for free. A piece the receiver will never ask for (it already holds it, as its
// ManifestAck and PieceOk frames say; e.g. after a resume or a seek) is read once more for hashing
// only, at low priority, into a separate buffer. When the last piece is hashed the sender announces
// the digest with a second Manifest. So a resumed transfer costs one extra local read of what the
// receiver already had, never a re-send, and an in-order transfer costs nothing extra.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "hash/sha256.hpp"
#include "transfer/transfer_layout.hpp"
#include "transfer/transfer_manifest.hpp"
#include "transfer/upload_pacer.hpp"
#include "transfer/wire_frame.hpp"

namespace wt {

struct SenderConfig {
  // Hand frames to the channel only while bufferedAmount + frame <= high water. Chrome closes a
  // channel whose buffer reaches 16 MiB; 4 MiB keeps the SCTP pipe full on fast links with room to spare.
  std::uint64_t high_water_bytes = 4ull << 20;
  std::uint64_t low_water_bytes = 1ull << 20;  // for bufferedAmountLowThreshold
  double upload_cap_bytes_per_s = 0;           // 0 = no cap
  std::uint32_t max_strikes = 32;
  // Lanes (above). Per lane: at most lane_high_water_bytes queued (a lane is for a long path, where
  // more queue adds delay, not throughput); bytes one association carries per round trip; the rate
  // to plan for when there is no upload cap; below lane_min_rtt_ms one lane is always enough.
  std::uint64_t lane_high_water_bytes = 1ull << 20;
  std::uint64_t lane_low_water_bytes = 256ull << 10;
  double lane_window_bytes = 64 * 1024;
  double lane_target_bytes_per_s = 8e6;
  double lane_min_rtt_ms = 15;
  std::uint32_t max_lanes = 4;  // at most kMaxLanes
};

// The main channel and the extra connections beside it (see the top of this file).
constexpr std::uint32_t kMaxLanes = 4;

enum class SendError : std::uint8_t {
  None = 0,
  MalformedFrame,    // the message does not decode
  UnexpectedFrame,   // a frame a sender never expects (Chunk, PieceDigest, Manifest)
  PieceOutOfRange,   // Request/PieceOk/PieceBad beyond the last piece
  BadManifestAck,    // ManifestAck that does not parse
  // Fatal:
  WrongTransfer,     // ManifestAck for another transfer
  PeerCancelled,     // the receiver sent Cancel
  ReadFailed,        // the File could not be read, or a read returned the wrong length
  TooManyErrors,
  // Misuse by the glue (never fatal):
  BadCall,           // complete_read/on_read for a read that was not asked for
  Inactive,          // input after the transfer completed or failed
};

const char* send_error_name(SendError e);

struct ReadRequest {
  bool valid = false;
  std::uint32_t piece = 0;
  std::uint64_t offset = 0;
  std::uint32_t length = 0;
  bool hash_only = false;  // read only to complete the whole-file digest
};

struct Transmit {
  enum class Kind : std::uint8_t { Idle = 0, Frame, WaitBuffer, WaitUntil };
  Kind kind = Kind::Idle;
  const std::uint8_t* data = nullptr;
  std::size_t size = 0;
  double wait_until_ms = 0;
};

enum class SenderState : std::uint8_t { Disconnected = 0, Sending = 1, Complete = 2, Failed = 3 };

struct SenderStats {
  std::uint64_t bytes_sent = 0;      // frame bytes handed to the channel
  std::uint32_t pieces_sent = 0;     // pieces whose every frame was handed over
  std::uint32_t pieces_started = 0;  // PieceDigest frames sent
  std::uint32_t pieces_resent = 0;   // PieceDigest frames for a piece already started before
  std::uint32_t pieces_acked = 0;    // distinct PieceOk
  std::uint32_t pieces_bad = 0;      // PieceBad received
  std::uint32_t hash_only_reads = 0;
  std::uint32_t urgent_requests = 0;  // UrgentRequest frames honoured
  std::uint32_t errors = 0;
  std::uint32_t lane_pieces_started = 0;  // PieceDigest frames sent on lanes 1..
  std::uint32_t lane_pieces_returned = 0;  // pieces a closing lane gave back unfinished
  std::uint64_t lane_bytes_sent = 0;      // of bytes_sent, on lanes 1..
};

class PieceSender {
 public:
  explicit PieceSender(const TransferManifest& manifest, const SenderConfig& config = {});

  void on_connected(double now_ms);
  void on_disconnected(double now_ms);
  // Lanes 1..kMaxLanes-1 (lane 0 is the main channel: on_connected/on_disconnected). Ignored while
  // the main channel is down or for a lane out of range.
  void on_lane_open(std::uint32_t lane, double now_ms);
  void on_lane_closed(std::uint32_t lane, double now_ms);
  // A round-trip sample of the path (ms); the smallest one counts (queues only ever add to it).
  void on_round_trip(double rtt_ms, double now_ms);
  // How many lanes (the main channel included) the path needs: 1 until a round trip is known, and
  // once nothing is left to send.
  std::uint32_t wanted_lanes() const;
  double min_round_trip_ms() const { return min_rtt_ms_; }
  std::uint32_t open_lanes() const;  // the main channel included; 0 when disconnected
  SendError on_message(const std::uint8_t* data, std::size_t len, double now_ms);
  SendError on_frame(const FrameView& frame, double now_ms);

  ReadRequest poll_read();
  // Where the bytes of the outstanding read go (piece length bytes); null when none is outstanding.
  std::uint8_t* read_buffer();
  SendError complete_read(std::uint32_t piece, std::size_t len, double now_ms);
  SendError on_read(std::uint32_t piece, const std::uint8_t* data, std::size_t len, double now_ms);
  void on_read_failed(std::uint32_t piece, const std::string& reason);

  // For lane 0 (the main channel) or an open lane; buffered_amount is that channel's.
  Transmit poll_transmit(double now_ms, std::uint64_t buffered_amount, std::uint32_t lane = 0);
  void set_upload_cap(double bytes_per_s, double now_ms);
  void cancel(const std::string& reason);

  SenderState state() const;
  SendError fatal_error() const { return fatal_; }
  const std::string& error_text() const { return error_text_; }
  // file_digest/digest_known are filled in once the whole file has been hashed.
  const TransferManifest& manifest() const { return manifest_; }
  const TransferLayout& layout() const { return layout_; }
  const SenderStats& stats() const { return stats_; }
  // Per lane. Once the path is known to want lanes, the main channel is one lane among them from
  // then on (a deeper queue on it would only hold pieces the lanes could be sending once they
  // open). The glue sets each channel's bufferedAmountLowThreshold to low_water_bytes(lane) before
  // every poll.
  std::uint64_t high_water_bytes(std::uint32_t lane = 0) const {
    return lane == 0 && !lane_sized() ? high_water_ : lane_high_water_;
  }
  std::uint64_t low_water_bytes(std::uint32_t lane = 0) const {
    return lane == 0 && !lane_sized() ? low_water_ : lane_low_water_;
  }
  std::uint32_t queued_pieces() const { return std::uint32_t(queue_.size()); }
  bool receiver_has(std::uint32_t piece) const;
  // Bytes the receiver holds verified, as its ManifestAck and PieceOk frames said (for progress).
  std::uint64_t receiver_bytes() const;
  // The receiver paused because its storage is full (a Pause frame on this connection): nothing
  // is wrong here; it asks for more once it has room.
  bool receiver_paused() const { return receiver_paused_; }

 private:
  struct Slot {
    enum class State : std::uint8_t { Free, Reading, Ready, Sending };
    State state = State::Free;
    std::uint32_t piece = 0;
    std::uint64_t seq = 0;    // order of reading = order of sending
    std::uint32_t next = 0;   // 0: the PieceDigest goes next; k > 0: chunk k - 1
    std::uint32_t lane = 0;   // Sending: the lane it goes out on
    Sha256Digest digest{};
    std::vector<std::uint8_t> data;
  };
  struct PendingRead {
    bool outstanding = false;
    Slot* slot = nullptr;
    std::uint32_t piece = 0;
    bool stale = false;  // the connection it was for is gone
  };

  bool lane_sized() const { return open_lanes() > 1 || wanted_lanes() > 1; }
  Slot* sending_slot(std::uint32_t lane);
  Slot* oldest_ready();
  std::uint32_t busy_slots() const;
  bool in_send_slot(std::uint32_t piece) const;
  void advance_file_hash();
  SendError peer_error(SendError e, const std::string& text);
  void fail(SendError e, const std::string& text);
  void queue_control(FrameType type, const std::string& payload);

  TransferManifest manifest_;
  TransferLayout layout_;
  std::uint64_t high_water_;
  std::uint64_t low_water_;
  std::uint64_t lane_high_water_;
  std::uint64_t lane_low_water_;
  std::uint32_t max_strikes_;
  SenderConfig config_;
  bool lane_open_[kMaxLanes] = {};  // [0] unused: the main channel is connected_
  double min_rtt_ms_ = -1;          // < 0: no sample yet
  UploadPacer pacer_;
  bool connected_ = false;
  bool receiver_paused_ = false;
  enum class Phase : std::uint8_t { Active, Complete, Failed };
  Phase phase_ = Phase::Active;
  SendError fatal_ = SendError::None;
  std::string error_text_;
  std::uint32_t strikes_ = 0;

  std::deque<std::uint32_t> queue_;       // requested, not yet read
  std::vector<std::uint8_t> queued_;      // 1 while requested and not yet started
  std::vector<std::uint8_t> started_;     // sends started per piece (saturating), for stats
  std::vector<std::uint8_t> receiver_has_;  // bitfield: pieces the receiver holds
  Slot send_slots_[kMaxLanes + 1];  // one per open lane, and one read ahead
  Slot hash_slot_;
  PendingRead read_;
  std::uint64_t next_seq_ = 0;
  std::deque<std::vector<std::uint8_t>> control_;  // Manifest, Cancel: sent before piece data
  std::vector<std::uint8_t> out_;

  Sha256 file_hash_;
  std::uint32_t hashed_pieces_ = 0;
  SenderStats stats_;
};

}  // namespace wt
