#include "sync/playback_state.hpp"

#include <algorithm>
#include <limits>

namespace wt {

const char* group_state_name(GroupState s) {
  switch (s) {
    case GroupState::Idle: return "idle";
    case GroupState::Waiting: return "waiting";
    case GroupState::Paused: return "paused";
    case GroupState::Playing: return "playing";
  }
  return "idle";
}

bool parse_group_state(const std::string& name, GroupState* out) {
  for (GroupState s : {GroupState::Idle, GroupState::Waiting, GroupState::Paused, GroupState::Playing}) {
    if (name == group_state_name(s)) {
      *out = s;
      return true;
    }
  }
  return false;
}

namespace {
double clamp_media(double p, double duration_s) {
  p = std::max(0.0, p);
  return duration_s > 0 ? std::min(p, duration_s) : p;
}
}  // namespace

double PlaybackState::position_at(double shared_ms) const {
  const double dt_ms = shared_ms - anchor_shared_ms;
  switch (state) {
    case GroupState::Playing:
      return clamp_media(position_s + std::max(0.0, dt_ms) * rate / 1000.0, duration_s);
    case GroupState::Waiting:
      return clamp_media(position_s + std::min(0.0, dt_ms) * rate / 1000.0, duration_s);
    default:
      return clamp_media(position_s, duration_s);
  }
}

bool PlaybackState::moving_at(double shared_ms) const {
  if (!(rate > 0)) return false;
  switch (state) {
    case GroupState::Playing:
      return shared_ms >= anchor_shared_ms &&
             (duration_s <= 0 || position_at(shared_ms) < duration_s);
    case GroupState::Waiting:
      return shared_ms < anchor_shared_ms && position_at(shared_ms) > 0;
    default:
      return false;
  }
}

double PlaybackState::shared_time_of(double p) const {
  const double inf = std::numeric_limits<double>::infinity();
  if (!(rate > 0)) return inf;
  if (state == GroupState::Playing) {
    if (p < position_s) return -inf;  // already behind the start point
    return anchor_shared_ms + (p - position_s) * 1000.0 / rate;
  }
  if (state == GroupState::Waiting) {
    if (p > position_s) return inf;  // the group stops before reaching it
    return anchor_shared_ms - (position_s - p) * 1000.0 / rate;
  }
  return inf;
}

std::uint32_t next_playback_seq(std::uint32_t seen) {
  return seen < kMaxPlaybackSeq ? seen + 1 : kMaxPlaybackSeq;
}

bool supersedes(const PlaybackState& a, const PlaybackState& b) {
  if (a.seq != b.seq) return a.seq > b.seq;
  return a.updated_by > b.updated_by;
}

bool same_record(const PlaybackState& a, const PlaybackState& b) {
  return a.seq == b.seq && a.updated_by == b.updated_by;
}

}  // namespace wt
