#include "transfer/transfer_progress.hpp"

#include <catch2/catch.hpp>

using wt::TransferProgress;

TEST_CASE("progress text reproduces the spec's example line", "[progress]") {
  // 40%, 2.3 MB/s, 312 s left: the spec writes this as [████░░░░░] 40% • 2.3 MB/s • ETA 5m 12s
  CHECK(wt::format_progress(0.40, false, 2.3e6, 312) == "[████░░░░░] 40% • 2.3 MB/s • ETA 5m 12s");
}

TEST_CASE("progress text at 0%, 100% and with zero or unknown rate", "[progress]") {
  CHECK(wt::format_progress(0.0, false, -1, -1) == "[░░░░░░░░░] 0% • — MB/s • ETA —");
  CHECK(wt::format_progress(0.0, false, 0, -1) == "[░░░░░░░░░] 0% • 0 B/s • stalled");
  CHECK(wt::format_progress(1.0, true, 5e6, 0) == "[█████████] 100% • done");
  // 99.99% is not done: never a full bar or 100% before the last byte.
  CHECK(wt::format_progress(0.9999, false, 1e6, 0.4) == "[████████░] 99% • 1.0 MB/s • ETA 1s");
}

TEST_CASE("durations, rates and sizes are formatted for people", "[progress]") {
  CHECK(wt::format_duration(0) == "0s");
  CHECK(wt::format_duration(42) == "42s");
  CHECK(wt::format_duration(59.2) == "1m 00s");
  CHECK(wt::format_duration(3600 + 5 * 60 + 9) == "1h 05m");
  CHECK(wt::format_duration(1e12) == "> 99h");
  CHECK(wt::format_duration(-1) == "—");
  CHECK(wt::format_rate(850e3) == "850 KB/s");
  CHECK(wt::format_rate(12) == "12 B/s");
  CHECK(wt::format_rate(250e6) == "250 MB/s");
  CHECK(wt::format_bytes(0) == "0 B");
  CHECK(wt::format_bytes(65536) == "65.5 KB");
  CHECK(wt::format_bytes(5000000000ull) == "5.00 GB");
}

TEST_CASE("steady transfer converges to the true rate and a correct ETA", "[progress]") {
  const std::uint64_t total = 100'000'000;  // 100 MB at 2 MB/s
  TransferProgress p(total);
  double now = 1000;
  std::uint64_t done = 0;
  p.record(now, done);
  while (done < 40'000'000) {
    now += 50;  // a chunk event every 50 ms: 100 KB
    done += 100'000;
    p.record(now, done);
  }
  CHECK(p.fraction() == Approx(0.4));
  CHECK(p.rate(now) == Approx(2e6).epsilon(0.01));
  CHECK(p.eta_seconds(now) == Approx(30.0).epsilon(0.01));
  CHECK(p.text(now) == "[████░░░░░] 40% • 2.0 MB/s • ETA 30s");
  // Paused on purpose (the receiver's storage is full): the bar and "paused", no rate or ETA.
  CHECK(p.paused_text() == "[████░░░░░] 40% saved • paused");
}

TEST_CASE("a stall decays the rate towards zero and reports how long", "[progress]") {
  TransferProgress p(10'000'000);
  double now = 0;
  std::uint64_t done = 0;
  p.record(now, done);
  for (int i = 0; i < 40; ++i) p.record(now += 100, done += 100'000);  // 1 MB/s for 4 s
  const double before = p.rate(now);
  CHECK(before == Approx(1e6).epsilon(0.02));
  now += 15000;  // nothing for 15 s
  CHECK(p.stalled_for_ms(now) == Approx(15000));
  CHECK(p.rate(now) < before * 0.01);
  CHECK(p.rate(now) >= 0);
}

TEST_CASE("bytes going down (a discarded piece) is not a negative rate", "[progress]") {
  TransferProgress p(1'000'000);
  p.record(0, 0);
  p.record(500, 600'000);
  p.record(1000, 400'000);
  CHECK(p.bytes_done() == 400'000);
  CHECK(p.rate(1000) >= 0);
}

TEST_CASE("huge and empty files", "[progress]") {
  const std::uint64_t five_tb = 5'000'000'000'000ull;
  TransferProgress p(five_tb);
  p.record(0, 0);
  p.record(1000, 1000);  // 1 KB/s on 5 TB: ETA beyond 99 hours
  CHECK(p.text(1000) == "[░░░░░░░░░] 0% • 1 KB/s • ETA > 99h");
  TransferProgress empty(0);
  CHECK(empty.complete());
  CHECK(empty.fraction() == 1.0);
  CHECK(empty.text(0) == "[█████████] 100% • done");
  // A count beyond the total is clamped, never above 100%.
  TransferProgress small(10);
  small.record(0, 50);
  CHECK(small.bytes_done() == 10);
}
