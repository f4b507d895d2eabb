// A virtual-clock harness for playback sync, in the spirit of quinn-proto's test Pair: a simulated
// database server with the true clock, 2-4 viewers each with a skewed local clock, a simulated
// video element and the real PlaybackSync core, and one-way delays with jitter between them.
// Time only moves when the harness steps it, to the earliest pending event or deadline.
//
// The model, and where it is deliberately pessimistic:
// - Server: keeps the record with the highest (seq, updatedBy) (transaction semantics: a write
//   that does not supersede the stored record is rejected, as runTransaction would abort it) and
//   fans accepted records out to every viewer, the writer included. serverTimestamp is the true
//   time truncated to whole milliseconds.
// - Paths: per viewer, an up and a down path (asymmetric if configured), each a base one-way delay
//   plus exponentially distributed jitter, and FIFO like the WebSocket underneath Firebase.
// - Clocks: local = true * (1 + ppm * 1e-6) + offset. The element's media time advances with the
//   local clock times playbackRate (so a fast clock also plays the media fast).
// - Element: play() starts advancing after 20-80 ms; a seek freezes the position for 30-300 ms
//   (seeking = true); the position never passes the download horizon (a stall); DOM events
//   ('play', 'pause', 'seeking') fire synchronously when the state changes, exactly as the browser
//   fires them for a script call or a click alike, and the glue forwards them all to the core.
// - Picture: what the viewer sees lags the element's clock (currentTime) by a per-viewer
//   present_lag_ms, as each browser's presentation pipeline does (measured here: Chromium's
//   currentTime 10 ms behind the frame it presents, Firefox's level with it), and shows whole
//   frames of frame_ms. Drift samples compare the pictures
//   (position - lag, unquantised: the browser tests interpolate between presented frames too).
// - Glue: while visible, every 16-33 ms, either a presented frame (requestVideoFrameCallback: the
//   frame on screen at a display time callback_lead_ms after the call, fed to on_presented_frame)
//   or, for a viewer without frame callbacks, currentTime (on_player_report); while hidden, no
//   reports and timers clamped to 1 s, as browsers throttle background tabs.
// Randomness comes from one std::mt19937 with a printed seed.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <random>
#include <string>
#include <vector>

#include "sync/playback_sync.hpp"

namespace wt {
namespace sim {

class Rng {
 public:
  explicit Rng(std::uint32_t seed) : g_(seed) {}
  double uniform(double a, double b) { return std::uniform_real_distribution<double>(a, b)(g_); }
  double exponential(double mean) {
    return mean > 0 ? std::exponential_distribution<double>(1.0 / mean)(g_) : 0.0;
  }
  int index(int n) { return std::uniform_int_distribution<int>(0, n - 1)(g_); }
  bool chance(double p) { return uniform(0, 1) < p; }

 private:
  std::mt19937 g_;
};

struct ViewerSpec {
  std::string id;
  std::string name;
  double clock_offset_ms = 0;  // local = true * (1 + ppm * 1e-6) + offset
  double clock_ppm = 0;
  double up_ms = 25;           // one-way delay viewer -> server
  double down_ms = 25;         // one-way delay server -> viewer
  double jitter_ms = 0;        // mean of the exponential extra delay, each way
  double join_at_ms = 0;       // true time at which the page opens
  double horizon_start_s = -1; // < 0: the whole file is there; else the playable horizon at join
  double horizon_rate = 0;     // media seconds the download adds per second
  bool paused_by_browser_when_hidden = false;
  double present_lag_ms = 0;     // the picture shows the element's clock this much late
  double frame_ms = 0;           // the picture shows whole frames of this length (0: continuous)
  double callback_lead_ms = 0;   // a frame callback comes this much before the frame's display time
  bool frame_callbacks = true;   // requestVideoFrameCallback (else currentTime reports)
  // > 0: the picture keeps its frame cadence (one frame per frame interval of the local clock,
  // whatever playbackRate says) until it is this far from the element's clock, then drops or
  // repeats frames to meet it, as Chromium's compositor does; 0: it follows the clock exactly.
  double cadence_slack_ms = 0;
  // > 0: a screen that refreshes this often (local clock): a picture changes only at a refresh, and
  // frame callbacks come as browsers make them, once per new frame on screen (callback_lead_ms before
  // that refresh), with currentTime every 100 ms while none come (paused, seeking, stalled). Drift
  // samples then compare what is on screen as the browser tests do: the frame shown, plus the time
  // since it went on screen. 0: a callback every 16-33 ms for the frame at that moment.
  double refresh_ms = 0;
};

struct PlayerEvent {
  enum Kind { Play, Pause, Seeking } kind;
  double position_s;
};

// The video element.
class SimPlayer {
 public:
  double duration_s = 7200;

  bool paused() const { return paused_; }
  bool seeking(double local) const { return local < seek_until_; }
  double rate() const { return rate_; }
  double horizon() const { return horizon_s_; }
  double position(double local) const {
    if (paused_) return pos_;
    const double b = begin();
    if (local <= b) return pos_;
    return std::min({pos_ + (local - b) * rate_ / 1000.0, std::max(pos_, horizon_s_), duration_s});
  }
  // Playing and actually moving: not paused, not seeking, started, not stalled at the horizon.
  bool advancing(double local) const {
    if (paused_ || local < begin()) return false;
    const double p = position(local);
    return p < std::max(pos_, horizon_s_) - 1e-9 && p < duration_s;
  }
  std::optional<PlayerEvent> play(double local, double latency_ms) {
    if (!paused_) return std::nullopt;
    paused_ = false;
    ref_ = local;
    start_at_ = local + latency_ms;
    return PlayerEvent{PlayerEvent::Play, pos_};
  }
  std::optional<PlayerEvent> pause(double local) {
    if (paused_) return std::nullopt;
    pos_ = position(local);
    paused_ = true;
    return PlayerEvent{PlayerEvent::Pause, pos_};
  }
  PlayerEvent seek(double local, double p, double took_ms) {
    rebase(local);
    pos_ = std::clamp(p, 0.0, duration_s);
    ref_ = local;
    seek_until_ = local + took_ms;
    return PlayerEvent{PlayerEvent::Seeking, pos_};
  }
  void set_rate(double local, double r) {
    rebase(local);
    rate_ = r;
  }
  void set_horizon(double local, double h) {
    rebase(local);
    horizon_s_ = h;
  }
  void reset() { *this = SimPlayer{duration_s}; }

  explicit SimPlayer(double duration = 7200) : duration_s(duration) {}

 private:
  double begin() const { return std::max({ref_, seek_until_, start_at_}); }
  void rebase(double local) {
    if (paused_ || local <= begin()) return;
    pos_ = position(local);
    ref_ = local;
  }

  bool paused_ = true;
  double pos_ = 0;
  double ref_ = -1e18;
  double rate_ = 1;
  double seek_until_ = -1e18;
  double start_at_ = -1e18;
  double horizon_s_ = 1e18;
};

struct SimViewer {
  ViewerSpec spec;
  std::unique_ptr<PlaybackSync> core;
  SimPlayer player;
  bool joined = false;
  bool connected = true;
  bool visible = true;
  int incarnation = 0;          // a reload makes a new page: messages for the old one are lost
  double next_report_t = 0;     // true time of the next element report
  double next_horizon_t = 0;
  double last_wake_t = -1e18;   // for the 1 s timer clamp while hidden
  double up_last = 0;           // FIFO: last arrival on each path
  double down_last = 0;
  std::vector<PlaybackState> offline_writes;  // Firebase queues writes while offline
  std::uint32_t writes = 0;     // records this viewer published
  std::uint32_t gestures = 0;   // DOM events caused by the simulated user that ask for a change
  std::uint32_t rejoins = 0;    // its play while the group plays, pause while it rests: no change
  std::uint32_t seeks_applied = 0;
  double min_rate = 1, max_rate = 1;
  double cadence_pos = 0;       // cadence_slack_ms > 0: the picture showed cadence_pos at cadence_at
  double cadence_at = -1e18;
  double next_refresh = -1e18;  // refresh_ms > 0: the next refresh (local), and the frame on screen
  double shown_media = -1;      // since shown_at (local)
  double shown_at = -1e18;
  double idle_report_at = -1e18;

  double local(double t) const { return spec.clock_offset_ms + t * (1 + spec.clock_ppm * 1e-6); }
  double true_of(double l) const { return (l - spec.clock_offset_ms) / (1 + spec.clock_ppm * 1e-6); }
};

struct SimServer {
  std::optional<PlaybackState> state;
  std::map<std::string, ViewerReport> reports;
  std::uint32_t writes_received = 0;
  std::uint32_t writes_rejected = 0;
};

struct DriftSample {
  double t;             // true ms
  double max_pair_ms;   // largest |picture difference| among running players; < 0: fewer than two
};

// A measured propagation: a gesture at t0 until every viewer is in the new state.
struct Propagation {
  double t0 = 0;
  std::size_t by = 0;
  bool is_seek = false;
  double target_s = 0;
  bool have_record = false;
  PlaybackState rec;
  double took_ms = -1;  // < 0: not complete (yet)
};

class SimHarness {
 public:
  SimHarness(std::uint32_t seed, std::vector<ViewerSpec> specs, double duration_s = 7200,
             SyncConfig cfg = {})
      : rng_(seed), seed_(seed), duration_s_(duration_s), cfg_(cfg) {
    for (ViewerSpec& s : specs) {
      SimViewer v;
      v.spec = s;
      v.player = SimPlayer(duration_s);
      viewers_.push_back(std::move(v));
    }
  }

  std::uint32_t seed() const { return seed_; }
  double now() const { return t_; }
  std::size_t size() const { return viewers_.size(); }
  SimViewer& viewer(std::size_t i) { return viewers_[i]; }
  PlaybackSync& core(std::size_t i) { return *viewers_[i].core; }
  const SimServer& server() const { return server_; }
  Rng& rng() { return rng_; }
  bool step_limit_hit() const { return step_limit_hit_; }
  bool command_storm() const { return command_storm_; }
  std::size_t steps() const { return steps_; }
  const std::vector<DriftSample>& samples() const { return samples_; }
  std::vector<Propagation>& propagations() { return props_; }

  double position(std::size_t i) const { return viewers_[i].player.position(viewers_[i].local(t_)); }
  // The media time on the viewer's screen now (unquantised): the element's clock, present_lag_ms
  // late, or the picture's own cadence (cadence_slack_ms).
  double picture(std::size_t i) const { return picture_at(viewers_[i], viewers_[i].local(t_)); }
  // What the drift samples compare: the picture, or with refresh_ms the frame on screen and the
  // time since it went there.
  double seen(std::size_t i) const {
    const SimViewer& v = viewers_[i];
    if (v.spec.refresh_ms <= 0 || v.shown_media < 0) return picture(i);
    return v.shown_media + (v.local(t_) - v.shown_at) / 1000.0;
  }
  bool paused(std::size_t i) const { return viewers_[i].player.paused(); }
  bool seeking(std::size_t i) const { return viewers_[i].player.seeking(viewers_[i].local(t_)); }
  bool advancing(std::size_t i) const {
    return viewers_[i].player.advancing(viewers_[i].local(t_));
  }
  // Where the stored record says the group is, in true (= server = shared) time.
  double group_truth() const { return server_.state ? server_.state->position_at(t_) : 0.0; }

  std::uint32_t total_writes() const {
    std::uint32_t n = 0;
    for (const SimViewer& v : viewers_) n += v.writes;
    return n;
  }
  std::uint32_t total_gestures() const {
    std::uint32_t n = 0;
    for (const SimViewer& v : viewers_) n += v.gestures;
    return n;
  }
  std::uint32_t total_rejoins() const {
    std::uint32_t n = 0;
    for (const SimViewer& v : viewers_) n += v.rejoins;
    return n;
  }

  // Runs until true time t (ms), stepping to the earliest event or deadline.
  void run_until(double t_end) {
    while (t_ < t_end && !step_limit_hit_) {
      if (++steps_ > max_steps_) {
        step_limit_hit_ = true;
        break;
      }
      double next = std::min(t_end, next_sample_t_);
      if (!queue_.empty()) next = std::min(next, queue_.top().t);
      for (SimViewer& v : viewers_) next = std::min(next, next_wake(v));
      if (next <= t_) {
        if (++same_time_ > 1000) next = t_ + 0.01;  // never spin on one instant
      } else {
        same_time_ = 0;
      }
      t_ = std::max(t_, next);
      step();
    }
  }
  void run_for(double ms) { run_until(t_ + ms); }

  // ---- the simulated user: clicks on the page's controls, acting on the element like a script
  // would. Returns false when the click changes nothing (no DOM event, nothing to count).
  bool user_play(std::size_t i) {
    SimViewer& v = viewers_[i];
    auto ev = v.player.play(v.local(t_), rng_.uniform(20, 80));
    if (!ev) return false;
    gesture(i, *ev, false);
    return true;
  }
  bool user_pause(std::size_t i) {
    SimViewer& v = viewers_[i];
    auto ev = v.player.pause(v.local(t_));
    if (!ev) return false;
    gesture(i, *ev, false);
    return true;
  }
  bool user_seek(std::size_t i, double position_s) {
    SimViewer& v = viewers_[i];
    PlayerEvent ev = v.player.seek(v.local(t_), position_s, rng_.uniform(30, 300));
    gesture(i, ev, true);
    return true;
  }

  void set_visible(std::size_t i, bool visible) {
    SimViewer& v = viewers_[i];
    if (!v.core) return;
    v.visible = visible;
    const double l = v.local(t_);
    v.core->on_visibility(l, visible);
    if (!visible && v.spec.paused_by_browser_when_hidden) {
      if (auto ev = v.player.pause(l)) deliver_event(i, *ev);
    }
    if (visible) v.next_report_t = t_;
    pump(i);
  }
  void disconnect(std::size_t i) { viewers_[i].connected = false; }
  void reconnect(std::size_t i) {
    SimViewer& v = viewers_[i];
    v.connected = true;
    for (const PlaybackState& rec : v.offline_writes) send_write(i, rec);
    v.offline_writes.clear();
    subscribe(i);
    v.core->on_reconnect(v.local(t_));
    pump(i);
  }
  // The page reloads: a new core, the element back at 0, paused; the database is read again.
  void reload(std::size_t i) {
    SimViewer& v = viewers_[i];
    ++v.incarnation;
    v.player.reset();
    open_page(i);
  }

 private:
  struct Event {
    double t;
    std::uint64_t order;
    std::function<void()> fn;
  };
  struct Later {
    bool operator()(const Event& a, const Event& b) const {
      return a.t != b.t ? a.t > b.t : a.order > b.order;
    }
  };

  void at(double t, std::function<void()> fn) { queue_.push(Event{t, order_++, std::move(fn)}); }
  static double picture_at(const SimViewer& v, double local) {
    const double clock = v.player.position(local - v.spec.present_lag_ms);
    if (v.spec.cadence_slack_ms <= 0 || v.cadence_at < -1e17 || !v.player.advancing(local)) return clock;
    return v.cadence_pos + (local - v.cadence_at) / 1000.0;
  }
  // The cadence picture meets the element's clock again when it is too far from it: by a whole
  // frame dropped or repeated where frames are whole (frame_ms), as Chromium does, else at once; and
  // whenever the element does not run at all (paused, seeking, stalled: the picture is the clock's
  // frame).
  static void keep_cadence(SimViewer& v, double local) {
    if (v.spec.cadence_slack_ms <= 0) return;
    const double clock = v.player.position(local - v.spec.present_lag_ms);
    const double off = (picture_at(v, local) - clock) * 1000.0;
    if (!v.player.advancing(local) || v.cadence_at < -1e17 ||
        (std::fabs(off) > v.spec.cadence_slack_ms && (v.spec.frame_ms <= 0 || std::fabs(off) > 2 * v.spec.frame_ms))) {
      v.cadence_pos = clock;
      v.cadence_at = local;
    } else if (std::fabs(off) > v.spec.cadence_slack_ms) {
      v.cadence_pos -= std::copysign(v.spec.frame_ms / 1000.0, off);
    }
  }

  // The refreshes whose callback time has come: a new frame on screen at one is called back.
  void present(SimViewer& v, double l) {
    const double r = v.spec.refresh_ms, lead = v.spec.callback_lead_ms;
    if (v.next_refresh < l - 1000) v.next_refresh = std::ceil((l + lead) / r) * r;  // first, or back from hidden
    bool presented = false;
    while (v.next_refresh - lead <= l + 1e-9) {
      const double at = v.next_refresh;
      v.next_refresh += r;
      keep_cadence(v, at);
      if (!v.player.advancing(at)) continue;
      double media = picture_at(v, at);
      if (v.spec.frame_ms > 0) {
        const double f = v.spec.frame_ms / 1000.0;
        media = std::floor(media / f + 1e-9) * f;
      }
      if (media == v.shown_media) continue;
      v.shown_media = media;
      v.shown_at = at;
      presented = true;
      v.core->on_presented_frame(l, at, media, v.player.paused(), v.player.seeking(l), v.player.rate());
    }
    if (!presented && !v.player.advancing(l) && l >= v.idle_report_at + 100) {
      v.idle_report_at = l;
      v.core->on_player_report(l, v.player.position(l), v.player.paused(), v.player.seeking(l), v.player.rate());
    }
    v.next_report_t = v.true_of(v.next_refresh - lead);
  }

  double next_wake(SimViewer& v) {
    if (!v.joined) return v.spec.join_at_ms;
    double w = v.next_horizon_t;
    if (v.visible) w = std::min(w, v.next_report_t);
    const double d = v.core->poll_timeout();
    if (std::isfinite(d)) {
      double tw = v.true_of(d) + 1e-4;  // strictly after, so the core sees its deadline reached
      if (!v.visible) tw = std::max(tw, v.last_wake_t + 1000);
      w = std::min(w, tw);
    }
    return w;
  }

  void step() {
    while (!queue_.empty() && queue_.top().t <= t_) {
      Event e = queue_.top();
      queue_.pop();
      e.fn();
    }
    for (std::size_t i = 0; i < viewers_.size(); ++i) {
      SimViewer& v = viewers_[i];
      if (!v.joined) {
        if (t_ >= v.spec.join_at_ms) open_page(i);
        continue;
      }
      const double l = v.local(t_);
      if (t_ >= v.next_horizon_t) update_horizon(i);
      if (v.visible && t_ >= v.next_report_t && v.spec.frame_callbacks && v.spec.refresh_ms > 0) {
        present(v, l);
      } else if (v.visible && t_ >= v.next_report_t) {
        if (v.spec.frame_callbacks) {
          // The frame that will be on screen at the display time, and when that is.
          const double display_at = l + v.spec.callback_lead_ms;
          keep_cadence(v, display_at);
          double media = picture_at(v, display_at);
          if (v.spec.frame_ms > 0) {
            const double f = v.spec.frame_ms / 1000.0;
            media = std::floor(media / f + 1e-9) * f;
          }
          v.core->on_presented_frame(l, display_at, media, v.player.paused(), v.player.seeking(l),
                                     v.player.rate());
        } else {
          v.core->on_player_report(l, v.player.position(l), v.player.paused(), v.player.seeking(l),
                                   v.player.rate());
        }
        v.next_report_t = t_ + rng_.uniform(16, 33);
      }
      const double d = v.core->poll_timeout();
      if (std::isfinite(d) && l >= d && (v.visible || t_ >= v.last_wake_t + 1000)) {
        v.last_wake_t = t_;
        v.core->handle_timeout(l);
      }
      pump(i);
    }
    if (t_ >= next_sample_t_) {
      sample();
      next_sample_t_ += 10;
    }
    check_propagations();
  }

  void open_page(std::size_t i) {
    SimViewer& v = viewers_[i];
    v.joined = true;
    v.connected = true;
    v.visible = true;
    v.core = std::make_unique<PlaybackSync>(v.spec.id, v.spec.name, cfg_);
    v.core->set_media_duration(duration_s_);
    v.next_report_t = t_;
    v.next_horizon_t = t_;
    v.last_wake_t = -1e18;
    update_horizon(i);
    subscribe(i);
    pump(i);
  }

  void update_horizon(std::size_t i) {
    SimViewer& v = viewers_[i];
    const double l = v.local(t_);
    double h = duration_s_, f = 1.0;
    if (v.spec.horizon_start_s >= 0) {
      h = std::min(duration_s_,
                   v.spec.horizon_start_s + v.spec.horizon_rate * (t_ - v.spec.join_at_ms) / 1000.0);
      f = h >= duration_s_ ? 1.0 : h / duration_s_;
      v.next_horizon_t = t_ + 100;  // a piece verified every 100 ms or so
    } else {
      v.next_horizon_t = 1e300;
    }
    v.player.set_horizon(l, h);
    v.core->set_local_horizon(l, h, f);
  }

  // Listening to the record and the viewers: one round trip, then the current values.
  void subscribe(std::size_t i) {
    const int inc = viewers_[i].incarnation;
    send_up(i, [this, i, inc] {
      send_down(i, inc, [this, i] {
        SimViewer& v = viewers_[i];
        const double l = v.local(t_);
        v.core->on_remote_state(l, server_.state ? *server_.state : PlaybackState{});
        for (const auto& kv : server_.reports) v.core->on_viewer_report(l, kv.second);
        pump(i);
      });
    });
  }

  void send_up(std::size_t i, std::function<void()> at_server) {
    SimViewer& v = viewers_[i];
    if (!v.connected) return;
    double arrive = t_ + v.spec.up_ms + rng_.exponential(v.spec.jitter_ms);
    arrive = std::max(arrive, v.up_last + 1e-3);
    v.up_last = arrive;
    at(arrive, std::move(at_server));
  }
  void send_down(std::size_t i, int incarnation, std::function<void()> at_viewer) {
    SimViewer& v = viewers_[i];
    if (!v.joined || !v.connected) return;
    double arrive = t_ + v.spec.down_ms + rng_.exponential(v.spec.jitter_ms);
    arrive = std::max(arrive, v.down_last + 1e-3);
    v.down_last = arrive;
    at(arrive, [this, i, incarnation, fn = std::move(at_viewer)] {
      const SimViewer& w = viewers_[i];
      if (w.connected && w.incarnation == incarnation) fn();
    });
  }

  void pump(std::size_t i) {
    SimViewer& v = viewers_[i];
    if (!v.core) return;
    const double l = v.local(t_);
    for (int guard = 0; guard < 100; ++guard) {
      bool progress = false;
      int commands = 0;
      while (auto c = v.core->poll_command()) {
        apply(i, *c);
        progress = true;
        if (++commands > 100) {  // a command loop: the core keeps undoing itself
          command_storm_ = true;
          step_limit_hit_ = true;
          return;
        }
      }
      while (auto rec = v.core->poll_publish(l)) {
        publish(i, *rec);
        progress = true;
      }
      while (auto r = v.core->poll_viewer_report(l)) {
        send_report(i, *r);
        progress = true;
      }
      if (v.core->poll_clock_probe(l)) {
        probe(i, l);
        progress = true;
      }
      if (!progress) break;
    }
  }

  void apply(std::size_t i, const PlayerCommand& c) {
    SimViewer& v = viewers_[i];
    const double l = v.local(t_);
    std::optional<PlayerEvent> ev;
    switch (c.kind) {
      case CommandKind::Play: ev = v.player.play(l, rng_.uniform(20, 80)); break;
      case CommandKind::Pause: ev = v.player.pause(l); break;
      case CommandKind::Seek:
        ++v.seeks_applied;
        ev = v.player.seek(l, c.value, rng_.uniform(30, 300));
        break;
      case CommandKind::SetRate:
        v.player.set_rate(l, c.value);
        v.min_rate = std::min(v.min_rate, c.value);
        v.max_rate = std::max(v.max_rate, c.value);
        break;
    }
    if (ev) deliver_event(i, *ev);
    // Like the browser glue: a play/pause that changed nothing fires no event, and the core is told.
    else if (c.kind == CommandKind::Play || c.kind == CommandKind::Pause) v.core->on_command_no_event(c.kind);
  }

  void deliver_event(std::size_t i, const PlayerEvent& ev) {
    SimViewer& v = viewers_[i];
    const double l = v.local(t_);
    switch (ev.kind) {
      case PlayerEvent::Play: v.core->on_play_event(l, ev.position_s); break;
      case PlayerEvent::Pause: v.core->on_pause_event(l, ev.position_s); break;
      case PlayerEvent::Seeking: v.core->on_seeking_event(l, ev.position_s); break;
    }
  }

  void gesture(std::size_t i, const PlayerEvent& ev, bool is_seek) {
    SimViewer& v = viewers_[i];
    // A play while the group (as this viewer holds it) plays, or a pause while it rests, asks the
    // group for nothing new: the viewer rejoins it, and nothing is written (PlaybackSync's rule).
    const GroupState group = v.core->group_state().state;
    if (!is_seek && ((ev.kind == PlayerEvent::Play && group == GroupState::Playing) ||
                     (ev.kind == PlayerEvent::Pause && group == GroupState::Paused))) {
      ++v.rejoins;
      deliver_event(i, ev);
      pump(i);
      return;
    }
    ++v.gestures;
    for (Propagation& p : props_) {
      if (p.took_ms < 0) p.took_ms = -2;  // interrupted by a newer gesture: not measured
    }
    if (ev.kind != PlayerEvent::Play) {
      Propagation p;
      p.t0 = t_;
      p.by = i;
      p.is_seek = is_seek;
      p.target_s = ev.position_s;
      props_.push_back(p);
    }
    deliver_event(i, ev);
    pump(i);
  }

  void publish(std::size_t i, const PlaybackState& rec) {
    SimViewer& v = viewers_[i];
    ++v.writes;
    for (Propagation& p : props_) {
      if (p.by == i && p.took_ms == -1 && !p.have_record) {
        p.rec = rec;
        p.have_record = true;
      }
    }
    if (!v.connected) {
      v.offline_writes.push_back(rec);
      return;
    }
    send_write(i, rec);
  }

  void send_write(std::size_t i, const PlaybackState& rec) {
    send_up(i, [this, rec] {
      ++server_.writes_received;
      if (server_.state && !supersedes(rec, *server_.state)) {
        ++server_.writes_rejected;  // the transaction aborts: a newer record is stored
        return;
      }
      server_.state = rec;
      for (std::size_t j = 0; j < viewers_.size(); ++j) {
        send_down(j, viewers_[j].incarnation, [this, j, rec] {
          SimViewer& w = viewers_[j];
          w.core->on_remote_state(w.local(t_), rec);
          pump(j);
        });
      }
    });
  }

  void send_report(std::size_t i, const ViewerReport& r) {
    send_up(i, [this, r] {
      server_.reports[r.user_id] = r;
      for (std::size_t j = 0; j < viewers_.size(); ++j) {
        send_down(j, viewers_[j].incarnation, [this, j, r] {
          SimViewer& w = viewers_[j];
          w.core->on_viewer_report(w.local(t_), r);
          pump(j);
        });
      }
    });
  }

  void probe(std::size_t i, double t0_local) {
    const int inc = viewers_[i].incarnation;
    send_up(i, [this, i, inc, t0_local] {
      const double stamp = std::floor(t_);  // serverTimestamp: whole milliseconds
      send_down(i, inc, [this, i, t0_local, stamp] {
        SimViewer& v = viewers_[i];
        v.core->on_clock_sample(t0_local, stamp, v.local(t_));
        pump(i);
      });
    });
  }

  void sample() {
    double worst = -1;
    for (std::size_t i = 0; i < viewers_.size(); ++i) {
      if (!viewers_[i].joined || !advancing(i)) continue;
      for (std::size_t j = i + 1; j < viewers_.size(); ++j) {
        if (!viewers_[j].joined || !advancing(j)) continue;
        worst = std::max(worst, std::fabs(seen(i) - seen(j)) * 1000.0);
      }
    }
    samples_.push_back(DriftSample{t_, worst});
  }

  void check_propagations() {
    for (Propagation& p : props_) {
      if (p.took_ms != -1 || !p.have_record) continue;
      bool done = true;
      for (std::size_t j = 0; j < viewers_.size() && done; ++j) {
        if (!viewers_[j].joined) continue;
        const bool near = std::fabs(position(j) - p.rec.position_at(t_)) <= 0.1;
        if (seeking(j) && (p.is_seek || p.rec.state == GroupState::Playing)) done = false;
        else if (p.rec.state == GroupState::Playing) done = p.rec.moving_at(t_) && advancing(j) && near;
        else if (p.is_seek) done = paused(j) && near;
        else done = paused(j);  // a pause: everyone has stopped (seeking back to it is extra)
      }
      if (done) p.took_ms = t_ - p.t0;
    }
  }

  Rng rng_;
  std::uint32_t seed_;
  double duration_s_;
  SyncConfig cfg_;
  std::vector<SimViewer> viewers_;
  SimServer server_;
  std::priority_queue<Event, std::vector<Event>, Later> queue_;
  std::uint64_t order_ = 0;
  double t_ = 0;
  double next_sample_t_ = 0;
  std::size_t steps_ = 0;
  std::size_t max_steps_ = 20'000'000;
  int same_time_ = 0;
  bool step_limit_hit_ = false;
  bool command_storm_ = false;
  std::vector<DriftSample> samples_;
  std::vector<Propagation> props_;
};

// ---- statistics over drift samples

inline std::vector<double> drift_values(const std::vector<DriftSample>& s, double from_t, double to_t) {
  std::vector<double> v;
  for (const DriftSample& d : s) {
    if (d.t >= from_t && d.t <= to_t && d.max_pair_ms >= 0) v.push_back(d.max_pair_ms);
  }
  return v;
}

// Nearest-rank percentile, q in (0, 1]. Nothing measured is NaN, so that every bound checked on it
// fails: a sync that never ran must not pass as a perfect one.
inline double percentile(std::vector<double> v, double q) {
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  const double rank = std::ceil(q * double(v.size()));
  const std::size_t k = rank < 1 ? 0 : std::min(v.size() - 1, std::size_t(rank) - 1);
  return v[k];
}

inline double max_of(const std::vector<double>& v) {
  if (v.empty()) return std::nan("");
  double m = 0;
  for (double x : v) m = std::max(m, x);
  return m;
}

}  // namespace sim
}  // namespace wt
