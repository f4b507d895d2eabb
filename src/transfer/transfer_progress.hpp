// Transfer progress: bytes done, an exponentially weighted rate, ETA and the one-line text the spec
// shows: "[████░░░░░] 40% • 2.3 MB/s • ETA 5m 12s". Time is passed in (milliseconds, any epoch).
#pragma once

#include <cstdint>
#include <string>

namespace wt {

class TransferProgress {
 public:
  // tau_ms: time constant of the rate average (how fast it forgets); samples closer together
  // than min_sample_ms are merged so that bursts of small chunks do not make the rate jump.
  explicit TransferProgress(std::uint64_t total_bytes, double tau_ms = 3000.0,
                            double min_sample_ms = 200.0);

  // bytes_done is cumulative. It may go down (a discarded piece); that is not a negative rate.
  void record(double now_ms, std::uint64_t bytes_done);

  std::uint64_t total_bytes() const { return total_; }
  std::uint64_t bytes_done() const { return done_; }
  bool complete() const { return done_ >= total_; }
  double fraction() const;  // 0..1; an empty file is complete

  // Bytes per second as of now: decays towards 0 while nothing arrives, so a stall shows.
  // Negative before the first measurable interval.
  double rate(double now_ms) const;
  // Seconds left at the current rate; negative when unknown (no rate yet, or a stall).
  double eta_seconds(double now_ms) const;
  // Milliseconds since the byte count last grew (0 before any byte).
  double stalled_for_ms(double now_ms) const;

  std::string text(double now_ms) const;
  // While the transfer waits on purpose (the receiver's storage is full), no rate or ETA, which
  // would only decay towards "stalled": "[████░░░░░] 40% saved • paused" (saved: what is stored,
  // beside the pieces the receiver holds in memory until there is room).
  std::string paused_text() const;

 private:
  double blended_rate(double now_ms) const;

  std::uint64_t total_;
  std::uint64_t done_ = 0;
  double tau_ms_;
  double min_sample_ms_;
  bool started_ = false;
  double sample_ms_ = 0;           // time of the last folded-in sample
  std::uint64_t sample_bytes_ = 0;  // bytes at that time
  double rate_ = -1;               // bytes per second; < 0 until the first interval
  double last_growth_ms_ = 0;
};

// "[████░░░░░] 40% • 2.3 MB/s • ETA 5m 12s" from raw figures; rate < 0 or eta < 0 mean unknown.
std::string format_progress(double fraction, bool complete, double rate_bytes_per_s, double eta_s);
std::string format_rate(double bytes_per_s);  // "2.3 MB/s", "850 KB/s", "12 B/s" (decimal units)
std::string format_duration(double seconds);  // "42s", "5m 12s", "1h 05m", "> 99h"
std::string format_bytes(std::uint64_t bytes);  // "0 B", "64.0 KB", "1.23 GB" (decimal units)

}  // namespace wt
