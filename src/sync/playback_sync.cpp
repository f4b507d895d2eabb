#include "sync/playback_sync.hpp"

#include "sync/playback_record.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <utility>

namespace wt {

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();

// The median of the first n (1..16) values (the upper one of the middle two for an even n).
double median_of(const double* v, int n) {
  double sorted[16];
  std::copy(v, v + n, sorted);
  std::nth_element(sorted, sorted + n / 2, sorted + n);
  return sorted[n / 2];
}
constexpr double kSeekMatchS = 0.25;  // a 'seeking' event this close to a commanded seek is its echo
}  // namespace

PlaybackSync::PlaybackSync(std::string user_id, std::string display_name, SyncConfig cfg)
    : id_(std::move(user_id)),
      name_(std::move(display_name)),
      cfg_(cfg),
      clock_(cfg.clock),
      last_publish_(-kInf),
      last_report_at_(-kInf),
      last_rate_cmd_at_(-kInf),
      control_deadline_(kInf),
      report_deadline_(kInf),
      last_now_(-kInf) {}

// ---------------------------------------------------------------------------------------- inputs

void PlaybackSync::set_media_duration(double duration_s) {
  if (duration_s > 0 && std::isfinite(duration_s)) duration_s_ = duration_s;
}

// The echo of one of our commands says nothing new when later commands are still queued (the
// model already includes them); when none is, it is the freshest word on the element.
void PlaybackSync::absorb_echo(double now, double position_s) {
  ++stats_.echoes_absorbed;
  if (commands_.empty()) {
    el_pos_ = position_s;
    el_at_ = now;
  }
  evaluate(now);
}

void PlaybackSync::on_play_event(double now, double position_s) {
  el_known_ = true;
  if (take_expectation(CommandKind::Play, position_s)) {
    absorb_echo(now, position_s);
    return;
  }
  el_pos_ = position_s;
  el_at_ = now;
  el_paused_ = false;
  bg_paused_ = false;
  // A play while the group already plays tells the others nothing: this viewer rejoining (its own
  // Play after the browser paused it, or the echo of the core's start arriving after expect_ttl_ms
  // on a busy machine, with a stale position). Nothing is published; control brings the element to
  // where the group is.
  if (remote_known_ && cur_.state == GroupState::Playing) {
    ++stats_.rejoins;
    // Where it resumed is unknown until its reports advance: measured afresh, it catches up with
    // one seek beyond catch_up_threshold_ms instead of seconds of nudging.
    measure_afresh();
    evaluate(now);
    return;
  }
  user_action(now, Action::Play, position_s);
}

void PlaybackSync::on_pause_event(double now, double position_s) {
  el_known_ = true;
  if (take_expectation(CommandKind::Pause, position_s)) {
    absorb_echo(now, position_s);
    // In a hidden tab this pause may be the browser's as much as ours (it pauses background media
    // when it likes, and the two look alike): either way the tab now stays paused until it is
    // shown, as after any pause the browser made there.
    if (!visible_) bg_paused_ = true;
    return;
  }
  el_pos_ = position_s;
  el_at_ = now;
  el_paused_ = true;
  started_for_schedule_ = false;
  // Not the user's: browsers pause background media on their own, and every element pauses at its end.
  const bool at_end = duration() > 0 && position_s >= duration() - 0.25;
  if (!visible_ || at_end) {
    if (!visible_) bg_paused_ = true;
    evaluate(now);
    return;
  }
  // A pause while the group rests: this viewer rejoining the rest (a late echo of the core's own
  // pause, with a stale position), as for a play while it plays. Control puts it where the group is.
  if (remote_known_ && cur_.state == GroupState::Paused) {
    ++stats_.rejoins;
    evaluate(now);
    return;
  }
  user_action(now, Action::Pause, position_s);
}

void PlaybackSync::on_command_no_event(CommandKind kind) {
  for (auto it = expect_.rbegin(); it != expect_.rend(); ++it) {
    if (it->kind != kind) continue;
    expect_.erase(std::next(it).base());
    return;
  }
}

void PlaybackSync::on_seeking_event(double now, double position_s, double seekable_end_s) {
  el_known_ = true;
  if (take_expectation(CommandKind::Seek, position_s)) {
    absorb_echo(now, position_s);
    return;
  }
  if (take_cut_short_seek(position_s, seekable_end_s)) {
    // Our seek, ended where the element can seek to so far. Not the user's: nothing is published.
    // The element is where it is; the group is elsewhere: measure afresh, and the next evaluation
    // seeks again (by then the element has read further), as after a return from the background.
    ++stats_.echoes_absorbed;
    ++stats_.seeks_cut_short;
    el_pos_ = position_s;
    el_at_ = now;
    el_seeking_ = true;
    seek_in_flight_ = false;
    started_for_schedule_ = false;
    measure_afresh();
    evaluate(now);
    return;
  }
  el_pos_ = position_s;
  el_at_ = now;
  el_seeking_ = true;
  seek_in_flight_ = false;  // the user's seek replaces ours
  user_action(now, Action::Seek, position_s);
}

void PlaybackSync::on_presented_frame(double now, double display_at, double media_s, bool paused,
                                      bool seeking, double rate) {
  if (!std::isfinite(display_at) || !std::isfinite(media_s)) return;
  by_frames_ = true;
  ++stats_.frames;
  // The frame interval: the median of the last 15 steps between presented frames (a dropped frame
  // makes one step of two; a seek or a repeat, none that counts).
  const double step = (media_s - frame_media_) * 1000.0;
  frame_media_ = media_s;
  if (!paused && !seeking && step > 1 && step < 250) {
    frame_deltas_[frame_delta_n_++ % 15] = step;
    frame_ms_ = median_of(frame_deltas_, std::min(frame_delta_n_, 15));
  }
  const double r = rate > 0 && std::isfinite(rate) ? rate : el_rate_;
  // A frame more than a second from now is no measure of the element now (a stale callback).
  const double ahead = std::clamp(now - display_at, -1000.0, 1000.0);
  // A frame is on screen for a frame interval: its middle is the element's clock on average.
  const double shown = media_s + frame_ms_ / 2000.0;
  frame_report_ = true;
  on_player_report(now, paused ? media_s : std::max(0.0, shown + ahead * r / 1000.0), paused, seeking,
                   rate);
  frame_report_ = false;
}

void PlaybackSync::on_player_report(double now, double position_s, bool paused, bool seeking,
                                    double rate) {
  el_known_ = true;
  // While the event of a play/pause command is still to come, the command is the better truth.
  bool play_pause_expected = false;
  for (const Expect& e : expect_) {
    if (e.kind == CommandKind::Play || e.kind == CommandKind::Pause) play_pause_expected = true;
  }
  if (!play_pause_expected) el_paused_ = paused;
  el_seeking_ = seeking;
  el_pos_ = position_s;
  el_at_ = now;
  if (rate > 0 && std::isfinite(rate)) el_rate_ = rate;

  if (seek_in_flight_ && !seeking && position_s >= seek_target_ - 0.05 &&
      position_s <= seek_target_ + 2.0) {
    seek_in_flight_ = false;
    // Learn how long seeks take (mean and mean deviation, as TCP does for round trips), so that
    // catch-up seeks land ahead of the group rather than behind it.
    const double took = now - seek_issued_at_;
    seek_dev_ms_ += 0.25 * (std::fabs(took - seek_est_ms_) - seek_dev_ms_);
    seek_est_ms_ += 0.25 * (took - seek_est_ms_);
  }

  const bool running = !el_paused_ && !seeking && !seek_in_flight_;
  const bool advanced = position_s > prev_report_pos_ + 1e-4;
  prev_report_pos_ = position_s;
  if (running) {
    if (start_measuring_ && advanced) {
      // The element started (now - advanced time) after the command: that is its start latency.
      const double started_at = now - (position_s - play_from_s_) * 1000.0 / el_rate_;
      const double latency = std::clamp(started_at - play_issued_at_, 0.0, 1000.0);
      start_latency_ms_ += 0.3 * (latency - start_latency_ms_);
      start_measuring_ = false;
    }
    if (settling_) {
      advancing_reports_ = advanced ? advancing_reports_ + 1 : 0;
      if (advancing_reports_ >= 2) {
        settling_ = false;
        landing_ = true;  // just started or landed: bring it in precisely once
        landing_until_ = now + cfg_.landing_ms;
      }
    }
    const double shared = shared_now(now);
    if (!settling_ && clock_.synced() && std::isfinite(cur_.anchor_shared_ms) &&
        cur_.moving_at(shared)) {
      const double d = (position_s - cur_.position_at(shared)) * 1000.0 / cur_.rate;
      if (frame_report_) {
        if (!drift_valid_) plateau_known_ = false, level_frames_ = 0;  // a new timeline
        learn_step(d);
      }
      // A short average (about 4 reports) smooths frame-quantised positions without lagging
      // the control loop noticeably.
      drift_ms_ = drift_valid_ ? drift_ms_ + 0.3 * (d - drift_ms_) : d;
      drift_valid_ = true;
      if (!nudging_) add_trend_point(now, drift_ms_);
    }
  } else {
    advancing_reports_ = 0;
  }
  evaluate(now);
}

void PlaybackSync::on_remote_state(double now, const PlaybackState& state) {
  const bool first_heard = !remote_known_;
  remote_known_ = true;
  if (state.seq != 0) {
    max_seq_ = std::max(max_seq_, state.seq);
    // A newer record from elsewhere wins over our unsent one: drop it rather than overwrite. So
    // does any record at all when we had not heard the database yet: what the page did before
    // (autoplay, a click on a blank element at 0) was not done by someone who knew the group.
    if (pending_ && (supersedes(state, pending_->rec) || first_heard)) {
      pending_.reset();
      ++stats_.superseded;
    }
    // Older records, and our own coming back, change nothing. Never a publish from here.
    if (supersedes(state, cur_) || first_heard) adopt(state);
  }
  evaluate(now);
}

void PlaybackSync::on_viewer_report(double now, const ViewerReport& report) {
  if (report.user_id == id_) return;  // our own numbers are fresher locally
  viewers_[report.user_id] = report;
  if (report.has_picture()) pictures_[report.user_id] = Picture{report.picture_ms, report.at_shared_ms};
  evaluate(now);
}

void PlaybackSync::on_viewer_left(double now, const std::string& user_id) {
  viewers_.erase(user_id);
  pictures_.erase(user_id);
  evaluate(now);
}

void PlaybackSync::set_local_horizon(double now, double horizon_s, double fraction) {
  if (!std::isfinite(horizon_s) || !std::isfinite(fraction)) return;
  horizon_known_ = true;
  horizon_s_ = horizon_s;
  fraction_ = std::clamp(fraction, 0.0, 1.0);
  evaluate(now);
}

void PlaybackSync::on_visibility(double now, bool visible) {
  const bool became_visible = visible && !visible_;
  visible_ = visible;
  if (became_visible) {
    // Throttled timers and background pauses may have left us anywhere: measure afresh and
    // correct with a seek rather than seconds of nudging.
    measure_afresh();
  }
  evaluate(now);
}

void PlaybackSync::on_reconnect(double now) {
  clock_.on_reconnect(now);
  report_forced_ = true;
  catch_up_ = true;
  drift_valid_ = false;
  evaluate(now);
}

bool PlaybackSync::poll_clock_probe(double now) { return clock_.poll_probe(now); }

void PlaybackSync::on_clock_sample(double t0, double server_ms, double t1) {
  clock_.add_sample(t0, server_ms, t1);
  evaluate(t1);
}

void PlaybackSync::handle_timeout(double now) { evaluate(now); }

// --------------------------------------------------------------------------------------- outputs

std::optional<PlayerCommand> PlaybackSync::poll_command() {
  if (commands_.empty()) return std::nullopt;
  PlayerCommand c = commands_.front();
  commands_.pop_front();
  return c;
}

std::optional<PlaybackState> PlaybackSync::poll_publish(double now) {
  if (!pending_ || !publish_ready()) return std::nullopt;
  if (now < last_publish_ + cfg_.publish_interval_ms) return std::nullopt;
  PlaybackState rec = pending_->rec;
  // The anchor is fixed when the record leaves, so a start delayed by the 250 ms window (or by the
  // first clock sample) is still ahead of everyone by the full lead.
  if (pending_->lead_ms >= 0) rec.anchor_shared_ms = shared_now(now) + pending_->lead_ms;
  if (same_record(cur_, rec)) cur_.anchor_shared_ms = rec.anchor_shared_ms;
  if (pending_->system) ++stats_.system_writes;
  pending_.reset();
  last_publish_ = now;
  ++stats_.published;
  control(now);  // the start may now be scheduled: refresh the deadline
  return rec;
}

std::optional<ViewerReport> PlaybackSync::poll_viewer_report(double now) {
  report_deadline_ = kInf;
  if (!horizon_known_ || !clock_.synced()) return std::nullopt;
  ViewerReport r;
  r.user_id = id_;
  r.display_name = name_;
  // Within the bounds the database rules and every reader hold a report to
  // (sync/playback_record.hpp): a horizon past 1e9 s (a complete file of unknown length) is 1e9,
  // "the whole file is here".
  r.horizon_s = std::clamp(horizon_s_, 0.0, kMaxReportHorizonSeconds);
  r.fraction = std::clamp(fraction_, 0.0, 1.0);
  r.rtt_ms = std::clamp(clock_.rtt_max_ms(), 0.0, kMaxReportRttMs);
  r.at_shared_ms = shared_now(now);
  if (picture_settled()) r.picture_ms = std::clamp(drift_ms_, -kMaxReportPictureMs, kMaxReportPictureMs);
  r.picture_step_ms = std::clamp(picture_step_ms_, 0.0, kMaxReportStepMs);
  bool send = report_forced_ || !last_report_;
  // Download progress alone (the fraction others show) goes out at a slower pace than what the
  // group's decisions use (completion, the horizon near the margins, the round trip).
  bool progress_only = false;
  if (!send) {
    const ViewerReport& o = *last_report_;
    // The horizon only matters near the margins: far ahead of the group, coarse updates do.
    const double lead_s = horizon_s_ - group_position(now);
    const double horizon_step = std::clamp(lead_s / 4, 1.0, 60.0);
    const bool decisive = r.complete() != o.complete() ||
                          std::fabs(r.horizon_s - o.horizon_s) >= horizon_step ||
                          std::fabs(r.rtt_ms - o.rtt_ms) > std::max(20.0, 0.25 * o.rtt_ms) ||
                          r.display_name != o.display_name ||
                          // where the picture settled, for the viewers who follow it
                          r.has_picture() != o.has_picture() ||
                          (r.has_picture() && std::fabs(r.picture_ms - o.picture_ms) >= cfg_.picture_report_ms) ||
                          std::fabs(r.picture_step_ms - o.picture_step_ms) >= cfg_.picture_report_ms;
    send = decisive || std::fabs(r.fraction - o.fraction) >= 0.01;
    progress_only = !decisive;
    if (!send && !r.complete()) {
      // A heartbeat while downloading, so that a viewer who left stops holding the group.
      if (now >= last_report_at_ + cfg_.report_heartbeat_ms) send = true;
      else report_deadline_ = last_report_at_ + cfg_.report_heartbeat_ms;
    }
  }
  if (!send) return std::nullopt;
  const double interval = progress_only ? cfg_.progress_report_interval_ms : cfg_.report_interval_ms;
  if (now < last_report_at_ + interval) {
    report_deadline_ = last_report_at_ + interval;
    return std::nullopt;
  }
  last_report_ = r;
  last_report_at_ = now;
  report_forced_ = false;
  if (!r.complete()) report_deadline_ = now + cfg_.report_heartbeat_ms;
  return r;
}

double PlaybackSync::poll_timeout() const {
  // Deadlines at or before the last evaluation are conditions waiting for a poll or an input (a
  // probe to send, a record the database has not let out yet), not timers: they are left out.
  double t = kInf;
  auto consider = [&](double d) {
    if (d > last_now_ && d < t) t = d;
  };
  consider(control_deadline_);
  if (pending_ && publish_ready()) consider(last_publish_ + cfg_.publish_interval_ms);
  consider(clock_.next_probe_at());
  consider(report_deadline_);
  if (seek_in_flight_) consider(seek_issued_at_ + cfg_.seek_timeout_ms);
  if (!expect_.empty()) consider(expect_.front().at + cfg_.expect_ttl_ms);
  if (clock_.synced() && horizon_known_ && std::isfinite(cur_.anchor_shared_ms)) {
    // When the group will reach the point where this download becomes too short.
    if (cur_.state == GroupState::Playing && fraction_ < 1) {
      const double when = cur_.shared_time_of(horizon_s_ - own_enter_waiting_margin());
      if (std::isfinite(when)) consider(clock_.to_local(when));
    }
    // When a wait for us has really stopped the group, and we may resume it.
    if (cur_.state == GroupState::Waiting && cur_.waiting_for == id_)
      consider(clock_.to_local(cur_.anchor_shared_ms));
  }
  return t;
}

double PlaybackSync::group_position(double now) const {
  if (!clock_.synced()) return cur_.position_s;
  return cur_.position_at(shared_now(now));
}

SyncStatus PlaybackSync::status(double now) const {
  SyncStatus s;
  s.state = cur_.state;
  s.clock_synced = clock_.synced();
  s.position_s = group_position(now);
  s.drift_ms = drift_valid_ ? drift_ms_ : 0;
  s.frame_measured = by_frames_;
  s.picture_step_ms = picture_step_ms_;
  s.target_ms = picture_target();
  s.starting = cur_.state == GroupState::Playing &&
               (!std::isfinite(cur_.anchor_shared_ms) || shared_now(now) < cur_.anchor_shared_ms);
  switch (cur_.state) {
    case GroupState::Idle: s.text = "Ready"; break;
    case GroupState::Paused: s.text = "Paused"; break;
    case GroupState::Playing: s.text = s.starting ? "Starting…" : "Playing"; break;
    case GroupState::Waiting: {
      s.waiting_for = cur_.waiting_for;
      bool known = false;
      double horizon = 0;
      if (cur_.waiting_for == id_) {
        s.waiting_fraction = fraction_;
        horizon = horizon_s_;
        known = horizon_known_;
        s.text = "Waiting for your download…";
      } else {
        auto it = viewers_.find(cur_.waiting_for);
        if (it != viewers_.end()) {
          s.waiting_fraction = it->second.fraction;
          horizon = it->second.horizon_s;
          known = true;
        }
        s.text = "Waiting for " + name_of(cur_.waiting_for) + "'s download…";
      }
      if (known) {
        const double margin = cur_.waiting_for == id_ ? own_resume_margin() : cfg_.margins.resume_s;
        const double need = std::max(1e-9, std::min(margin,
                                                     duration() > 0 ? duration() - cur_.position_s : kInf));
        s.resume_progress = s.waiting_fraction >= 1 ? 1.0
                                                    : std::clamp((horizon - cur_.position_s) / need, 0.0, 1.0);
      }
      if (known) {
        char pct[16];
        // Floor, so that 100% only ever shows for a complete file.
        std::snprintf(pct, sizeof pct, " %d%%", int(std::floor(s.waiting_fraction * 100)));
        s.text += pct;
      }
      break;
    }
  }
  return s;
}

// ------------------------------------------------------------------------------------- the logic

void PlaybackSync::evaluate(double now) {
  last_now_ = std::max(last_now_, now);
  while (!expect_.empty() && now - expect_.front().at > cfg_.expect_ttl_ms) expect_.pop_front();
  if (seek_in_flight_ && now - seek_issued_at_ > cfg_.seek_timeout_ms) seek_in_flight_ = false;
  check_download(now);
  control(now);
}

bool PlaybackSync::publish_ready() const {
  // Nothing leaves before the database has been heard: a reloading viewer must not overwrite the
  // group with its fresh element at 0. A scheduled start also needs the shared clock.
  return remote_known_ && (pending_ && (pending_->lead_ms < 0 || clock_.synced()));
}

void PlaybackSync::user_action(double now, Action a, double position_s) {
  ++stats_.user_actions;
  PlaybackState rec;
  rec.seq = next_playback_seq(max_seq_);
  rec.updated_by = id_;
  rec.rate = cur_.rate > 0 ? cur_.rate : 1.0;
  rec.duration_s = duration();
  rec.position_s = std::max(0.0, position_s);
  double lead = 0;  // rest states: the anchor is the instant the record leaves
  switch (a) {
    case Action::Pause:
      rec.state = GroupState::Paused;
      break;
    case Action::Play: {
      // If someone's download is already too short here, the play becomes a wait for them.
      const std::string lag = most_lagging(now, rec.position_s, cfg_.margins.enter_waiting_s, own_enter_waiting_margin());
      if (!lag.empty()) {
        rec.state = GroupState::Waiting;
        rec.waiting_for = lag;
      } else {
        rec.state = GroupState::Playing;
        lead = lead_ms(false);
      }
      break;
    }
    case Action::Seek:
      if (cur_.state == GroupState::Playing) {
        rec.state = GroupState::Playing;
        lead = lead_ms(true);
      } else if (cur_.state == GroupState::Waiting) {
        rec.state = GroupState::Waiting;  // the waited-for viewer decides again at the new position
        rec.waiting_for = cur_.waiting_for;
      } else {
        rec.state = GroupState::Paused;
      }
      break;
  }
  set_local_record(now, std::move(rec), false, lead);
  evaluate(now);
}

void PlaybackSync::set_local_record(double now, PlaybackState rec, bool system, double lead_ms) {
  max_seq_ = std::max(max_seq_, rec.seq);
  if (lead_ms >= 0) {
    if (rec.state == GroupState::Playing) {
      rec.anchor_shared_ms = kInf;  // hold until the record leaves and the start is scheduled
    } else {
      rec.anchor_shared_ms = clock_.synced() ? shared_now(now) : -kInf;
    }
  }
  if (pending_) ++stats_.coalesced;
  pending_ = Pending{rec, system, lead_ms};
  adopt(rec);
}

void PlaybackSync::adopt(const PlaybackState& rec) {
  cur_ = rec;
  // A new timeline: drift is measured afresh, and catch-up seeks start counting again.
  drift_valid_ = false;
  rest_seeks_ = 0;
  started_for_schedule_ = false;
  reset_trend();
}

std::string PlaybackSync::most_lagging(double now, double position_s, double margin_s,
                                       double self_margin_s) const {
  const double limit = duration() > 0 ? duration() - 0.5 : kInf;
  const double need = std::min(position_s + margin_s, limit);
  std::string worst;
  double worst_h = kInf;
  if (self_margin_s >= 0 && horizon_known_ && fraction_ < 1 && horizon_s_ < std::min(position_s + self_margin_s, limit)) {
    worst = id_;
    worst_h = horizon_s_;
  }
  for (const auto& kv : viewers_) {
    const ViewerReport& r = kv.second;
    if (kv.first == id_ || !report_fresh(now, r) || r.complete() || r.horizon_s >= need) continue;
    if (r.horizon_s < worst_h) {
      worst = kv.first;
      worst_h = r.horizon_s;
    }
  }
  return worst;
}

void PlaybackSync::learn_step(double raw_drift_ms) {
  if (level_frames_ > 0 && std::fabs(raw_drift_ms - level_ms_) <= cfg_.step_min_ms / 2) {
    if (++level_frames_ != kSteadyFrames) return;
  } else {
    level_ms_ = raw_drift_ms;
    level_frames_ = 1;
    return;
  }
  // A new plateau: the step from the last one.
  const double jump = std::fabs(level_ms_ - plateau_ms_);
  const bool had = plateau_known_;
  plateau_ms_ = level_ms_;
  plateau_known_ = true;
  const double least = std::max(cfg_.step_min_ms, cfg_.step_min_frames * frame_ms_);
  // A change of more than a frame and a half is no step of the picture (a stall, a skip).
  if (!had || jump < least || (frame_ms_ > 0 && jump > 1.5 * frame_ms_)) return;
  step_jumps_[step_jump_n_++ % 8] = jump;
  if (step_jump_n_ >= 3) picture_step_ms_ = median_of(step_jumps_, std::min(step_jump_n_, 8));
}

bool PlaybackSync::picture_settled() const {
  return by_frames_ && drift_valid_ && !settling_ && !nudging_ && !landing_ &&
         cur_.state == GroupState::Playing && std::isfinite(cur_.anchor_shared_ms);
}

double PlaybackSync::picture_target() const {
  if (!by_frames_) return 0;
  // The coarsest other picture settled since this start (ties: the lower user id) is the one to
  // follow, if it is coarser than this viewer's own, or as coarse and its id lower.
  // A step not known yet counts as the assumed one (a 60 Hz refresh), on both sides.
  const auto known = [&](double step) { return step > 0 ? step : cfg_.assumed_step_ms; };
  const std::string* lead = nullptr;
  double lead_step = 0;
  const auto coarser = [&](double step, const std::string& id, double than, const std::string& than_id) {
    return step > than + cfg_.step_tolerance_ms ||
           (std::fabs(step - than) <= cfg_.step_tolerance_ms && id < than_id);
  };
  for (const auto& [id, pic] : pictures_) {
    if (pic.at < cur_.anchor_shared_ms || std::fabs(pic.ms) > cfg_.follow_max_ms) continue;
    const auto v = viewers_.find(id);
    const double step = known(v == viewers_.end() ? 0.0 : v->second.picture_step_ms);
    if (lead == nullptr || coarser(step, id, lead_step, *lead)) {
      lead = &id;
      lead_step = step;
    }
  }
  if (lead == nullptr || !coarser(lead_step, *lead, known(picture_step_ms_), id_)) return 0;
  return pictures_.at(*lead).ms;
}

bool PlaybackSync::report_fresh(double now, const ViewerReport& r) const {
  return clock_.synced() && shared_now(now) - r.at_shared_ms <= cfg_.report_stale_ms;
}

std::string PlaybackSync::name_of(const std::string& user_id) const {
  auto it = viewers_.find(user_id);
  if (it != viewers_.end() && !it->second.display_name.empty()) return it->second.display_name;
  return user_id.empty() ? "a viewer" : user_id;
}

double PlaybackSync::lead_ms(bool others_must_seek) const {
  // At least twice the largest round trip: the record needs half of the writer's and half of each
  // reader's, so this leaves one round trip of slack for jitter and a slow event loop.
  double rtt = clock_.rtt_max_ms();
  for (const auto& kv : viewers_) rtt = std::max(rtt, kv.second.rtt_ms);
  double lead = std::max(cfg_.min_lead_ms, 2 * rtt);
  if (others_must_seek) lead += std::max(cfg_.seek_lead_ms, seek_est_ms_ + 2 * seek_dev_ms_);
  return lead;
}

void PlaybackSync::check_download(double now) {
  if (!remote_known_ || !horizon_known_ || !clock_.synced()) return;
  if (!std::isfinite(cur_.anchor_shared_ms)) return;  // our own start is not scheduled yet
  const double shared = shared_now(now);
  const double limit = duration() > 0 ? duration() - 0.5 : kInf;

  if (cur_.state == GroupState::Playing && fraction_ < 1) {
    const double target = cur_.position_at(shared);
    if (horizon_s_ >= std::min(target + own_enter_waiting_margin(), limit)) return;
    PlaybackState rec = cur_;
    rec.seq = next_playback_seq(max_seq_);
    rec.updated_by = id_;
    rec.state = GroupState::Waiting;
    rec.waiting_for = id_;
    if (shared < cur_.anchor_shared_ms) {
      rec.anchor_shared_ms = shared;  // not started yet: stay where we are
    } else {
      // Stop a lead ahead, so that the record reaches everyone before the stop and nobody seeks back.
      const double window_wait = std::max(0.0, last_publish_ + cfg_.publish_interval_ms - now);
      const double stop_at = shared + lead_ms(false) + window_wait;
      const double p = cur_.position_at(stop_at);
      if (horizon_s_ >= p + 0.5) {
        rec.position_s = p;
        rec.anchor_shared_ms = stop_at;
      } else {
        rec.position_s = target;
        rec.anchor_shared_ms = shared;
      }
    }
    set_local_record(now, std::move(rec), true, -1);
    return;
  }

  if (cur_.state == GroupState::Waiting && cur_.waiting_for == id_ &&
      shared >= cur_.anchor_shared_ms) {
    const double p = cur_.position_s;
    if (fraction_ < 1 && horizon_s_ < std::min(p + own_resume_margin(), limit)) return;
    PlaybackState rec = cur_;
    rec.seq = next_playback_seq(max_seq_);
    rec.updated_by = id_;
    const std::string other = most_lagging(now, p, cfg_.margins.resume_s);
    if (!other.empty()) {
      rec.waiting_for = other;  // hand the wait over rather than resume and stop again at once
      set_local_record(now, std::move(rec), true, -1);
    } else {
      rec.state = GroupState::Playing;
      rec.waiting_for.clear();
      set_local_record(now, std::move(rec), true, lead_ms(false));
    }
  }
}

void PlaybackSync::control(double now) {
  control_deadline_ = kInf;
  if (!el_known_ || cur_.state == GroupState::Idle) return;
  // Seeking time is never drift: wait for the element to land.
  if (seek_in_flight_ || el_seeking_) return;
  const bool timed = cur_.state == GroupState::Playing || cur_.state == GroupState::Waiting;
  if (timed && !clock_.synced()) {
    cmd_pause(now);  // cannot know where the group is yet (one round trip)
    return;
  }
  const double shared = shared_now(now);
  const bool unscheduled = cur_.anchor_shared_ms == kInf;  // our start, not sent yet
  const bool moving = !unscheduled && cur_.moving_at(shared);
  const bool will_start =
      cur_.state == GroupState::Playing && !unscheduled && shared < cur_.anchor_shared_ms;

  if (moving || will_start) {
    // Before the start, a playing element waits for it (the clicker's own included), unless we
    // started it ourselves, early by its start latency, or it is where it would be if we had.
    if (!moving && !el_paused_ && !started_for_schedule_) {
      const double off_ms = start_at_for(element_position(now)) - shared;
      if (std::fabs(off_ms) > cfg_.start_tolerance_ms) cmd_pause(now);
      else started_for_schedule_ = true;
    }
    if (el_paused_) {
      start_from_rest(now, shared);
      return;
    }
    correct_drift(now, shared);
    return;
  }

  // At rest: paused exactly where the group is.
  cmd_pause(now);
  const double desired = cur_.position_at(shared);
  if (std::fabs(element_position(now) - desired) > cfg_.rest_tolerance_s) cmd_seek(now, desired);
  nudging_ = false;
  reset_trend();
  cmd_rate(now, trimmed(0), true);
}

void PlaybackSync::start_from_rest(double now, double shared) {
  if (bg_paused_ && !visible_) return;  // the browser paused us in the background: catch up when visible
  const double pos = el_pos_;
  if (cur_.state == GroupState::Waiting) {
    // The group is about to stop: rest where it will stop instead of starting for a moment.
    if (std::fabs(pos - cur_.position_s) > cfg_.rest_tolerance_s) cmd_seek(now, cur_.position_s);
    control_deadline_ = clock_.to_local(cur_.anchor_shared_ms);
    return;
  }
  const double start_at = start_at_for(pos);
  const double hold_limit = std::max(shared, cur_.anchor_shared_ms) + cfg_.max_hold_ms;
  const bool late = start_at < shared - cfg_.start_tolerance_ms;
  if ((!late || rest_seeks_ >= 3) && start_at <= hold_limit) {
    if (start_at <= shared + 0.5) {  // within half a millisecond: now (timers are not exact)
      cmd_play(now);
      started_for_schedule_ = true;
      rest_seeks_ = 0;
    } else {
      control_deadline_ = clock_.to_local(start_at);
    }
    return;
  }
  seek_ahead(now, shared);
}

double PlaybackSync::start_at_for(double pos) const {
  // Start when the group passes our position, early by the element's start latency. A player a
  // few ms short of a scheduled start point starts that much earlier instead of seeking.
  const double reach =
      cur_.anchor_shared_ms + (pos - cur_.position_s) * 1000.0 / (cur_.rate > 0 ? cur_.rate : 1.0);
  return reach - start_latency_ms_;
}

void PlaybackSync::seek_ahead(double now, double shared) {
  // Land where the group will be once the seek is done (with a margin), then wait for it there:
  // a wait is exact, whereas starting behind would take seconds of nudging.
  double land = shared + seek_budget_ms();
  if (cur_.state == GroupState::Playing) land = std::max(land, cur_.anchor_shared_ms);
  ++rest_seeks_;
  cmd_seek(now, cur_.position_at(land));
}

void PlaybackSync::correct_drift(double now, double shared) {
  if (cur_.state == GroupState::Waiting) control_deadline_ = clock_.to_local(cur_.anchor_shared_ms);
  if (settling_ || !drift_valid_) return;
  const double target = picture_target();
  const double d = drift_ms_ - target;
  const double seek_threshold = catch_up_ ? cfg_.catch_up_threshold_ms : cfg_.seek_threshold_ms;
  catch_up_ = false;
  if (std::fabs(d) > seek_threshold) {
    ++stats_.corrective_seeks;
    cmd_pause(now);
    nudging_ = false;
    cmd_rate(now, trimmed(0), true);
    seek_ahead(now, shared);
    return;
  }
  // A steady trend over a quiet stretch is a clock rate difference: cancel it with the trim.
  if (!nudging_ && trend_n_ >= 100 && now - trend_t0_ >= cfg_.trim_window_ms) {
    const double n = trend_n_;
    const double var = trend_stt_ / n - (trend_st_ / n) * (trend_st_ / n);
    if (var > 0) {
      const double slope = (trend_std_ / n - (trend_st_ / n) * (trend_sd_ / n)) / var;  // ms per ms
      trim_ = std::clamp(trim_ - 0.8 * slope, -cfg_.max_trim, cfg_.max_trim);
    }
    reset_trend();
  }
  // Hysteresis: start beyond the dead band, stop close to zero or when the sign flips. Right
  // after a start or a seek the band is narrower: the start latency of a player varies by tens of
  // ms, and that error is removed once, while the player is starting anyway, instead of being left
  // to add up with the other viewers' (each may sit 20 ms off, in opposite directions). Measured
  // by presented frames, no band is narrower than 0.55 frames (SyncConfig::frame_band).
  if (landing_ && !nudging_ && now > landing_until_) landing_ = false;
  // Following another viewer's picture, the band is this viewer's own step: it can place its
  // picture that finely, and the one it follows cannot.
  const double band =
      target != 0 ? std::max(cfg_.follow_band_min_ms, cfg_.frame_band * (picture_step_ms_ > 0 ? picture_step_ms_ : cfg_.assumed_step_ms))
                  : std::max(landing_ ? cfg_.landing_band_ms : cfg_.deadband_ms, cfg_.frame_band * frame_ms_);
  if (!nudging_) {
    if (std::fabs(d) > band) {
      nudging_ = true;
      nudge_sign_ = d > 0 ? 1 : -1;
      reset_trend();
    }
  } else if (std::fabs(d) < cfg_.nudge_stop_ms || (d > 0 ? 1 : -1) != nudge_sign_) {
    nudging_ = false;
    landing_ = false;
    reset_trend();
  }
  double k = 0;
  if (nudging_) {
    k = std::clamp(-d / cfg_.nudge_tau_ms, -cfg_.max_nudge, cfg_.max_nudge);
    if (std::fabs(k) < cfg_.min_nudge) k = std::copysign(cfg_.min_nudge, k);
    k = std::round(k / cfg_.rate_step) * cfg_.rate_step;
  }
  cmd_rate(now, trimmed(k), !nudging_);
}

void PlaybackSync::add_trend_point(double now, double drift_ms) {
  if (trend_n_ == 0) {
    trend_t0_ = now;
    trend_st_ = trend_sd_ = trend_stt_ = trend_std_ = 0;
  }
  const double t = now - trend_t0_;  // relative, so the sums keep their precision
  ++trend_n_;
  trend_st_ += t;
  trend_sd_ += drift_ms;
  trend_stt_ += t * t;
  trend_std_ += t * drift_ms;
}

// -------------------------------------------------------------------------------------- commands

bool PlaybackSync::command_budget(double now) {
  // A safety net, not a mechanism: the element's events re-enter the core synchronously, so a
  // logic error that undoes its own command would otherwise hang the page in one task.
  if (now != budget_at_) {
    budget_at_ = now;
    budget_used_ = 0;
  }
  if (++budget_used_ <= 16) return true;
  ++stats_.suppressed_commands;
  return false;
}

void PlaybackSync::cmd_play(double now) {
  if (!el_paused_ || !command_budget(now)) return;
  commands_.push_back({CommandKind::Play, 0});
  expect_.push_back({CommandKind::Play, el_pos_, now});
  el_paused_ = false;
  el_at_ = now;
  bg_paused_ = false;
  reset_trend();
  start_measuring_ = true;
  play_issued_at_ = now;
  play_from_s_ = el_pos_;
  settling_ = true;
  advancing_reports_ = 0;
  drift_valid_ = false;
}

void PlaybackSync::cmd_pause(double now) {
  if (el_paused_ || !command_budget(now)) return;
  el_pos_ = element_position(now);
  el_at_ = now;
  commands_.push_back({CommandKind::Pause, 0});
  expect_.push_back({CommandKind::Pause, el_pos_, now});
  el_paused_ = true;
  start_measuring_ = false;
  started_for_schedule_ = false;
  settling_ = true;
  drift_valid_ = false;
  reset_trend();
}

void PlaybackSync::cmd_seek(double now, double position_s) {
  if (!command_budget(now)) return;
  position_s = std::max(0.0, position_s);
  if (duration() > 0) position_s = std::min(position_s, duration());
  commands_.push_back({CommandKind::Seek, position_s});
  expect_.push_back({CommandKind::Seek, position_s, now});
  ++stats_.seeks;
  seek_in_flight_ = true;
  seek_target_ = position_s;
  seek_issued_at_ = now;
  el_pos_ = position_s;
  el_at_ = now;
  el_seeking_ = true;
  start_measuring_ = false;
  settling_ = true;
  drift_valid_ = false;
  reset_trend();
}

void PlaybackSync::cmd_rate(double now, double rate, bool force) {
  if (std::fabs(rate - cmd_rate_) < 1e-9) return;
  if (!force && now < last_rate_cmd_at_ + cfg_.rate_change_interval_ms) {
    control_deadline_ = std::min(control_deadline_, last_rate_cmd_at_ + cfg_.rate_change_interval_ms);
    return;
  }
  commands_.push_back({CommandKind::SetRate, rate});
  cmd_rate_ = rate;
  last_rate_cmd_at_ = now;
  ++stats_.rate_changes;
}

void PlaybackSync::measure_afresh() {
  catch_up_ = true;
  settling_ = true;
  advancing_reports_ = 0;
  drift_valid_ = false;
}

bool PlaybackSync::take_cut_short_seek(double position_s, double seekable_end_s) {
  if (!std::isfinite(seekable_end_s) || std::fabs(position_s - seekable_end_s) > kSeekMatchS) return false;
  for (auto it = expect_.begin(); it != expect_.end(); ++it) {
    if (it->kind != CommandKind::Seek || it->position_s <= seekable_end_s + kSeekMatchS) continue;
    expect_.erase(it);
    return true;
  }
  return false;
}

bool PlaybackSync::take_expectation(CommandKind kind, double position_s) {
  for (auto it = expect_.begin(); it != expect_.end(); ++it) {
    if (it->kind != kind) continue;
    if (kind == CommandKind::Seek && std::fabs(it->position_s - position_s) > kSeekMatchS) continue;
    expect_.erase(it);
    return true;
  }
  return false;
}

double PlaybackSync::element_position(double now) const {
  if (el_paused_ || el_seeking_) return el_pos_;
  return el_pos_ + std::max(0.0, now - el_at_) * el_rate_ / 1000.0;
}

}  // namespace wt
