// Playback sync with 2-4 simulated viewers on the virtual-clock harness (sim_harness.hpp): skewed
// clocks (±60 s, ±100 ppm), one-way delays with jitter, asymmetric paths, simulated players.
// Drift is measured between the simulated players' media positions at true time.
#include <catch2/catch.hpp>

#include <cstdio>
#include <vector>

#include "sync/sim_harness.hpp"

using wt::GroupState;
using wt::PlaybackState;
using wt::group_state_name;
using namespace wt::sim;

namespace {

// Viewer k of up to 4: distinct clocks, mean round trip `rtt_ms` of which 2 * jitter is jitter;
// `asym_ms` moves that much of the delay from one direction to the other (alternating signs).
ViewerSpec spec(int k, double rtt_ms, double jitter_ms = 5, double asym_ms = 0) {
  static const char* ids[] = {"alice", "bob", "carol", "dave"};
  static const char* names[] = {"Alice", "Bob", "Carol", "Dave"};
  static const double offsets[] = {60000, -60000, 31000, -45000};
  static const double ppms[] = {100, -100, 60, -40};
  ViewerSpec s;
  s.id = ids[k];
  s.name = names[k];
  s.clock_offset_ms = offsets[k];
  s.clock_ppm = ppms[k];
  const double base = rtt_ms / 2 - jitter_ms;
  const double a = (k % 2 == 0) ? asym_ms : -asym_ms;
  s.up_ms = base + a;
  s.down_ms = base - a;
  s.jitter_ms = jitter_ms;
  return s;
}

std::vector<ViewerSpec> group(int n, double rtt_ms, double jitter_ms = 5, double asym_ms = 0) {
  std::vector<ViewerSpec> v;
  for (int k = 0; k < n; ++k) v.push_back(spec(k, rtt_ms, jitter_ms, asym_ms));
  return v;
}

// Pairwise drift samples in [from, to], leaving out `settle_ms` after each action (the start and
// the first corrections, "after convergence").
std::vector<double> settled_drift(SimHarness& h, const std::vector<double>& actions, double settle_ms,
                                  double from, double to) {
  std::vector<double> v;
  for (const DriftSample& d : h.samples()) {
    if (d.t < from || d.t > to || d.max_pair_ms < 0) continue;
    bool settling = false;
    for (double a : actions) settling = settling || (d.t >= a && d.t < a + settle_ms);
    if (!settling) v.push_back(d.max_pair_ms);
  }
  return v;
}

double local_now(SimHarness& h, std::size_t i) { return h.viewer(i).local(h.now()); }

}  // namespace

namespace {
// The script of the drift tests: play, pause and resume by another viewer, two seeks while
// playing. Returns the action times.
std::vector<double> drift_script(SimHarness& h, std::size_t viewers) {
  std::vector<double> actions;
  auto act = [&](double t, auto fn) {
    h.run_until(t);
    actions.push_back(h.now());
    fn();
  };
  act(2000, [&] { h.user_play(0); });
  act(40000, [&] { h.user_pause(1); });
  act(45000, [&] { h.user_play(1); });
  act(70000, [&] { h.user_seek(viewers - 1, 1000); });
  act(100000, [&] { h.user_seek(0, 200); });
  h.run_until(130000);
  return actions;
}
}  // namespace

TEST_CASE("drift stays within 50 ms (p95) and never 500 ms at round trips up to 100 ms", "[sim]") {
  struct Case {
    int viewers;
    double rtt, jitter, asym;
  };
  // Jitter is the mean of an exponential extra delay each way; asymmetry moves that many ms of
  // one-way delay from one direction to the other, in opposite directions on alternate viewers.
  const Case cases[] = {{2, 20, 2, 0},  {2, 60, 5, 0},  {2, 100, 5, 0}, {2, 100, 15, 0},
                        {2, 100, 10, 5}, {3, 100, 5, 5}, {4, 100, 5, 0}};
  std::uint32_t seed = 101;
  for (const Case& c : cases) {
    for (int run = 0; run < 4; ++run, ++seed) {
      SimHarness h(seed, group(c.viewers, c.rtt, c.jitter, c.asym));
      INFO("seed " << seed << ", " << c.viewers << " viewers, rtt " << c.rtt << " ms, jitter "
                   << c.jitter << " ms, asymmetry " << c.asym << " ms");
      const std::vector<double> actions = drift_script(h, std::size_t(c.viewers));
      REQUIRE_FALSE(h.step_limit_hit());
      const std::vector<double> d = settled_drift(h, actions, 3500, 0, 130000);
      const double p95 = percentile(d, 0.95), worst = max_of(d);
      INFO("p50 " << percentile(d, 0.5) << " p95 " << p95 << " max " << worst << " n " << d.size());
      CHECK(d.size() > 9000);  // about 110 s of playing measured
      CHECK(p95 <= 50);
      CHECK(worst <= 500);
      CHECK(h.total_writes() == h.total_gestures());
    }
  }
}

TEST_CASE("asymmetric paths offset viewers by half their asymmetry, as round-trip timing must",
          "[sim]") {
  // Alice's path is 65 ms up / 25 ms down, Bob's 25 / 65: both measure a 90 ms round trip and
  // assume 45 ms each way, so Alice's shared clock is 20 ms ahead of the server's and Bob's 20 ms
  // behind. No round-trip measurement can see this; the players end up about 40 ms apart, which is
  // what this checks (and not a better figure).
  SimHarness h(19, group(2, 90, 0, 20));
  const std::vector<double> actions = drift_script(h, 2);
  const std::vector<double> d = settled_drift(h, actions, 3500, 0, 130000);
  INFO("p50 " << percentile(d, 0.5) << " max " << max_of(d) << " n " << d.size());
  CHECK(d.size() > 9000);
  CHECK(percentile(d, 0.5) == Approx(40).margin(10));
  CHECK(max_of(d) <= 40 + 30);  // the bias plus at most the dead band
}

TEST_CASE("pause leaves every viewer on the pauser's position", "[sim]") {
  SimHarness h(7, group(3, 100));
  h.run_until(2000);
  h.user_play(0);
  h.run_until(12000);
  REQUIRE(h.user_pause(1));
  const double at = h.position(1);
  h.run_for(1500);
  for (std::size_t i = 0; i < 3; ++i) {
    INFO("viewer " << i);
    CHECK(h.paused(i));
    CHECK_FALSE(h.seeking(i));
    CHECK(std::fabs(h.position(i) - at) <= 0.040);  // within a frame at 25 fps
    CHECK(h.core(i).status(local_now(h, i)).state == GroupState::Paused);
  }
  CHECK(h.position(1) == at);  // the pauser is not moved at all
  REQUIRE(h.propagations().size() == 1);
  CHECK(h.propagations()[0].took_ms >= 0);
  CHECK(h.propagations()[0].took_ms <= 300);  // one-way to the server and on, with jitter
  CHECK(h.total_writes() == 2);
}

TEST_CASE("seek while playing moves everyone, and they start again together", "[sim]") {
  SimHarness h(8, group(3, 100));
  h.run_until(2000);
  h.user_play(0);
  h.run_until(15000);
  REQUIRE(h.user_seek(2, 3000));
  const double t_seek = h.now();
  h.run_for(2500);
  for (std::size_t i = 0; i < 3; ++i) {
    INFO("viewer " << i);
    CHECK(h.advancing(i));
    CHECK(std::fabs(h.position(i) - h.group_truth()) <= 0.05);
    CHECK(h.position(i) > 3000);
    CHECK(h.position(i) < 3003);
  }
  REQUIRE(h.propagations().size() == 1);
  const double took = h.propagations()[0].took_ms;
  INFO("seek propagation " << took << " ms");
  CHECK(took >= 0);
  CHECK(took <= 1500);
  h.run_for(20000);
  const std::vector<double> d = settled_drift(h, {t_seek}, 3500, t_seek, h.now());
  CHECK(d.size() >= 1800);  // samples every 10 ms over the 19 s after settling
  CHECK(percentile(d, 0.95) <= 50);
  CHECK(h.total_writes() == 2);
}

TEST_CASE("seek while paused moves everyone and keeps them paused", "[sim]") {
  SimHarness h(9, group(2, 60));
  h.run_until(2000);
  h.user_seek(1, 600);
  h.run_for(1500);
  for (std::size_t i = 0; i < 2; ++i) {
    CHECK(h.paused(i));
    CHECK(h.position(i) == Approx(600));
  }
  CHECK(h.server().state->state == GroupState::Paused);
  CHECK(h.total_writes() == 1);
}

TEST_CASE("1000 random actions from 4 viewers: one write each, no echo, all converge", "[sim]") {
  const std::uint32_t seed = 20240611;
  INFO("seed " << seed);
  SimHarness h(seed, group(4, 100, 10, 5));
  Rng& rng = h.rng();
  h.run_until(2000);
  std::vector<double> last_action(4, -1e9);
  int actions = 0;
  while (actions < 1000 && !h.step_limit_hit()) {
    h.run_for(20 + rng.exponential(400));
    const std::size_t i = std::size_t(rng.index(4));
    // People do not click faster than about three times a second; this also keeps every action
    // its own record (faster clicks by one viewer are merged into one write, by design).
    if (h.now() - last_action[i] < 300) continue;
    bool acted = false;
    switch (rng.index(3)) {
      case 0: acted = h.user_play(i); break;
      case 1: acted = h.user_pause(i); break;
      default: acted = h.user_seek(i, rng.uniform(0, 7000)); break;
    }
    if (acted) {
      last_action[i] = h.now();
      ++actions;
    }
  }
  h.run_for(10000);
  REQUIRE_FALSE(h.step_limit_hit());
  REQUIRE_FALSE(h.command_storm());
  REQUIRE(actions == 1000);
  // A click that asks for what the group already does (play while it plays: a viewer held for the
  // start, or seeking) rejoins it and writes nothing; every other one writes once.
  CHECK(h.total_gestures() + h.total_rejoins() == 1000);
  CHECK(h.total_gestures() > 600);
  // Exactly one write per action, per viewer: none from applying remote records.
  for (std::size_t i = 0; i < 4; ++i) {
    INFO("viewer " << i);
    CHECK(h.viewer(i).writes == h.viewer(i).gestures);
    CHECK(h.core(i).stats().user_actions == h.viewer(i).gestures);
    CHECK(h.core(i).stats().system_writes == 0);
  }
  CHECK(h.server().writes_received == h.total_gestures());
  // Converged: everyone holds the stored record and the players agree with it.
  REQUIRE(h.server().state);
  const PlaybackState& final_rec = *h.server().state;
  for (std::size_t i = 0; i < 4; ++i) {
    INFO("viewer " << i);
    CHECK(wt::same_record(h.core(i).group_state(), final_rec));
    CHECK_FALSE(h.seeking(i));
    if (final_rec.state == GroupState::Playing) {
      CHECK(h.advancing(i));
      CHECK(std::fabs(h.position(i) - h.group_truth()) <= 0.050);
    } else {
      CHECK(h.paused(i));
      CHECK(std::fabs(h.position(i) - final_rec.position_s) <= 0.010);
    }
  }
}

TEST_CASE("a viewer whose download falls behind puts the group in Waiting and out again", "[sim]") {
  std::vector<ViewerSpec> v = group(2, 100);
  v[1].horizon_start_s = 40;  // Bob has 40 s and gains half a second of media per second
  v[1].horizon_rate = 0.5;
  SimHarness h(11, v);
  h.run_until(2000);
  h.user_play(0);
  bool saw_waiting = false, saw_resume = false;
  double stop_anchor = 0, waiting_pos = 0;
  std::string alice_text;
  int paused_checks = 0;
  double min_lead = 1e9;
  while (h.now() < 105000) {
    h.run_for(100);
    const SimViewer& bob = h.viewer(1);
    if (h.advancing(1)) min_lead = std::min(min_lead, bob.player.horizon() - h.position(1));
    const PlaybackState& s = *h.server().state;
    if (s.state == GroupState::Waiting && !saw_waiting) {
      saw_waiting = true;
      stop_anchor = s.anchor_shared_ms;
      waiting_pos = s.position_s;
      CHECK(s.waiting_for == "bob");
      CHECK(s.updated_by == "bob");
    }
    if (saw_waiting && !saw_resume && s.state == GroupState::Waiting && h.now() > stop_anchor + 1000) {
      // Both paused at one common position while waiting.
      ++paused_checks;
      CHECK(h.paused(0));
      CHECK(h.paused(1));
      // (a player this close to the position is not seeked: under a third of a frame)
      CHECK(h.position(0) == Approx(waiting_pos).margin(0.0101));
      CHECK(h.position(1) == Approx(waiting_pos).margin(0.0101));
      alice_text = h.core(0).status(local_now(h, 0)).text;
    }
    if (saw_waiting && s.state == GroupState::Playing && s.updated_by == "bob") saw_resume = true;
  }
  REQUIRE(saw_waiting);
  REQUIRE(saw_resume);
  CHECK(paused_checks > 50);
  // 4 s of margin when entering, a stop scheduled ahead: Bob's player never ran dry.
  CHECK(min_lead > 2.5);
  // The wait starts when Bob has 4 s left: the group (started at 2.3 s) is at t - 2.3 and Bob's
  // horizon at 40 + 0.5 t, so 40 + 0.5 t = t - 2.3 + 4 at t = 76.6 s, position 74.3 s; the stop is
  // scheduled a lead (0.3 s) later.
  CHECK(waiting_pos == Approx(74.6).margin(0.3));
  CHECK(alice_text.rfind("Waiting for Bob's download… ", 0) == 0);
  CHECK(alice_text.back() == '%');
  // Playing again, together.
  CHECK(h.advancing(0));
  CHECK(h.advancing(1));
  CHECK(std::fabs(h.position(0) - h.position(1)) <= 0.05);
  // Alice's one click; Bob's two writes (wait, resume), each once.
  CHECK(h.viewer(0).writes == 1);
  CHECK(h.viewer(1).writes == 2);
  CHECK(h.core(1).stats().system_writes == 2);
}

TEST_CASE("a download twice as fast as playback resumes the group at 5 s ahead, not 12, and never runs dry",
          "[sim]") {
  for (const double gain : {0.0, 2.0}) {
    CAPTURE(gain);
    std::vector<ViewerSpec> v = group(2, 100);
    v[1].horizon_start_s = 0;  // Bob has nothing yet, and gains 2 s of media per second
    v[1].horizon_rate = 2;
    SimHarness h(12, v);
    h.run_until(1000);  // both joined
    h.core(1).set_download_gain(gain);
    h.user_play(0);
    double horizon_at_resume = -1, min_lead = 1e9;
    while (h.now() < 30000) {
      h.run_for(50);
      if (!h.server().state) continue;
      const PlaybackState& s = *h.server().state;
      if (horizon_at_resume < 0 && s.state == GroupState::Playing && s.updated_by == "bob") {
        horizon_at_resume = h.viewer(1).player.horizon() - s.position_s;
      }
      if (h.advancing(1)) min_lead = std::min(min_lead, h.viewer(1).player.horizon() - h.position(1));
    }
    REQUIRE(horizon_at_resume > 0);  // Bob made the group wait, then resumed it
    if (gain >= 1.5) CHECK(horizon_at_resume == Approx(5).margin(0.5));
    else CHECK(horizon_at_resume == Approx(12).margin(0.5));
    CHECK(h.advancing(0));
    CHECK(h.advancing(1));
    CHECK(min_lead > 4);  // the gap only grew after the resume: no second wait
    CHECK(h.viewer(0).writes == 1);  // Alice's click, which became a wait for Bob
    CHECK(h.viewer(1).writes == 1);  // Bob's resume
  }
}

TEST_CASE("a download three times as fast as playback plays with 2 s ahead at once, and never runs dry", "[sim]") {
  for (const double gain : {2.0, 3.5}) {
    CAPTURE(gain);
    std::vector<ViewerSpec> v = group(2, 100);
    v[1].join_at_ms = 800;       // Bob unlocked with 2 s ahead, and gains 3 s of media per second:
    v[1].horizon_start_s = 2;    // 2.6 s ahead when he clicks
    v[1].horizon_rate = 3;
    SimHarness h(21, v);
    h.run_until(1000);  // both joined
    h.core(1).set_download_gain(gain);
    REQUIRE(h.user_play(1));
    double min_lead = 1e9;
    bool waited = false;
    while (h.now() < 20000) {
      h.run_for(50);
      if (h.server().state && h.server().state->state == GroupState::Waiting) waited = true;
      if (h.advancing(1)) min_lead = std::min(min_lead, h.viewer(1).player.horizon() - h.position(1));
    }
    CHECK(h.advancing(0));
    CHECK(h.advancing(1));
    if (gain >= 3) {
      // Quick: Bob's click starts the group (his one write), and the gap only grows from there.
      CHECK_FALSE(waited);
      CHECK(h.viewer(1).writes == 1);
      CHECK(min_lead > 1);
    } else {
      // Fast but not quick: 2.6 s is short of the 4 s margin, so the click waits for 5 s first.
      CHECK(waited);
      CHECK(h.viewer(1).writes == 2);
      CHECK(min_lead > 4);
    }
  }
}

TEST_CASE("a quick download that stops dead: the group stops for it before its element runs dry", "[sim]") {
  std::vector<ViewerSpec> v = group(2, 100);
  v[1].join_at_ms = 800;
  v[1].horizon_start_s = 2;
  v[1].horizon_rate = 3;
  SimHarness h(22, v);
  h.run_until(1000);
  h.core(1).set_download_gain(3.5);
  REQUIRE(h.user_play(1));
  h.run_for(3000);
  REQUIRE(h.advancing(1));
  // The download stops: the horizon stays where it is, and the glue still reports the gain it
  // measured (it decays only as its rate window moves on): the tightest case.
  auto& bob = h.viewer(1).spec;
  bob.horizon_start_s = h.viewer(1).player.horizon();
  bob.horizon_rate = 0;
  double min_lead = 1e9;
  while (h.now() < 40000) {
    h.run_for(20);
    min_lead = std::min(min_lead, h.viewer(1).player.horizon() - h.position(1));
  }
  REQUIRE(h.server().state);
  CHECK(h.server().state->state == GroupState::Waiting);
  CHECK(h.server().state->waiting_for == "bob");
  // Stopped with media still ahead on both: no element ran dry.
  CHECK(min_lead > 0.2);
  CHECK(h.viewer(0).player.horizon() - h.position(0) > 0.2);
}

TEST_CASE("a play click while a viewer lacks data waits for them instead of starting", "[sim]") {
  std::vector<ViewerSpec> v = group(3, 100);
  v[1].horizon_start_s = 2;  // Bob has 2 s and gains 0.8 s per second
  v[1].horizon_rate = 0.8;
  SimHarness h(18, v);
  h.run_until(2000);
  REQUIRE(h.user_play(0));
  h.run_for(500);
  REQUIRE(h.server().state);
  CHECK(h.server().state->state == GroupState::Waiting);
  CHECK(h.server().state->waiting_for == "bob");
  CHECK(h.server().state->updated_by == "alice");
  for (std::size_t i = 0; i < 3; ++i) CHECK(h.paused(i));
  // Bob resumes once he has 12 s: (12 - 2) / 0.8 = 12.5 s after joining.
  h.run_until(12000);
  CHECK(h.server().state->state == GroupState::Waiting);
  h.run_until(15500);
  CHECK(h.server().state->state == GroupState::Playing);
  CHECK(h.server().state->updated_by == "bob");
  for (std::size_t i = 0; i < 3; ++i) CHECK(h.advancing(i));
  CHECK(h.viewer(0).writes == 1);
  CHECK(h.viewer(1).writes == 1);
  CHECK(h.viewer(2).writes == 0);
}

TEST_CASE("when two downloads are short, the wait is handed over instead of resumed", "[sim]") {
  // Bob runs short first. When he has enough, Carol (gaining only 0.3 s per second) still lacks
  // 12 s: resuming would stop the group again within seconds, so Bob hands the wait to her.
  std::vector<ViewerSpec> v = group(3, 100);
  v[1].horizon_start_s = 30;
  v[1].horizon_rate = 0.6;
  v[2].horizon_start_s = 53;
  v[2].horizon_rate = 0.3;
  SimHarness h(5, v);
  h.run_until(2000);
  h.user_play(0);
  std::vector<std::string> waited_for;
  std::uint32_t last_seq = 0;
  while (h.now() < 100000) {
    h.run_for(50);
    const PlaybackState& s = *h.server().state;
    if (s.seq != last_seq) {
      last_seq = s.seq;
      waited_for.push_back(s.state == GroupState::Waiting ? s.waiting_for : group_state_name(s.state));
    }
  }
  const std::vector<std::string> expected{"playing", "bob", "carol", "playing"};
  CHECK(waited_for == expected);
  CHECK(h.viewer(1).writes == 2);  // waiting, hand-over
  CHECK(h.viewer(2).writes == 1);  // resume
  CHECK(h.core(0).status(local_now(h, 0)).state == GroupState::Playing);
  CHECK(std::fabs(h.position(0) - h.position(2)) <= 0.05);
}

TEST_CASE("a late joiner is placed at the group's position within 3 s, never at 0", "[sim]") {
  std::vector<ViewerSpec> v = group(3, 100);
  v[2].join_at_ms = 60000;
  SimHarness h(12, v);
  h.run_until(2000);
  h.user_play(0);
  h.run_until(60000);
  const std::uint32_t seq = h.server().state->seq;
  double prev0 = h.position(0);
  double placed_after = -1;
  while (h.now() < 70000) {
    h.run_for(20);
    CHECK(h.position(0) >= prev0);  // the others never jump back
    prev0 = h.position(0);
    if (placed_after < 0 && h.advancing(2) && std::fabs(h.position(2) - h.position(0)) <= 0.05)
      placed_after = h.now() - 60000;
  }
  INFO("placed after " << placed_after << " ms");
  CHECK(placed_after >= 0);
  CHECK(placed_after <= 3000);
  CHECK(h.server().state->seq == seq);
  CHECK(h.viewer(2).writes == 0);
}

TEST_CASE("a reload mid-play rejoins the group and never sends it back to 0", "[sim]") {
  SimHarness h(13, group(2, 100));
  h.run_until(2000);
  h.user_play(0);
  h.run_until(30000);
  const std::uint32_t seq = h.server().state->seq;
  h.reload(1);
  // The fresh page's element at 0 starts playing (autoplay, or a click) before the database has
  // answered: that must not become the group's state.
  h.run_for(5);
  CHECK(h.user_play(1));
  double prev0 = h.position(0), placed_after = -1;
  while (h.now() < 36000) {
    h.run_for(20);
    CHECK(h.position(0) >= prev0);
    prev0 = h.position(0);
    if (placed_after < 0 && h.advancing(1) && std::fabs(h.position(1) - h.position(0)) <= 0.05)
      placed_after = h.now() - 30000;
  }
  CHECK(placed_after >= 0);
  CHECK(placed_after <= 3000);
  CHECK(h.server().state->seq == seq);
  CHECK(h.viewer(1).writes == 0);
  CHECK(h.core(1).stats().superseded == 1);
}

TEST_CASE("a hidden tab catches up at once when it becomes visible", "[sim]") {
  for (bool browser_pauses : {true, false}) {
    INFO("paused by the browser while hidden: " << browser_pauses);
    std::vector<ViewerSpec> v = group(2, 100);
    v[1].paused_by_browser_when_hidden = browser_pauses;
    SimHarness h(14, v);
    h.run_until(2000);
    h.user_play(0);
    h.run_until(10000);
    h.set_visible(1, false);
    h.run_until(40000);
    CHECK(h.server().state->state == GroupState::Playing);  // the group did not stop
    CHECK(h.advancing(0));
    h.set_visible(1, true);
    const double shown = h.now();
    double caught_up = -1;
    while (h.now() < shown + 5000) {
      h.run_for(10);
      if (caught_up < 0 && h.advancing(1) && std::fabs(h.position(1) - h.position(0)) <= 0.05)
        caught_up = h.now() - shown;
    }
    INFO("caught up after " << caught_up << " ms");
    CHECK(caught_up >= 0);
    CHECK(caught_up <= 1000);
    CHECK(h.total_writes() == 1);
  }
}

TEST_CASE("a viewer back from a disconnect catches up with what it missed", "[sim]") {
  SimHarness h(15, group(2, 100));
  h.run_until(2000);
  h.user_play(0);
  h.run_until(10000);
  h.disconnect(1);
  h.run_until(15000);
  h.user_pause(0);
  h.run_until(17000);
  h.user_seek(0, 500);
  h.run_until(20000);
  h.user_play(0);
  h.run_until(25000);
  CHECK(std::fabs(h.position(1) - h.position(0)) > 100);  // Bob is still on the old timeline
  h.reconnect(1);
  double caught_up = -1;
  while (h.now() < 30000) {
    h.run_for(10);
    if (caught_up < 0 && h.advancing(1) && std::fabs(h.position(1) - h.position(0)) <= 0.05)
      caught_up = h.now() - 25000;
  }
  CHECK(caught_up >= 0);
  CHECK(caught_up <= 3000);
  CHECK(h.viewer(1).writes == 0);
}

TEST_CASE("steady playback needs no seeks, only gentle rate changes within 0.95-1.05", "[sim]") {
  SimHarness h(16, group(2, 100));
  h.run_until(2000);
  h.user_play(0);
  h.run_until(302000);  // five minutes
  for (std::size_t i = 0; i < 2; ++i) {
    INFO("viewer " << i);
    CHECK(h.advancing(i));  // first: playback ran, for everyone, the whole time
    CHECK(h.position(i) >= 299.5);
    CHECK(h.position(i) <= 300.5);
    CHECK(h.core(i).stats().seeks == 0);  // everyone starts from the same paused position
    CHECK(h.core(i).stats().corrective_seeks == 0);
    CHECK(h.viewer(i).min_rate >= 0.95);
    CHECK(h.viewer(i).max_rate <= 1.05);
    CHECK(h.core(i).stats().rate_changes <= 30);  // no hunting
  }
  const std::vector<double> d = settled_drift(h, {2000}, 3500, 0, h.now());
  CHECK(d.size() >= 29000);  // samples every 10 ms over the 296.5 s after settling
  CHECK(percentile(d, 0.95) <= 20);
  CHECK(max_of(d) <= 50);
}

TEST_CASE("a large drift is corrected by one seek, not by a loop of them", "[sim]") {
  SimHarness h(17, group(2, 100));
  h.run_until(2000);
  h.user_play(0);
  h.run_until(20000);
  // Bob's decoder stalls for 1.6 s (nothing the core is told about), then goes on.
  SimViewer& bob = h.viewer(1);
  bob.player.set_horizon(bob.local(h.now()), h.position(1));
  h.run_for(1600);
  bob.player.set_horizon(bob.local(h.now()), 1e18);
  const double resumed = h.now();
  h.run_for(30000);
  CHECK(h.core(1).stats().corrective_seeks == 1);
  CHECK(h.core(0).stats().corrective_seeks == 0);
  const std::vector<double> d = settled_drift(h, {resumed}, 3000, resumed, h.now());
  CHECK(d.size() >= 2600);
  CHECK(percentile(d, 0.95) <= 50);
  CHECK(max_of(d) <= 100);
}

TEST_CASE("two browsers whose pictures differ are aligned by presented frames, the finer one following the coarser", "[sim]") {
  // One browser calls back 16 ms before a frame's display, shows its element's clock as it is and
  // keeps its frame cadence through a small rate change until it is 20 ms off, then drops or
  // repeats a whole frame, as Chromium does; the other calls back 4 ms ahead, shows its clock 30 ms
  // late and moves by a refresh at a time. Both show whole frames of a 30 fps movie on 60 Hz
  // screens of their own (refreshes in their own clocks' phase). Drift compares what is on screen.
  auto pair = [](bool frame_callbacks, std::size_t cadence) {
    std::vector<ViewerSpec> v = group(2, 100);
    v[cadence].callback_lead_ms = 16;
    v[cadence].cadence_slack_ms = 20;
    v[1 - cadence].callback_lead_ms = 4;
    v[1 - cadence].present_lag_ms = 30;
    for (ViewerSpec& s : v) {
      s.frame_ms = 1000.0 / 30;
      s.refresh_ms = 1000.0 / 60;
      s.frame_callbacks = frame_callbacks;
    }
    return v;
  };
  // Each pair both ways round (the cadence browser's user id first, then second: who leads
  // depends on the steps first, the ids only between equals). Without following (each viewer
  // aligned with the group's timeline alone, follow_max_ms < 0), the same pairs sit up to a band
  // on each side: p95 13.7-30.5 ms over seeds 18-29 (p50 up to 24.5), against 9.3-20.0 ms.
  for (std::size_t cadence = 0; cadence < 2; ++cadence) {
    for (std::uint32_t seed = 18; seed < 24; ++seed) {
      SimHarness h(seed, pair(true, cadence));
      INFO("seed " << seed << ", the cadence browser is viewer " << cadence);
      h.run_until(2000);
      h.user_play(0);
      h.run_until(12000);
      const std::uint32_t landed[2] = {h.core(0).stats().rate_changes, h.core(1).stats().rate_changes};
      h.run_until(72000);  // then a minute of steady playing
      const std::vector<double> d = settled_drift(h, {2000}, 3000, 0, h.now());
      INFO("p50 " << percentile(d, 0.5) << " p95 " << percentile(d, 0.95) << " max " << max_of(d));
      CHECK(d.size() >= 5500);
      // The follower's band (0.55 x 16.7 = 9.2 ms) and up to half a refresh (8.3 ms) between two
      // screens' refresh phases, and a little for the clocks' re-estimates.
      CHECK(percentile(d, 0.95) <= 21);
      CHECK(max_of(d) < 50);
      // Who follows whom. Once a picture has been seen to move, its viewer knows its step: a whole
      // frame for the cadence browser, a refresh for the other. The coarser one (a step not known
      // yet counting as a refresh; between equals, the lower user id, viewer 0) aims at the group's
      // timeline, the other at where that one's picture settled, as its report said.
      double steps[2];
      for (std::size_t i = 0; i < 2; ++i) steps[i] = h.core(i).status(local_now(h, i)).picture_step_ms;
      INFO("steps " << steps[0] << " " << steps[1]);
      if (steps[cadence] > 0) CHECK(steps[cadence] == Approx(1000.0 / 30).margin(3));
      if (steps[1 - cadence] > 0) CHECK(steps[1 - cadence] == Approx(1000.0 / 60).margin(3));
      const auto known = [](double s) { return s > 0 ? s : 1000.0 / 60; };
      const std::size_t leader = known(steps[1]) > known(steps[0]) + 3 ? 1 : 0;
      CHECK(h.core(leader).status(local_now(h, leader)).target_ms == 0);
      const wt::ViewerReport& said = h.server().reports.at(h.viewer(leader).spec.id);
      REQUIRE(said.has_picture());
      CHECK(h.core(1 - leader).status(local_now(h, 1 - leader)).target_ms == Approx(said.picture_ms).margin(3));
      for (std::size_t i = 0; i < 2; ++i) {
        INFO("viewer " << i);
        CHECK(h.core(i).status(local_now(h, i)).frame_measured);
        CHECK(h.core(i).stats().frames > 1500);
        // Steady playback: no seek, and a few gentle rate changes a minute at most (a viewer that
        // has not seen its picture move yet may learn its step by overshooting, once).
        CHECK(h.core(i).stats().corrective_seeks == 0);
        CHECK(h.core(i).stats().rate_changes - landed[i] <= 10);
        CHECK(h.viewer(i).min_rate >= 0.95);
        CHECK(h.viewer(i).max_rate <= 1.05);
      }
    }
  }
  SECTION("measured by currentTime (a browser without frame callbacks): the lag stays between the pictures") {
    SimHarness h(18, pair(false, 0));
    h.run_until(2000);
    h.user_play(0);
    h.run_until(62000);
    const std::vector<double> d = settled_drift(h, {2000}, 3000, 0, h.now());
    INFO("p50 " << percentile(d, 0.5));
    CHECK(percentile(d, 0.5) >= 20);  // the core cannot see what it does not measure
    CHECK_FALSE(h.core(1).status(local_now(h, 1)).frame_measured);
  }
}
