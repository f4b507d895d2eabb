#include "transfer/upload_pacer.hpp"

namespace wt {

UploadPacer::UploadPacer(double bytes_per_s, double burst_ms)
    : rate_(bytes_per_s > 0 ? bytes_per_s : 0),
      burst_ms_(burst_ms > 0 ? burst_ms : 0),
      tokens_(0),
      stamp_ms_(0) {}

double UploadPacer::tokens_at(double now_ms) const {
  const double cap = rate_ * burst_ms_ / 1000.0;
  if (!started_) return cap;  // a full bucket at the first send
  const double elapsed = now_ms > stamp_ms_ ? now_ms - stamp_ms_ : 0;
  const double t = tokens_ + elapsed * rate_ / 1000.0;
  return t < cap ? t : cap;
}

void UploadPacer::set_rate(double bytes_per_s, double now_ms) {
  if (started_) {
    tokens_ = tokens_at(now_ms);
    stamp_ms_ = now_ms;
  }
  rate_ = bytes_per_s > 0 ? bytes_per_s : 0;
  if (rate_ == 0) started_ = false;
}

double UploadPacer::ready_at(double now_ms) const {
  if (rate_ <= 0) return now_ms;
  const double t = tokens_at(now_ms);
  if (t >= -1e-3) return now_ms;  // rounding must not turn "now" into a wake-up a picosecond later
  return now_ms + (-t) * 1000.0 / rate_;
}

void UploadPacer::on_sent(double now_ms, std::size_t bytes) {
  if (rate_ <= 0) return;
  tokens_ = tokens_at(now_ms) - double(bytes);
  stamp_ms_ = now_ms;
  started_ = true;
}

}  // namespace wt
