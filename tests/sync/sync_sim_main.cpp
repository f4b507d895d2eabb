// The standard playback-sync scenario behind the bench's sim_drift_* figures. Prints one JSON line.
//
// Two viewers, 100 ms mean round trip to the database (45 ms each way plus exponential jitter of
// mean 5 ms each way), clocks 60 s ahead / behind and 100 ppm fast / slow, three minutes with a
// pause and resume every 15 s (by either viewer) and a seek every 30 s.
//   sim_drift_*: |position difference| of the two simulated players at true time, sampled every
//     10 ms while both are playing, leaving out the 3.5 s after each play or seek (convergence).
//   sim_pause_propagation_p95_ms: from a pause click until every player has stopped.
//   sim_seek_propagation_p95_ms: from a seek click until every player is at the new position
//     (playing again, within 100 ms of the group, if the group was playing).
// Usage: wt_sync_sim [seed]
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "sync/sim_harness.hpp"

using namespace wt::sim;

int main(int argc, char** argv) {
  const std::uint32_t seed = argc > 1 ? std::uint32_t(std::strtoul(argv[1], nullptr, 10)) : 42;

  ViewerSpec alice;
  alice.id = "alice";
  alice.name = "Alice";
  alice.clock_offset_ms = 60000;
  alice.clock_ppm = 100;
  alice.up_ms = alice.down_ms = 45;
  alice.jitter_ms = 5;
  ViewerSpec bob = alice;
  bob.id = "bob";
  bob.name = "Bob";
  bob.clock_offset_ms = -60000;
  bob.clock_ppm = -100;

  SimHarness h(seed, {alice, bob});
  std::vector<double> starts;  // plays and seeks: convergence windows
  h.run_until(2000);
  h.user_play(0);
  starts.push_back(h.now());
  int k = 0;
  for (double t = 15000; t < 180000; t += 15000, ++k) {
    const std::size_t who = std::size_t(k % 2);
    h.run_until(t);
    if (k % 2 == 1) {
      h.user_seek(1 - who, 60.0 * (k + 3));
      starts.push_back(h.now());
      continue;
    }
    h.user_pause(who);
    h.run_until(t + 3000);
    h.user_play(1 - who);
    starts.push_back(h.now());
  }
  h.run_until(190000);

  std::vector<double> drift;
  for (const DriftSample& d : h.samples()) {
    if (d.max_pair_ms < 0) continue;
    bool settling = false;
    for (double s : starts) settling = settling || (d.t >= s && d.t < s + 3500);
    if (!settling) drift.push_back(d.max_pair_ms);
  }
  std::vector<double> pause_ms, seek_ms;
  for (const Propagation& p : h.propagations()) {
    if (p.took_ms < 0) continue;
    (p.is_seek ? seek_ms : pause_ms).push_back(p.took_ms);
  }
  const bool ok = !h.step_limit_hit() && !h.command_storm() && h.total_writes() == h.total_gestures();
  std::printf(
      "{\"sim_drift_p50_ms\":%.1f,\"sim_drift_p95_ms\":%.1f,\"sim_drift_max_ms\":%.1f,"
      "\"sim_pause_propagation_p95_ms\":%.0f,\"sim_seek_propagation_p95_ms\":%.0f,"
      "\"sim_drift_samples\":%zu,\"sim_writes\":%u,\"sim_user_actions\":%u,\"seed\":%u}\n",
      percentile(drift, 0.5), percentile(drift, 0.95), max_of(drift), percentile(pause_ms, 0.95),
      percentile(seek_ms, 0.95), drift.size(), h.total_writes(), h.total_gestures(), seed);
  return ok ? 0 : 1;
}
