#include "sync/clock_estimator.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace wt {

double ClockSample::offset_ms() const { return server_ms - (t0_ms + t1_ms) / 2; }

ClockEstimator::ClockEstimator(ClockEstimatorConfig cfg)
    : cfg_(cfg), burst_left_(cfg.burst_samples) {
  if (cfg_.window == 0) cfg_.window = 1;
}

bool ClockEstimator::add_sample(double t0_ms, double server_ms, double t1_ms) {
  outstanding_ = false;
  // serverTimestamp truncates to whole milliseconds: the true instant lies in [ts, ts + 1).
  ClockSample s{t0_ms, server_ms + cfg_.stamp_resolution_ms / 2, t1_ms,
                cfg_.stamp_resolution_ms / 2};
  return accept(s);
}

bool ClockEstimator::add_peer_sample(double t0_ms, double peer_shared_ms, double t1_ms,
                                     double peer_error_ms) {
  if (!(peer_error_ms >= 0) || !std::isfinite(peer_error_ms)) return false;
  return accept(ClockSample{t0_ms, peer_shared_ms, t1_ms, peer_error_ms});
}

bool ClockEstimator::accept(const ClockSample& s) {
  if (!std::isfinite(s.t0_ms) || !std::isfinite(s.server_ms) || !std::isfinite(s.t1_ms)) return false;
  const double rtt = s.rtt_ms();
  if (rtt < 0 || rtt > cfg_.max_rtt_ms) return false;
  // Samples arrive in local time order; one from before the newest kept sample's send time is a
  // leftover of an old probe and would only displace a fresher one.
  if (!samples_.empty() && s.t1_ms < samples_.back().t1_ms) return false;
  samples_.push_back(s);
  while (samples_.size() > cfg_.window) samples_.pop_front();
  choose_best();
  // A round trip far above the best one suggests congestion or a new path: confirm it soon rather
  // than in 30 s, so that a changed path is measured again before its old samples age out.
  const ClockSample& b = samples_[std::size_t(best_)];
  recheck_ = rtt > 2 * b.rtt_ms() + 20;
  return true;
}

double ClockEstimator::bound_at_t1(const ClockSample& s) const {
  // bound(now) = rtt/2 + extra + (now - t1) * rate; comparing samples, "now" cancels out, so this key
  // (the bound minus now * rate) orders them for every now.
  return s.rtt_ms() / 2 + s.extra_error_ms - s.t1_ms * cfg_.max_rate_error;
}

void ClockEstimator::choose_best() {
  best_ = -1;
  double best_key = std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < samples_.size(); ++i) {
    const double k = bound_at_t1(samples_[i]);
    if (k <= best_key) {  // ties go to the newer sample
      best_key = k;
      best_ = int(i);
    }
  }
}

double ClockEstimator::offset_ms() const {
  return best_ < 0 ? 0.0 : samples_[std::size_t(best_)].offset_ms();
}

double ClockEstimator::rtt_ms() const {
  return best_ < 0 ? 0.0 : samples_[std::size_t(best_)].rtt_ms();
}

double ClockEstimator::rtt_max_ms() const {
  double m = 0;
  for (const ClockSample& s : samples_) m = std::max(m, s.rtt_ms());
  return m;
}

double ClockEstimator::error_bound_ms(double now_ms) const {
  if (best_ < 0) return std::numeric_limits<double>::infinity();
  const ClockSample& s = samples_[std::size_t(best_)];
  return s.rtt_ms() / 2 + s.extra_error_ms + std::max(0.0, now_ms - s.t1_ms) * cfg_.max_rate_error;
}

double ClockEstimator::next_probe_at() const {
  if (!probed_) return -std::numeric_limits<double>::infinity();  // at once
  if (outstanding_) return last_probe_ms_ + cfg_.probe_timeout_ms;
  double interval = cfg_.steady_interval_ms;
  if (burst_left_ > 0) interval = cfg_.burst_interval_ms;
  else if (recheck_) interval = cfg_.recheck_interval_ms;
  return last_probe_ms_ + interval;
}

bool ClockEstimator::poll_probe(double now_ms) {
  if (now_ms < next_probe_at()) return false;
  probed_ = true;
  outstanding_ = true;
  recheck_ = false;
  last_probe_ms_ = now_ms;
  if (burst_left_ > 0) --burst_left_;
  return true;
}

void ClockEstimator::on_reconnect(double now_ms) {
  burst_left_ = std::max(burst_left_, cfg_.burst_samples / 2);
  outstanding_ = false;
  last_probe_ms_ = now_ms - cfg_.burst_interval_ms;  // first probe at once
}

}  // namespace wt
