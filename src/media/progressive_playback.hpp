// Watching while the file arrives: the receiver's playback policy, pure like the rest of the core.
// Time is passed in; the glue feeds it what happened and carries out what it says.
//
//   In:  on_piece_held(piece)      a piece was verified (playable from memory while it is stored)
//        on_bytes_arrived(n)       n bytes of the file came off the wire (not verified yet): the
//                                  download rate, measured by the chunk rather than the piece
//        on_piece_stored(piece)    ... and is now stored; restore_held(piece) for every piece
//                                  restored from the ledger after a reload
//        feed_container(...)       bytes the container walk asked for (wanted()), from held pieces
//        add_index_point(...)      a demuxer's points (the walk finds its own: MP4/MOV sample
//                                  tables, fragments, clusters, cues, TS estimates), then
//        set_index_complete(), set_duration(...)
//        request_range(...)        the demuxer waits for bytes that have not arrived (clear_request)
//        set_playable(bool)        whether this browser can play the file progressively (MSE and
//                                  the codecs); false: it plays only once it has fully arrived.
//                                  Until it is called, play does not unlock (but for "complete"):
//                                  pieces may outrun the glue's codec checks
//        set_position(now, pos)    the playhead (or where a seek is going)
//        on_timeout(now)           at next_deadline()
//   Out: fetch_plan()              what the transfer must fetch first (the receiver's scheduler)
//        horizon_s()               how far playback can run from the playhead over verified pieces
//                                  (the sync core's set_local_horizon)
//        status(now)               locked/unlocked and why, stall notice, a line for people
//
// Rules
//   - Index first: an MP4/MOV whose moov sits after its mdat cannot play a frame until the moov has
//     arrived, so its pieces are fetched before anything else; a WebM/Matroska's Cues (found through
//     its SeekHead) likewise, since seeking needs them, and an MPEG-TS's tail (its duration, from
//     which its points are estimated).
//   - Then a demand read: the bytes a demuxer (the remux worker) is waiting for, until they are held.
//   - Play unlocks (once, then stays unlocked; the sync core pauses the group if the download falls
//     behind) when the index is in and enough is playable ahead of the playhead (or to the end):
//     the margin the sync core resumes with at the download's measured gain (DownloadMargins:
//     12 s; 5 s at 1.5x playback, 2 s at 3x, since the gap then only grows), and either
//       * "fraction": unlock_fraction of the file (the spec's 25%) is verified, or
//       * "adaptive": the download rate measured over the last rate_window_ms (the bytes coming off
//         the wire, trusted after min_arrival_span_ms; where the glue reports none, the pieces
//         held, trusted after min_rate_span_ms and min_rate_pieces), derated by
//         rate_safety, shows that playing on at 1x from the playhead will not catch up with the
//         download before its end (linear model: the download frontier advances rate/bitrate media
//         seconds per second), with that margin to spare; or
//       * "complete": the whole file is here (the only rule for a file that cannot play progressively).
//   - Priority: a playhead beyond the contiguous data (a seek ahead, a late join) makes the
//     transfer fetch from that point's keyframe, then sequentially on, then fill the gaps; a
//     playhead inside held data changes nothing (the scheduler goes on from where it was).
//   - Stall notice: while incomplete, no verified piece for stall_notice_ms says "Waiting for
//     download…" (the spec's 0 B/s for more than 10 s). Pausing and resuming the group is the sync
//     core's, with its 4 s / 12 s margins.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "media/container_walk.hpp"
#include "media/media_index.hpp"
#include "sync/download_margins.hpp"
#include "transfer/transfer_layout.hpp"

namespace wt {

struct ProgressiveConfig {
  double unlock_fraction = 0.25;   // the spec's rule; 1 (or more) turns it off
  bool adaptive = true;            // the earlier rule
  DownloadMargins margins;         // playable media ahead at unlock: margins.resume(gain)
  double rate_window_ms = 8000;    // the download rate is measured over this long ...
  double min_rate_span_ms = 1000;  // ... and trusted only after this much of it
  std::uint32_t min_rate_pieces = 2;  // ... in which at least this many pieces arrived
  double min_arrival_span_ms = 500;   // measured by the bytes arriving: trusted after this long
  double rate_safety = 0.8;        // the rate the adaptive rule counts on, of the measured one
  double stall_notice_ms = 10000;
  double feed_ahead_s = 30;        // the player is fed this far ahead of the playhead
  // Pieces in flight: about fetch_lead_s of the measured rate, plus 2 (one arriving, one being
  // stored), within [min_window, max_window]; min_window until the rate is known; max_window for a
  // file that cannot play while it arrives. A seek's pieces jump the sender's queue, but they need
  // room in the transfer's window (max_window) beside what is in flight.
  double fetch_lead_s = 1.5;
  std::uint32_t min_window = 4;
  std::uint32_t max_window = 24;
};

enum class UnlockRule : std::uint8_t { None = 0, Fraction = 1, Adaptive = 2, Complete = 3 };
const char* unlock_rule_name(UnlockRule r);

struct FetchPlan {
  PieceRange urgent;          // fetch these first (the index, else a demand read); count 0: none
  std::uint64_t from_byte = 0;  // then sequentially from here
  std::uint32_t window_pieces = 0;  // pieces in flight at most
  std::uint32_t generation = 0;  // changes whenever the plan does
};

struct ProgressiveStatus {
  bool unlocked = false;
  UnlockRule rule = UnlockRule::None;
  double unlocked_at_fraction = 0;  // the downloaded fraction when play unlocked
  double fraction = 0;              // held (verified) now, 0..1: what the unlock rule counts
  double stored_fraction = 0;       // stored now, 0..1: what the line shows, as the transfer's does
  double horizon_s = 0;             // from the playhead
  // What this viewer tells the sync core it can play: the horizon once unlocked; before that the
  // playhead itself (nothing ahead), so that a play by another viewer waits for this one.
  double sync_horizon_s = 0;
  double ahead_s = 0;               // horizon - playhead
  double rate_bps = 0;              // measured download rate, bytes/s (0: not known yet)
  double gain = 0;                  // media seconds gained per second (derated rate / bitrate; 0: unknown)
  bool index_needed = false;        // waiting for the index before anything can play
  bool stalled = false;             // no data for stall_notice_ms
  double stalled_for_ms = 0;
  bool playable = true;             // false: only once complete
  std::string text;                 // for people
};

class ProgressivePlayback {
 public:
  explicit ProgressivePlayback(std::uint64_t file_size, const ProgressiveConfig& config = {});

  void on_piece_held(std::uint32_t piece, double now_ms);
  // The piece's storage committed (held first if it was not: a piece verified before the player
  // existed). The line's percent counts stored pieces, as the transfer's own line does; the horizon
  // and the unlock rule count held ones, which playback can already use.
  void on_piece_stored(std::uint32_t piece, double now_ms);
  // A piece held before this session (restored from the ledger, so stored): no progress, no rate.
  void restore_held(std::uint32_t piece);
  void on_piece_lost(std::uint32_t piece);  // a stored piece was found damaged and is fetched again
  // Bytes of the file that came off the wire (a chunk's payload), verified or not: from the first
  // call on, the download rate counts these (a 64 KiB step) instead of the pieces held (1 MiB).
  void on_bytes_arrived(std::uint64_t bytes, double now_ms);

  const ContainerWalk& walk() const { return walk_; }
  ByteRange container_wanted() const { return walk_.wanted(); }
  bool feed_container(std::uint64_t offset, const std::uint8_t* data, std::size_t len, double now_ms);

  void add_index_point(double time_s, std::uint64_t offset, bool keyframe = true) { index_.add(time_s, offset, keyframe); }
  // A demuxer's read of bytes not held yet: its missing pieces become urgent (after the index) until
  // they are all held, then the request is dropped. One at a time: a new one replaces the last.
  void request_range(std::uint64_t offset, std::uint64_t length, double now_ms);
  void clear_request(double now_ms);
  ByteRange request() const { return request_; }
  void set_index_complete(double now_ms);
  void set_duration(double duration_s);
  void set_playable(bool playable, double now_ms);
  void set_position(double now_ms, double position_s);
  void on_timeout(double now_ms);
  double next_deadline() const;  // +infinity when no timer is needed

  const FetchPlan& fetch_plan() const { return plan_; }
  double horizon_s() const;
  double position_s() const { return position_s_; }
  double duration_s() const;
  std::uint64_t offset_for(double time_s) const { return index_.offset_for(time_s); }
  double feed_ahead_s() const { return config_.feed_ahead_s; }
  bool index_ready() const;
  bool complete() const { return held_count_ == layout_.piece_count(); }
  bool piece_held(std::uint32_t piece) const { return piece < held_.size() && held_[piece]; }
  bool piece_stored(std::uint32_t piece) const { return piece < held_.size() && (held_[piece] & kStored); }
  // Bytes held contiguously from `offset` (0 when that byte is not held).
  std::uint64_t contiguous_from(std::uint64_t offset) const;
  bool range_held(std::uint64_t offset, std::uint64_t length) const;
  const MediaIndex& index() const { return index_; }
  ProgressiveStatus status(double now_ms) const;

 private:
  void evaluate(double now_ms);
  void update_plan(double now_ms);
  void record_rate(double now_ms);
  void trim_rate_window(double now_ms);
  std::size_t rate_samples_needed() const;  // before the rate counts ...
  double rate_span_needed_ms() const;       // ... and the span they must cover
  double rate_bps(double now_ms) const;
  bool will_not_catch_up(double now_ms, double ahead_s) const;
  PieceRange missing_pieces(ByteRange r) const;
  double gain(double now_ms) const;
  double min_ahead(double now_ms) const;
  std::uint64_t bytes_held() const;
  std::uint64_t bytes_stored() const;
  static constexpr std::uint8_t kHeld = 1, kStored = 2;

  ProgressiveConfig config_;
  TransferLayout layout_;
  std::vector<std::uint8_t> held_;  // per piece: kHeld, kHeld | kStored, or 0
  std::uint32_t held_count_ = 0;
  std::uint32_t stored_count_ = 0;
  ContainerWalk walk_;
  MediaIndex index_;
  std::size_t walk_points_taken_ = 0;
  bool index_complete_ = false;
  double duration_s_ = 0;
  bool playable_ = true;
  bool playability_known_ = false;  // set_playable was called: play never unlocks before
  double position_s_ = 0;
  bool unlocked_ = false;
  UnlockRule rule_ = UnlockRule::None;
  double unlocked_at_fraction_ = 0;
  FetchPlan plan_;
  bool urgent_is_index_ = false;
  ByteRange request_;
  // (now, bytes held), or (now, bytes arrived) once the glue reports arrivals: at most one sample
  // per kMinSampleGapMs then.
  std::deque<std::pair<double, std::uint64_t>> rate_samples_;
  bool arrivals_reported_ = false;
  std::uint64_t bytes_arrived_ = 0;
  static constexpr double kMinSampleGapMs = 50;
  double last_progress_ms_ = -1;  // when a piece last arrived (-1: before the first input)
  double now_ms_ = 0;
};

}  // namespace wt
