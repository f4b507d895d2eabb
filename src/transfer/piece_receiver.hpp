// The receiving side of a transfer, as a pure state machine: frames in, polled actions out.
//
// The glue (one module owning the data channel, one owning IndexedDB):
//   1. decodes the first Manifest (decode_manifest), runs the checks, asks the user;
//   2. constructs a PieceReceiver with that manifest and the ledger record it stored earlier, if any;
//   3. calls on_channel_open() when a data channel opens, feeds every message of the channel to
//      on_message() (the first Manifest included: a Manifest is what starts each connection), calls
//      on_disconnected() when the channel closes and on_timeout() at next_deadline() (connected or
//      not: a storage retry is due even offline);
//   4. after every call, drains poll_action() until it returns Kind::None and carries out each:
//      SendFrame   send data[0..size) on the channel (copy it: the view is valid until the next poll)
//      StorePiece  write data[0..size) (piece `piece`, file offset `offset`) to IndexedDB, then call
//                  on_piece_stored(piece), or on_storage_full(piece) when the browser refused for
//                  want of space (QuotaExceededError), or on_piece_store_failed(piece) for any other
//                  failure. The bytes stay valid and unchanged until then; copy them out (.slice())
//                  before the put. Batch freely. The same piece may be asked for again after
//                  on_storage_full (a retry): its bytes are the same.
//      SaveLedger  write data[0..size) as the ledger record (after the pieces it counts are stored)
//      PieceRejected  informational: piece failed verification, was discarded and asked for again
//      ReadBack    read stored piece `piece` and pass it to on_read_back(). The whole-file digest
//                  is a running SHA-256 in file order, fed from memory as pieces are verified in
//                  order; a piece already in storage when its turn comes (after a reload, a seek
//                  or a re-fetched bad piece) is read back. One at a time, in order, possibly
//                  while other pieces are still arriving.
//      Error       show/log `text`; if `fatal`, the transfer is over (a Cancel frame was queued)
//      Done        the whole file is stored and its SHA-256 matched; a Complete frame was queued
//      Reconnect   close this channel and connect again: it opened, but no Manifest came on it
//                  within manifest_timeout_ms (the sender's page is stuck, or its first frame was
//                  lost), and without one neither side would ever send anything on it
//
// Lanes (see piece_sender.hpp): the sender may spread pieces over extra connections beside the main
// channel. The glue feeds their messages with the lane's number (on_message(..., lane)); a lane
// carries only PieceDigest and Chunk frames, and each attempt at a piece belongs to the lane its
// PieceDigest came on (chunks of it on another lane are an older attempt's tail, dropped). When a
// lane closes (on_lane_closed) the sender sends its unfinished piece again on another lane; the
// stall timeout covers the case where it does not.
//
// Never stored unless verified: a piece's bytes leave the core (StorePiece) only after their
// SHA-256 matched the PieceDigest announced for that piece in the current attempt. The ledger keeps
// that digest with the piece, so that whatever reads a stored piece back (the whole-file check
// after a reload, playback through check_stored_piece) finds a damaged copy and has it fetched again.
//
// Storage full: when a store fails for want of space the transfer pauses (state StorageFull). The
// piece stays verified in memory, every stored piece stays stored, no new requests go out (pieces
// already asked for still arrive and are kept), and the sender is told with a Pause frame. The
// store is tried again at next_deadline() on a doubling schedule (storage_retry_first_ms, up to
// storage_retry_max_ms), at once on retry_storage() (the user's "Try again"), and whenever another
// store succeeds (room appeared); the pause ends, and requests go on, once every refused piece is
// stored (a store that fits while others do not is no reason to ask for more).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <limits>
#include <string>
#include <vector>

#include "hash/sha256.hpp"
#include "transfer/piece_ledger.hpp"
#include "transfer/request_scheduler.hpp"
#include "transfer/transfer_layout.hpp"
#include "transfer/transfer_manifest.hpp"
#include "transfer/wire_frame.hpp"

namespace wt {

enum class ReceiveError : std::uint8_t {
  None = 0,
  // What a broken or lying peer can do. Non-fatal unless noted: the frame is dropped, an in-flight
  // piece it concerns is discarded and asked for again.
  MalformedFrame,       // the message does not decode (FrameError)
  UnexpectedFrame,      // a frame type the receiver never expects (Request, PieceOk, ...)
  PieceOutOfRange,      // piece index >= piece count
  UnrequestedPiece,     // digest or chunk for a piece not outstanding (once per piece)
  ChunkBeforeDigest,    // a chunk of a piece whose PieceDigest has not arrived
  ChunkOutOfRange,      // chunk index >= the piece's chunk count
  ChunkSizeMismatch,    // payload length differs from the layout's chunk length
  DuplicateChunk,       // the same chunk twice in one attempt
  PieceDigestMismatch,  // the assembled piece does not hash to its PieceDigest
  Stalled,              // nothing arrived for stall_timeout_ms; everything outstanding re-requested
  StoredPieceCorrupt,   // a piece read back from storage does not match: it is fetched again
  StorageFull,          // the browser refused a store for want of space: paused until one succeeds
  // Fatal: the transfer stops.
  ManifestInvalid,      // the Manifest does not parse or has absurd values
  ManifestMismatch,     // a Manifest for another transfer, size or whole-file digest
  DigestChanged,        // a new PieceDigest for a piece verified earlier: the file changed
  FileDigestMismatch,   // every piece verified, but the whole file's SHA-256 differs
  StoreFailed,          // the glue could not store a piece (quota?)
  PeerCancelled,        // the sender sent Cancel
  TooManyErrors,        // max_strikes non-fatal errors without a verified piece in between
  // Misuse by the glue (never fatal, nothing changes).
  BadCall,              // on_piece_stored/on_read_back for a piece that was not asked for
  Inactive,             // input after the transfer completed or failed
};

const char* receive_error_name(ReceiveError e);
bool receive_error_fatal(ReceiveError e);

struct ReceiverConfig {
  SchedulerConfig scheduler;            // window_pieces = pieces in memory at most
  std::uint32_t max_strikes = 32;
  // Storage full: the first retry after this long, each later one twice as long, at most the max.
  // Space is freed by a person (deleting files), so seconds matter little; a failed try costs one
  // refused IndexedDB transaction.
  double storage_retry_first_ms = 2000;
  double storage_retry_max_ms = 30000;
  // An open channel on which no Manifest came this long is given up (Reconnect).
  double manifest_timeout_ms = 10000;
};

enum class ReceiverState : std::uint8_t {
  AwaitingManifest = 0,  // not connected (before the first Manifest, after a disconnect)
  Receiving = 1,
  Verifying = 2,         // every piece stored; whole-file digest pending (read-back or digest)
  Complete = 3,
  Failed = 4,
  StorageFull = 5,       // paused: a store failed for want of space (see the top of this file)
};

struct ReceiverAction {
  enum class Kind : std::uint8_t {
    None = 0, SendFrame, StorePiece, SaveLedger, PieceRejected, ReadBack, Error, Done, Reconnect,
  };
  Kind kind = Kind::None;
  std::uint32_t piece = 0;
  std::uint64_t offset = 0;            // StorePiece, ReadBack: the piece's byte offset in the file
  const std::uint8_t* data = nullptr;  // SendFrame, StorePiece, SaveLedger
  std::size_t size = 0;                // bytes at data; ReadBack: the piece length expected
  ReceiveError error = ReceiveError::None;  // Error, PieceRejected
  bool fatal = false;
  std::string text;                    // Error: for people
};

struct ReceiverStats {
  std::uint64_t chunk_bytes_received = 0;
  std::uint32_t pieces_verified = 0;   // this session
  std::uint32_t pieces_rejected = 0;   // failed verification
  std::uint32_t errors = 0;            // non-fatal peer errors
  std::uint32_t stalls = 0;
  std::uint32_t pieces_lost = 0;       // attempts the channel dropped part of (partial reliability)
  std::uint32_t connections = 0;       // Manifests that started a connection
  std::uint32_t silent_channels = 0;   // channels given up for want of a Manifest (Reconnect)
  std::uint32_t storage_pauses = 0;    // times storage ran full
  std::uint32_t storage_retries = 0;   // stores tried again while paused (scheduled or asked for)
  std::uint32_t stored_pieces_damaged = 0;  // stored pieces that read back damaged (fetched again)
  std::uint64_t lane_chunk_bytes = 0;  // of chunk_bytes_received, on lanes 1..
};

class PieceReceiver {
 public:
  // `manifest` as decode_manifest returned it; `stored_ledger` the bytes of a SaveLedger action of
  // an earlier session (empty for a fresh transfer). ledger_restore_result() says what came of it.
  explicit PieceReceiver(const TransferManifest& manifest, const ReceiverConfig& config = {},
                         const std::vector<std::uint8_t>& stored_ledger = {});

  ReceiveError on_message(const std::uint8_t* data, std::size_t len, double now_ms,
                          std::uint32_t lane = 0);
  ReceiveError on_frame(const FrameView& frame, double now_ms, std::uint32_t lane = 0);
  // A lane opened: from now on a piece asked for earlier may be on its way on another lane.
  void on_lane_open(std::uint32_t lane, double now_ms);
  void on_lane_closed(std::uint32_t lane, double now_ms);
  void on_channel_open(double now_ms);
  void on_disconnected(double now_ms);
  void on_timeout(double now_ms);
  double next_deadline() const;  // +infinity when no timer is needed

  ReceiveError on_piece_stored(std::uint32_t piece, double now_ms);
  ReceiveError on_piece_store_failed(std::uint32_t piece, double now_ms);
  // The store of `piece` was refused for want of space: pause (returns StorageFull).
  ReceiveError on_storage_full(std::uint32_t piece, double now_ms);
  // Try the refused stores again now (the user freed space and asked); the schedule starts over.
  void retry_storage(double now_ms);
  bool storage_full() const { return paused_; }
  ReceiveError on_read_back(std::uint32_t piece, const std::uint8_t* data, std::size_t len,
                            double now_ms);
  // A held piece the glue read from storage for another purpose (playback): None when intact;
  // StoredPieceCorrupt when damaged (it is dropped and fetched again, as on read-back); BadCall when
  // the ledger does not hold it (not stored yet, or dropped already).
  ReceiveError check_stored_piece(std::uint32_t piece, const std::uint8_t* data, std::size_t len,
                                  double now_ms);

  // Playback position: new requests go on from here (in-flight pieces still arrive first).
  void seek_to_piece(std::uint32_t piece);
  void seek_to_byte(std::uint64_t byte_offset);
  // Fetch these pieces before anything in playhead order (a container index at the end).
  void prioritize(PieceRange urgent) { scheduler_.prioritize(urgent); }
  void set_window(std::uint32_t pieces) { scheduler_.set_window(pieces); }
  // Stops the transfer (the user cancelled): a Cancel frame with the reason is queued; state
  // becomes Failed with fatal_error() None.
  void cancel(const std::string& reason);

  ReceiverAction poll_action(double now_ms);

  ReceiverState state() const;
  LedgerError ledger_restore_result() const { return ledger_restore_; }
  const TransferManifest& manifest() const { return manifest_; }
  const TransferLayout& layout() const { return layout_; }
  const PieceLedger& ledger() const { return ledger_; }
  const RequestScheduler& scheduler() const { return scheduler_; }
  const ReceiverStats& stats() const { return stats_; }
  std::uint64_t bytes_verified() const { return ledger_.bytes_verified(); }
  std::uint64_t contiguous_bytes_from(std::uint64_t byte_offset) const {
    return ledger_.contiguous_bytes_from(byte_offset);
  }
  ReceiveError fatal_error() const { return fatal_; }

 private:
  struct Slot {
    // Storing: verified, StorePiece handed out. Parked: verified, its store refused (storage full),
    // kept here until a retry hands it out again.
    enum class State : std::uint8_t { Free, AwaitDigest, Receiving, Storing, Parked };
    bool holds_verified() const { return state == State::Storing || state == State::Parked; }
    State state = State::Free;
    std::uint32_t piece = 0;
    Sha256Digest digest{};
    std::uint64_t chunk_mask = 0;
    std::uint32_t chunks_needed = 0;
    bool quiet = false;  // drop chunks silently until the next PieceDigest (an earlier attempt's tail)
    bool refused = false;  // its store was refused for want of space (and has not succeeded since)
    std::uint64_t request_seq = 0;  // order of its latest Request: the sender serves in that order
    bool urgent = false;            // asked for with UrgentRequest: served out of that order
    std::uint32_t lane = 0;         // Receiving: the lane its PieceDigest came on
    std::vector<std::uint8_t> data;
  };
  struct Pending {
    ReceiverAction action;
    std::vector<std::uint8_t> bytes;  // SendFrame
  };

  Slot* slot_of(std::uint32_t piece);
  Slot* free_slot();
  ReceiveError on_manifest(const FrameView& f, double now_ms);
  ReceiveError on_piece_digest(const FrameView& f, double now_ms, std::uint32_t lane);
  ReceiveError on_chunk(const FrameView& f, double now_ms, std::uint32_t lane);
  void verify(Slot& s);
  void advance_file_hash();
  void maybe_finish();
  void refetch_stored(std::uint32_t piece);
  void store_parked(double now_ms);
  void end_pause(double now_ms);
  double retry_delay(std::uint32_t retry) const;
  void restart_piece(Slot& s);
  ReceiveError peer_error(ReceiveError e, const std::string& text);
  void fail(ReceiveError e, const std::string& text);
  void queue_frame(FrameType type, std::uint32_t index, std::uint32_t sub,
                   const std::string& payload = std::string());
  void queue_frame_bytes(std::vector<std::uint8_t> bytes);
  void queue(ReceiverAction a);

  TransferManifest manifest_;
  ReceiverConfig config_;
  TransferLayout layout_;
  PieceLedger ledger_;
  RequestScheduler scheduler_;
  LedgerError ledger_restore_ = LedgerError::Empty;
  std::vector<Slot> slots_;
  std::vector<Sha256Digest> verified_digests_;  // digest each piece verified with, this session
  std::vector<std::uint8_t> digest_seen_;       // 1 where verified_digests_ is set
  std::deque<Pending> pending_;
  std::vector<std::uint8_t> out_;  // the bytes of the SendFrame/SaveLedger last returned
  Sha256 file_hash_;               // over pieces 0..hashed_pieces_-1, in order
  std::uint32_t hashed_pieces_ = 0;
  bool file_hash_done_ = false;
  Sha256Digest file_hash_result_{};
  bool read_back_pending_ = false;
  bool connected_ = false;
  bool lanes_used_ = false;        // a lane opened (or sent a frame) in this connection
  bool channel_open_ = false;      // a channel is open; until its Manifest, manifest_due_ counts
  double manifest_due_ = 0;
  bool final_ack_sent_ = false;
  enum class Phase : std::uint8_t { Receiving, Verifying, Complete, Failed };
  Phase phase_ = Phase::Receiving;
  bool ledger_dirty_ = false;
  std::uint32_t ignored_piece_ = std::numeric_limits<std::uint32_t>::max();
  std::uint64_t request_seq_ = 0;
  std::uint32_t strikes_ = 0;
  ReceiveError fatal_ = ReceiveError::None;
  bool paused_ = false;               // storage full
  std::uint32_t retries_ = 0;         // scheduled retries in this pause
  double retry_at_ = 0;
  ReceiverStats stats_;
};

}  // namespace wt
