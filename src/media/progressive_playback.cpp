#include "media/progressive_playback.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace wt {
namespace {

std::string percent(double fraction) {
  return std::to_string(int(std::floor(std::clamp(fraction, 0.0, 1.0) * 100))) + "%";
}

}  // namespace

const char* unlock_rule_name(UnlockRule r) {
  switch (r) {
    case UnlockRule::Fraction: return "fraction";
    case UnlockRule::Adaptive: return "adaptive";
    case UnlockRule::Complete: return "complete";
    default: return "none";
  }
}

ProgressivePlayback::ProgressivePlayback(std::uint64_t file_size, const ProgressiveConfig& config)
    : config_(config), layout_(file_size), held_(layout_.piece_count(), 0), walk_(file_size) {
  update_plan(now_ms_);
}

std::uint64_t ProgressivePlayback::bytes_held() const {
  if (complete()) return layout_.file_size();
  const std::uint32_t last = layout_.piece_count() - 1;
  std::uint64_t bytes = std::uint64_t(held_count_) * kPieceSize;
  if (held_[last]) bytes -= kPieceSize - layout_.piece_length(last);
  return bytes;
}

std::uint64_t ProgressivePlayback::bytes_stored() const {
  if (stored_count_ == 0) return 0;
  const std::uint32_t last = layout_.piece_count() - 1;
  std::uint64_t bytes = std::uint64_t(stored_count_) * kPieceSize;
  if (held_[last] & kStored) bytes -= kPieceSize - layout_.piece_length(last);
  return bytes;
}

std::uint64_t ProgressivePlayback::contiguous_from(std::uint64_t offset) const {
  if (offset >= layout_.file_size()) return 0;
  std::uint32_t p = layout_.piece_at(offset);
  const std::uint32_t first = p;
  while (p < held_.size() && held_[p]) ++p;
  if (p == first) return 0;
  const std::uint64_t end = std::min<std::uint64_t>(layout_.piece_offset(p), layout_.file_size());
  return end - offset;
}

bool ProgressivePlayback::range_held(std::uint64_t offset, std::uint64_t length) const {
  if (length == 0) return offset <= layout_.file_size();
  return contiguous_from(offset) >= std::min(length, layout_.file_size() - std::min(offset, layout_.file_size()));
}

void ProgressivePlayback::on_piece_held(std::uint32_t piece, double now_ms) {
  if (piece >= held_.size() || held_[piece]) return;
  held_[piece] = kHeld;
  ++held_count_;
  now_ms_ = now_ms;
  last_progress_ms_ = now_ms;
  record_rate(now_ms);
  evaluate(now_ms);
}

void ProgressivePlayback::on_piece_stored(std::uint32_t piece, double now_ms) {
  if (piece >= held_.size() || (held_[piece] & kStored)) return;
  on_piece_held(piece, now_ms);
  held_[piece] |= kStored;
  ++stored_count_;
}

void ProgressivePlayback::restore_held(std::uint32_t piece) {
  if (piece >= held_.size() || (held_[piece] & kStored)) return;
  if (!held_[piece]) ++held_count_;
  held_[piece] = kHeld | kStored;
  ++stored_count_;
  rate_samples_.clear();  // the rate counts only what arrives from now on
  update_plan(now_ms_);
}

void ProgressivePlayback::on_piece_lost(std::uint32_t piece) {
  if (piece >= held_.size() || !held_[piece]) return;
  if (held_[piece] & kStored) --stored_count_;
  held_[piece] = 0;
  --held_count_;
  update_plan(now_ms_);
}

bool ProgressivePlayback::feed_container(std::uint64_t offset, const std::uint8_t* data, std::size_t len,
                                         double now_ms) {
  if (!walk_.feed(offset, data, len)) return false;
  const auto& found = walk_.points();
  for (; walk_points_taken_ < found.size(); ++walk_points_taken_) {
    const ContainerPoint& p = found[walk_points_taken_];
    index_.add(p.time_s, p.offset, p.keyframe);
  }
  evaluate(now_ms);
  return true;
}

void ProgressivePlayback::set_index_complete(double now_ms) {
  index_complete_ = true;
  evaluate(now_ms);
}

void ProgressivePlayback::set_duration(double duration_s) {
  if (std::isfinite(duration_s) && duration_s > 0) duration_s_ = duration_s;
}

void ProgressivePlayback::set_playable(bool playable, double now_ms) {
  playable_ = playable;
  playability_known_ = true;
  evaluate(now_ms);
}

void ProgressivePlayback::set_position(double now_ms, double position_s) {
  if (!std::isfinite(position_s) || position_s < 0) return;
  position_s_ = position_s;
  evaluate(now_ms);
}

void ProgressivePlayback::on_timeout(double now_ms) { evaluate(now_ms); }

double ProgressivePlayback::next_deadline() const {
  constexpr double kNone = std::numeric_limits<double>::infinity();
  if (complete() || last_progress_ms_ < 0) return kNone;
  const double notice = last_progress_ms_ + config_.stall_notice_ms;
  double next = notice > now_ms_ ? notice : kNone;
  // The moment the download rate starts to count, which may unlock play before the next piece.
  if (!unlocked_ && rate_samples_.size() >= rate_samples_needed()) {
    const double trusted = rate_samples_.front().first + rate_span_needed_ms();
    if (trusted > now_ms_) next = std::min(next, trusted);
  }
  return next;
}

double ProgressivePlayback::duration_s() const { return duration_s_ > 0 ? duration_s_ : walk_.duration_s(); }

bool ProgressivePlayback::index_ready() const {
  // The walk's own index is whole: an MP4/MOV's sample tables once its moov is read, a TS's
  // estimates once its duration is known. (The glue's set_index_complete after its demuxer read the
  // moov changes nothing then.)
  if (index_complete_ || walk_.points_complete()) return true;
  // A WebM/Matroska needs no demuxer: once the walk is past the head (Info, Tracks) and at the
  // first cluster, the container's own clusters index it.
  return is_ebml(walk_.format()) && walk_.media_start() > 0 && !index_.empty();
}

double ProgressivePlayback::horizon_s() const {
  const double duration = duration_s();
  if (complete()) return duration > 0 ? duration : std::numeric_limits<double>::max();
  if (!playable_ || !index_ready() || index_.empty()) return position_s_;
  const auto& pts = index_.points();
  std::size_t k = index_.at_or_before(position_s_);
  const std::uint64_t start = index_.offset_for(position_s_);  // playback starts at the keyframe
  const std::uint64_t end = start + contiguous_from(start);
  if (end == start) return position_s_;
  // The data for [t_k, t_k+1) lies below the next point's offset (interleaved tracks).
  while (k + 1 < pts.size() && pts[k + 1].offset >= start && pts[k + 1].offset <= end) ++k;
  if (k + 1 == pts.size()) {
    // After the last point: its media runs to the end of the media data (before an index at the
    // end; a TS's tail is media).
    const ByteRange idx = walk_.index_range();
    const bool index_apart = walk_.format() != ContainerFormat::MpegTs && idx.length && idx.offset > pts[k].offset;
    const std::uint64_t media_end = index_apart ? idx.offset : layout_.file_size();
    if (end >= media_end && duration > 0) return duration;
  }
  return std::max(position_s_, pts[k].time_s);
}

void ProgressivePlayback::on_bytes_arrived(std::uint64_t bytes, double now_ms) {
  if (!arrivals_reported_) rate_samples_.clear();  // from now on the rate counts arrivals
  arrivals_reported_ = true;
  bytes_arrived_ += bytes;
  const bool close = rate_samples_.size() >= 2 && now_ms - rate_samples_[rate_samples_.size() - 2].first < kMinSampleGapMs;
  if (close) rate_samples_.back() = {now_ms, bytes_arrived_};
  else rate_samples_.emplace_back(now_ms, bytes_arrived_);
  trim_rate_window(now_ms);
  now_ms_ = std::max(now_ms_, now_ms);
}

void ProgressivePlayback::record_rate(double now_ms) {
  if (arrivals_reported_) return;
  rate_samples_.emplace_back(now_ms, bytes_held());
  trim_rate_window(now_ms);
}

// Keep one sample older than the window, so the span covers all of it.
void ProgressivePlayback::trim_rate_window(double now_ms) {
  while (rate_samples_.size() > 2 && rate_samples_[1].first <= now_ms - config_.rate_window_ms) rate_samples_.pop_front();
}

// By pieces, one sample per piece held: the first opens the span, min_rate_pieces more within it.
std::size_t ProgressivePlayback::rate_samples_needed() const {
  return arrivals_reported_ ? 2 : std::size_t(config_.min_rate_pieces) + 1;
}

double ProgressivePlayback::rate_span_needed_ms() const {
  return arrivals_reported_ ? config_.min_arrival_span_ms : config_.min_rate_span_ms;
}

double ProgressivePlayback::rate_bps(double now_ms) const {
  if (rate_samples_.size() < rate_samples_needed()) return 0;
  const auto& first = rate_samples_.front();
  const double span = now_ms - first.first;
  if (span < rate_span_needed_ms()) return 0;
  return double(rate_samples_.back().second - first.second) / (span / 1000);
}

double ProgressivePlayback::gain(double now_ms) const {
  const double duration = duration_s();
  if (duration <= 0 || layout_.file_size() == 0) return 0;
  return rate_bps(now_ms) * config_.rate_safety / (double(layout_.file_size()) / duration);
}

double ProgressivePlayback::min_ahead(double now_ms) const { return config_.margins.resume(gain(now_ms)); }

bool ProgressivePlayback::will_not_catch_up(double now_ms, double ahead_s) const {
  const double rate = rate_bps(now_ms) * config_.rate_safety;
  const double duration = duration_s();
  const double margin = min_ahead(now_ms);
  if (rate <= 0 || duration <= 0 || ahead_s < margin) return false;
  const double bytes_per_media_s = double(layout_.file_size()) / duration;
  if (rate >= bytes_per_media_s) return true;  // the download outruns playback: the margin holds
  // Slower than playback: the gap shrinks steadily, so the end is where it is smallest. The rest
  // must arrive before the playhead gets there, with the margin to spare.
  const double download_s = double(layout_.file_size() - bytes_held()) / rate;
  return download_s + margin <= duration - position_s_;
}

void ProgressivePlayback::evaluate(double now_ms) {
  now_ms_ = std::max(now_ms_, now_ms);
  if (last_progress_ms_ < 0) last_progress_ms_ = now_ms;  // the stall clock starts with the first input
  update_plan(now_ms_);
  if (unlocked_) return;
  const double fraction = layout_.file_size() ? double(bytes_held()) / double(layout_.file_size()) : 1;
  UnlockRule rule = UnlockRule::None;
  if (complete()) {
    rule = UnlockRule::Complete;
  } else if (playable_ && playability_known_ && index_ready()) {
    const double duration = duration_s();
    const double ahead = horizon_s() - position_s_;
    const auto need = [&](double margin) { return duration > 0 ? std::min(margin, duration - position_s_) : margin; };
    if (fraction >= config_.unlock_fraction && ahead >= need(config_.margins.resume_s) - 1e-9) rule = UnlockRule::Fraction;
    else if (config_.adaptive && ahead >= need(min_ahead(now_ms)) - 1e-9 && will_not_catch_up(now_ms, ahead)) rule = UnlockRule::Adaptive;
  }
  if (rule == UnlockRule::None) return;
  unlocked_ = true;
  rule_ = rule;
  unlocked_at_fraction_ = fraction;
}

void ProgressivePlayback::request_range(std::uint64_t offset, std::uint64_t length, double now_ms) {
  if (offset >= layout_.file_size() || length == 0) return clear_request(now_ms);
  request_ = {offset, std::min(length, layout_.file_size() - offset)};
  now_ms_ = std::max(now_ms_, now_ms);
  update_plan(now_ms_);
}

void ProgressivePlayback::clear_request(double now_ms) {
  request_ = {};
  now_ms_ = std::max(now_ms_, now_ms);
  update_plan(now_ms_);
}

// The pieces of [offset, offset + length) not held yet, from the first to the last of them.
PieceRange ProgressivePlayback::missing_pieces(ByteRange r) const {
  if (!r.length || r.offset >= layout_.file_size()) return {};
  const std::uint32_t first = layout_.piece_at(r.offset);
  const std::uint32_t last = layout_.piece_at(std::min(r.offset + r.length, layout_.file_size()) - 1);
  std::uint32_t a = first, b = last + 1;
  while (a < b && held_[a]) ++a;
  while (b > a && held_[b - 1]) --b;
  return a < b ? PieceRange{a, b - a} : PieceRange{};
}

void ProgressivePlayback::update_plan(double now_ms) {
  FetchPlan next = plan_;
  next.urgent = {};
  // Index first: what an MP4/MOV's walk needs before its moov is read (the box after the mdat,
  // then the moov itself), a WebM's Cues once the SeekHead said where they are, a TS's tail.
  ByteRange need;
  if (is_iso_bmff(walk_.format()) && !walk_.index_read() && !walk_.done()) need = walk_.wanted();
  else if (!walk_.index_read() && !walk_.done()) need = walk_.index_range();
  next.urgent = missing_pieces(need);
  urgent_is_index_ = next.urgent.count > 0;
  // Then what the demuxer is waiting for; a request is done with once its bytes are all here.
  if (request_.length && range_held(request_.offset, request_.length)) request_ = {};
  if (!urgent_is_index_) next.urgent = missing_pieces(request_);
  // From the playhead's keyframe on (the scheduler skips what is held); a playhead in held data
  // moves nothing that matters, and a new piece only when the playhead's piece changes.
  const std::uint64_t from = index_.empty() ? 0 : index_.offset_for(position_s_);
  if (layout_.piece_at(from) != layout_.piece_at(plan_.from_byte)) next.from_byte = from;
  const double rate = rate_bps(now_ms);
  next.window_pieces = config_.min_window;
  // While the index is still wanted the window stays small, so that its pieces, asked for the
  // moment the walk knows where they are, wait behind few others at the sender.
  const bool index_pending = urgent_is_index_ || !index_ready();
  if (!playable_) {
    next.window_pieces = config_.max_window;  // nothing to seek in: the transfer's own window
  } else if (rate > 0 && !index_pending) {
    const double pieces = std::ceil(rate * config_.fetch_lead_s / kPieceSize) + 2;
    next.window_pieces = std::uint32_t(std::clamp(pieces, double(config_.min_window), double(config_.max_window)));
  }
  if (!(next.urgent == plan_.urgent) || next.from_byte != plan_.from_byte || next.window_pieces != plan_.window_pieces) {
    next.generation = plan_.generation + 1;
    plan_ = next;
  }
}

ProgressiveStatus ProgressivePlayback::status(double now_ms) const {
  ProgressiveStatus s;
  s.unlocked = unlocked_;
  s.rule = rule_;
  s.unlocked_at_fraction = unlocked_at_fraction_;
  s.fraction = layout_.file_size() ? double(bytes_held()) / double(layout_.file_size()) : 1;
  s.stored_fraction = layout_.file_size() ? double(bytes_stored()) / double(layout_.file_size()) : 1;
  s.horizon_s = horizon_s();
  s.ahead_s = std::max(0.0, s.horizon_s - position_s_);
  s.sync_horizon_s = unlocked_ ? s.horizon_s : position_s_;
  s.rate_bps = rate_bps(now_ms);
  s.gain = gain(now_ms);
  s.playable = playable_;
  const bool done = complete();
  s.index_needed = !done && playable_ && urgent_is_index_;
  s.stalled_for_ms = done || last_progress_ms_ < 0 ? 0 : std::max(0.0, now_ms - last_progress_ms_);
  s.stalled = !done && s.stalled_for_ms >= config_.stall_notice_ms;
  // The transfer's line counts stored pieces; this one says the same number. (Held ones, verified
  // and still being written, are what the horizon and the unlock rule count.)
  const std::string pct = percent(s.stored_fraction) + " downloaded";
  if (done) {
    // Held, not necessarily stored: pieces kept in memory while the disk is full count here, so the
    // line says they arrived and leaves "saved" to the transfer's own line.
    s.text = "Everything has arrived — 100%";
  } else if (s.stalled) {
    s.text = "Waiting for download… no data for " + std::to_string(int(s.stalled_for_ms / 1000)) + " s — " + pct;
  } else if (!playable_) {
    s.text = "This file can be watched only once it has fully arrived — " + pct;
  } else if (unlocked_) {
    s.text = "You can start watching — " + pct;
  } else if (s.index_needed) {
    s.text = "Fetching the movie's index first… " + pct;
  } else {
    s.text = "Preparing playback — " + pct + " (play unlocks at " + percent(config_.unlock_fraction) + " or sooner)";
  }
  return s;
}

}  // namespace wt
