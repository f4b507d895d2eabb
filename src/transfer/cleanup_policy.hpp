// When received movie data and old sessions are deleted. Pure: the glue lists its session records
// (IndexedDB), passes `now`, deletes what the plan says, and runs the plan again at next_run_ms
// (and on start-up).
//
// - Received chunks are deleted 24 h after the session ended (spec, step 1.3). A download that
//   ended before it was complete (declined, cancelled, failed) can never be resumed or watched:
//   its chunks go as soon as the end is recorded.
// - A session that never recorded its end (the tab died) counts as ended at its last activity.
//   The glue keeps last_active_ms fresh for sessions open in this page (and marks them live), so
//   a session in use is never touched.
// - Sessions are garbage-collected (record and any data) 7 days after their last sign of life
//   (spec, step 6.3). Measured from the last sign of life, not from creation, so a long session
//   that ended an hour ago keeps its 24 hours.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace wt {

struct SessionRecord {
  std::string id;
  double created_at_ms = 0;
  double ended_at_ms = -1;      // < 0: no end recorded
  double last_active_ms = -1;   // < 0: none recorded (created_at_ms counts)
  bool has_local_chunks = false;
  bool download_complete = true;  // false: the chunks are a download that never finished
  bool live = false;            // open in this page right now: never cleaned
};

struct CleanupConfig {
  double chunks_after_end_ms = 24.0 * 3600 * 1000;
  double session_max_idle_ms = 7.0 * 24 * 3600 * 1000;
  double check_interval_ms = 3600.0 * 1000;  // periodic run even when no deadline is due
};

struct CleanupPlan {
  std::vector<std::string> delete_chunks;     // delete the received data, keep the record
  std::vector<std::string> delete_sessions;   // delete the record and any data
  double next_run_ms = 0;                     // run again then (<= now + check_interval_ms)
};

CleanupPlan plan_cleanup(const std::vector<SessionRecord>& sessions, double now_ms,
                         const CleanupConfig& config = {});

}  // namespace wt
