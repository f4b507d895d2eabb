#include "sync/clock_estimator.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <random>

using wt::ClockEstimator;

namespace {

// A local clock: local = true * (1 + ppm * 1e-6) + offset. The server's clock is the true one.
struct LocalClock {
  double offset_ms;
  double ppm;
  double local(double t) const { return t * (1 + ppm * 1e-6) + offset_ms; }
  double true_of(double l) const { return (l - offset_ms) / (1 + ppm * 1e-6); }
  // The exact shared - local at local time l, to compare the estimate against.
  double true_offset_at(double l) const { return true_of(l) - l; }
};

// Drives the estimator's own probe schedule through a path with the given one-way delays.
template <class UpDelay, class DownDelay>
void run_probes(ClockEstimator& est, const LocalClock& c, double from_t, double to_t, UpDelay up,
                DownDelay down, double* worst_err = nullptr, double* worst_excess = nullptr) {
  double t = from_t;
  while (t < to_t) {
    const double l = c.local(t);
    if (est.poll_probe(l)) {
      const double at_server = t + up();
      const double back = at_server + down();
      REQUIRE(est.add_sample(l, std::floor(at_server), c.local(back)));
      if (worst_err) {
        const double err = std::fabs(est.offset_ms() - c.true_offset_at(c.local(back)));
        *worst_err = std::max(*worst_err, err);
        // The promised bound must hold for every estimate.
        *worst_excess = std::max(*worst_excess, err - est.error_bound_ms(c.local(back)));
      }
      t = back;
    } else {
      t = std::min(to_t, std::max(t + 1, c.true_of(est.next_probe_at())));
    }
  }
}

}  // namespace

TEST_CASE("clock estimate converges to the true offset within a few ms under jitter", "[clock]") {
  const std::uint32_t seed = 1234;
  std::mt19937 rng(seed);
  std::exponential_distribution<double> jitter(1.0 / 10);  // mean 10 ms each way
  INFO("seed " << seed);
  for (double offset : {-60000.0, 60000.0, 12.5}) {
    ClockEstimator est;
    const LocalClock c{offset, 0};
    run_probes(
        est, c, 0, 3000, [&] { return 40 + jitter(rng); }, [&] { return 40 + jitter(rng); });
    REQUIRE(est.synced());
    CHECK(est.sample_count() == 8);
    const double err = est.offset_ms() - c.true_offset_at(c.local(3000));
    // The min-rtt sample of 8 has little jitter in it; 1 ms of stamp resolution on top.
    CHECK(std::fabs(err) <= 6);
    CHECK(est.rtt_ms() >= 80);
    CHECK(est.rtt_ms() <= 100);
  }
}

TEST_CASE("an asymmetric path biases the offset by half the asymmetry, and no more", "[clock]") {
  // Pure asymmetry is invisible to round-trip timing: 10 ms up and 60 ms down look exactly like
  // 35 ms each way. The stamp is taken 10 ms after sending, the estimator assumes 35 ms, so the
  // estimate is 25 ms low, which is inside the rtt / 2 = 35 ms bound it promises.
  ClockEstimator est;
  const LocalClock c{-60000, 0};
  run_probes(
      est, c, 0, 5000, [] { return 10.0; }, [] { return 60.0; });
  const double err = est.offset_ms() - c.true_offset_at(c.local(5000));
  CHECK(err == Approx(-25).margin(1.0));
  CHECK(std::fabs(err) <= est.error_bound_ms(c.local(5000)));
  // rtt / 2 + 0.5 ms stamp resolution, plus 100 ppm of ageing since the last sample (at 1820 ms).
  CHECK(est.error_bound_ms(c.local(5000)) == Approx(35.5 + (5000 - 1820) * 1e-4));
}

TEST_CASE("clock rate error of 100 ppm: old low-rtt samples give way to fresh ones", "[clock]") {
  // A local clock 100 ppm fast drifts 6 ms a minute from the server. The first samples have a
  // 10 ms round trip, later ones 40 ms: keeping the first (smallest rtt) for ten minutes would be
  // 60 ms off. Ageing the error bound trades them in once staleness outweighs the rtt difference.
  for (double ppm : {100.0, -100.0}) {
    ClockEstimator est;
    const LocalClock c{30000, ppm};
    double worst = 0, excess = -1e9;
    run_probes(
        est, c, 0, 3000, [] { return 5.0; }, [] { return 5.0; });
    run_probes(
        est, c, 3000, 600000, [] { return 20.0; }, [] { return 20.0; }, &worst, &excess);
    const double err = est.offset_ms() - c.true_offset_at(c.local(600000));
    INFO("ppm " << ppm << " worst " << worst);
    CHECK(std::fabs(err) <= 21);
    CHECK(worst <= 25);    // never as far as the 60 ms a stale sample would be
    CHECK(excess <= 0.5);  // and always within the bound it reports
  }
}

TEST_CASE("clock estimator rejects nonsense samples", "[clock]") {
  ClockEstimator est;
  CHECK_FALSE(est.add_sample(1000, 5000, 990));            // received before it was sent
  CHECK_FALSE(est.add_sample(1000, NAN, 1100));             // no stamp
  CHECK_FALSE(est.add_sample(1000, 5000, INFINITY));
  CHECK_FALSE(est.add_sample(1000, 5000, 1000 + 60000));    // a minute's round trip says nothing
  CHECK_FALSE(est.add_peer_sample(1000, 5000, 1100, -1));   // negative uncertainty
  CHECK_FALSE(est.synced());
  CHECK(est.sample_count() == 0);
  CHECK(est.add_sample(1000, 5000, 1100));
  CHECK(est.offset_ms() == Approx(5000.5 - 1050));  // the stamp's millisecond is centred
  CHECK_FALSE(est.add_sample(900, 5000, 950));  // older than the newest kept: a leftover
  CHECK(est.sample_count() == 1);
}

TEST_CASE("only the last 8 samples count", "[clock]") {
  ClockEstimator est;
  REQUIRE(est.add_sample(0, 100, 2));  // rtt 2 ms, offset 99.5
  for (int i = 1; i <= 7; ++i) REQUIRE(est.add_sample(i * 1000, i * 1000 + 200.0, i * 1000 + 50.0));
  CHECK(est.offset_ms() == Approx(99.5));  // the 2 ms sample is still the best
  REQUIRE(est.add_sample(8000, 8200, 8050));
  CHECK(est.sample_count() == 8);
  CHECK(est.offset_ms() == Approx(175.5));  // it has been pushed out
  CHECK(est.rtt_ms() == Approx(50));
}

TEST_CASE("probes are sent every 250 ms at start, then about every 30 s", "[clock]") {
  ClockEstimator est;
  CHECK(est.poll_probe(0));
  CHECK_FALSE(est.poll_probe(1));  // one outstanding at a time
  double t = 0;
  int quick = 1;
  REQUIRE(est.add_sample(t, 500, t + 40));
  while (quick < 8) {
    CHECK(est.next_probe_at() == Approx(t + 250));
    t = est.next_probe_at();
    REQUIRE(est.poll_probe(t));
    REQUIRE(est.add_sample(t, 500 + t, t + 40));
    ++quick;
  }
  CHECK(est.next_probe_at() == Approx(t + 30000));
  t += 30000;
  REQUIRE(est.poll_probe(t));
  // Lost: given up after 5 s, and another goes out.
  CHECK(est.next_probe_at() == Approx(t + 5000));
  CHECK(est.poll_probe(t + 5000));
  // A round trip far above the best one asks for a confirmation in 2 s rather than 30 s.
  REQUIRE(est.add_sample(t + 5000, 500 + t + 5300, t + 5000 + 400));
  CHECK(est.next_probe_at() == Approx(t + 5000 + 2000));
}

TEST_CASE("reconnect probes quickly again; peers' samples carry their own error", "[clock]") {
  ClockEstimator est;
  for (int i = 0; i < 8; ++i) {
    REQUIRE(est.poll_probe(i * 250.0));
    REQUIRE(est.add_sample(i * 250.0, 10000 + i * 250.0, i * 250.0 + 60));
  }
  CHECK(est.next_probe_at() > 20000);
  est.on_reconnect(5000);
  CHECK(est.poll_probe(5000));
  REQUIRE(est.add_sample(5000, 15030, 5060));
  CHECK(est.next_probe_at() == Approx(5250));

  // A peer 4 ms away that knows the shared clock to within 20 ms is worth less than a 30 ms server
  // round trip (bound 15.5 ms), but more than a 60 ms one (bound 30.5 ms).
  ClockEstimator peer_first;
  REQUIRE(peer_first.add_sample(0, 10000, 60));
  REQUIRE(peer_first.add_peer_sample(100, 10072, 104, 20));
  CHECK(peer_first.offset_ms() == Approx(10072 - 102.0));
  CHECK(peer_first.error_bound_ms(104) == Approx(22.0));
  REQUIRE(peer_first.add_sample(200, 10230, 230));
  CHECK(peer_first.offset_ms() == Approx(10230.5 - 215));
}

TEST_CASE("to_local inverts to_shared", "[clock]") {
  ClockEstimator est;
  REQUIRE(est.add_sample(1000, 61000, 1040));
  for (double l : {0.0, 1234.5, -5e5, 9e9}) CHECK(est.to_local(est.to_shared(l)) == Approx(l));
  CHECK(est.to_shared(1020) == Approx(61000.5));
}
