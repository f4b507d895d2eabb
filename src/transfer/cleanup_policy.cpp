#include "transfer/cleanup_policy.hpp"

#include <algorithm>

namespace wt {

CleanupPlan plan_cleanup(const std::vector<SessionRecord>& sessions, double now_ms,
                         const CleanupConfig& config) {
  CleanupPlan plan;
  double next = now_ms + config.check_interval_ms;
  for (const SessionRecord& s : sessions) {
    if (s.live) continue;
    const double active = std::max(s.created_at_ms, s.last_active_ms);
    const double ended = s.ended_at_ms >= 0 ? s.ended_at_ms : active;
    const double last_sign = std::max(active, s.ended_at_ms);

    const double collect_at = last_sign + config.session_max_idle_ms;
    if (now_ms >= collect_at) {
      plan.delete_sessions.push_back(s.id);
      continue;
    }
    next = std::min(next, collect_at);
    if (!s.has_local_chunks) continue;
    const bool abandoned = s.ended_at_ms >= 0 && !s.download_complete;
    const double chunks_at = abandoned ? s.ended_at_ms : ended + config.chunks_after_end_ms;
    if (now_ms >= chunks_at) plan.delete_chunks.push_back(s.id);
    else next = std::min(next, chunks_at);
  }
  plan.next_run_ms = next;
  return plan;
}

}  // namespace wt
