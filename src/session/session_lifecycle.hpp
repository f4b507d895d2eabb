// The lifecycle of one watch session as this page sees it: a pure state machine in the style of
// quinn-proto. No clock, no database, no IndexedDB, no player: the glue passes `now` (ms) into every
// call, feeds it what happened, and carries out what it polls. One machine per session per page.
//
// Glue contract
//   In:  every value of /watch-sessions/{id} -> on_record (its absence -> on_record_deleted);
//        recipient in transfer mode: what this browser's store holds for the session, once at start
//        -> on_stored_download; the user's buttons -> on_accept / on_decline / on_cancel / on_end /
//        on_delete_requested; the database refusing one of this page's status writes ->
//        on_write_failed; the transfer's events; the player's; presence.
//   Out: after every input drain poll_action() until it returns Kind::None, then arm one timer for
//        poll_timeout() and call handle_timeout(now) then. Carry the actions out in order.
//
// Rules it keeps
//   - The record is the truth; this page's own writes are applied optimistically (the stage moves at
//     once) until the record shows them, and dropped when the database refuses them
//     (on_write_failed) or the record shows another end. Every input ends in one reconcile step that compares what should be running here
//     (transfer, player, stored file) with what is, so actions are never doubled and a fresh
//     machine fed the record lands where a long-lived one would.
//   - The rules make statuses monotonic: pending < downloading < ready = playing < an end
//     (complete, declined, cancelled, failed), and an end never changes. A record that goes back
//     is stale (a delayed delivery) and ignored, except the one right after a refused write (the
//     SDK's revert of its optimistic value).
//   - A download runs only where it was accepted: in this page (on_accept), or in this browser
//     before a reload (on_stored_download says a stored record exists). A 'downloading' record
//     alone (another window of the same user accepted) starts nothing: the view says so.
//   - End (record 'complete') is offered in ready and playing only, as the rules allow. While the
//     file is still downloading (even while watching it progressively) the way out is Cancel: a
//     session whose file never arrived was not watched to its end.
//   - The first time this page's player plays while the record says ready, it writes 'playing'
//     (once per machine; a refusal is not reported: the status is informative). Nothing writes
//     'ready' back when players pause.
//   - Presence: a peer that disappears is called gone only after presence_grace_ms, so a reload
//     (gone for a second) does not flicker.
#pragma once

#include <cstdint>
#include <deque>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace wt {

enum class SessionRole : std::uint8_t { Initiator = 0, Recipient = 1 };
enum class SessionMode : std::uint8_t { Transfer = 0, SameFile = 1 };

// /watch-sessions/{id}/status (database.rules.json).
enum class RecordStatus : std::uint8_t {
  Pending = 0, Downloading, Ready, Playing, Complete, Declined, Cancelled, Failed,
};
const char* record_status_name(RecordStatus s);
// False for anything the rules do not know (a record error).
bool parse_record_status(const std::string& text, RecordStatus& out);
bool record_status_is_end(RecordStatus s);

// What the user sees: the record's status as this page holds it, 'ended' for complete, plus 'gone'.
enum class SessionStage : std::uint8_t {
  Pending = 0, Downloading, Ready, Playing, Ended, Declined, Cancelled, Failed, Gone,
};
const char* session_stage_name(SessionStage s);

enum class PeerConnection : std::uint8_t { Connecting = 0, Connected, Reconnecting };

struct SessionConfig {
  SessionRole role = SessionRole::Initiator;
  SessionMode mode = SessionMode::Transfer;
  std::string file_name;   // for the headlines ("Bob wants to watch movie.mkv with you")
  double file_size = 0;    // bytes
  std::string self_name;   // this user's display name (reasons: "ended by Alice")
  std::string peer_name;   // the other person's
  double presence_grace_ms = 5000;
};

// One value of the session record. bytes_downloaded: absent keeps the last value; NaN (present but
// not a number) does too and is counted; out of 0..file size it is clamped and counted.
struct SessionRecordUpdate {
  std::string status;
  std::optional<double> bytes_downloaded;
  std::string reason;
};

enum class TransferSide : std::uint8_t { Sender = 0, Receiver = 1 };
enum class PlayerSource : std::uint8_t { Progressive = 0, Whole = 1 };

struct SessionAction {
  enum class Kind : std::uint8_t {
    None = 0,
    WriteStatus,     // status, text = reason ("" none), bytes_downloaded (< 0: leave the field alone)
    StartTransfer,   // side
    StopTransfer,    // text = reason
    LoadStoredFile,  // recipient: read the stored download; call on_file_available when it loads
    OpenPlayer,      // source
    ClosePlayer,
    RecordEnd,       // recipient: the session ended; the store's clean-up clock starts
    DeleteStored,    // recipient: delete the stored download, then call on_deleted
    Notify,          // text: one sentence for the user
  };
  Kind kind = Kind::None;
  RecordStatus status = RecordStatus::Pending;
  TransferSide side = TransferSide::Sender;
  PlayerSource source = PlayerSource::Whole;
  double bytes_downloaded = -1;
  std::string text;
};
const char* session_action_name(SessionAction::Kind k);

struct SessionView {
  SessionStage stage = SessionStage::Pending;
  std::string headline;
  std::string self_line;  // this side: "Downloading 45%…", "Connection lost — reconnecting…", …
  std::string peer_line;  // the other side: "Watching with you", "Bob left — waiting for them …"
  double fraction = 0;    // 0..1, bytes downloaded over the file size
  bool can_accept = false;
  bool can_decline = false;
  bool can_cancel = false;
  bool can_end = false;
  bool can_save = false;    // recipient: the file is whole here
  bool can_delete = false;  // recipient: after the end, the download is stored here
  bool can_play = false;    // a player is open and may play (progressive: once unlocked)
  bool needs_file = false;  // this side must pick the file (again) to go on
  bool downloading_elsewhere = false;
  bool watching = false;    // this page's player plays
  bool peer_gone = false;   // the peer left (past the grace period)
};

struct SessionStats {
  std::uint32_t records = 0;         // record values taken
  std::uint32_t record_errors = 0;   // record values ignored: unknown status, or after deletion
  std::uint32_t stale_records = 0;   // record values ignored: behind what was already seen
  std::uint32_t clamped_fields = 0;  // bytesDownloaded NaN/negative/beyond the file, clamped
  std::uint32_t actions = 0;         // actions handed out by poll_action
  std::uint32_t writes = 0;          // of which WriteStatus
  std::uint32_t write_failures = 0;  // refusals of this page's writes
  std::uint32_t ignored_inputs = 0;  // inputs not valid in the stage (buttons, stray events)
};

class SessionLifecycle {
 public:
  explicit SessionLifecycle(SessionConfig cfg);

  // ---- inputs (all take now, ms) ----
  // False (and nothing changes) for a record error (a status the rules do not know, or any record
  // after the deletion) and for a stale record (behind one already seen).
  bool on_record(double now, const SessionRecordUpdate& record);
  void on_record_deleted(double now);
  // Recipient, transfer mode: whether this browser stores a download of the session, and whether
  // it is whole. Until it is known, a recipient in downloading/ready/playing does nothing.
  void on_stored_download(double now, bool exists, bool complete);
  // Initiator (transfer): the File to send is in this page. Recipient: the received file is whole
  // and loadable. Same-file mode: this page's copy was verified.
  void on_file_available(double now);
  // The user's buttons: true when taken, false when not valid now (ignored, counted).
  bool on_accept(double now);
  bool on_decline(double now);
  bool on_cancel(double now);
  bool on_end(double now);
  bool on_delete_requested(double now);
  void on_deleted(double now);
  // The database refused this page's write of `status`.
  void on_write_failed(double now, RecordStatus status);
  // The transfer this machine started (bytes: this side's count, verified or acknowledged).
  void on_transfer_progress(double now, double bytes_done);
  void on_transfer_done(double now);
  void on_transfer_failed(double now, const std::string& reason);
  void on_transfer_cancelled_by_peer(double now);
  void on_connection(double now, PeerConnection c);
  // The player.
  void on_playback_unlocked(double now);
  void on_progressive_unplayable(double now);
  void on_local_playing(double now, bool playing);
  // Presence and the peer's player.
  void on_peer_watching(double now, bool watching);
  void on_peer_present(double now, bool present);
  void handle_timeout(double now);

  // ---- outputs ----
  SessionAction poll_action();
  double poll_timeout() const;  // next deadline, +infinity when none
  SessionView view(double now) const;
  SessionStage stage() const;
  const SessionStats& stats() const { return stats_; }
  const SessionConfig& config() const { return cfg_; }

 private:
  bool recipient() const { return cfg_.role == SessionRole::Recipient; }
  bool transfer_mode() const { return cfg_.mode == SessionMode::Transfer; }
  // The status this page acts on: its own unconfirmed write, else the record's.
  RecordStatus effective() const { return pending_.empty() ? rec_status_ : pending_.back(); }
  bool in_progress() const;        // downloading / ready / playing, and not gone
  bool stored_here() const;        // recipient (transfer): a download of this session is stored here
  bool waiting_for_store() const;  // recipient (transfer) that must hear on_stored_download first
  bool downloading_elsewhere() const;
  bool file_whole_here() const;
  bool needs_file() const;
  double fraction() const;

  void write(RecordStatus s, const std::string& reason, double bytes = -1);
  void emit(SessionAction a);
  void reconcile(double now);
  bool ignore();

  SessionConfig cfg_;

  // The record as last seen, and this page's writes not yet confirmed by it (oldest first).
  bool rec_known_ = false;
  RecordStatus rec_status_ = RecordStatus::Pending;
  std::string rec_reason_;
  double rec_bytes_ = 0;
  std::deque<RecordStatus> pending_;
  std::vector<RecordStatus> written_;  // every status this page asked for (for on_write_failed)
  bool trust_next_record_ = false;     // after a refusal: the SDK reverts its optimistic value
  bool gone_ = false;

  // This page's facts.
  bool accepted_here_ = false;
  bool store_known_ = false;
  bool stored_exists_ = false;
  bool stored_complete_ = false;
  bool file_available_ = false;
  bool deleted_ = false;
  bool delete_requested_ = false;

  // What runs here.
  bool transfer_running_ = false;
  bool transfer_over_ = false;   // the run ended (done, failed, peer cancelled, stopped): no restart
  bool transfer_done_ = false;   // this side finished it
  bool peer_cancelled_ = false;
  double transfer_bytes_ = 0;
  PeerConnection connection_ = PeerConnection::Connecting;
  std::optional<PlayerSource> player_;
  bool load_requested_ = false;
  bool end_recorded_ = false;
  bool unlocked_ = false;
  bool progressive_unplayable_ = false;
  bool local_playing_ = false;
  bool playing_written_ = false;

  bool peer_watching_ = false;
  bool peer_present_ = true;   // unknown counts as present: never "left" before presence says so
  double peer_absent_since_ = 0;
  bool peer_gone_ = false;     // absent for longer than the grace period

  std::deque<SessionAction> actions_;
  SessionStats stats_;
};

}  // namespace wt
