// The optional upload cap: a token bucket in bytes, refilled at the cap's rate, with `now` passed
// in. A send may start whenever the bucket is not in debt and then takes its full size out (so a
// 64 KiB frame goes through a cap far below 64 KiB/s, and the long-run rate is exactly the cap).
#pragma once

#include <cstddef>

namespace wt {

class UploadPacer {
 public:
  // bytes_per_s <= 0: no cap. burst_ms: how much unused allowance may be saved up (the burst after
  // an idle spell), as time at the cap's rate.
  explicit UploadPacer(double bytes_per_s = 0, double burst_ms = 100);

  void set_rate(double bytes_per_s, double now_ms);
  double rate() const { return rate_; }
  bool capped() const { return rate_ > 0; }

  // Earliest time (>= now) at which the next send may start.
  double ready_at(double now_ms) const;
  void on_sent(double now_ms, std::size_t bytes);

 private:
  double tokens_at(double now_ms) const;

  double rate_;      // bytes per second; <= 0 = unlimited
  double burst_ms_;
  double tokens_;    // bytes; negative = debt
  double stamp_ms_;  // time tokens_ was computed at
  bool started_ = false;
};

}  // namespace wt
