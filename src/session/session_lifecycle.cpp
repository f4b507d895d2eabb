#include "session/session_lifecycle.hpp"

#include "transfer/transfer_progress.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>

namespace wt {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr std::size_t kMaxReason = 500;  // the rules' limit on `reason`

struct StatusName {
  RecordStatus status;
  const char* name;
};
constexpr StatusName kStatusNames[] = {
    {RecordStatus::Pending, "pending"},     {RecordStatus::Downloading, "downloading"},
    {RecordStatus::Ready, "ready"},         {RecordStatus::Playing, "playing"},
    {RecordStatus::Complete, "complete"},   {RecordStatus::Declined, "declined"},
    {RecordStatus::Cancelled, "cancelled"}, {RecordStatus::Failed, "failed"},
};

// The order the rules allow statuses to follow each other in: ready and playing alternate, an end is
// final. A record below the last one seen can only be a stale delivery.
int rank(RecordStatus s) {
  switch (s) {
    case RecordStatus::Pending: return 0;
    case RecordStatus::Downloading: return 1;
    case RecordStatus::Ready:
    case RecordStatus::Playing: return 2;
    default: return 3;
  }
}

// The other person wrote it: no control characters, and no longer than the rules allow (cut at a
// UTF-8 boundary, so at most 500 UTF-16 units too).
std::string clean_reason(const std::string& in) {
  std::string out;
  out.reserve(std::min(in.size(), kMaxReason));
  for (unsigned char c : in) {
    if (c < 0x20 || c == 0x7f) continue;
    out.push_back(char(c));
  }
  if (out.size() > kMaxReason) {
    std::size_t cut = kMaxReason;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out.resize(cut);
  }
  return out;
}

std::string capitalised(std::string s) {
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = char(s[0] - 'a' + 'A');
  return s;
}

std::string percent(double fraction) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%d%%", int(std::floor(std::clamp(fraction, 0.0, 1.0) * 100)));
  return buf;
}

}  // namespace

const char* record_status_name(RecordStatus s) {
  for (const StatusName& n : kStatusNames)
    if (n.status == s) return n.name;
  return "pending";
}

bool parse_record_status(const std::string& text, RecordStatus& out) {
  for (const StatusName& n : kStatusNames) {
    if (text == n.name) {
      out = n.status;
      return true;
    }
  }
  return false;
}

bool record_status_is_end(RecordStatus s) { return rank(s) == 3; }

const char* session_stage_name(SessionStage s) {
  static const char* kNames[] = {"pending", "downloading", "ready",  "playing", "ended",
                                 "declined", "cancelled",  "failed", "gone"};
  return kNames[int(s)];
}

const char* session_action_name(SessionAction::Kind k) {
  static const char* kNames[] = {"none",         "write-status", "start-transfer",
                                 "stop-transfer", "load-stored-file", "open-player",
                                 "close-player",  "record-end",   "delete-stored", "notify"};
  return kNames[int(k)];
}

SessionLifecycle::SessionLifecycle(SessionConfig cfg) : cfg_(std::move(cfg)) {
  if (!(cfg_.file_size >= 0) || !std::isfinite(cfg_.file_size)) cfg_.file_size = 0;
  if (!(cfg_.presence_grace_ms >= 0) || !std::isfinite(cfg_.presence_grace_ms)) cfg_.presence_grace_ms = 5000;
}

// ------------------------------------------------------------------------------------------ state

SessionStage SessionLifecycle::stage() const {
  if (gone_) return SessionStage::Gone;
  switch (effective()) {
    case RecordStatus::Pending: return SessionStage::Pending;
    case RecordStatus::Downloading: return SessionStage::Downloading;
    case RecordStatus::Ready: return SessionStage::Ready;
    case RecordStatus::Playing: return SessionStage::Playing;
    case RecordStatus::Complete: return SessionStage::Ended;
    case RecordStatus::Declined: return SessionStage::Declined;
    case RecordStatus::Cancelled: return SessionStage::Cancelled;
    case RecordStatus::Failed: return SessionStage::Failed;
  }
  return SessionStage::Pending;
}

bool SessionLifecycle::in_progress() const {
  const int r = rank(effective());
  return !gone_ && (r == 1 || r == 2);
}

bool SessionLifecycle::stored_here() const {
  // A transfer that ran here created the stored record, even if its accept was refused later.
  return recipient() && transfer_mode() && !deleted_ &&
         (stored_exists_ || transfer_running_ || transfer_over_);
}

bool SessionLifecycle::waiting_for_store() const {
  return recipient() && transfer_mode() && !store_known_ && !accepted_here_;
}

bool SessionLifecycle::downloading_elsewhere() const {
  return recipient() && transfer_mode() && !gone_ && effective() == RecordStatus::Downloading &&
         store_known_ && !accepted_here_ && !stored_exists_ && !transfer_running_ && !transfer_over_;
}

bool SessionLifecycle::file_whole_here() const {
  if (deleted_) return false;
  if (recipient() && transfer_mode()) return file_available_ || stored_complete_ || transfer_done_;
  return file_available_;
}

bool SessionLifecycle::needs_file() const {
  if (gone_ || file_available_) return false;
  const RecordStatus st = effective();
  if (!recipient()) return rank(st) <= 2;
  if (transfer_mode()) return false;
  return st == RecordStatus::Pending || rank(st) == 2;
}

double SessionLifecycle::fraction() const {
  const RecordStatus st = effective();
  if (st == RecordStatus::Ready || st == RecordStatus::Playing || st == RecordStatus::Complete) return 1;
  if (!transfer_mode() || cfg_.file_size <= 0) return 0;
  return std::clamp(std::max(rec_bytes_, transfer_bytes_) / cfg_.file_size, 0.0, 1.0);
}

// ----------------------------------------------------------------------------------------- inputs

bool SessionLifecycle::on_record(double now, const SessionRecordUpdate& record) {
  RecordStatus s;
  if (gone_ || !parse_record_status(record.status, s)) {
    ++stats_.record_errors;
    return false;
  }
  if (rec_known_ && !trust_next_record_) {
    const bool leaves_end = record_status_is_end(rec_status_) && s != rec_status_;
    if (leaves_end || rank(s) < rank(rec_status_)) {
      ++stats_.stale_records;
      return false;
    }
  }
  ++stats_.records;
  trust_next_record_ = false;
  rec_known_ = true;
  rec_status_ = s;
  rec_reason_ = clean_reason(record.reason);
  if (record.bytes_downloaded) {
    const double b = *record.bytes_downloaded;
    if (std::isnan(b)) {
      ++stats_.clamped_fields;  // keep the last good value
    } else {
      const double c = std::clamp(b, 0.0, cfg_.file_size);
      if (c != b) ++stats_.clamped_fields;
      rec_bytes_ = c;
    }
  }
  // Our writes: confirmed up to the one the record shows; moot once it shows another end (nothing
  // leaves an end, so they will be refused); otherwise still under way, even if the record moved
  // (a cancel sent at pending still holds when the accept got there first).
  if (!pending_.empty()) {
    auto it = std::find(pending_.begin(), pending_.end(), s);
    if (it != pending_.end()) pending_.erase(pending_.begin(), it + 1);
    else if (record_status_is_end(s)) pending_.clear();
  }
  reconcile(now);
  return true;
}

void SessionLifecycle::on_record_deleted(double now) {
  if (gone_) return;
  gone_ = true;
  pending_.clear();
  reconcile(now);
}

void SessionLifecycle::on_stored_download(double now, bool exists, bool complete) {
  if (!recipient() || !transfer_mode()) {
    ignore();
    return;
  }
  store_known_ = true;
  stored_exists_ = exists && !deleted_;
  stored_complete_ = stored_exists_ && complete;
  reconcile(now);
}

void SessionLifecycle::on_file_available(double now) {
  if (deleted_) {
    ignore();
    return;
  }
  file_available_ = true;
  if (recipient() && transfer_mode()) stored_exists_ = stored_complete_ = true;
  reconcile(now);
}

bool SessionLifecycle::on_accept(double now) {
  if (!recipient() || gone_ || effective() != RecordStatus::Pending || accepted_here_) return ignore();
  accepted_here_ = true;
  // At pending no run goes on: one that ran was an earlier accept's, stopped when that accept was
  // refused (the SDK reverted to pending). This accept gets a run of its own; a finished one stays.
  if (!transfer_done_) transfer_over_ = peer_cancelled_ = false;
  // Same-file: 'ready' goes out once this page's copy is verified too (either order; reconcile).
  if (transfer_mode()) write(RecordStatus::Downloading, "", 0);
  reconcile(now);
  return true;
}

bool SessionLifecycle::on_decline(double now) {
  if (!recipient() || gone_ || effective() != RecordStatus::Pending) return ignore();
  write(RecordStatus::Declined, "declined by " + cfg_.self_name);
  reconcile(now);
  return true;
}

bool SessionLifecycle::on_cancel(double now) {
  const RecordStatus st = effective();
  // The recipient's way out of a pending invitation is Decline.
  const bool ok = !gone_ && (st == RecordStatus::Downloading || (st == RecordStatus::Pending && !recipient()));
  if (!ok) return ignore();
  write(RecordStatus::Cancelled, "cancelled by " + cfg_.self_name);
  reconcile(now);
  return true;
}

bool SessionLifecycle::on_end(double now) {
  const RecordStatus st = effective();
  if (gone_ || (st != RecordStatus::Ready && st != RecordStatus::Playing)) return ignore();
  write(RecordStatus::Complete, "ended by " + cfg_.self_name);
  reconcile(now);
  return true;
}

bool SessionLifecycle::on_delete_requested(double now) {
  if (!view(now).can_delete) return ignore();
  delete_requested_ = true;
  SessionAction a;
  a.kind = SessionAction::Kind::DeleteStored;
  emit(std::move(a));
  return true;
}

void SessionLifecycle::on_deleted(double now) {
  if (!recipient() || !transfer_mode()) {
    ignore();
    return;
  }
  deleted_ = true;
  delete_requested_ = false;
  stored_exists_ = stored_complete_ = file_available_ = false;
  reconcile(now);
}

void SessionLifecycle::on_write_failed(double now, RecordStatus status) {
  if (std::find(written_.begin(), written_.end(), status) == written_.end()) {
    ignore();
    return;
  }
  ++stats_.write_failures;
  // That write and any made on top of it are void; the record is what holds. The SDK may have shown
  // the write as the record already: its revert may look like a step back, so it is taken.
  auto it = std::find(pending_.begin(), pending_.end(), status);
  if (it != pending_.end()) pending_.erase(it, pending_.end());
  trust_next_record_ = true;
  const char* what = nullptr;
  switch (status) {
    case RecordStatus::Downloading: what = "accept"; break;
    case RecordStatus::Ready: what = recipient() && transfer_mode() ? "mark the download as finished" : "join"; break;
    case RecordStatus::Declined: what = "decline"; break;
    case RecordStatus::Cancelled: what = "cancel"; break;
    case RecordStatus::Complete: what = "end the session"; break;
    case RecordStatus::Failed: what = "record the failure"; break;
    default: break;  // 'playing' is bookkeeping: nobody asked for it
  }
  // An accept that did not go through: any download it started is not this page's to run.
  if (status == RecordStatus::Downloading || (status == RecordStatus::Ready && !transfer_mode())) {
    accepted_here_ = false;
  }
  if (what) {
    SessionAction a;
    a.kind = SessionAction::Kind::Notify;
    a.text = std::string("Could not ") + what + ": the session had already changed.";
    emit(std::move(a));
  }
  reconcile(now);
}

void SessionLifecycle::on_transfer_progress(double now, double bytes_done) {
  if (!transfer_running_) {
    ignore();
    return;
  }
  if (std::isnan(bytes_done)) return;
  transfer_bytes_ = std::clamp(bytes_done, 0.0, cfg_.file_size);
  (void)now;
}

void SessionLifecycle::on_transfer_done(double now) {
  if (!transfer_running_) {
    ignore();
    return;
  }
  transfer_running_ = false;
  transfer_over_ = transfer_done_ = true;
  transfer_bytes_ = cfg_.file_size;
  if (recipient()) stored_exists_ = stored_complete_ = true;
  reconcile(now);  // the recipient writes 'ready'
}

void SessionLifecycle::on_transfer_failed(double now, const std::string& reason) {
  if (!transfer_running_) {
    ignore();
    return;
  }
  transfer_running_ = false;
  transfer_over_ = true;
  // The rules take 'failed' from downloading only; anything later already says how it ended.
  if (!gone_ && effective() == RecordStatus::Downloading) {
    const std::string r = clean_reason(reason);
    write(RecordStatus::Failed, r.empty() ? "the transfer failed" : r);
  }
  reconcile(now);
}

void SessionLifecycle::on_transfer_cancelled_by_peer(double now) {
  if (!transfer_running_) {
    ignore();
    return;
  }
  // The peer writes 'cancelled' with its reason: the record then ends the session here.
  transfer_running_ = false;
  transfer_over_ = true;
  peer_cancelled_ = true;
  reconcile(now);
}

void SessionLifecycle::on_connection(double now, PeerConnection c) {
  (void)now;
  connection_ = c;
}

void SessionLifecycle::on_playback_unlocked(double now) {
  (void)now;
  if (player_ != PlayerSource::Progressive) {
    ignore();
    return;
  }
  unlocked_ = true;
}

void SessionLifecycle::on_progressive_unplayable(double now) {
  if (player_ != PlayerSource::Progressive) {
    ignore();
    return;
  }
  progressive_unplayable_ = true;
  reconcile(now);
}

void SessionLifecycle::on_local_playing(double now, bool playing) {
  if (playing && !player_) {
    ignore();
    return;
  }
  local_playing_ = playing;
  reconcile(now);
}

void SessionLifecycle::on_peer_watching(double now, bool watching) {
  (void)now;
  peer_watching_ = watching;
}

void SessionLifecycle::on_peer_present(double now, bool present) {
  if (present) {
    peer_present_ = true;
    peer_gone_ = false;
  } else if (peer_present_) {
    peer_present_ = false;
    peer_absent_since_ = now;
  }
}

void SessionLifecycle::handle_timeout(double now) {
  if (!peer_present_ && !peer_gone_ && now >= peer_absent_since_ + cfg_.presence_grace_ms) peer_gone_ = true;
}

double SessionLifecycle::poll_timeout() const {
  if (!peer_present_ && !peer_gone_) return peer_absent_since_ + cfg_.presence_grace_ms;
  return kInf;
}

// ---------------------------------------------------------------------------------------- outputs

SessionAction SessionLifecycle::poll_action() {
  if (actions_.empty()) return {};
  SessionAction a = std::move(actions_.front());
  actions_.pop_front();
  ++stats_.actions;
  if (a.kind == SessionAction::Kind::WriteStatus) ++stats_.writes;
  return a;
}

bool SessionLifecycle::ignore() {
  ++stats_.ignored_inputs;
  return false;
}

void SessionLifecycle::emit(SessionAction a) { actions_.push_back(std::move(a)); }

void SessionLifecycle::write(RecordStatus s, const std::string& reason, double bytes) {
  pending_.push_back(s);
  written_.push_back(s);
  SessionAction a;
  a.kind = SessionAction::Kind::WriteStatus;
  a.status = s;
  a.text = clean_reason(reason);
  a.bytes_downloaded = bytes;
  emit(std::move(a));
}

// What should run here, from the stage and this page's facts, against what does: the difference
// becomes actions. Called after every input, so a duplicate input finds nothing to do.
void SessionLifecycle::reconcile(double now) {
  (void)now;
  auto wrote = [&](RecordStatus s) { return std::find(written_.begin(), written_.end(), s) != written_.end(); };

  // 1. Writes that follow from facts (each at most once per machine: a refused one is not retried).
  if (!gone_) {
    const RecordStatus st = effective();
    if (recipient() && !transfer_mode() && st == RecordStatus::Pending && accepted_here_ && file_available_ &&
        !wrote(RecordStatus::Ready)) {
      write(RecordStatus::Ready, "");
    }
    // The download is whole here while the record still says downloading: this transfer just
    // finished, or the page closed between storing the last piece and writing 'ready'.
    if (recipient() && transfer_mode() && st == RecordStatus::Downloading && !waiting_for_store() &&
        (transfer_done_ || (stored_exists_ && stored_complete_ && (accepted_here_ || store_known_))) &&
        !wrote(RecordStatus::Ready)) {
      write(RecordStatus::Ready, "", cfg_.file_size);
    }
    if (effective() == RecordStatus::Ready && pending_.empty() && local_playing_ && player_ &&
        !playing_written_) {
      playing_written_ = true;
      write(RecordStatus::Playing, "");
    }
  }

  const RecordStatus st = effective();
  const bool ended = gone_ || record_status_is_end(st);

  // 2. The transfer: once per run, only where it was accepted.
  bool want_transfer = false;
  if (transfer_mode() && !ended && st == RecordStatus::Downloading && !transfer_over_) {
    if (!recipient()) {
      want_transfer = file_available_;
    } else {
      want_transfer = !waiting_for_store() && (accepted_here_ || stored_exists_) && !stored_complete_;
    }
  }
  if (want_transfer && !transfer_running_) {
    transfer_running_ = true;
    connection_ = PeerConnection::Connecting;
    SessionAction a;
    a.kind = SessionAction::Kind::StartTransfer;
    a.side = recipient() ? TransferSide::Receiver : TransferSide::Sender;
    emit(std::move(a));
  } else if (!want_transfer && transfer_running_) {
    transfer_running_ = false;
    transfer_over_ = true;
    SessionAction a;
    a.kind = SessionAction::Kind::StopTransfer;
    if (gone_) a.text = "the session was deleted";
    else if (ended) a.text = rec_status_ == st && !rec_reason_.empty() ? rec_reason_ : record_status_name(st);
    else if (rank(st) == 2) a.text = "the file has arrived";
    else a.text = "the download runs in another window";  // our accept was refused
    emit(std::move(a));
  }

  // 3. A download stored whole before a reload: load it (to play, or to save after the end).
  if (recipient() && transfer_mode() && !gone_ && store_known_ && stored_complete_ && !file_available_ &&
      !transfer_done_ && !load_requested_ && !deleted_ &&
      (rank(st) == 2 || st == RecordStatus::Complete)) {
    load_requested_ = true;
    SessionAction a;
    a.kind = SessionAction::Kind::LoadStoredFile;
    emit(std::move(a));
  }

  // 4. The player. The recipient watches while the file arrives; the initiator watches its own
  // file from the moment its transfer runs. A progressive player stays after the file is whole
  // unless the browser could not play it that way.
  std::optional<PlayerSource> want;
  if (!ended && rank(st) >= 1) {
    const bool whole_ok = file_available_ && (rank(st) == 2 || (!recipient() && st == RecordStatus::Downloading));
    const bool prog_possible = recipient() && transfer_mode() &&
                               (transfer_running_ || (transfer_done_ && player_ == PlayerSource::Progressive));
    if (player_ == PlayerSource::Progressive && prog_possible && !(progressive_unplayable_ && whole_ok)) {
      want = PlayerSource::Progressive;
    } else if (whole_ok) {
      want = PlayerSource::Whole;
    } else if (prog_possible && !progressive_unplayable_) {
      want = PlayerSource::Progressive;
    }
  }
  if (want != player_) {
    if (player_) {
      SessionAction a;
      a.kind = SessionAction::Kind::ClosePlayer;
      emit(std::move(a));
      local_playing_ = false;
      unlocked_ = false;
    }
    player_ = want;
    if (want) {
      SessionAction a;
      a.kind = SessionAction::Kind::OpenPlayer;
      a.source = *want;
      emit(std::move(a));
    }
  }

  // 5. The end starts the store's clean-up clock (cleanup_policy decides what goes when).
  if (ended && stored_here() && !end_recorded_) {
    end_recorded_ = true;
    SessionAction a;
    a.kind = SessionAction::Kind::RecordEnd;
    emit(std::move(a));
  }
}

SessionView SessionLifecycle::view(double now) const {
  (void)now;
  SessionView v;
  const RecordStatus st = effective();
  const std::string& peer = cfg_.peer_name;
  const std::string& file = cfg_.file_name;
  v.stage = stage();
  v.fraction = fraction();
  v.downloading_elsewhere = downloading_elsewhere();
  v.needs_file = needs_file();
  v.watching = local_playing_ && player_.has_value();
  v.peer_gone = peer_gone_;
  v.can_play = player_ == PlayerSource::Whole || (player_ == PlayerSource::Progressive && unlocked_);
  v.can_accept = recipient() && !gone_ && st == RecordStatus::Pending && !accepted_here_;
  v.can_decline = recipient() && !gone_ && st == RecordStatus::Pending;
  v.can_cancel = !gone_ && (st == RecordStatus::Downloading || (st == RecordStatus::Pending && !recipient()));
  v.can_end = !gone_ && rank(st) == 2;
  v.can_save = recipient() && transfer_mode() && file_whole_here() && !waiting_for_store() &&
               st != RecordStatus::Pending;
  v.can_delete = recipient() && transfer_mode() && (gone_ || record_status_is_end(st)) && stored_here() &&
                 !delete_requested_;

  const std::string pct = percent(v.fraction);
  switch (v.stage) {
    case SessionStage::Pending:
      if (!recipient()) {
        v.headline = "Waiting for " + peer + (transfer_mode() ? " to accept…" : " to join…");
        v.self_line = v.needs_file ? (transfer_mode() ? "Choose " + file + " again to send it"
                                                      : "Choose your copy of " + file + " again to watch")
                                   : "Waiting for " + peer + "…";
        v.peer_line = "Not answered yet";
      } else {
        // What is asked of the recipient names what will land on their disk: the file and its size
        // (a record's size beyond 2^53, which no browser's File has, is shown as that).
        v.headline = transfer_mode() ? peer + " wants to send you " + file + " (" +
                                           format_bytes(std::uint64_t(std::min(cfg_.file_size, 9007199254740992.0))) + ")"
                                     : peer + " invites you to watch " + file;
        if (transfer_mode()) v.self_line = accepted_here_ ? "Accepting…" : "Waiting for you to accept";
        else v.self_line = file_available_ ? "Your copy is checked" : "Choose your copy of " + file + " to join";
        v.peer_line = "Waiting for you…";
      }
      break;
    case SessionStage::Downloading:
      if (!recipient()) {
        v.headline = v.watching ? "Watching with " + peer : "Sending " + file + " to " + peer;
        if (v.needs_file) v.self_line = "Sending paused — choose " + file + " again to continue sending";
        else if (transfer_running_ && connection_ == PeerConnection::Reconnecting) v.self_line = "Connection lost — reconnecting…";
        else if (transfer_running_ && connection_ == PeerConnection::Connecting) v.self_line = "Connecting…";
        else if (transfer_done_) v.self_line = "Sent";
        else v.self_line = "Sending " + pct + "…";
        v.peer_line = peer_watching_ ? "Watching with you" : "Downloading " + pct + "…";
      } else {
        v.headline = v.downloading_elsewhere ? "Downloading in another window"
                     : v.watching            ? "Watching with " + peer
                                             : "Receiving " + file + " from " + peer;
        if (waiting_for_store()) v.self_line = "Looking for the download in this browser…";
        else if (v.downloading_elsewhere) v.self_line = "Downloading " + pct + " in another window…";
        else if (peer_cancelled_) v.self_line = peer + " stopped the transfer";
        else if (transfer_running_ && connection_ == PeerConnection::Reconnecting) v.self_line = "Connection lost — reconnecting…";
        else if (transfer_running_ && connection_ == PeerConnection::Connecting) v.self_line = "Connecting…";
        else v.self_line = "Downloading " + pct + "…";
        v.peer_line = peer_watching_ ? "Watching with you" : "Sending…";
      }
      break;
    case SessionStage::Ready:
    case SessionStage::Playing:
      // Names the file and who it is shared with; the self line says whether it plays here.
      v.headline = !transfer_mode() ? "Watching " + file + " with " + peer
                   : (recipient() ? "Received " : "Sent ") + file + " — watching with " + peer;
      if (v.needs_file) {
        v.self_line = !recipient() && transfer_mode() ? "Choose " + file + " again to watch"
                                                      : "Choose your copy of " + file + " again to watch";
      } else if (recipient() && transfer_mode() && waiting_for_store()) {
        v.self_line = "Looking for the file in this browser…";
      } else if (recipient() && transfer_mode() && !stored_exists_ && !file_available_) {
        v.self_line = "The file is not stored in this browser";
      } else if (load_requested_ && !file_available_) {
        v.self_line = "Loading the stored file…";
      } else {
        v.self_line = v.watching ? "Watching" : "Ready to play";
      }
      v.peer_line = peer_watching_ ? "Watching with you" : "Ready to play";
      break;
    case SessionStage::Ended:
    {
      // Like Cancelled and Failed: the reason in the headline, as the record wrote it.
      const std::string r = rec_status_ == st ? rec_reason_ : "ended by " + cfg_.self_name;
      v.headline = r.empty() ? "Session ended" : "Session ended — " + r;
      break;
    }
    case SessionStage::Declined:
      v.headline = recipient() ? "You declined " + file : peer + " declined " + file;
      v.self_line = capitalised(rec_status_ == st ? rec_reason_ : "declined by " + cfg_.self_name);
      break;
    case SessionStage::Cancelled: {
      const std::string r = rec_status_ == st ? rec_reason_ : "cancelled by " + cfg_.self_name;
      v.headline = r.empty() ? "Cancelled" : "Cancelled — " + r;
      break;
    }
    case SessionStage::Failed: {
      const std::string r = rec_status_ == st ? rec_reason_ : "the transfer failed";
      v.headline = r.empty() ? "Failed" : "Failed — " + r;
      break;
    }
    case SessionStage::Gone:
      v.headline = "Session deleted";
      break;
  }
  if (in_progress() || v.stage == SessionStage::Pending) {
    if (peer_gone_) v.peer_line = peer + " left — waiting for them to come back…";
  }
  return v;
}

}  // namespace wt
