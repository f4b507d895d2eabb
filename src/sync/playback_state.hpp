// The shared playback record, /watch-playback/{sessionId}, and the per-viewer download report,
// /watch-playback/{sessionId}/viewers/{userId}.
//
// Field names in the database (the glue maps them one to one; * = the spec's own fields):
//   seq          PlaybackState::seq             number; order of records, ties broken by updatedBy
//   state        PlaybackState::state           "idle" | "waiting" | "paused" | "playing"
//   currentTime* PlaybackState::position_s      media seconds at anchorAt
//   anchorAt     PlaybackState::anchor_shared_ms  shared-clock (server) ms at which currentTime holds;
//                                               for "playing" the start instant (may be in the
//                                               future), for "waiting" the instant the group stops
//   rate         PlaybackState::rate            group playback rate (1)
//   duration*    PlaybackState::duration_s      media seconds (0 if unknown)
//   lastUpdateBy* PlaybackState::updated_by     user id of the writer
//   waitingFor   PlaybackState::waiting_for     user id whose download the group waits for, or ""
//   isPlaying*   is_playing()                   state == "playing"
//   lastUpdateAt* serverTimestamp() written by the glue; informational, the core does not need it
// viewers/{userId}: name, horizon, fraction, rtt, at (ViewerReport below).
//
// Writes must keep the highest (seq, updatedBy): write the record with a transaction that aborts
// when the stored record supersedes the new one (or an equivalent rules check), and write the
// record's fields with update() so that viewers/ is kept. Every viewer adopts only records that
// supersede the one it holds, so all converge on the same winner.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

namespace wt {

enum class GroupState : std::uint8_t { Idle = 0, Waiting = 1, Paused = 2, Playing = 3 };

// A record's seq lies in [0, kMaxPlaybackSeq] (2^31 - 1), the bound the database rules enforce
// and sync/playback_record.hpp checks on every record read.
constexpr std::uint32_t kMaxPlaybackSeq = 2147483647;
// The seq of a record written after one with seq `seen`: seen + 1, saturating at kMaxPlaybackSeq,
// so it never wraps to 0. At the bound a new record ties on seq and wins only by its writer id
// (supersedes): the group can still move, but only the writer with the greatest id can move it.
// Reaching it takes 2^31 writes (the rules let a seq grow by at most 1000 a write), so in practice
// only a participant who forges records gets there, and it costs the others nothing worse than that.
std::uint32_t next_playback_seq(std::uint32_t seen);

const char* group_state_name(GroupState s);  // "idle", "waiting", "paused", "playing"
// Parses a name from the database; unknown names give false (and leave *out alone).
bool parse_group_state(const std::string& name, GroupState* out);

struct PlaybackState {
  std::uint32_t seq = 0;  // 0: no record yet
  GroupState state = GroupState::Idle;
  double position_s = 0;
  double anchor_shared_ms = 0;
  double rate = 1.0;
  double duration_s = 0;
  std::string updated_by;
  std::string waiting_for;

  bool is_playing() const { return state == GroupState::Playing; }
  // Where the group is in the media at a shared-clock instant:
  //   playing: holds position_s until the anchor, then moves at rate;
  //   waiting: moves until the anchor (a scheduled stop), then holds position_s;
  //   paused, idle: position_s.
  // Clamped to [0, duration_s] when the duration is known.
  double position_at(double shared_ms) const;
  // Whether the group's position is advancing at that instant.
  bool moving_at(double shared_ms) const;
  // The shared instant at which the group reaches media position p (for a playing or waiting group
  // moving towards it); +infinity if it never does.
  double shared_time_of(double p) const;
};

// a wins over b: higher seq, ties broken by the writer id (then by content, so that two different
// records never compare equal unless they are the same record).
bool supersedes(const PlaybackState& a, const PlaybackState& b);
bool same_record(const PlaybackState& a, const PlaybackState& b);

// What each viewer publishes about its download, at most every 250 ms and only on meaningful change.
struct ViewerReport {
  std::string user_id;
  std::string display_name;
  double horizon_s = 0;     // "horizon": media seconds playable without a stall, from the group position
  double fraction = 0;      // "fraction": 0..1 of the file held (for the UI)
  double rtt_ms = 0;        // "rtt": round trip to the database, for scheduling margins
  double at_shared_ms = 0;  // "at": shared-clock time of the measurement (for staleness)
  // "pic": where this viewer's picture settled against the group's timeline (ms, + ahead), measured
  // by presented frames; NaN when it has none to say (not measured by frames, or correcting).
  double picture_ms = std::numeric_limits<double>::quiet_NaN();
  // "step": how far its picture moves at a time (ms: a whole frame where the browser keeps its frame
  // cadence, a screen refresh where it does not); 0 while unknown.
  double picture_step_ms = 0;
  bool has_picture() const { return std::isfinite(picture_ms); }

  bool complete() const { return fraction >= 1.0; }
};

}  // namespace wt
