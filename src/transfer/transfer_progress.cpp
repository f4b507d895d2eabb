#include "transfer/transfer_progress.hpp"

#include <cmath>
#include <cstdio>

namespace wt {

TransferProgress::TransferProgress(std::uint64_t total_bytes, double tau_ms, double min_sample_ms)
    : total_(total_bytes), tau_ms_(tau_ms > 0 ? tau_ms : 1.0), min_sample_ms_(min_sample_ms) {}

void TransferProgress::record(double now_ms, std::uint64_t bytes_done) {
  if (bytes_done > total_) bytes_done = total_;
  if (!started_) {
    started_ = true;
    sample_ms_ = now_ms;
    sample_bytes_ = bytes_done;
    last_growth_ms_ = now_ms;
    done_ = bytes_done;
    return;
  }
  if (bytes_done > done_) last_growth_ms_ = now_ms;
  done_ = bytes_done;
  if (now_ms - sample_ms_ < min_sample_ms_) return;
  rate_ = blended_rate(now_ms);
  sample_ms_ = now_ms;
  sample_bytes_ = done_;
}

double TransferProgress::blended_rate(double now_ms) const {
  const double dt = now_ms - sample_ms_;
  if (!started_ || dt <= 0) return rate_;
  const double gained = done_ > sample_bytes_ ? double(done_ - sample_bytes_) : 0.0;
  const double instant = gained * 1000.0 / dt;
  if (rate_ < 0) return instant;
  // The weight of the new interval grows with its length, so irregular sampling averages correctly.
  const double alpha = 1.0 - std::exp(-dt / tau_ms_);
  return rate_ + alpha * (instant - rate_);
}

double TransferProgress::fraction() const {
  if (total_ == 0) return 1.0;
  return double(done_) / double(total_);
}

double TransferProgress::rate(double now_ms) const {
  if (now_ms - sample_ms_ < min_sample_ms_) return rate_;
  return blended_rate(now_ms);
}

double TransferProgress::eta_seconds(double now_ms) const {
  if (complete()) return 0.0;
  const double r = rate(now_ms);
  if (!(r > 0)) return -1.0;
  return double(total_ - done_) / r;
}

double TransferProgress::stalled_for_ms(double now_ms) const {
  return started_ ? now_ms - last_growth_ms_ : 0.0;
}

std::string TransferProgress::text(double now_ms) const {
  return format_progress(fraction(), complete(), rate(now_ms), eta_seconds(now_ms));
}

namespace {
std::string progress_bar(double fraction, bool complete);
}  // namespace

std::string TransferProgress::paused_text() const {
  // "saved": what is stored; pieces held in memory while the disk is full are not counted yet.
  return progress_bar(fraction(), complete()) + (complete() ? " • done" : " saved • paused");
}

std::string format_rate(double bps) {
  char buf[32];
  if (!(bps >= 0) || std::isinf(bps)) return "— MB/s";
  if (bps >= 100e6) std::snprintf(buf, sizeof buf, "%.0f MB/s", bps / 1e6);
  else if (bps >= 1e6) std::snprintf(buf, sizeof buf, "%.1f MB/s", bps / 1e6);
  else if (bps >= 1e3) std::snprintf(buf, sizeof buf, "%.0f KB/s", bps / 1e3);
  else std::snprintf(buf, sizeof buf, "%.0f B/s", bps);
  return buf;
}

std::string format_duration(double seconds) {
  char buf[32];
  if (!(seconds >= 0)) return "—";
  const double s = std::ceil(seconds);  // "ETA 0s" only when truly nothing is left
  if (s >= 100 * 3600.0) return "> 99h";
  const long total = long(s);
  const long h = total / 3600, m = total % 3600 / 60, sec = total % 60;
  if (h > 0) std::snprintf(buf, sizeof buf, "%ldh %02ldm", h, m);
  else if (m > 0) std::snprintf(buf, sizeof buf, "%ldm %02lds", m, sec);
  else std::snprintf(buf, sizeof buf, "%lds", sec);
  return buf;
}

std::string format_bytes(std::uint64_t bytes) {
  char buf[32];
  const double b = double(bytes);
  if (b >= 1e9) std::snprintf(buf, sizeof buf, "%.2f GB", b / 1e9);
  else if (b >= 1e6) std::snprintf(buf, sizeof buf, "%.1f MB", b / 1e6);
  else if (b >= 1e3) std::snprintf(buf, sizeof buf, "%.1f KB", b / 1e3);
  else std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
  return buf;
}

namespace {

// "[████░░░░░] 40%"
std::string progress_bar(double fraction, bool complete) {
  constexpr int kCells = 9;
  if (!(fraction >= 0)) fraction = 0;
  if (fraction > 1) fraction = 1;
  int percent = int(std::floor(fraction * 100.0));
  int filled = int(std::lround(fraction * kCells));
  if (complete) {
    percent = 100;
    filled = kCells;
  } else {
    // Never claim 100% or a full bar before the last byte is in.
    if (percent > 99) percent = 99;
    if (filled > kCells - 1) filled = kCells - 1;
  }
  std::string out = "[";
  for (int i = 0; i < kCells; ++i) out += i < filled ? "█" : "░";
  return out + "] " + std::to_string(percent) + "%";
}

}  // namespace

std::string format_progress(double fraction, bool complete, double rate_bps, double eta_s) {
  std::string out = progress_bar(fraction, complete) + " • ";
  if (complete) return out + "done";
  out += format_rate(rate_bps) + " • ";
  out += eta_s >= 0 ? "ETA " + format_duration(eta_s) : std::string(rate_bps == 0 ? "stalled" : "ETA —");
  return out;
}

}  // namespace wt
