// Fuzz target: the session lifecycle machine (src/session/session_lifecycle.*), fed what a hostile
// participant can put in /watch-sessions/{id} within the rules, and every other input in any order.
// One or two machines (two: the other role, or a second window of the same role) on a small fake
// database that applies their writes with the status rules of database.rules.json; the fuzzer may
// also hand any machine a record of its own making, at any time.
//
// Input: three header bytes, then operations to the end (at most kMaxOps; past the end every read
// gives 0).
//   byte 0   bit 0 machine A's role (0 initiator, 1 recipient), bit 1 mode (0 transfer, 1 same-file),
//            bit 2 a second machine B, bit 3 B has A's role (a second window) rather than the other
//   byte 1   file size, from kFileSizes (0, 1, huge, NaN, negative, infinite among them)
//   byte 2   presence grace period, from kGraces (0, NaN, negative, infinite among them)
//   op       bit 7 picks machine B (when there is one), the rest % kOps the operation (see the
//            switch), followed by the operation's own bytes: a record (status selector, then
//            bytesDownloaded selector, then reason selector), a status, a bool, a time step, ...
//
// After every input the machine's actions are drained (poll_action until None) and carried out by a
// glue model that checks them; then the machine's state is checked. Invariants:
//   - StartTransfer never while a run is going (one started and not stopped nor ended by itself:
//     done, failed, cancelled by the peer); StopTransfer only for a running one; the side is the
//     role's, transfer mode only; a receiver starts only where it was accepted (or a download is
//     stored), a sender only with its file, and a run that ended or was stopped never restarts
//     but by a new accept;
//   - and the converse: once drained, a download accepted here (not refused) runs while the stage
//     is downloading, unless its run ended or was stopped or the file is whole here; a sender
//     with its file sends (this one found the machine's one bug so far: an accept after a refused
//     accept wrote 'downloading' and started nothing, seed reaccept-after-refused-accept);
//   - OpenPlayer never while one is open, ClosePlayer only for an open one; progressive only for a
//     transfer-mode recipient; LoadStoredFile and RecordEnd at most once per machine, recipient in
//     transfer mode only; DeleteStored only right after a delete request it took;
//   - once drained: nothing open nor running when the stage is an end or gone; a running transfer
//     means stage downloading, an open player stage downloading, ready or playing;
//   - the stage is the one of the status the machine last saw (an accepted record) or wrote and had
//     not refused or confirmed (the header's optimistic-write contract, modelled here); before any
//     record that is pending, where a machine starts (it is made for a session that exists);
//   - WriteStatus asks only for a transition the rules allow from that status for this role and mode
//     (the table is copied from database.rules.json as independent truth, as the Catch2 test does),
//     never once the record is deleted; its reason is within the rules' 500 and has no control
//     characters; bytesDownloaded (when set) comes from a transfer-mode recipient, within the file;
//     ready and playing are each written at most once per machine (facts, not retried), failed
//     at most once per accept (a run);
//   - a button is taken exactly when the view offered it (can_accept, ..., can_delete);
//   - view(): fraction finite and within 0..1; no button offered at an end; no control character
//     in its texts (the reason is the other person's);
//   - poll_timeout() never NaN, and after handle_timeout(now) strictly later than now (or none);
//   - at most kMaxActionsPerInput actions per input;
//   - the stats counters equal what the inputs and actions predict, counter for counter.
// WT_FUZZ_TRACE=1 prints each operation and the actions it drew (replaying one input by hand).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "../session/status_rules.hpp"
#include "fuzz_check.hpp"
#include "session/session_lifecycle.hpp"

using wt::PlayerSource;
using wt::RecordStatus;
using wt::SessionAction;
using wt::SessionLifecycle;
using wt::SessionMode;
using wt::SessionRole;
using wt::SessionStage;
using Kind = SessionAction::Kind;

using wt_fuzz::Input;

namespace {

constexpr int kMaxOps = 256;
constexpr int kOps = 28;
constexpr int kMaxActionsPerInput = 8;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

const double kFileSizes[] = {1e6, 0, 1, 65536, 4.7e9, 9007199254740993.0, 1e300, kNaN, -1, kInf, -kInf, 1e-300};
const double kGraces[] = {5000, 0, 1, 1e9, kNaN, -1, kInf, 250};

const char* const kNames[] = {"pending", "downloading", "ready", "playing", "complete", "declined", "cancelled", "failed"};

// The header's words, independently: a known name, its order (ready = playing), ends.
bool known(const std::string& s) {
  for (const char* n : kNames)
    if (s == n) return true;
  return false;
}
int order(const std::string& s) {
  if (s == "pending") return 0;
  if (s == "downloading") return 1;
  if (s == "ready" || s == "playing") return 2;
  return 3;
}
bool is_end(const std::string& s) { return order(s) == 3; }
std::string name(RecordStatus s) { return kNames[int(s) % 8]; }

bool stage_is_end(SessionStage s) {
  return s == SessionStage::Ended || s == SessionStage::Declined || s == SessionStage::Cancelled ||
         s == SessionStage::Failed || s == SessionStage::Gone;
}

bool has_control(const std::string& s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return true;
  return false;
}

std::string make_status(Input& in) {
  const int s = in.byte() % 16;
  if (s < 8) return kNames[s];
  switch (s) {
    case 8: return "";
    case 9: return "Ready";
    case 10: return "complete ";
    case 11: return std::string("pending\0x", 9);
    default: return in.text(in.byte() % 16);
  }
}

double make_number(Input& in, double file_size) {
  switch (in.byte() % 12) {
    case 0: return kNaN;
    case 1: return -1;
    case 2: return -0.0;
    case 3: return 0;
    case 4: return file_size / 2;
    case 5: return file_size;
    case 6: return file_size + 1;
    case 7: return kInf;
    case 8: return -kInf;
    case 9: return 1e308;
    case 10: return std::nextafter(file_size, kInf);
    default: return in.f64();
  }
}

std::string make_text(Input& in) {
  switch (in.byte() % 4) {
    case 0: return "";
    case 1: return in.text(in.byte() % 64);
    case 2: {  // long, of one byte (control characters and UTF-8 lead or continuation bytes too)
      const char c = char(in.byte());
      return std::string(in.u16() % 3000, c) + in.text(in.byte() % 8);
    }
    default: {  // two-byte characters across the 500 limit, with controls mixed in
      std::string s = in.text(in.byte() % 4);
      const int n = in.u16() % 600;
      for (int i = 0; i < n; ++i) s += (i % 97 == 5) ? "\x1b[31m" : "\xc3\xa9";
      return s;
    }
  }
}

wt::SessionConfig make_config(bool recipient, bool transfer, double file_size, double grace) {
  wt::SessionConfig c;
  c.role = recipient ? SessionRole::Recipient : SessionRole::Initiator;
  c.mode = transfer ? SessionMode::Transfer : SessionMode::SameFile;
  c.file_name = "movie.mkv";
  c.file_size = file_size;
  c.self_name = recipient ? "Bob" : "Alice";
  c.peer_name = recipient ? "Alice" : "Bob";
  c.presence_grace_ms = grace;
  return c;
}

// One page: its machine, the glue's view of what runs, and the harness's model of what the
// machine should believe and count.
struct Side {
  wt::SessionConfig cfg;
  bool recipient, transfer;
  std::unique_ptr<SessionLifecycle> m;

  // Glue.
  bool transfer_running = false;
  std::optional<PlayerSource> player;
  int loads = 0, record_ends = 0;
  int writes_of[8] = {};
  bool delete_expected = false;
  // What this page was told, for the rules on when a transfer runs.
  bool accepted = false;       // an accept taken here and not refused
  bool file_said = false;      // on_file_available was called
  bool stored_said = false;    // on_stored_download said a download is stored here
  bool whole_known = false;    // the file is (or was) whole here: no download to run
  bool run_over = false;       // a run ended or was stopped since the last accept
  std::optional<RecordStatus> last_write;

  // Model (the header's contract).
  std::string seen = "pending";  // the last record taken (a machine starts at pending)
  bool rec_known = false;
  bool trust_next = false;
  std::deque<std::string> pending;  // own writes not yet confirmed nor refused
  std::vector<std::string> written;
  bool gone = false, deleted = false;
  wt::SessionStats expect;

  Side(const wt::SessionConfig& c) : cfg(c) { reset(); }
  void reset() {
    recipient = cfg.role == SessionRole::Recipient;
    transfer = cfg.mode == SessionMode::Transfer;
    m.reset(new SessionLifecycle(cfg));
    transfer_running = false;
    player.reset();
    loads = record_ends = 0;
    for (int& n : writes_of) n = 0;
    delete_expected = false;
    accepted = file_said = stored_said = whole_known = run_over = false;
    last_write.reset();
    seen = "pending";
    rec_known = trust_next = false;
    pending.clear();
    written.clear();
    gone = deleted = false;
    expect = {};
  }
  std::string basis() const { return pending.empty() ? seen : pending.back(); }
  void ignored() { ++expect.ignored_inputs; }
};

// The fake database: the record, and the writes on their way to it.
struct Db {
  bool exists = true;
  std::string status = "pending";
  std::string reason;
  double bytes = 0;
  std::deque<std::pair<int, SessionAction>> outbox;
};

struct Harness {
  std::vector<std::unique_ptr<Side>> sides;
  Db db;
  double now = 1764146400000.0;
  static const bool trace;

  // Feeds a record and keeps the model (stats, what the machine believes) in step.
  void record(Side& s, const wt::SessionRecordUpdate& r) {
    const bool took = s.m->on_record(now, r);
    if (s.gone || !known(r.status)) {
      FUZZ_CHECK(!took);
      ++s.expect.record_errors;
      return;
    }
    const bool stale = s.rec_known && !s.trust_next &&
                       ((is_end(s.seen) && r.status != s.seen) || order(r.status) < order(s.seen));
    FUZZ_CHECK(took == !stale);
    if (!took) {
      ++s.expect.stale_records;
      return;
    }
    ++s.expect.records;
    s.trust_next = false;
    s.rec_known = true;
    s.seen = r.status;
    if (r.bytes_downloaded) {
      const double b = *r.bytes_downloaded;
      const double fs = s.m->config().file_size;
      if (std::isnan(b) || b < 0 || b > fs) ++s.expect.clamped_fields;
    }
    for (std::size_t i = 0; i < s.pending.size(); ++i) {
      if (s.pending[i] == r.status) {
        s.pending.erase(s.pending.begin(), s.pending.begin() + std::ptrdiff_t(i) + 1);
        return;
      }
    }
    if (is_end(r.status)) s.pending.clear();
  }

  void write_failed(Side& s, RecordStatus st) {
    s.m->on_write_failed(now, st);
    const std::string n = name(st);
    if (std::find(s.written.begin(), s.written.end(), n) == s.written.end()) {
      s.ignored();
      return;
    }
    ++s.expect.write_failures;
    s.trust_next = true;
    if (st == RecordStatus::Downloading) s.accepted = false;
    for (std::size_t i = 0; i < s.pending.size(); ++i) {
      if (s.pending[i] == n) {
        s.pending.erase(s.pending.begin() + std::ptrdiff_t(i), s.pending.end());
        break;
      }
    }
  }

  // Drains the machine's actions and checks each against the glue and the rules.
  void drain(int who) {
    Side& s = *sides[who];
    bool delete_allowed = s.delete_expected;
    s.delete_expected = false;
    for (int n = 0;; ++n) {
      const SessionAction a = s.m->poll_action();
      if (a.kind == Kind::None) break;
      FUZZ_CHECK(n < kMaxActionsPerInput);
      ++s.expect.actions;
      if (trace) std::fprintf(stderr, "  %c: %s %s\n", 'A' + who, wt::session_action_name(a.kind),
                              a.kind == Kind::WriteStatus ? wt::record_status_name(a.status) : "");
      switch (a.kind) {
        case Kind::WriteStatus: {
          ++s.expect.writes;
          FUZZ_CHECK(!s.gone);
          const std::string to = name(a.status);
          if (!wt_test::rules_allow(s.basis(), to, s.recipient, s.transfer))
            std::fprintf(stderr, "write %s from %s refused by the rules\n", to.c_str(), s.basis().c_str());
          FUZZ_CHECK(wt_test::rules_allow(s.basis(), to, s.recipient, s.transfer));
          FUZZ_CHECK(a.text.size() <= 500 && !has_control(a.text));
          if (a.bytes_downloaded >= 0) {
            FUZZ_CHECK(s.recipient && s.transfer);
            FUZZ_CHECK(std::isfinite(a.bytes_downloaded) && a.bytes_downloaded <= s.m->config().file_size);
          }
          // Facts are written once per machine (a refused one is not retried); failed once a run.
          if (a.status == RecordStatus::Ready || a.status == RecordStatus::Playing || a.status == RecordStatus::Failed)
            FUZZ_CHECK(++s.writes_of[int(a.status)] == 1);
          s.pending.push_back(to);
          s.written.push_back(to);
          s.last_write = a.status;
          if (db.outbox.size() < 64) db.outbox.emplace_back(who, a);
          break;
        }
        case Kind::StartTransfer:
          FUZZ_CHECK(s.transfer);
          FUZZ_CHECK(!s.transfer_running);
          FUZZ_CHECK(a.side == (s.recipient ? wt::TransferSide::Receiver : wt::TransferSide::Sender));
          // Only where it was accepted (or stored before a reload); the sender with its file.
          FUZZ_CHECK(s.recipient ? (s.accepted || s.stored_said) : s.file_said);
          FUZZ_CHECK(!s.run_over);  // no restart of a run that ended or was stopped, but by a new accept
          s.transfer_running = true;
          break;
        case Kind::StopTransfer:
          FUZZ_CHECK(s.transfer_running);
          FUZZ_CHECK(!has_control(a.text));
          s.transfer_running = false;
          s.run_over = true;
          break;
        case Kind::OpenPlayer:
          FUZZ_CHECK(!s.player);
          FUZZ_CHECK(a.source == PlayerSource::Whole || (s.recipient && s.transfer));
          s.player = a.source;
          break;
        case Kind::ClosePlayer:
          FUZZ_CHECK(s.player.has_value());
          s.player.reset();
          break;
        case Kind::LoadStoredFile:
          FUZZ_CHECK(s.recipient && s.transfer);
          FUZZ_CHECK(++s.loads == 1);
          break;
        case Kind::RecordEnd:
          FUZZ_CHECK(s.recipient && s.transfer);
          FUZZ_CHECK(++s.record_ends == 1);
          break;
        case Kind::DeleteStored:
          FUZZ_CHECK(delete_allowed);
          delete_allowed = false;
          break;
        case Kind::Notify: FUZZ_CHECK(!a.text.empty()); break;
        default: FUZZ_CHECK(false);
      }
    }
    FUZZ_CHECK(!delete_allowed);
    check(s);
  }

  void check(Side& s) {
    const SessionStage st = s.m->stage();
    FUZZ_CHECK(st == (s.gone ? SessionStage::Gone : wt_test::stage_for(s.basis())));
    if (stage_is_end(st)) {
      FUZZ_CHECK(!s.transfer_running);
      FUZZ_CHECK(!s.player);
    }
    if (s.transfer_running) FUZZ_CHECK(st == SessionStage::Downloading);
    if (s.player) FUZZ_CHECK(st == SessionStage::Downloading || st == SessionStage::Ready || st == SessionStage::Playing);
    // And the other way round: a download accepted here runs while the stage is downloading, unless
    // its run ended or was stopped, or the file is whole here; a sender with its file sends.
    if (s.transfer && st == SessionStage::Downloading && !s.run_over && !s.whole_known &&
        (s.recipient ? s.accepted : s.file_said))
      FUZZ_CHECK(s.transfer_running);

    const wt::SessionView v = s.m->view(now);
    FUZZ_CHECK(v.stage == st);
    FUZZ_CHECK(std::isfinite(v.fraction) && v.fraction >= 0 && v.fraction <= 1);
    if (stage_is_end(st)) FUZZ_CHECK(!v.can_accept && !v.can_decline && !v.can_cancel && !v.can_end && !v.can_play && !v.watching);
    if (v.can_accept || v.can_decline) FUZZ_CHECK(s.recipient && st == SessionStage::Pending);
    if (v.can_end) FUZZ_CHECK(st == SessionStage::Ready || st == SessionStage::Playing);
    if (v.can_delete) FUZZ_CHECK(s.recipient && s.transfer && stage_is_end(st));
    if (v.can_play || v.watching) FUZZ_CHECK(s.player.has_value());
    FUZZ_CHECK(!has_control(v.headline) && !has_control(v.self_line) && !has_control(v.peer_line));
    FUZZ_CHECK(v.headline.size() <= 600 && v.self_line.size() <= 600 && v.peer_line.size() <= 600);

    FUZZ_CHECK(!std::isnan(s.m->poll_timeout()));

    const wt::SessionStats& got = s.m->stats();
    const wt::SessionStats& want = s.expect;
    if (std::memcmp(&got, &want, sizeof got) != 0 && trace)
      std::fprintf(stderr, "stats: records %u/%u errors %u/%u stale %u/%u clamped %u/%u actions %u/%u writes %u/%u failures %u/%u ignored %u/%u\n",
                   got.records, want.records, got.record_errors, want.record_errors, got.stale_records,
                   want.stale_records, got.clamped_fields, want.clamped_fields, got.actions, want.actions,
                   got.writes, want.writes, got.write_failures, want.write_failures, got.ignored_inputs,
                   want.ignored_inputs);
    FUZZ_CHECK(got.records == want.records);
    FUZZ_CHECK(got.record_errors == want.record_errors);
    FUZZ_CHECK(got.stale_records == want.stale_records);
    FUZZ_CHECK(got.clamped_fields == want.clamped_fields);
    FUZZ_CHECK(got.actions == want.actions);
    FUZZ_CHECK(got.writes == want.writes);
    FUZZ_CHECK(got.write_failures == want.write_failures);
    FUZZ_CHECK(got.ignored_inputs == want.ignored_inputs);
  }

  // A button: taken exactly when the view offered it; refused ones are counted.
  template <class F>
  void button(Side& s, bool offered, F&& press) {
    const bool took = press();
    FUZZ_CHECK(took == offered);
    if (!took) s.ignored();
  }

  void timeout(Side& s) {
    s.m->handle_timeout(now);
    const double t = s.m->poll_timeout();
    FUZZ_CHECK(!std::isnan(t) && t > now);
  }

};
const bool Harness::trace = std::getenv("WT_FUZZ_TRACE") != nullptr;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input in{data, size};
  const std::uint8_t flags = in.byte();
  const double file_size = kFileSizes[in.byte() % (sizeof kFileSizes / sizeof kFileSizes[0])];
  const double grace = kGraces[in.byte() % (sizeof kGraces / sizeof kGraces[0])];
  const bool a_recipient = flags & 1;
  const bool transfer = !(flags & 2);
  Harness h;
  h.sides.emplace_back(new Side(make_config(a_recipient, transfer, file_size, grace)));
  if (flags & 4) {
    const bool b_recipient = (flags & 8) ? a_recipient : !a_recipient;
    h.sides.emplace_back(new Side(make_config(b_recipient, transfer, file_size, grace)));
  }
  for (auto& s : h.sides) h.check(*s);

  for (int ops = 0; in.left && ops < kMaxOps; ++ops) {
    const std::uint8_t sel = in.byte();
    const int who = (sel & 0x80) && h.sides.size() > 1 ? 1 : 0;
    Side& s = *h.sides[who];
    const double now = h.now;
    const int code = (sel & 0x7f) % kOps;
    if (Harness::trace) std::fprintf(stderr, "op %d on %c at %.0f, stage %s\n", code, 'A' + who, now,
                                     wt::session_stage_name(s.m->stage()));
    switch (code) {
      case 0: {  // a record of the fuzzer's making (a hostile participant's write, or garbage)
        wt::SessionRecordUpdate r;
        r.status = make_status(in);
        if (in.byte() & 1) r.bytes_downloaded = make_number(in, s.m->config().file_size);
        r.reason = make_text(in);
        h.record(s, r);
        break;
      }
      case 1:
        s.m->on_record_deleted(now);
        s.gone = true;
        s.pending.clear();
        break;
      case 2: {
        const std::uint8_t b = in.byte();
        s.m->on_stored_download(now, b & 1, b & 2);
        if (!(s.recipient && s.transfer)) s.ignored();
        else if (b & 1) {
          s.stored_said = true;
          if (b & 2) s.whole_known = true;
        }
        break;
      }
      case 3:
        s.m->on_file_available(now);
        if (s.deleted) s.ignored();
        else s.file_said = true;
        if (s.recipient && !s.deleted) s.whole_known = true;
        break;
      case 4: {
        const bool offered = s.m->view(now).can_accept;
        h.button(s, offered, [&] { return s.m->on_accept(now); });
        if (offered && s.transfer) {
          s.accepted = true;
          s.run_over = false;  // a new accept, a new run, which may fail in its turn
          s.writes_of[int(RecordStatus::Failed)] = 0;
        }
        break;
      }
      case 5: {
        const bool offered = s.m->view(now).can_decline;
        h.button(s, offered, [&] { return s.m->on_decline(now); });
        break;
      }
      case 6: {
        const bool offered = s.m->view(now).can_cancel;
        h.button(s, offered, [&] { return s.m->on_cancel(now); });
        break;
      }
      case 7: {
        const bool offered = s.m->view(now).can_end;
        h.button(s, offered, [&] { return s.m->on_end(now); });
        break;
      }
      case 8: {
        const bool offered = s.m->view(now).can_delete;
        h.button(s, offered, [&] { return s.m->on_delete_requested(now); });
        s.delete_expected = offered;
        break;
      }
      case 9:
        s.m->on_deleted(now);
        if (s.recipient && s.transfer) s.deleted = true;
        else s.ignored();
        break;
      case 10: h.write_failed(s, RecordStatus(in.byte() % 8)); break;
      case 11:  // the database refused the last write (the usual case)
        h.write_failed(s, s.last_write.value_or(RecordStatus::Downloading));
        break;
      case 12:
        s.m->on_transfer_progress(now, make_number(in, s.m->config().file_size));
        if (!s.transfer_running) s.ignored();
        break;
      case 13:
        if (!s.transfer_running) s.ignored();
        else s.run_over = s.whole_known = true;
        s.transfer_running = false;  // the run ended by itself: no StopTransfer follows
        s.m->on_transfer_done(now);
        break;
      case 14:
        if (!s.transfer_running) s.ignored();
        else s.run_over = true;
        s.transfer_running = false;
        s.m->on_transfer_failed(now, make_text(in));
        break;
      case 15:
        if (!s.transfer_running) s.ignored();
        else s.run_over = true;
        s.transfer_running = false;
        s.m->on_transfer_cancelled_by_peer(now);
        break;
      case 16: s.m->on_connection(now, wt::PeerConnection(in.byte() % 3)); break;
      case 17:
        if (s.player != PlayerSource::Progressive) s.ignored();
        s.m->on_playback_unlocked(now);
        break;
      case 18:
        if (s.player != PlayerSource::Progressive) s.ignored();
        s.m->on_progressive_unplayable(now);
        break;
      case 19: {
        const bool playing = in.byte() & 1;
        if (playing && !s.player) s.ignored();
        s.m->on_local_playing(now, playing);
        break;
      }
      case 20: s.m->on_peer_watching(now, in.byte() & 1); break;
      case 21: s.m->on_peer_present(now, in.byte() & 1); break;
      case 22: {  // time passes; every page's timer may fire early or late
        const std::uint32_t step = in.u16();
        h.now += (step & 1) ? step : step * 100.0;
        for (int i = 0; i < int(h.sides.size()); ++i) {
          h.timeout(*h.sides[i]);
          if (i != who) h.drain(i);
        }
        break;
      }
      case 23: {  // this page's timer fires when it asked to
        const double t = s.m->poll_timeout();
        if (std::isfinite(t) && t > h.now) h.now = t;
        h.timeout(s);
        break;
      }
      case 24: {  // the database applies the oldest write on its way, with the rules
        if (h.db.outbox.empty()) break;
        const auto [from, a] = h.db.outbox.front();
        h.db.outbox.pop_front();
        Side& w = *h.sides[from];
        const std::string to = name(a.status);
        if (!h.db.exists || !wt_test::rules_allow(h.db.status, to, w.recipient, w.transfer)) {
          h.write_failed(w, a.status);
          if (from != who) h.drain(from);
        } else {
          h.db.status = to;
          if (!a.text.empty()) h.db.reason = a.text;
          if (a.bytes_downloaded >= 0) h.db.bytes = a.bytes_downloaded;
        }
        break;
      }
      case 25:  // the database delivers its record (or its absence) to this page
        if (h.db.exists) {
          wt::SessionRecordUpdate r;
          r.status = h.db.status;
          r.bytes_downloaded = h.db.bytes;
          r.reason = h.db.reason;
          h.record(s, r);
        } else {
          s.m->on_record_deleted(now);
          s.gone = true;
          s.pending.clear();
        }
        break;
      case 26:  // a reload: a fresh machine; the page's player and transfer went with the old one
        if (in.byte() % 4 == 0) h.db.exists = false;  // (or the initiator deletes the record)
        else s.reset();
        break;
      default: {  // the SDK's optimistic echo of this page's last write
        if (!s.last_write) break;
        wt::SessionRecordUpdate r;
        r.status = name(*s.last_write);
        r.reason = make_text(in);
        h.record(s, r);
        break;
      }
    }
    h.drain(who);
  }
  return 0;
}
