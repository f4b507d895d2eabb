// SessionLifecycle driven by a two-sided harness: pages (initiator, recipient, a second recipient
// window) and a fake database that applies each WriteStatus with the status rules of
// database.rules.json (copied below as the independent truth) and delivers the record to every
// page, at once or held back to model delays and races. Virtual time only.
#include "session/session_lifecycle.hpp"

#include <catch2/catch.hpp>

#include "session/status_rules.hpp"

#include <cmath>
#include <cstdio>
#include <deque>
#include <limits>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

using wt::PeerConnection;
using wt::PlayerSource;
using wt::RecordStatus;
using wt::SessionAction;
using wt::SessionConfig;
using wt::SessionLifecycle;
using wt::SessionMode;
using wt::SessionRecordUpdate;
using wt::SessionRole;
using wt::SessionStage;
using Kind = SessionAction::Kind;
using Log = std::vector<std::string>;

namespace {

constexpr double kSize = 1000000;

const char* kAllStatuses[] = {"pending", "downloading", "ready", "playing", "complete", "declined", "cancelled", "failed"};

bool is_end(const std::string& s) { return s == "complete" || s == "declined" || s == "cancelled" || s == "failed"; }

std::string describe(const SessionAction& a) {
  switch (a.kind) {
    case Kind::WriteStatus: return std::string("write:") + wt::record_status_name(a.status);
    case Kind::StartTransfer: return a.side == wt::TransferSide::Sender ? "start:sender" : "start:receiver";
    case Kind::StopTransfer: return "stop";
    case Kind::LoadStoredFile: return "load";
    case Kind::OpenPlayer: return a.source == PlayerSource::Whole ? "open:whole" : "open:progressive";
    case Kind::ClosePlayer: return "close";
    case Kind::RecordEnd: return "record-end";
    case Kind::DeleteStored: return "delete";
    case Kind::Notify: return "notify";
    default: return "none";
  }
}

SessionRecordUpdate rec(const std::string& status, double bytes = 0, const std::string& reason = "") {
  SessionRecordUpdate r;
  r.status = status;
  r.bytes_downloaded = bytes;
  r.reason = reason;
  return r;
}

SessionConfig config(SessionRole role, SessionMode mode) {
  SessionConfig c;
  c.role = role;
  c.mode = mode;
  c.file_name = "movie.mkv";
  c.file_size = kSize;
  c.self_name = role == SessionRole::Initiator ? "Alice" : "Bob";
  c.peer_name = role == SessionRole::Initiator ? "Bob" : "Alice";
  return c;
}

// One page: its machine, what it was told to do, and a glue that checks the contract as it goes
// (one player at a time, one transfer run at a time) and answers LoadStoredFile and DeleteStored.
struct Page {
  SessionConfig cfg;
  std::unique_ptr<SessionLifecycle> m;
  Log log;
  std::vector<SessionAction> raw;
  bool player_open = false;
  bool transfer_running = false;
  std::deque<SessionRecordUpdate> inbox;
  bool hold = false;  // records wait in the inbox

  Page(SessionRole role, SessionMode mode) : cfg(config(role, mode)), m(new SessionLifecycle(cfg)) {}
  bool by_recipient() const { return cfg.role == SessionRole::Recipient; }
  // The transfer ended by itself (the glue's transfer object is gone: no StopTransfer follows).
  void transfer_done(double now) {
    transfer_running = false;
    m->on_transfer_done(now);
  }
  void transfer_failed(double now, const std::string& reason) {
    transfer_running = false;
    m->on_transfer_failed(now, reason);
  }

  // A reload: a fresh machine, nothing of the old one kept but what the page is told again.
  void reload() {
    m.reset(new SessionLifecycle(cfg));
    log.clear();
    raw.clear();
    player_open = transfer_running = false;
    inbox.clear();
  }
  // Actions since the last call (and forget them).
  Log take() {
    Log out;
    out.swap(log);
    return out;
  }
  int count(const std::string& what) const {
    int n = 0;
    for (const SessionAction& a : raw) n += describe(a) == what;
    return n;
  }
};

struct World {
  std::string mode = "transfer";
  bool exists = true;
  std::string status = "pending";
  std::string reason;
  double bytes = 0;
  std::vector<Page*> pages;
  double now = 1000;
  bool hold_writes = false;
  std::deque<std::pair<Page*, SessionAction>> outbox;
  int refused = 0;

  SessionRecordUpdate record() const { return rec(status, bytes, reason); }

  void apply(Page* from, const SessionAction& a) {
    const std::string to = wt::record_status_name(a.status);
    if (!exists || !wt_test::rules_allow(status, to, from->by_recipient(), mode == "transfer")) {
      ++refused;
      from->m->on_write_failed(now, a.status);
      return;
    }
    status = to;
    if (!a.text.empty()) reason = a.text;
    if (a.bytes_downloaded >= 0) bytes = a.bytes_downloaded;
    for (Page* p : pages) p->inbox.push_back(record());
  }

  void drain(Page* p) {
    for (;;) {
      const SessionAction a = p->m->poll_action();
      if (a.kind == Kind::None) return;
      p->raw.push_back(a);
      p->log.push_back(describe(a));
      switch (a.kind) {
        case Kind::WriteStatus: outbox.emplace_back(p, a); break;
        case Kind::StartTransfer:
          CHECK_FALSE(p->transfer_running);
          p->transfer_running = true;
          break;
        case Kind::StopTransfer:
          CHECK(p->transfer_running);
          p->transfer_running = false;
          break;
        case Kind::OpenPlayer:
          CHECK_FALSE(p->player_open);
          p->player_open = true;
          break;
        case Kind::ClosePlayer:
          CHECK(p->player_open);
          p->player_open = false;
          break;
        case Kind::LoadStoredFile: p->m->on_file_available(now); break;
        case Kind::DeleteStored: p->m->on_deleted(now); break;
        default: break;
      }
    }
  }

  // Runs until nothing moves: actions drained, writes applied (unless held), records delivered
  // (to pages not holding them).
  void pump() {
    for (int step = 0; step < 1000; ++step) {
      for (Page* p : pages) drain(p);
      bool moved = false;
      if (!hold_writes && !outbox.empty()) {
        auto w = outbox.front();
        outbox.pop_front();
        apply(w.first, w.second);
        moved = true;
      }
      for (Page* p : pages) {
        if (p->hold || p->inbox.empty()) continue;
        const SessionRecordUpdate r = p->inbox.front();
        p->inbox.pop_front();
        p->m->on_record(now, r);
        moved = true;
      }
      now += 10;
      if (!moved) {
        bool busy = false;
        for (Page* p : pages) {
          drain(p);
          if (!p->hold && !p->inbox.empty()) busy = true;
        }
        if (!busy && (hold_writes || outbox.empty())) return;
      }
    }
    FAIL("the world did not settle in 1000 steps");
  }

  // Applies the held writes in the order given (indices into the outbox as it is now).
  void apply_held(const std::vector<std::size_t>& order) {
    std::vector<std::pair<Page*, SessionAction>> held(outbox.begin(), outbox.end());
    outbox.clear();
    for (std::size_t i : order) apply(held.at(i).first, held.at(i).second);
  }

  // A page that (re)starts: it is told the record as it is, and what its store holds.
  void start(Page& p, bool stored_exists = false, bool stored_complete = false) {
    if (p.by_recipient() && mode == "transfer") p.m->on_stored_download(now, stored_exists, stored_complete);
    if (exists) p.m->on_record(now, record());
    else p.m->on_record_deleted(now);
    pump();
  }
};

// Initiator (with its file, as at invite time) and recipient, both on the pending record.
struct Pair {
  World w;
  Page ini, rec;
  explicit Pair(SessionMode mode = SessionMode::Transfer)
      : ini(SessionRole::Initiator, mode), rec(SessionRole::Recipient, mode) {
    w.mode = mode == SessionMode::Transfer ? "transfer" : "same-file";
    w.pages = {&ini, &rec};
    ini.m->on_file_available(w.now);
    w.start(ini);
    w.start(rec);
  }
  // Accept, then the recipient's transfer finishes and its file loads.
  void to_ready() {
    REQUIRE(rec.m->on_accept(w.now));
    w.pump();
    rec.transfer_done(w.now);
    w.pump();
    rec.m->on_file_available(w.now);
    w.pump();
  }
};

}  // namespace

// ------------------------------------------------------------------------------------ happy paths

TEST_CASE("transfer happy path: pending, downloading, ready, playing, ended with the exact actions on each side", "[session]") {
  Pair p;
  CHECK(p.ini.take().empty());
  CHECK(p.rec.take().empty());
  CHECK(p.rec.m->view(p.w.now).headline == "Alice wants to send you movie.mkv (1.0 MB)");
  CHECK(p.ini.m->view(p.w.now).headline == "Waiting for Bob to accept…");

  REQUIRE(p.rec.m->on_accept(p.w.now));
  p.w.pump();
  CHECK(p.w.status == "downloading");
  CHECK(p.rec.take() == Log{"write:downloading", "start:receiver", "open:progressive"});
  CHECK(p.ini.take() == Log{"start:sender", "open:whole"});  // the sender watches its own file at once
  CHECK(p.rec.raw[0].bytes_downloaded == 0);

  p.rec.m->on_connection(p.w.now, PeerConnection::Connected);
  p.rec.m->on_transfer_progress(p.w.now, 450000);
  CHECK(p.rec.m->view(p.w.now).self_line == "Downloading 45%…");
  p.rec.m->on_playback_unlocked(p.w.now);
  CHECK(p.rec.m->view(p.w.now).can_play);

  p.rec.transfer_done(p.w.now);
  p.w.pump();
  CHECK(p.w.status == "ready");
  CHECK(p.w.bytes == kSize);
  CHECK(p.rec.take() == Log{"write:ready"});
  CHECK(p.ini.take() == Log{"stop"});  // its transfer is over: the file has arrived
  p.rec.m->on_file_available(p.w.now);  // the glue loaded the finished download
  p.w.pump();
  CHECK(p.rec.take().empty());  // the progressive player plays on

  p.rec.m->on_local_playing(p.w.now, true);
  p.w.pump();
  CHECK(p.w.status == "playing");
  CHECK(p.rec.take() == Log{"write:playing"});
  p.ini.m->on_peer_watching(p.w.now, true);
  CHECK(p.ini.m->view(p.w.now).headline == "Sent movie.mkv — watching with Bob");
  CHECK(p.rec.m->view(p.w.now).headline == "Received movie.mkv — watching with Alice");
  CHECK(p.rec.m->view(p.w.now).self_line == "Watching");
  CHECK(p.ini.m->view(p.w.now).peer_line == "Watching with you");

  REQUIRE(p.ini.m->on_end(p.w.now));
  p.w.pump();
  CHECK(p.w.status == "complete");
  CHECK(p.w.reason == "ended by Alice");
  CHECK(p.ini.take() == Log{"write:complete", "close"});
  CHECK(p.rec.take() == Log{"close", "record-end"});
  CHECK(p.rec.m->view(p.w.now).headline == "Session ended — ended by Alice");
  CHECK(p.rec.m->view(p.w.now).can_save);
  CHECK(p.rec.m->view(p.w.now).can_delete);
  CHECK(p.w.refused == 0);
}

TEST_CASE("same-file happy path: the recipient joins with a verified copy and both play their own file", "[session]") {
  Pair p(SessionMode::SameFile);
  CHECK(p.ini.m->view(p.w.now).headline == "Waiting for Bob to join…");
  CHECK(p.rec.m->view(p.w.now).headline == "Alice invites you to watch movie.mkv");
  CHECK(p.rec.m->view(p.w.now).needs_file);
  REQUIRE(p.rec.m->on_accept(p.w.now));
  p.w.pump();
  CHECK(p.rec.take().empty());  // nothing is written before the copy is verified
  p.rec.m->on_file_available(p.w.now);
  p.w.pump();
  CHECK(p.w.status == "ready");
  CHECK(p.rec.take() == Log{"write:ready", "open:whole"});
  CHECK(p.ini.take() == Log{"open:whole"});
  CHECK(p.ini.m->view(p.w.now).headline == "Watching movie.mkv with Bob");
  REQUIRE(p.rec.m->on_end(p.w.now));
  p.w.pump();
  CHECK(p.w.status == "complete");
  CHECK(p.rec.take() == Log{"write:complete", "close"});  // no store in same-file mode: no record-end
  CHECK(p.ini.take() == Log{"close"});
}

TEST_CASE("a failed transfer writes failed with its reason and ends both sides", "[session]") {
  Pair p;
  p.rec.m->on_accept(p.w.now);
  p.w.pump();
  p.rec.take();
  p.ini.take();
  p.rec.transfer_failed(p.w.now, "the file's checksum differs");
  p.w.pump();
  CHECK(p.w.status == "failed");
  CHECK(p.w.reason == "the file's checksum differs");
  CHECK(p.rec.take() == Log{"write:failed", "close", "record-end"});
  CHECK(p.ini.take() == Log{"stop", "close"});
  CHECK(p.ini.m->view(p.w.now).headline == "Failed — the file's checksum differs");
}

TEST_CASE("cancel during the download stops both transfers; the recipient records the end", "[session]") {
  Pair p;
  p.rec.m->on_accept(p.w.now);
  p.w.pump();
  p.rec.take();
  p.ini.take();
  CHECK_FALSE(p.ini.m->view(p.w.now).can_end);  // end needs ready|playing: cancel is the way out
  REQUIRE(p.ini.m->on_cancel(p.w.now));
  p.w.pump();
  CHECK(p.w.status == "cancelled");
  CHECK(p.ini.take() == Log{"write:cancelled", "stop", "close"});
  CHECK(p.rec.take() == Log{"stop", "close", "record-end"});
  CHECK(p.rec.m->view(p.w.now).headline == "Cancelled — cancelled by Alice");
}

TEST_CASE("a declined invitation ends both sides with nothing started", "[session]") {
  Pair p;
  REQUIRE(p.rec.m->on_decline(p.w.now));
  p.w.pump();
  CHECK(p.w.status == "declined");
  CHECK(p.rec.take() == Log{"write:declined"});
  CHECK(p.ini.take().empty());
  CHECK(p.ini.m->stage() == SessionStage::Declined);
}

TEST_CASE("a progressive player is replaced by the whole file only when it was not playable", "[session]") {
  Pair p;
  p.rec.m->on_accept(p.w.now);
  p.w.pump();
  p.rec.take();
  p.rec.m->on_progressive_unplayable(p.w.now);
  p.w.pump();
  CHECK(p.rec.take().empty());  // nothing better to show until the file is whole
  p.rec.transfer_done(p.w.now);
  p.w.pump();
  p.rec.m->on_file_available(p.w.now);
  p.w.pump();
  CHECK(p.rec.take() == Log{"write:ready", "close", "open:whole"});
}

// ------------------------------------------------------------------------------------ transitions

TEST_CASE("every status change the rules allow lands each role on the matching stage, and ends close everything", "[session]") {
  for (const char* from : kAllStatuses) {
    for (const char* to : kAllStatuses) {
      for (bool by_recipient : {false, true}) {
        if (!wt_test::rules_allow(from, to, by_recipient, true)) continue;
        for (SessionRole role : {SessionRole::Initiator, SessionRole::Recipient}) {
          INFO(from << " -> " << to << " as " << (role == SessionRole::Initiator ? "initiator" : "recipient"));
          World w;
          Page pg(role, SessionMode::Transfer);
          w.pages = {&pg};
          if (role == SessionRole::Initiator) pg.m->on_file_available(w.now);
          else pg.m->on_stored_download(w.now, true, false);  // a download this browser runs
          pg.m->on_record(w.now, rec(from));
          w.pump();
          pg.m->on_record(w.now, rec(to));
          w.pump();
          CHECK(pg.m->stage() == wt_test::stage_for(to));
          if (is_end(to)) {
            CHECK_FALSE(pg.player_open);
            CHECK_FALSE(pg.transfer_running);
          }
          CHECK(pg.m->stats().stale_records == 0);
        }
      }
    }
  }
}

TEST_CASE("a page that was closed sees pending then ready, or straight complete, and lands right", "[session]") {
  SECTION("recipient: pending then ready loads the stored download and plays it whole") {
    World w;
    Page r(SessionRole::Recipient, SessionMode::Transfer);
    w.pages = {&r};
    r.m->on_stored_download(w.now, true, true);
    r.m->on_record(w.now, rec("pending"));
    r.m->on_record(w.now, rec("ready", kSize));
    w.pump();
    CHECK(r.take() == Log{"load", "open:whole"});
  }
  SECTION("recipient: straight to complete records the end and loads the file for saving, no player") {
    World w;
    Page r(SessionRole::Recipient, SessionMode::Transfer);
    w.pages = {&r};
    r.m->on_stored_download(w.now, true, true);
    r.m->on_record(w.now, rec("complete", kSize, "ended by Alice"));
    w.pump();
    CHECK(r.take() == Log{"load", "record-end"});
    CHECK(r.m->view(w.now).can_save);
  }
  SECTION("initiator: pending then complete starts nothing") {
    World w;
    Page i(SessionRole::Initiator, SessionMode::Transfer);
    w.pages = {&i};
    i.m->on_record(w.now, rec("pending"));
    i.m->on_record(w.now, rec("complete"));
    w.pump();
    CHECK(i.take().empty());
    CHECK(i.m->stage() == SessionStage::Ended);
  }
}

TEST_CASE("records that arrive late, behind what was seen, are ignored", "[session]") {
  World w;
  Page r(SessionRole::Recipient, SessionMode::Transfer);
  w.pages = {&r};
  r.m->on_stored_download(w.now, true, false);
  r.m->on_record(w.now, rec("downloading"));
  w.pump();
  CHECK(r.take() == Log{"start:receiver", "open:progressive"});
  r.m->on_record(w.now, rec("cancelled", 0, "cancelled by Alice"));
  w.pump();
  CHECK(r.take() == Log{"stop", "close", "record-end"});
  CHECK_FALSE(r.m->on_record(w.now, rec("downloading")));
  CHECK_FALSE(r.m->on_record(w.now, rec("pending")));
  CHECK_FALSE(r.m->on_record(w.now, rec("complete")));  // an end never changes
  w.pump();
  CHECK(r.take().empty());
  CHECK(r.m->stage() == SessionStage::Cancelled);
  CHECK(r.m->stats().stale_records == 3);
}

// -------------------------------------------------------------------------------------------- races

TEST_CASE("both sides ending at once: one complete wins, each side acts once", "[session]") {
  for (int order = 0; order < 2; ++order) {
    INFO("order " << order);
    Pair p;
    p.to_ready();
    p.ini.take();
    p.rec.take();
    p.w.hold_writes = true;
    REQUIRE(p.ini.m->on_end(p.w.now));
    REQUIRE(p.rec.m->on_end(p.w.now));
    p.w.pump();
    p.w.apply_held(order == 0 ? std::vector<std::size_t>{0, 1} : std::vector<std::size_t>{1, 0});
    p.w.hold_writes = false;
    p.w.pump();
    CHECK(p.w.status == "complete");
    CHECK(p.w.refused == 0);  // complete over complete is the same value: allowed
    CHECK(p.ini.take() == Log{"write:complete", "close"});
    CHECK(p.rec.take() == Log{"write:complete", "close", "record-end"});
    CHECK(p.ini.m->stage() == SessionStage::Ended);
    CHECK(p.rec.m->stage() == SessionStage::Ended);
  }
}

TEST_CASE("the recipient finishing while the initiator cancels: whatever the record says wins", "[session]") {
  for (int order = 0; order < 2; ++order) {
    INFO((order == 0 ? "ready first, then cancelled" : "cancelled first, ready refused"));
    Pair p;
    p.rec.m->on_accept(p.w.now);
    p.w.pump();
    p.ini.take();
    p.rec.take();
    p.w.hold_writes = true;
    p.rec.transfer_done(p.w.now);
    REQUIRE(p.ini.m->on_cancel(p.w.now));
    p.w.pump();
    // Held writes are in the order the pages were drained: the initiator's cancel first.
    p.w.apply_held(order == 0 ? std::vector<std::size_t>{1, 0} : std::vector<std::size_t>{0, 1});
    p.w.hold_writes = false;
    p.w.pump();
    CHECK(p.w.status == "cancelled");  // cancelled is allowed from ready too
    CHECK(p.ini.m->stage() == SessionStage::Cancelled);
    CHECK(p.rec.m->stage() == SessionStage::Cancelled);
    CHECK(p.rec.count("record-end") == 1);
    CHECK(p.rec.count("close") == 1);
    CHECK(p.ini.count("stop") == 1);
    CHECK(p.w.refused == (order == 0 ? 0 : 1));
    CHECK(p.rec.count("notify") == (order == 0 ? 0 : 1));
  }
}

TEST_CASE("decline after accept in two windows of the recipient: the record decides, the loser says so", "[session]") {
  for (int order = 0; order < 2; ++order) {
    INFO((order == 0 ? "accept reaches the database first" : "decline reaches the database first"));
    World w;
    Page ini(SessionRole::Initiator, SessionMode::Transfer);
    Page a(SessionRole::Recipient, SessionMode::Transfer), b(SessionRole::Recipient, SessionMode::Transfer);
    w.pages = {&ini, &a, &b};
    ini.m->on_file_available(w.now);
    w.start(ini);
    w.start(a);
    w.start(b);
    w.hold_writes = true;
    REQUIRE(a.m->on_accept(w.now));
    REQUIRE(b.m->on_decline(w.now));
    w.pump();
    CHECK(a.take() == Log{"write:downloading", "start:receiver", "open:progressive"});
    CHECK(b.take() == Log{"write:declined"});
    w.apply_held(order == 0 ? std::vector<std::size_t>{0, 1} : std::vector<std::size_t>{1, 0});
    w.hold_writes = false;
    w.pump();
    CHECK(w.refused == 1);
    if (order == 0) {
      CHECK(w.status == "downloading");
      CHECK(a.take().empty());
      CHECK(b.take() == Log{"notify"});
      CHECK(b.raw.back().text == "Could not decline: the session had already changed.");
      CHECK(b.m->view(w.now).downloading_elsewhere);
      CHECK(b.m->view(w.now).headline == "Downloading in another window");
      CHECK(ini.take() == Log{"start:sender", "open:whole"});
    } else {
      CHECK(w.status == "declined");
      CHECK(a.take() == Log{"notify", "stop", "close", "record-end"});
      CHECK(b.take().empty());
      CHECK(ini.take().empty());
      CHECK(a.m->stage() == SessionStage::Declined);
    }
  }
}

TEST_CASE("a second window's accept is refused and starts no second download", "[session]") {
  World w;
  Page ini(SessionRole::Initiator, SessionMode::Transfer);
  Page a(SessionRole::Recipient, SessionMode::Transfer), b(SessionRole::Recipient, SessionMode::Transfer);
  w.pages = {&ini, &a, &b};
  ini.m->on_file_available(w.now);
  w.start(ini);
  w.start(a);
  w.start(b);
  w.hold_writes = true;
  a.m->on_accept(w.now);
  b.m->on_accept(w.now);
  w.pump();
  w.apply_held({0, 1});  // downloading over downloading is the same value: the rules allow it
  w.hold_writes = false;
  w.pump();
  // Both accepted in their own page, so both run it (the rules cannot tell windows apart); what
  // matters here is that neither starts twice and the initiator sends once.
  CHECK(a.count("start:receiver") == 1);
  CHECK(b.count("start:receiver") == 1);
  CHECK(ini.count("start:sender") == 1);
}

TEST_CASE("cancel and accept racing at pending: cancel first refuses the accept, accept first is cancelled", "[session]") {
  for (int order = 0; order < 2; ++order) {
    INFO((order == 0 ? "cancel first" : "accept first"));
    Pair p;
    p.w.hold_writes = true;
    REQUIRE(p.ini.m->on_cancel(p.w.now));
    REQUIRE(p.rec.m->on_accept(p.w.now));
    p.w.pump();
    p.w.apply_held(order == 0 ? std::vector<std::size_t>{0, 1} : std::vector<std::size_t>{1, 0});
    p.w.hold_writes = false;
    p.w.pump();
    CHECK(p.w.status == "cancelled");
    CHECK(p.ini.m->stage() == SessionStage::Cancelled);
    CHECK(p.rec.m->stage() == SessionStage::Cancelled);
    CHECK(p.rec.count("start:receiver") == 1);
    CHECK(p.rec.count("stop") == 1);
    CHECK(p.rec.count("record-end") == 1);
    CHECK_FALSE(p.rec.player_open);
    CHECK_FALSE(p.ini.transfer_running);
    CHECK(p.ini.count("start:sender") == 0);  // the initiator's own cancel came first in its page
    CHECK(p.w.refused == (order == 0 ? 1 : 0));
  }
}

TEST_CASE("a refused write whose optimistic value the SDK showed is undone by its revert", "[session]") {
  World w;
  Page r(SessionRole::Recipient, SessionMode::Transfer);
  w.pages = {&r};
  r.m->on_stored_download(w.now, false, false);
  r.m->on_record(w.now, rec("pending"));
  r.m->on_accept(w.now);
  r.m->on_record(w.now, rec("downloading"));  // the SDK's optimistic echo
  w.pump();
  CHECK(r.take() == Log{"write:downloading", "start:receiver", "open:progressive"});
  r.m->on_write_failed(w.now, RecordStatus::Downloading);  // e.g. the rules said no
  r.m->on_record(w.now, rec("pending"));                      // the SDK's revert: a step back, taken
  w.pump();
  CHECK(r.take() == Log{"notify", "stop", "close"});
  CHECK(r.m->stage() == SessionStage::Pending);
  CHECK(r.m->view(w.now).can_accept);
}

// Found by tests/fuzz/session_lifecycle.cpp (seed reaccept-after-refused-accept): the second accept
// wrote 'downloading' but started nothing, since the refused accept's stopped run counted as over.
TEST_CASE("accepting again after a refused accept starts a download of its own", "[session]") {
  World w;
  Page r(SessionRole::Recipient, SessionMode::Transfer);
  w.pages = {&r};
  r.m->on_stored_download(w.now, false, false);
  r.m->on_record(w.now, rec("pending"));
  w.hold_writes = true;
  r.m->on_accept(w.now);
  r.m->on_record(w.now, rec("downloading"));  // the SDK's optimistic echo
  w.pump();
  r.m->on_write_failed(w.now, RecordStatus::Downloading);  // the database never took it
  r.m->on_record(w.now, rec("pending"));                      // the SDK's revert
  w.pump();
  w.outbox.clear();
  w.hold_writes = false;
  CHECK(r.take() == Log{"write:downloading", "start:receiver", "open:progressive", "notify", "stop", "close"});
  REQUIRE(r.m->view(w.now).can_accept);
  REQUIRE(r.m->on_accept(w.now));
  w.pump();
  CHECK(w.status == "downloading");
  CHECK(r.take() == Log{"write:downloading", "start:receiver", "open:progressive"});
  r.transfer_done(w.now);
  w.pump();
  CHECK(w.status == "ready");
  CHECK(r.take() == Log{"write:ready"});
}

// ------------------------------------------------------------------------------------------ reload

TEST_CASE("recipient reload in every state lands on the right actions", "[session]") {
  struct Case {
    const char* status;
    int stored;  // 0 none, 1 partial, 2 complete
    Log expect;
  };
  const Case cases[] = {
      {"pending", 0, {}},
      {"downloading", 0, {}},  // accepted in another window: nothing here
      {"downloading", 1, {"start:receiver", "open:progressive"}},
      {"downloading", 2, {"write:ready", "load", "open:whole"}},  // stored whole, 'ready' never written
      {"ready", 0, {}},
      {"ready", 2, {"load", "open:whole"}},
      {"playing", 2, {"load", "open:whole"}},
      {"complete", 0, {}},
      {"complete", 2, {"load", "record-end"}},
      {"declined", 0, {}},
      {"cancelled", 1, {"record-end"}},
      {"failed", 1, {"record-end"}},
  };
  for (const Case& c : cases) {
    INFO(c.status << " with stored " << c.stored);
    World w;
    w.status = c.status;
    Page r(SessionRole::Recipient, SessionMode::Transfer);
    w.pages = {&r};
    // The record first, the store after: until the store is known, nothing happens.
    r.m->on_record(w.now, w.record());
    w.pump();
    CHECK(r.take().empty());
    r.m->on_stored_download(w.now, c.stored > 0, c.stored == 2);
    w.pump();
    CHECK(r.take() == c.expect);
    CHECK(r.count("start:receiver") <= 1);
    if (std::string(c.status) == "downloading" && c.stored == 0) {
      CHECK(r.m->view(w.now).downloading_elsewhere);
      CHECK(r.m->view(w.now).self_line == "Downloading 0% in another window…");
    }
  }
}

TEST_CASE("initiator reload: no file handle survives, so it asks for the file and then goes on", "[session]") {
  struct Case {
    const char* status;
    Log after_file;
  };
  const Case cases[] = {
      {"pending", {}},
      {"downloading", {"start:sender", "open:whole"}},
      {"ready", {"open:whole"}},
      {"playing", {"open:whole"}},
      {"complete", {}},
      {"cancelled", {}},
  };
  for (const Case& c : cases) {
    INFO(c.status);
    World w;
    w.status = c.status;
    Page i(SessionRole::Initiator, SessionMode::Transfer);
    w.pages = {&i};
    w.start(i);
    CHECK(i.take().empty());
    CHECK(i.m->view(w.now).needs_file == !is_end(c.status));
    i.m->on_file_available(w.now);
    w.pump();
    CHECK(i.take() == c.after_file);
    CHECK_FALSE(i.m->view(w.now).needs_file);
  }
  World w;
  w.status = "downloading";
  Page i(SessionRole::Initiator, SessionMode::Transfer);
  w.pages = {&i};
  w.start(i);
  CHECK(i.m->view(w.now).self_line == "Sending paused — choose movie.mkv again to continue sending");
}

TEST_CASE("a reload mid-session on both sides resumes with one transfer each and the same stages", "[session]") {
  Pair p;
  p.rec.m->on_accept(p.w.now);
  p.w.pump();
  p.rec.reload();
  p.ini.reload();
  p.w.start(p.rec, true, false);
  p.w.start(p.ini);
  CHECK(p.rec.take() == Log{"start:receiver", "open:progressive"});
  CHECK(p.ini.take().empty());
  p.ini.m->on_file_available(p.w.now);
  p.w.pump();
  CHECK(p.ini.take() == Log{"start:sender", "open:whole"});
  CHECK(p.ini.m->stage() == SessionStage::Downloading);
  CHECK(p.rec.m->stage() == SessionStage::Downloading);
}

TEST_CASE("same-file reload: each side picks its copy again before the player opens", "[session]") {
  for (SessionRole role : {SessionRole::Initiator, SessionRole::Recipient}) {
    World w;
    w.mode = "same-file";
    w.status = "playing";
    Page pg(role, SessionMode::SameFile);
    w.pages = {&pg};
    w.start(pg);
    CHECK(pg.take().empty());
    CHECK(pg.m->view(w.now).needs_file);
    pg.m->on_file_available(w.now);
    w.pump();
    CHECK(pg.take() == Log{"open:whole"});
  }
}

// ----------------------------------------------------------------------------------------- presence

TEST_CASE("the peer is called gone only after the grace period, so a reload does not flicker", "[session]") {
  Pair p;
  p.to_ready();
  SessionLifecycle& m = *p.ini.m;
  const double t0 = 10000;
  CHECK(std::isinf(m.poll_timeout()));
  m.on_peer_present(t0, false);
  CHECK(m.poll_timeout() == t0 + 5000);
  m.handle_timeout(t0 + 2000);
  CHECK_FALSE(m.view(t0 + 2000).peer_gone);
  m.on_peer_present(t0 + 3000, true);  // back after a reload
  CHECK(std::isinf(m.poll_timeout()));
  m.handle_timeout(t0 + 5000);
  CHECK_FALSE(m.view(t0 + 5000).peer_gone);

  m.on_peer_present(t0 + 6000, false);
  m.on_peer_present(t0 + 7000, false);  // a repeat does not restart the clock
  CHECK(m.poll_timeout() == t0 + 11000);
  m.handle_timeout(t0 + 10999);
  CHECK_FALSE(m.view(t0 + 10999).peer_gone);
  m.handle_timeout(m.poll_timeout());
  CHECK(m.view(t0 + 11000).peer_gone);
  CHECK(m.view(t0 + 11000).peer_line == "Bob left — waiting for them to come back…");
  CHECK(std::isinf(m.poll_timeout()));
  m.on_peer_present(t0 + 20000, true);
  CHECK(m.view(t0 + 20000).peer_line == "Ready to play");
}

// ---------------------------------------------------------------------------------- hostile inputs

TEST_CASE("garbage records are counted and ignored, never a crash", "[session]") {
  World w;
  Page r(SessionRole::Recipient, SessionMode::Transfer);
  w.pages = {&r};
  r.m->on_stored_download(w.now, true, false);
  CHECK_FALSE(r.m->on_record(w.now, rec("exploded")));
  CHECK_FALSE(r.m->on_record(w.now, rec("")));
  CHECK_FALSE(r.m->on_record(w.now, rec("Downloading")));
  CHECK(r.m->stats().record_errors == 3);
  CHECK(r.m->stage() == SessionStage::Pending);

  SessionRecordUpdate u = rec("downloading");
  u.bytes_downloaded = std::numeric_limits<double>::quiet_NaN();
  CHECK(r.m->on_record(w.now, u));
  CHECK(r.m->view(w.now).fraction == 0);
  u.bytes_downloaded = -5;
  r.m->on_record(w.now, u);
  CHECK(r.m->view(w.now).fraction == 0);
  u.bytes_downloaded = 1e300;
  r.m->on_record(w.now, u);
  CHECK(r.m->view(w.now).fraction == 1);
  u.bytes_downloaded = std::numeric_limits<double>::infinity();
  r.m->on_record(w.now, u);
  CHECK(r.m->stats().clamped_fields == 4);
  u.bytes_downloaded.reset();  // absent: the last value is kept
  r.m->on_record(w.now, u);
  CHECK(r.m->view(w.now).fraction == 1);
  CHECK(r.m->stats().clamped_fields == 4);

  std::string reason(10000, 'x');
  reason += "\x01\x1b[31m";
  r.m->on_record(w.now, rec("cancelled", 0, std::string("\xc3\xa9") + reason));
  const std::string headline = r.m->view(w.now).headline;
  CHECK(headline.size() <= std::string("Cancelled — ").size() + 500);
  CHECK(headline.find('\x1b') == std::string::npos);

  r.m->on_record_deleted(w.now);
  CHECK_FALSE(r.m->on_record(w.now, rec("ready")));
  CHECK(r.m->stage() == SessionStage::Gone);
  w.pump();
  CHECK(r.count("start:receiver") == 1);
  CHECK(r.count("stop") == 1);
  CHECK(r.count("record-end") == 1);
}

TEST_CASE("buttons outside their stage are ignored and counted", "[session]") {
  Pair p;
  CHECK_FALSE(p.ini.m->on_accept(p.w.now));   // only the recipient accepts
  CHECK_FALSE(p.ini.m->on_decline(p.w.now));
  CHECK_FALSE(p.rec.m->on_cancel(p.w.now));   // the recipient declines a pending invitation
  CHECK_FALSE(p.ini.m->on_end(p.w.now));      // nothing to end yet
  CHECK_FALSE(p.rec.m->on_delete_requested(p.w.now));
  p.ini.m->on_transfer_done(p.w.now);         // no transfer runs
  p.rec.m->on_local_playing(p.w.now, true);   // no player is open
  p.ini.m->on_write_failed(p.w.now, RecordStatus::Complete);  // never written
  p.w.pump();
  CHECK(p.ini.take().empty());
  CHECK(p.rec.take().empty());
  CHECK(p.ini.m->stats().ignored_inputs == 5);
  CHECK(p.rec.m->stats().ignored_inputs == 3);
}

TEST_CASE("repeated inputs produce no repeated actions", "[session]") {
  Pair p;
  for (int i = 0; i < 3; ++i) {
    p.rec.m->on_accept(p.w.now);
    p.rec.m->on_stored_download(p.w.now, true, false);
    p.w.pump();
    p.rec.m->on_record(p.w.now, p.w.record());
    p.ini.m->on_record(p.w.now, p.w.record());
    p.ini.m->on_file_available(p.w.now);
    p.w.pump();
  }
  for (int i = 0; i < 3; ++i) {
    p.rec.transfer_done(p.w.now);
    p.rec.m->on_file_available(p.w.now);
    p.rec.m->on_local_playing(p.w.now, true);
    p.w.pump();
  }
  for (int i = 0; i < 3; ++i) {
    p.ini.m->on_end(p.w.now);
    p.rec.m->on_end(p.w.now);
    p.rec.m->on_record(p.w.now, p.w.record());
    p.w.pump();
  }
  CHECK(p.rec.raw.size() == 8);  // downloading, start, open, ready, playing, complete, close, record-end
  CHECK(p.rec.count("write:downloading") == 1);
  CHECK(p.rec.count("start:receiver") == 1);
  CHECK(p.rec.count("write:ready") == 1);
  CHECK(p.rec.count("write:playing") == 1);
  CHECK(p.rec.count("record-end") == 1);
  CHECK(p.ini.count("start:sender") == 1);
  CHECK(p.ini.count("write:complete") == 1);
  CHECK(p.ini.count("close") == 1);
}

TEST_CASE("delete after the end: offered once the session ended, done once, then no longer offered", "[session]") {
  Pair p;
  p.to_ready();
  CHECK_FALSE(p.rec.m->view(p.w.now).can_delete);
  CHECK(p.rec.m->view(p.w.now).can_save);
  p.ini.m->on_end(p.w.now);
  p.w.pump();
  p.rec.take();
  REQUIRE(p.rec.m->view(p.w.now).can_delete);
  REQUIRE(p.rec.m->on_delete_requested(p.w.now));
  p.w.pump();  // the glue deletes and calls on_deleted
  CHECK(p.rec.take() == Log{"delete"});
  CHECK_FALSE(p.rec.m->view(p.w.now).can_delete);
  CHECK_FALSE(p.rec.m->view(p.w.now).can_save);
  CHECK_FALSE(p.rec.m->on_delete_requested(p.w.now));
}

TEST_CASE("view texts: progress, connection and peer lines as the spec words them", "[session]") {
  Pair p;
  p.rec.m->on_accept(p.w.now);
  p.w.pump();
  p.rec.m->on_connection(p.w.now, PeerConnection::Reconnecting);
  CHECK(p.rec.m->view(p.w.now).self_line == "Connection lost — reconnecting…");
  p.rec.m->on_connection(p.w.now, PeerConnection::Connected);
  p.rec.m->on_transfer_progress(p.w.now, kSize * 0.999);
  CHECK(p.rec.m->view(p.w.now).self_line == "Downloading 99%…");  // never 100% before it is whole
  p.ini.m->on_record(p.w.now, rec("downloading", 450000));
  CHECK(p.ini.m->view(p.w.now).peer_line == "Downloading 45%…");
  CHECK(p.ini.m->view(p.w.now).fraction == Approx(0.45));
  CHECK(p.rec.m->view(p.w.now).can_cancel);
  CHECK_FALSE(p.rec.m->view(p.w.now).can_end);
}

// ------------------------------------------------------------------------------------- randomised

TEST_CASE("random interleavings, delays and reloads always converge on the record without double actions", "[session]") {
  const unsigned seed = 20261126;
  std::printf("session_lifecycle random runs: seed %u\n", seed);
  std::mt19937 rng(seed);
  std::set<std::string> finals;
  for (int run = 0; run < 300; ++run) {
    INFO("run " << run << " (seed " << seed << ")");
    const SessionMode mode = run % 3 == 2 ? SessionMode::SameFile : SessionMode::Transfer;
    Pair p(mode);
    bool rec_stored = false;
    for (int step = 0; step < 40; ++step) {
      Page& pg = rng() % 2 ? p.ini : p.rec;
      const double now = p.w.now;
      switch (rng() % 14) {
        case 0: pg.m->on_accept(now); break;
        case 1: pg.m->on_decline(now); break;
        case 2: if (rng() % 4 == 0) pg.m->on_cancel(now); break;
        case 3: if (rng() % 3 == 0) pg.m->on_end(now); break;
        case 4: if (pg.transfer_running) pg.transfer_done(now); break;
        case 5: if (pg.transfer_running && rng() % 4 == 0) pg.transfer_failed(now, "broken"); break;
        case 6: pg.m->on_local_playing(now, rng() % 2); break;
        case 7: pg.m->on_file_available(now); break;
        case 8: pg.hold = !pg.hold; break;  // delays: records pile up, then arrive in a burst
        case 9: p.w.hold_writes = !p.w.hold_writes; break;
        case 10: {
          if (rng() % 3) break;
          const bool stored = pg.by_recipient() && (rec_stored || pg.transfer_running || pg.count("start:receiver") > 0);
          rec_stored = rec_stored || stored;
          const bool whole = p.w.status == "ready" || p.w.status == "playing" || p.w.status == "complete";
          pg.reload();
          p.w.start(pg, stored, stored && whole);
          break;
        }
        case 11: pg.m->on_peer_present(now, rng() % 2); break;
        case 12: pg.m->handle_timeout(now + 6000); break;
        default: pg.m->on_record(now, p.w.record()); break;  // a duplicate delivery
      }
      p.w.pump();
      if (p.rec.count("start:receiver") > 0) rec_stored = true;
    }
    p.ini.hold = p.rec.hold = false;
    p.w.hold_writes = false;
    p.w.pump();
    finals.insert(p.w.status);
    for (Page* pg : {&p.ini, &p.rec}) {
      CHECK(pg->m->stage() == wt_test::stage_for(p.w.status));
      if (is_end(p.w.status)) {
        CHECK_FALSE(pg->player_open);
        CHECK_FALSE(pg->transfer_running);
      }
      CHECK(pg->count("record-end") <= 1);
      CHECK(pg->count("load") <= 1);
    }
  }
  CHECK(finals.size() >= 6);  // the runs reach most statuses, not one path over and over
}

TEST_CASE("a declined invitation names the file and who declined it on both sides", "[session]") {
  Pair p;
  REQUIRE(p.rec.m->on_decline(p.w.now));
  p.w.pump();
  CHECK(p.w.status == "declined");
  CHECK(p.ini.m->view(p.w.now).headline == "Bob declined movie.mkv");
  CHECK(p.rec.m->view(p.w.now).headline == "You declined movie.mkv");
  CHECK(p.ini.m->view(p.w.now).self_line == "Declined by Bob");
}

TEST_CASE("the invitation names the file's size, whatever size a hostile record claims", "[session]") {
  for (const auto& [size, text] : std::vector<std::pair<double, std::string>>{
           {0, "0 B"}, {1, "1 B"}, {10012345, "10.0 MB"}, {2.5e9, "2.50 GB"}, {1e300, "9007199.25 GB"}}) {
    SessionConfig c = config(SessionRole::Recipient, SessionMode::Transfer);
    c.file_size = size;
    SessionLifecycle m(c);
    CHECK(m.view(0).headline == "Alice wants to send you movie.mkv (" + text + ")");
  }
}
