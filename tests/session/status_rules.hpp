// The session record's status rules as the tests' independent truth: database.rules.json's
// watch-sessions/$sid/status/.validate transcribed by hand (not taken from the core), and the stage
// the core's SessionLifecycle must show for each status. Shared by the Catch2 tests and the fuzz target.
#pragma once

#include <string>

#include "session/session_lifecycle.hpp"

namespace wt_test {

// Whether the rules let a participant write `to` over `from` ("" : the record does not exist yet).
inline bool rules_allow(const std::string& from, const std::string& to, bool by_recipient, bool transfer) {
  if (from.empty()) return to == "pending";
  if (from == to) return true;
  if (by_recipient && from == "pending" &&
      (to == "declined" || (to == "downloading" && transfer) || (to == "ready" && !transfer)))
    return true;
  if (by_recipient && from == "downloading" && to == "ready") return true;
  if (to == "cancelled" && (from == "pending" || from == "downloading" || from == "ready" || from == "playing")) return true;
  if (to == "failed" && from == "downloading") return true;
  if (to == "playing" && from == "ready") return true;
  if (to == "ready" && from == "playing") return true;
  if (to == "complete" && (from == "ready" || from == "playing")) return true;
  return false;
}

// The stage a known status shows (anything unknown: Failed, which callers never pass).
inline wt::SessionStage stage_for(const std::string& status) {
  using wt::SessionStage;
  if (status == "pending") return SessionStage::Pending;
  if (status == "downloading") return SessionStage::Downloading;
  if (status == "ready") return SessionStage::Ready;
  if (status == "playing") return SessionStage::Playing;
  if (status == "complete") return SessionStage::Ended;
  if (status == "declined") return SessionStage::Declined;
  if (status == "cancelled") return SessionStage::Cancelled;
  return SessionStage::Failed;
}

}  // namespace wt_test
