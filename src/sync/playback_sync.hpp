// Synchronized playback for one viewer: a pure state machine in the style of quinn-proto. It has no
// clock and no I/O: the glue passes `now` (local monotonic ms, e.g. performance.now()) into every
// call, feeds it events, and carries out what it polls.
//
// Glue contract
//   In:  the video element's DOM events 'play', 'pause', 'seeking' -> on_play_event / on_pause_event /
//        on_seeking_event, ALL of them, whatever caused them (the app's buttons only call
//        video.play()/pause()/currentTime=, never the core). The core tells the user's gestures from
//        the echoes of its own commands: a command that changes the element's state leaves an
//        expectation, and the matching event (same kind; for a seek, the same position) within
//        1.5 s is absorbed. Only unexplained events are user actions. Exceptions, as the browser
//        makes them: a 'pause' while the tab is hidden (background auto-pause) or at the end of the
//        media is not a gesture; nor is a 'seeking' at the end of what the element can seek to yet
//        (its seekable end, passed with the event) while a commanded seek beyond it is expected:
//        the element cut our seek short (Firefox reading a local WebM, for one), and the core
//        seeks again once it has landed, instead of sending the group back there. Nor is a 'play'
//        while the group plays, or a 'pause' while it rests: that viewer rejoins the group where it
//        is (its own Play after the browser paused it, or an echo later than 1.5 s on a busy
//        machine, whose position is stale) and nothing is published.
//        requestVideoFrameCallback -> on_presented_frame with the frame's mediaTime and
//        expectedDisplayTime; where the browser has no such callback, a timer -> on_player_report
//        with currentTime. Drift is measured by what is on screen where frames are given (see
//        on_presented_frame), by currentTime otherwise; status().frame_measured says which.
//        The /watch-playback/{id} record -> on_remote_state (a default PlaybackState, seq 0, when the
//        record does not exist: until the database has been heard, nothing is published, so a
//        reloading viewer never overwrites the group with position 0).
//        viewers/{uid} -> on_viewer_report; clock probes -> poll_clock_probe / on_clock_sample.
//   Out: after every input, drain poll_command(), poll_publish(now), poll_viewer_report(now) until
//        all are empty, then arm one timer for poll_timeout() and call handle_timeout(now) then.
//        Execute commands synchronously in order (the element's state must reflect a command before
//        the next input).
//
// Rules it keeps
//   - No echo: applying a remote record yields commands, never a publish. A user action yields one
//     record (seq + 1, saturating at kMaxPlaybackSeq: next_playback_seq); records go out at most every 250 ms and the last one is never dropped (a
//     newer local record replaces an unsent one). The only other writes are Waiting/resume by the
//     viewer whose download is short, once per transition.
//   - Conflicts: the record with the higher (seq, updated_by) wins everywhere; a loser adopts the
//     winner without writing again.
//   - Start together: play is scheduled at a shared-clock instant at least 2 x the largest round trip
//     ahead (min 300 ms); every player, including the one that clicked, waits for it. Players are
//     started early by their measured start latency.
//   - Drift: measured by the frames the element presents (requestVideoFrameCallback; currentTime
//     where there are none). Nothing within ±20 ms, or 0.55 frame intervals when that is more
//     (a picture moves by whole frames); beyond, playbackRate is nudged within 0.95..1.05
//     (proportional, until it is under 3 ms or has crossed zero: hysteresis); beyond 1 s (200 ms
//     right after the tab becomes visible or a reconnect) one seek that lands slightly ahead, then
//     the player waits paused for the group and starts on time. While the element seeks or starts, nothing is measured, so corrections never
//     chase their own transients. Once it runs, the start itself (players' start latency varies by
//     tens of ms) is landed once with the same nudge to within 3 ms if it is off by more than
//     10 ms (or 0.55 frames); the ±20 ms band then holds for steady playback.
//   - Viewer to viewer: each picture moves in steps of its own, learnt from the plateaus of the
//     per-frame drift (Chromium keeps its frame cadence and moves by a whole frame, 33 ms at 30 fps;
//     Firefox by a 60 Hz refresh, 16.7 ms), so the bands above leave two viewers up to a band on
//     either side of the timeline. A viewer whose picture is settled (measured by frames, not
//     correcting) reports where it sits ("pic") and its step ("step"). Every viewer follows the
//     viewer with the coarsest step (unknown counts as a refresh; between equals, the lowest user
//     id), if that one is coarser than itself or as coarse with a lower id: it aims at that one's
//     picture as settled since the group's last start, within 0.55 of its own step (at least 4 ms),
//     instead of at the timeline. The coarsest viewer keeps to the timeline, so the group stays on it
//     within a band; a follower that has not seen its picture move yet assumes a refresh and, if it
//     moves by frames, learns so from its first overshoot.
//   - Clock rate: the element's media clock and the shared clock tick at rates up to ±100 ppm apart
//     (6 ms a minute). Left alone that builds a sawtooth up to the dead band on each viewer, in
//     opposite phase on two viewers (60 ms apart). So the trend of the drift over quiet 40 s
//     stretches is measured (least squares) and cancelled by a persistent playbackRate trim of at
//     most ±0.05 %, far below anything audible and well inside the nudge range.
//   - Download lag: when this viewer's playable horizon is less than 4 s ahead of the group, it
//     writes Waiting with a stop scheduled ~lead ahead (so nobody seeks back), and when it has 12 s
//     (or the whole file) it writes the resume, scheduled like a play; if another viewer still lacks
//     12 s, it hands the wait over to that viewer instead. 4 s covers the worst propagation of the
//     stop (250 ms window + one-way delays + lead, about 1 s) several times over, so the element
//     never stalls on its own; the 8 s between the two margins means that a download slower than
//     playback pauses the group at most once per 8 s of media it gains, not on every piece. A
//     viewer whose download gains media at least 1.5x as fast as playback uses (set_download_gain)
//     resumes at 5 s instead: the gap then grows by itself, so no second wait follows, and a seek
//     into data not yet downloaded plays within seconds; at 3x it resumes at 2 s and stops below
//     1 s of its own (DownloadMargins, shared with the unlock rule). A play click while a viewer
//     (by its report, if under 15 s old; this one by its own margin) lacks 4 s becomes a wait for
//     that viewer: still the clicker's one write. A viewer that left (on_viewer_left, or a report
//     gone stale) no longer holds the group: the next play click starts it.
//   - Late join, reload, reconnect, tab visible again: the viewer is placed at the group's current
//     position at once (seek ahead, wait, start), never at 0. An element the browser paused in a
//     hidden tab is left alone until the tab is visible again.
#pragma once

#include <cmath>
#include <cstdint>
#include <deque>
#include <limits>
#include <map>
#include <optional>
#include <string>

#include "sync/clock_estimator.hpp"
#include "sync/download_margins.hpp"
#include "sync/playback_state.hpp"

namespace wt {

enum class CommandKind : std::uint8_t { Play = 0, Pause = 1, Seek = 2, SetRate = 3 };

struct PlayerCommand {
  CommandKind kind = CommandKind::Play;
  double value = 0;  // Seek: media seconds; SetRate: playbackRate; otherwise 0
};

struct SyncStatus {
  GroupState state = GroupState::Idle;
  std::string text;            // "Playing", "Waiting for Bob's download… 45%", ...
  std::string waiting_for;     // user id, when waiting
  double waiting_fraction = 0; // that viewer's download fraction, 0..1 (the % in the text)
  double resume_progress = 0;  // 0..1: how far that viewer is towards the data needed to resume
  double position_s = 0;       // group position now
  double drift_ms = 0;         // this player minus the group, filtered (0 when not measured)
  bool frame_measured = false; // drift is measured by presented frames (else by currentTime)
  double picture_step_ms = 0;  // how far this viewer's picture moves at a time (0: unknown)
  double target_ms = 0;        // where it aims against the group: another viewer's settled picture, or 0
  bool starting = false;       // a start is scheduled and not reached yet
  bool clock_synced = false;
};

struct SyncStats {
  std::uint32_t user_actions = 0;      // genuine gestures recognised
  std::uint32_t published = 0;         // records handed out by poll_publish
  std::uint32_t system_writes = 0;     // of which Waiting / resume / handover
  std::uint32_t coalesced = 0;         // unsent local records replaced by a newer local one
  std::uint32_t superseded = 0;        // unsent local records dropped because a remote one won
  std::uint32_t echoes_absorbed = 0;   // player events recognised as our own commands
  std::uint32_t rejoins = 0;           // a play while the group plays, a pause while it rests: not published
  std::uint32_t seeks = 0;             // Seek commands issued
  std::uint32_t corrective_seeks = 0;  // of which for drift of a playing element
  std::uint32_t seeks_cut_short = 0;   // commanded seeks the element ended at its seekable end
  std::uint32_t rate_changes = 0;      // SetRate commands issued
  std::uint32_t frames = 0;            // presented frames measured (on_presented_frame)
  std::uint32_t suppressed_commands = 0;  // over 16 commands at one instant: a bug, never expected
};

struct SyncConfig {
  double publish_interval_ms = 250;   // at most one record per 250 ms
  double min_lead_ms = 300;           // a scheduled start is at least this far ahead
  double seek_lead_ms = 300;          // more when the others must seek first
  double deadband_ms = 20;            // drift we leave alone
  double landing_band_ms = 10;        // ... except right after a start or seek (see above)
  // Measured by presented frames, both bands are at least this many frame intervals: a browser
  // shows whole frames, and Chromium keeps its frame cadence through a small rate change, so the
  // picture moves by one frame at a time (33 ms at 30 fps), not smoothly. A band narrower than
  // half a frame would chase a step it cannot make smaller, and overshoot to the other side.
  double frame_band = 0.55;
  // Viewer to viewer: a viewer whose picture moves in finer steps than another's (or as fine, and its
  // user id higher) follows where that one's picture settled (its report's "pic") instead of the
  // group's timeline, within frame_band x its own step (at least follow_band_min_ms). Steps are learnt from the jumps of the
  // per-frame drift: at least step_min_ms, and step_min_frames frame intervals.
  double follow_band_min_ms = 4;
  // A follower that has not seen its own picture move yet takes its step for a 60 Hz refresh: if it
  // moves by whole frames instead, its first corrections overshoot and teach it so.
  double assumed_step_ms = 1000.0 / 60;
  double follow_max_ms = 60;          // a settled picture further off than this is not followed
  double step_min_ms = 5;
  double step_min_frames = 0.3;
  double step_tolerance_ms = 3;       // steps this close are as coarse as each other
  double picture_report_ms = 2;       // a settled picture that moved this much is reported again
  double landing_ms = 4000;           // how long "right after" lasts
  double nudge_stop_ms = 3;           // nudging stops below this (hysteresis)
  double nudge_tau_ms = 2000;         // rate = 1 - drift / tau, i.e. drift halves in ~1.4 s
  double max_nudge = 0.05;            // playbackRate stays within 1 ± 0.05
  double min_nudge = 0.01;            // smaller changes take too long to matter
  double rate_step = 0.005;           // rates are quantised so small wobbles do not spam SetRate
  double rate_change_interval_ms = 250;
  double seek_threshold_ms = 1000;    // beyond: one seek instead of nudging
  double catch_up_threshold_ms = 200; // the same right after visible / reconnect
  double rest_tolerance_s = 0.010;    // paused players closer than this to the group are left alone
  double start_tolerance_ms = 30;     // a paused player this far behind just starts and nudges
  double seek_margin_ms = 80;         // a catch-up seek lands this much ahead of the group
  double max_hold_ms = 2000;          // a paused player further ahead than this seeks back instead
  double trim_window_ms = 40000;      // quiet playing time over which the drift trend is measured
  double max_trim = 5e-4;             // a learned rate trim stays within ±0.05 % (clocks: ±100 ppm)
  DownloadMargins margins;            // when a download too short stops the group, and resumes it
  double report_interval_ms = 250;    // viewer reports at most this often
  double progress_report_interval_ms = 1000;  // and when only the download fraction moved, this often
  double report_heartbeat_ms = 5000;  // and at least this often while the download is incomplete
  double report_stale_ms = 15000;     // other viewers' reports older than this are ignored
  double expect_ttl_ms = 1500;        // how long a command's DOM event is expected
  double seek_timeout_ms = 5000;      // a seek not seen to finish is given up
  ClockEstimatorConfig clock;
};

class PlaybackSync {
 public:
  PlaybackSync(std::string user_id, std::string display_name, SyncConfig cfg = {});

  // ---- inputs ----
  void set_media_duration(double duration_s);
  // DOM events of the video element (see the contract above); position = video.currentTime.
  void on_play_event(double now, double position_s);
  void on_pause_event(double now, double position_s);
  // seekable_end_s: the end of the element's last seekable range (infinity when unknown).
  void on_seeking_event(double now, double position_s,
                        double seekable_end_s = std::numeric_limits<double>::infinity());
  // The glue found the element already in the state a Play or Pause command asks for, so no DOM
  // event will follow (browsers fire 'play'/'pause' only on a change). Forgets the expectation the
  // command left; otherwise the user's next gesture of that kind within expect_ttl_ms would be
  // taken for the missing echo and swallowed.
  void on_command_no_event(CommandKind kind);
  // What the element says now (currentTime, paused, seeking, playbackRate).
  void on_player_report(double now, double position_s, bool paused, bool seeking, double rate);
  // A frame the element presents (requestVideoFrameCallback): media_s (the frame's mediaTime) is on
  // screen from display_at (its expectedDisplayTime, a local time like now, often still ahead of
  // it). The element's position at `now` follows from it unclamped: media_s - (display_at - now) x
  // rate. Measured this way, the core aligns what the viewers see rather than currentTime, which
  // browsers keep at their own distance from the picture (Chromium and Firefox 15-35 ms apart). A
  // frame shows a media time up to one frame interval behind the element's clock; viewers of the
  // same movie share that lag on average, so it cancels between them and the filter smooths it.
  void on_presented_frame(double now, double display_at, double media_s, bool paused, bool seeking,
                          double rate);
  void on_remote_state(double now, const PlaybackState& state);
  void on_viewer_report(double now, const ViewerReport& report);  // any viewer, self included
  void on_viewer_left(double now, const std::string& user_id);
  // This viewer's playable horizon (media seconds reachable without a stall from the group position,
  // group_position(now)) and downloaded fraction 0..1 (1: the whole file, never waits).
  void set_local_horizon(double now, double horizon_s, double fraction);
  // Media seconds this viewer's download gains per second (its rate over the media's bitrate,
  // derated; 0: unknown). Only this viewer's own resume uses it.
  void set_download_gain(double gain) { download_gain_ = std::isfinite(gain) && gain > 0 ? gain : 0; }
  void on_visibility(double now, bool visible);
  void on_reconnect(double now);
  // Clock probes: when poll_clock_probe(now) is true, send one; report the answer.
  bool poll_clock_probe(double now);
  void on_clock_sample(double t0, double server_ms, double t1);
  void handle_timeout(double now);

  // ---- outputs ----
  std::optional<PlayerCommand> poll_command();
  std::optional<PlaybackState> poll_publish(double now);  // the record to write
  std::optional<ViewerReport> poll_viewer_report(double now);
  double poll_timeout() const;  // next local deadline (+infinity: none)

  SyncStatus status(double now) const;
  const PlaybackState& group_state() const { return cur_; }
  double group_position(double now) const;  // where the group is now (media seconds)
  const ClockEstimator& clock() const { return clock_; }
  const SyncStats& stats() const { return stats_; }
  const std::string& user_id() const { return id_; }

 private:
  enum class Action { Play, Pause, Seek };
  struct Pending {
    PlaybackState rec;
    bool system = false;
    double lead_ms = -1;  // >= 0: the anchor is set when sent, this far ahead (a scheduled start)
  };
  struct Expect {
    CommandKind kind;
    double position_s;
    double at;
  };

  void evaluate(double now);
  bool publish_ready() const;
  void user_action(double now, Action a, double position_s);
  void set_local_record(double now, PlaybackState rec, bool system, double lead_ms);
  void adopt(const PlaybackState& rec);
  void check_download(double now);
  void control(double now);
  void start_from_rest(double now, double shared);
  void correct_drift(double now, double shared);
  void seek_ahead(double now, double shared);
  double start_at_for(double pos) const;  // shared instant to start a paused element at pos
  void absorb_echo(double now, double position_s);

  void cmd_play(double now);
  void cmd_pause(double now);
  void cmd_seek(double now, double position_s);
  void cmd_rate(double now, double rate, bool force);
  double trimmed(double k) const { return cur_.rate * (1 + k) * (1 + trim_); }
  void reset_trend() { trend_n_ = 0; }
  void add_trend_point(double now, double drift_ms);
  bool take_expectation(CommandKind kind, double position_s);
  // The element may be anywhere (back from the background, a seek cut short): drop the drift
  // estimate, and correct what the next measurement finds with a catch-up seek.
  void measure_afresh();
  // A commanded seek beyond seekable_end_s that the element ended there instead.
  bool take_cut_short_seek(double position_s, double seekable_end_s);
  bool command_budget(double now);

  double element_position(double now) const;
  double shared_now(double now) const { return clock_.to_shared(now); }
  double lead_ms(bool others_must_seek) const;
  double duration() const { return duration_s_ > 0 ? duration_s_ : cur_.duration_s; }
  double seek_budget_ms() const { return seek_est_ms_ + 2 * seek_dev_ms_ + cfg_.seek_margin_ms; }
  // The viewer lacking the most before position + margin (this one by its own margin, when that is
  // given: its gain is known here, the others' is not); "" when none.
  std::string most_lagging(double now, double position_s, double margin_s, double self_margin_s = -1) const;
  bool report_fresh(double now, const ViewerReport& r) const;
  // Where this viewer's picture aims, against the group's timeline (ms): where the viewer it
  // follows settled, or 0 (see SyncConfig::follow_band_min_ms).
  double picture_target() const;
  bool picture_settled() const;
  void learn_step(double raw_drift_ms);
  std::string name_of(const std::string& user_id) const;

  std::string id_;
  std::string name_;
  SyncConfig cfg_;
  ClockEstimator clock_;

  PlaybackState cur_;           // the group record as this viewer holds it
  bool remote_known_ = false;   // the database has been heard (record or its absence)
  std::uint32_t max_seq_ = 0;
  double duration_s_ = 0;

  std::optional<Pending> pending_;
  double last_publish_;

  std::map<std::string, ViewerReport> viewers_;  // others' latest reports
  bool horizon_known_ = false;
  double horizon_s_ = 0;
  double fraction_ = 0;
  double download_gain_ = 0;
  double own_resume_margin() const { return cfg_.margins.resume(download_gain_); }
  double own_enter_waiting_margin() const { return cfg_.margins.enter_waiting(download_gain_); }
  std::optional<ViewerReport> last_report_;
  double last_report_at_;
  bool report_forced_ = true;

  // The video element as far as the core knows: from reports, events and its own commands.
  bool el_known_ = false;
  bool el_paused_ = true;
  bool el_seeking_ = false;
  double el_pos_ = 0;
  double el_rate_ = 1;
  double el_at_ = 0;        // local time el_pos_ refers to
  double cmd_rate_ = 1;     // playbackRate last commanded
  double last_rate_cmd_at_;
  std::deque<Expect> expect_;
  std::deque<PlayerCommand> commands_;
  double budget_at_ = 0;
  int budget_used_ = 0;

  bool seek_in_flight_ = false;
  double seek_target_ = 0;
  double seek_issued_at_ = 0;
  double seek_est_ms_ = 150;  // learned seek duration (mean, mean deviation)
  double seek_dev_ms_ = 60;
  int rest_seeks_ = 0;        // consecutive seeks that still left us behind

  bool started_for_schedule_ = false;  // we started the element (early) for the scheduled start
  bool start_measuring_ = false;  // learning the element's start latency
  double play_issued_at_ = 0;
  double play_from_s_ = 0;
  double start_latency_ms_ = 40;

  bool settling_ = true;       // after a start or seek: drift not measured yet
  int advancing_reports_ = 0;
  double prev_report_pos_ = 0;
  bool drift_valid_ = false;
  double drift_ms_ = 0;
  bool by_frames_ = false;    // presented frames have been measured (on_presented_frame)
  double frame_media_ = -1;   // the last presented frame's media time, for the frame interval
  double frame_deltas_[15] = {};  // recent intervals between presented frames (media ms)
  int frame_delta_n_ = 0;
  double frame_ms_ = 0;       // their median: the movie's frame interval as presented (0: unknown)
  bool frame_report_ = false; // the report being handled comes from a presented frame
  // The per-frame drift holds still between the moves of the picture: a level it holds for
  // kSteadyFrames frames is a plateau, and a step is the change from one plateau to the next (one
  // move may show over two frames).
  static constexpr int kSteadyFrames = 5;
  double level_ms_ = 0;       // the per-frame drift's current level, and for how many frames
  int level_frames_ = 0;
  bool plateau_known_ = false;
  double plateau_ms_ = 0;
  double step_jumps_[8] = {}; // recent steps between plateaus (ms)
  int step_jump_n_ = 0;
  double picture_step_ms_ = 0;  // their median: how far this viewer's picture moves at a time (0: unknown)
  struct Picture {
    double ms = 0;        // where that viewer's picture settled against the group's timeline
    double at = -std::numeric_limits<double>::infinity();  // shared time of the report that said so
  };
  std::map<std::string, Picture> pictures_;  // others' last settled pictures (their steps: viewers_)
  bool nudging_ = false;
  int nudge_sign_ = 0;
  bool landing_ = false;      // just started: the narrower band applies
  double landing_until_ = 0;
  bool catch_up_ = false;
  bool visible_ = true;
  double trim_ = 0;           // learned rate trim (dimensionless)
  int trend_n_ = 0;           // least-squares sums of (t, drift) over the current quiet stretch
  double trend_t0_ = 0, trend_st_ = 0, trend_sd_ = 0, trend_stt_ = 0, trend_std_ = 0;
  bool bg_paused_ = false;  // paused by the browser while hidden

  double control_deadline_;
  double report_deadline_;
  double last_now_;
  SyncStats stats_;
};

}  // namespace wt
