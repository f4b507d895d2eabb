// What the receiver asks for next. Pieces are requested sequentially from a playhead (wrapping to
// the start once the end is reached), with a small window of outstanding pieces, so playback can
// start early and a seek moves the order. Failed pieces are asked for again before anything new.
//
// Outstanding = requested and not yet verified, plus verified and still being stored. The window
// bounds memory (the receiver holds one piece buffer per outstanding piece) and what a broken
// connection can waste. The sender sends pieces one after another, so a cut loses at most the one
// piece that was arriving; pieces behind it were not sent yet or are still in the sender's buffer.
//
// Time is passed in. A stall (requests outstanding, nothing arriving for stall_timeout_ms) asks
// again for every requested piece; a sender that still has them queued ignores the duplicates.
#pragma once

#include <cstdint>
#include <deque>
#include <limits>
#include <vector>

#include "transfer/transfer_layout.hpp"

namespace wt {

struct SchedulerConfig {
  // Pieces requested and not yet stored, at most: in flight, being verified, or waiting for their
  // storage transaction (the browser glue commits 4 pieces per IndexedDB transaction). Well above
  // one bandwidth-delay product on WebRTC and above the store batch, or every commit would drain
  // the pipe; 24 MiB of memory at most.
  std::uint32_t window_pieces = 24;
  double stall_timeout_ms = 15000;
};

class RequestScheduler {
 public:
  enum class PieceState : std::uint8_t {
    Missing = 0,
    Requested = 1,  // asked for, not yet verified
    Arrived = 2,    // verified, being stored: still occupies the window
    Held = 3,       // verified and stored
  };

  explicit RequestScheduler(std::uint32_t piece_count = 0, const SchedulerConfig& config = {});

  // Returns the next run of consecutive pieces to ask for now, or count 0 when the window is full
  // or nothing is left. Pieces in a run are Requested afterwards; a run may repeat pieces that were
  // already Requested (a re-request after a failure or a stall). *urgent (if given) says whether
  // the run should go before what the sender has queued: the prioritized range, and the first
  // window of pieces from a new playhead (a seek); those may fill the configured window even when
  // a smaller one is set.
  PieceRange next_request(double now_ms, bool* urgent = nullptr);

  void mark_held(std::uint32_t piece);     // verified and stored (or restored from the ledger)
  void mark_missing(std::uint32_t piece);  // a held piece was found damaged: fetch it again
  void on_arrived(std::uint32_t piece);    // verified, now being stored
  // The piece failed verification or broke the protocol: it stays outstanding and is asked for
  // again ahead of everything else.
  void on_failed(std::uint32_t piece);
  void on_activity(double now_ms);  // data for an outstanding piece arrived
  // The connection is gone: Requested pieces become Missing (asked for again after reconnecting,
  // in playhead order); Arrived pieces keep being stored.
  void on_disconnected();
  // Re-requests every Requested piece if nothing arrived for stall_timeout_ms; returns how many.
  std::uint32_t on_timeout(double now_ms);
  double next_deadline() const;  // +infinity when nothing is requested

  // The next new requests start here (clamped to the last piece); if the playhead moved, the
  // missing pieces of the window from there are urgent.
  void seek(std::uint32_t piece);
  // These pieces go before the playhead order (a container index at the end of the file); count 0
  // clears. Served within the window like any request, until none of them is missing.
  void prioritize(PieceRange urgent);
  PieceRange urgent() const { return urgent_; }
  std::uint32_t playhead() const { return playhead_; }

  PieceState state(std::uint32_t piece) const;
  std::uint32_t piece_count() const { return count_; }
  std::uint32_t window() const { return window_; }
  // Fewer pieces in flight (at most the configured window, at least 1): what is outstanding is what
  // a seek has to wait for, so a slow download keeps it short. Pieces already requested stay so.
  void set_window(std::uint32_t pieces);
  std::uint32_t outstanding() const { return requested_ + arrived_; }
  std::uint32_t requested_count() const { return requested_; }
  std::uint32_t held_count() const { return held_; }
  std::vector<std::uint32_t> requested_pieces() const;  // ascending

 private:
  void set_state(std::uint32_t piece, PieceState s);
  std::uint32_t order_to_piece(std::uint32_t pos) const;
  PieceRange urgent_run(PieceRange range, double now_ms);

  std::uint32_t count_;
  std::uint32_t max_window_;
  std::uint32_t window_;
  double stall_timeout_ms_;
  std::vector<PieceState> states_;
  std::deque<std::uint32_t> again_;  // re-requests, served first
  PieceRange urgent_;
  PieceRange boost_;  // after a seek: served urgently once
  std::uint32_t playhead_ = 0;
  std::uint32_t cursor_ = 0;  // position in playhead order before which nothing is Missing
  std::uint32_t requested_ = 0;
  std::uint32_t arrived_ = 0;
  std::uint32_t held_ = 0;
  double last_activity_ms_ = 0;
};

}  // namespace wt
