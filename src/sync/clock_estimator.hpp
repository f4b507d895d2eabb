// Shared clock: this viewer's estimate of the database server's clock, from timed round trips.
//
// NTP-style. A probe is sent at local time t0, the server stamps it ts (its clock), the answer is
// back at local time t1. If the server stamped it half-way, offset = ts - (t0 + t1) / 2; whatever
// the asymmetry of the path, the true offset lies within rtt / 2 of that (rtt = t1 - t0). So the
// sample with the smallest round trip is the most trustworthy: the estimator keeps the last 8 and
// uses the one with the smallest error bound. No clock is read here: every time is passed in.
//
// Clock rate error. Local clocks run up to ±100 ppm off the server's (±6 ms per minute), so a
// sample's offset goes stale as it ages. Instead of fitting a slope (a 30 s probe interval and
// round-trip jitter of a few ms make a slope estimate about as noisy as the drift it corrects), the
// error bound of each sample grows with its age at the worst-case rate, as NTP's dispersion does:
//   bound = rtt / 2 + extra + 0.5 ms (server resolution) + age * max_rate_error.
// Ages grow equally for all samples, so the ordering of bounds never changes with time: the best
// sample is picked when a sample arrives, and an old low-rtt sample gives way to a fresh one once its
// staleness outweighs its lower rtt (with 100 ppm, 10 ms of rtt is worth 100 s of age).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>

namespace wt {

struct ClockSample {
  double t0_ms = 0;         // local send time
  double server_ms = 0;     // the server's (or a peer's shared-clock) time stamp
  double t1_ms = 0;         // local receive time
  double extra_error_ms = 0;  // error already in server_ms (a peer's own uncertainty); 0 for the server

  double rtt_ms() const { return t1_ms - t0_ms; }
  double offset_ms() const;   // shared - local, assuming the stamp was taken half-way
};

struct ClockEstimatorConfig {
  std::size_t window = 8;               // samples kept
  int burst_samples = 8;                // probes sent quickly at start and after a reconnect
  double burst_interval_ms = 250;
  double steady_interval_ms = 30000;    // then one probe about every 30 s
  double recheck_interval_ms = 2000;    // sooner when the last round trip looks unlike the others
  double probe_timeout_ms = 5000;       // an unanswered probe is given up after this
  double max_rate_error = 100e-6;       // local clock vs server, worst case (100 ppm)
  double max_rtt_ms = 10000;            // longer round trips carry no useful information
  double stamp_resolution_ms = 1;       // serverTimestamp is whole milliseconds (truncated)
};

class ClockEstimator {
 public:
  explicit ClockEstimator(ClockEstimatorConfig cfg = {});

  // A round trip to the server: local send time, server stamp, local receive time. Returns false
  // and ignores it for nonsense (t1 < t0, non-finite, rtt beyond max_rtt_ms); answering a probe
  // (accepted or not) clears the outstanding probe.
  bool add_sample(double t0_ms, double server_ms, double t1_ms);
  // A round trip to a connected peer over the data channel: the peer answered with its own shared
  // clock reading, which is itself only known to within peer_error_ms (its error_bound_ms()).
  bool add_peer_sample(double t0_ms, double peer_shared_ms, double t1_ms, double peer_error_ms);

  bool synced() const { return best_ >= 0; }
  double offset_ms() const;          // shared - local; 0 until synced
  double rtt_ms() const;             // round trip of the sample in use; 0 until synced
  double rtt_max_ms() const;         // largest round trip among the kept samples (for safety margins)
  double error_bound_ms(double now_ms) const;  // how far the true offset may be from offset_ms()
  double to_shared(double local_ms) const { return local_ms + offset_ms(); }
  double to_local(double shared_ms) const { return shared_ms - offset_ms(); }
  std::size_t sample_count() const { return samples_.size(); }

  // Probe scheduling, poll-style: next_probe_at() is the local deadline; poll_probe(now) returns
  // true (at most once per deadline) when the caller should send a probe now.
  double next_probe_at() const;
  bool poll_probe(double now_ms);
  // The network path may have changed: probe quickly again (old samples still count, aged).
  void on_reconnect(double now_ms);

 private:
  bool accept(const ClockSample& s);
  double bound_at_t1(const ClockSample& s) const;  // error bound, aged to a common reference
  void choose_best();

  ClockEstimatorConfig cfg_;
  std::deque<ClockSample> samples_;
  int best_ = -1;                 // index into samples_
  int burst_left_;                // quick probes still to send
  bool outstanding_ = false;      // a probe is in flight
  bool recheck_ = false;          // last sample looked off: confirm soon
  double last_probe_ms_ = 0;
  bool probed_ = false;
};

}  // namespace wt
