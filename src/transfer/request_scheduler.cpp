#include "transfer/request_scheduler.hpp"

#include <algorithm>

namespace wt {

RequestScheduler::RequestScheduler(std::uint32_t piece_count, const SchedulerConfig& config)
    : count_(piece_count),
      max_window_(std::max<std::uint32_t>(1, config.window_pieces)),
      window_(max_window_),
      stall_timeout_ms_(config.stall_timeout_ms > 0 ? config.stall_timeout_ms : 15000),
      states_(piece_count, PieceState::Missing) {}

RequestScheduler::PieceState RequestScheduler::state(std::uint32_t piece) const {
  return piece < count_ ? states_[piece] : PieceState::Held;
}

void RequestScheduler::set_state(std::uint32_t piece, PieceState s) {
  PieceState& cur = states_[piece];
  if (cur == s) return;
  if (cur == PieceState::Requested) --requested_;
  if (cur == PieceState::Arrived) --arrived_;
  if (cur == PieceState::Held) --held_;
  if (s == PieceState::Requested) ++requested_;
  if (s == PieceState::Arrived) ++arrived_;
  if (s == PieceState::Held) ++held_;
  if (s == PieceState::Missing) cursor_ = 0;  // something before the cursor may be missing now
  cur = s;
}

std::uint32_t RequestScheduler::order_to_piece(std::uint32_t pos) const {
  const std::uint64_t p = std::uint64_t(playhead_) + pos;
  return std::uint32_t(p < count_ ? p : p - count_);
}

// The first run of missing pieces in `range`, within the configured window; count 0: none.
PieceRange RequestScheduler::urgent_run(PieceRange range, double now_ms) {
  if (outstanding() >= max_window_) return {};
  const std::uint32_t room = max_window_ - outstanding();
  for (std::uint32_t p = range.first; p < range.first + range.count; ++p) {
    if (states_[p] != PieceState::Missing) continue;
    if (requested_ == 0) last_activity_ms_ = now_ms;
    std::uint32_t n = 0;
    while (n < room && p + n < range.first + range.count && states_[p + n] == PieceState::Missing) {
      set_state(p + n, PieceState::Requested);
      ++n;
    }
    return {p, n};
  }
  return {};
}

PieceRange RequestScheduler::next_request(double now_ms, bool* urgent) {
  if (urgent) *urgent = false;
  // Re-requests first: they are already outstanding, so they need no room in the window.
  while (!again_.empty()) {
    const std::uint32_t p = again_.front();
    again_.pop_front();
    if (states_[p] != PieceState::Requested) continue;
    return {p, 1};
  }
  if (outstanding() >= max_window_) return {};  // no room even for urgent pieces
  for (PieceRange* range : {&urgent_, &boost_}) {
    const PieceRange r = urgent_run(*range, now_ms);
    if (r.count == 0) continue;
    if (urgent) *urgent = true;
    return r;
  }
  boost_ = {};  // nothing of it is missing any more
  if (outstanding() >= window_) return {};
  const std::uint32_t room = window_ - outstanding();
  for (; cursor_ < count_; ++cursor_) {
    const std::uint32_t first = order_to_piece(cursor_);
    if (states_[first] != PieceState::Missing) continue;
    if (requested_ == 0) last_activity_ms_ = now_ms;  // the stall clock starts with the request
    std::uint32_t n = 0;
    // A run stops at the window, at a piece that is not missing, and at the wrap to piece 0.
    while (n < room && cursor_ < count_ && order_to_piece(cursor_) == first + n &&
           states_[first + n] == PieceState::Missing) {
      set_state(first + n, PieceState::Requested);
      ++n;
      ++cursor_;
    }
    return {first, n};
  }
  return {};
}

void RequestScheduler::mark_held(std::uint32_t piece) {
  if (piece < count_) set_state(piece, PieceState::Held);
}

void RequestScheduler::mark_missing(std::uint32_t piece) {
  if (piece < count_ && states_[piece] == PieceState::Held) set_state(piece, PieceState::Missing);
}

void RequestScheduler::on_arrived(std::uint32_t piece) {
  if (piece < count_ && states_[piece] == PieceState::Requested) set_state(piece, PieceState::Arrived);
}

void RequestScheduler::on_failed(std::uint32_t piece) {
  if (piece >= count_ || states_[piece] != PieceState::Requested) return;
  if (std::find(again_.begin(), again_.end(), piece) == again_.end()) again_.push_back(piece);
}

void RequestScheduler::on_activity(double now_ms) { last_activity_ms_ = now_ms; }

void RequestScheduler::on_disconnected() {
  for (std::uint32_t p = 0; p < count_; ++p)
    if (states_[p] == PieceState::Requested) set_state(p, PieceState::Missing);
  again_.clear();
}

std::uint32_t RequestScheduler::on_timeout(double now_ms) {
  if (requested_ == 0 || now_ms < next_deadline()) return 0;
  again_.clear();
  for (std::uint32_t p = 0; p < count_; ++p)
    if (states_[p] == PieceState::Requested) again_.push_back(p);
  last_activity_ms_ = now_ms;
  return std::uint32_t(again_.size());
}

double RequestScheduler::next_deadline() const {
  if (requested_ == 0) return std::numeric_limits<double>::infinity();
  return last_activity_ms_ + stall_timeout_ms_;
}

void RequestScheduler::seek(std::uint32_t piece) {
  if (count_ == 0) return;
  piece = std::min(piece, count_ - 1);
  if (piece != playhead_ && states_[piece] == PieceState::Missing)
    boost_ = {piece, std::min(window_, count_ - piece)};
  playhead_ = piece;
  cursor_ = 0;
}

void RequestScheduler::set_window(std::uint32_t pieces) {
  window_ = std::clamp<std::uint32_t>(pieces, 1, max_window_);
}

void RequestScheduler::prioritize(PieceRange urgent) {
  if (urgent.first >= count_) urgent = {};
  urgent.count = std::min(urgent.count, count_ - urgent.first);
  urgent_ = urgent;
}

std::vector<std::uint32_t> RequestScheduler::requested_pieces() const {
  std::vector<std::uint32_t> out;
  for (std::uint32_t p = 0; p < count_; ++p)
    if (states_[p] == PieceState::Requested) out.push_back(p);
  return out;
}

}  // namespace wt
