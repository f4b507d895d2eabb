#include "transfer/cleanup_policy.hpp"

#include <catch2/catch.hpp>

using wt::SessionRecord;

namespace {

constexpr double kHour = 3600.0 * 1000;
constexpr double kDay = 24 * kHour;

SessionRecord ended(const std::string& id, double created, double ended_at, bool chunks = true) {
  SessionRecord s;
  s.id = id;
  s.created_at_ms = created;
  s.ended_at_ms = ended_at;
  s.last_active_ms = ended_at;
  s.has_local_chunks = chunks;
  return s;
}

}  // namespace

TEST_CASE("received chunks are deleted 24 hours after the session ended, not before", "[cleanup]") {
  const double t0 = 1.7e12;  // any epoch
  const std::vector<SessionRecord> s = {ended("a", t0, t0 + 2 * kHour)};
  wt::CleanupPlan p = wt::plan_cleanup(s, t0 + 2 * kHour + kDay - 1);
  CHECK(p.delete_chunks.empty());
  CHECK(p.next_run_ms == Approx(t0 + 2 * kHour + kDay));  // the deadline, sooner than the hourly run
  p = wt::plan_cleanup(s, t0 + 2 * kHour + kDay);
  CHECK(p.delete_chunks == std::vector<std::string>{"a"});
  CHECK(p.delete_sessions.empty());
}

TEST_CASE("an unfinished download's chunks go when its end is recorded; unfinished without an end, they wait",
          "[cleanup]") {
  const double t0 = 1.7e12;
  SessionRecord cancelled = ended("cancelled", t0, t0 + kHour);
  cancelled.download_complete = false;
  SessionRecord finished = ended("finished", t0, t0 + kHour);
  SessionRecord died = ended("died", t0, -1);  // the tab closed mid-way: resumable, no end recorded
  died.last_active_ms = t0 + kHour;
  died.download_complete = false;
  const std::vector<SessionRecord> s = {cancelled, finished, died};

  wt::CleanupPlan p = wt::plan_cleanup(s, t0 + kHour - 1);  // (a clock a little behind the end)
  CHECK(p.delete_chunks.empty());
  CHECK(p.next_run_ms == Approx(t0 + kHour));
  p = wt::plan_cleanup(s, t0 + kHour);
  CHECK(p.delete_chunks == std::vector<std::string>{"cancelled"});
  CHECK(p.next_run_ms == Approx(t0 + 2 * kHour));  // the hourly run; the others are due in a day
  p = wt::plan_cleanup(s, t0 + kHour + kDay);
  CHECK(p.delete_chunks == std::vector<std::string>{"cancelled", "finished", "died"});
  CHECK(p.delete_sessions.empty());
}

TEST_CASE("sessions are garbage-collected 7 days after their last sign of life", "[cleanup]") {
  const double t0 = 0;
  std::vector<SessionRecord> s = {ended("old", t0, t0 + kHour, false), ended("long", t0, t0 + 6 * kDay)};
  wt::CleanupPlan p = wt::plan_cleanup(s, t0 + kHour + 7 * kDay);
  CHECK(p.delete_sessions == std::vector<std::string>{"old"});
  // "long" was created more than 7 days ago but ended a day ago: its chunks go at end + 24 h.
  CHECK(p.delete_chunks == std::vector<std::string>{"long"});
  p = wt::plan_cleanup(s, t0 + 6 * kDay + 2 * kHour);
  CHECK(p.delete_sessions.empty());
  CHECK(p.delete_chunks.empty());
  p = wt::plan_cleanup(s, t0 + 13 * kDay);
  CHECK(p.delete_sessions == std::vector<std::string>{"old", "long"});
}

TEST_CASE("a session whose page died counts as ended at its last activity; live ones are kept",
          "[cleanup]") {
  SessionRecord crashed;
  crashed.id = "crashed";
  crashed.created_at_ms = 0;
  crashed.last_active_ms = 5 * kHour;
  crashed.has_local_chunks = true;
  SessionRecord live = crashed;
  live.id = "live";
  live.live = true;
  const std::vector<SessionRecord> s = {crashed, live};
  CHECK(wt::plan_cleanup(s, 5 * kHour + kDay - 1).delete_chunks.empty());
  const wt::CleanupPlan p = wt::plan_cleanup(s, 5 * kHour + kDay);
  CHECK(p.delete_chunks == std::vector<std::string>{"crashed"});
  CHECK(wt::plan_cleanup(s, 100 * kDay).delete_sessions == std::vector<std::string>{"crashed"});
}

TEST_CASE("cleanup driven by a virtual clock deletes each thing exactly when due", "[cleanup]") {
  // Start-up at t=0, then the glue runs the plan again at each next_run_ms.
  std::vector<SessionRecord> db = {ended("s1", 0, 1 * kHour), ended("s2", 0, 30 * kHour),
                                   ended("s3", 2 * kDay, 2 * kDay, false)};
  std::vector<std::pair<double, std::string>> log;
  double now = 0;
  for (int runs = 0; runs < 1000 && !db.empty(); ++runs) {
    const wt::CleanupPlan p = wt::plan_cleanup(db, now);
    for (const std::string& id : p.delete_chunks) {
      log.emplace_back(now, "chunks " + id);
      for (SessionRecord& r : db)
        if (r.id == id) r.has_local_chunks = false;
    }
    for (const std::string& id : p.delete_sessions) {
      log.emplace_back(now, "session " + id);
      db.erase(std::remove_if(db.begin(), db.end(), [&](const SessionRecord& r) { return r.id == id; }),
               db.end());
    }
    REQUIRE(p.next_run_ms > now);
    REQUIRE(p.next_run_ms <= now + kHour);  // the periodic run
    now = p.next_run_ms;
  }
  REQUIRE(log.size() == 5);
  CHECK(log[0] == std::make_pair(25 * kHour, std::string("chunks s1")));
  CHECK(log[1] == std::make_pair(54 * kHour, std::string("chunks s2")));
  CHECK(log[2] == std::make_pair(1 * kHour + 7 * kDay, std::string("session s1")));
  CHECK(log[3] == std::make_pair(30 * kHour + 7 * kDay, std::string("session s2")));
  CHECK(log[4] == std::make_pair(9 * kDay, std::string("session s3")));
}
