#include "transfer/piece_receiver.hpp"

#include <algorithm>
#include <cstring>

namespace wt {
namespace {

constexpr std::uint32_t kNoPiece = std::numeric_limits<std::uint32_t>::max();

// A manifest the receiver can describe at all; anything else makes an empty layout and a failure.
std::uint64_t usable_size(const TransferManifest& m) {
  return valid_transfer_id(m.transfer_id) && m.file_size > 0 && m.file_size <= kMaxTransferSize
             ? m.file_size
             : 0;
}

int popcount64(std::uint64_t x) {
  int n = 0;
  for (; x; x &= x - 1) ++n;
  return n;
}

// A peer's Cancel reason, made safe to show: no control characters, at most 200 bytes, cut
// before a partial UTF-8 sequence.
std::string printable_reason(const std::uint8_t* p, std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += p[i] < 0x20 || p[i] == 0x7f ? ' ' : char(p[i]);
  if (s.size() > 200) {
    std::size_t cut = 200;
    while (cut > 0 && (std::uint8_t(s[cut]) & 0xc0) == 0x80) --cut;
    s.resize(cut);
  }
  return s;
}

}  // namespace

const char* receive_error_name(ReceiveError e) {
  switch (e) {
    case ReceiveError::None: return "ok";
    case ReceiveError::MalformedFrame: return "malformed-frame";
    case ReceiveError::UnexpectedFrame: return "unexpected-frame";
    case ReceiveError::PieceOutOfRange: return "piece-out-of-range";
    case ReceiveError::UnrequestedPiece: return "unrequested-piece";
    case ReceiveError::ChunkBeforeDigest: return "chunk-before-digest";
    case ReceiveError::ChunkOutOfRange: return "chunk-out-of-range";
    case ReceiveError::ChunkSizeMismatch: return "chunk-size-mismatch";
    case ReceiveError::DuplicateChunk: return "duplicate-chunk";
    case ReceiveError::PieceDigestMismatch: return "piece-digest-mismatch";
    case ReceiveError::Stalled: return "stalled";
    case ReceiveError::StoredPieceCorrupt: return "stored-piece-corrupt";
    case ReceiveError::StorageFull: return "storage-full";
    case ReceiveError::ManifestInvalid: return "manifest-invalid";
    case ReceiveError::ManifestMismatch: return "manifest-mismatch";
    case ReceiveError::DigestChanged: return "digest-changed";
    case ReceiveError::FileDigestMismatch: return "file-digest-mismatch";
    case ReceiveError::StoreFailed: return "store-failed";
    case ReceiveError::PeerCancelled: return "peer-cancelled";
    case ReceiveError::TooManyErrors: return "too-many-errors";
    case ReceiveError::BadCall: return "bad-call";
    case ReceiveError::Inactive: return "inactive";
  }
  return "unknown-error";
}

bool receive_error_fatal(ReceiveError e) {
  switch (e) {
    case ReceiveError::ManifestInvalid:
    case ReceiveError::ManifestMismatch:
    case ReceiveError::DigestChanged:
    case ReceiveError::FileDigestMismatch:
    case ReceiveError::StoreFailed:
    case ReceiveError::PeerCancelled:
    case ReceiveError::TooManyErrors: return true;
    default: return false;
  }
}

PieceReceiver::PieceReceiver(const TransferManifest& manifest, const ReceiverConfig& config,
                             const std::vector<std::uint8_t>& stored_ledger)
    : manifest_(manifest),
      config_(config),
      layout_(usable_size(manifest)),
      ledger_(manifest.transfer_id, layout_.file_size()),
      scheduler_(layout_.piece_count(), config.scheduler),
      slots_(scheduler_.window()),
      verified_digests_(layout_.piece_count()),
      digest_seen_(layout_.piece_count(), 0) {
  if (layout_.file_size() == 0) {
    fail(ReceiveError::ManifestInvalid, "The transfer's description is invalid.");
    return;
  }
  if (manifest_.digest_known) ledger_.set_file_digest(manifest_.file_digest);
  ledger_restore_ = ledger_.restore(stored_ledger.data(), stored_ledger.size());
  // A bad record is replaced by the fresh ledger at the first SaveLedger.
  if (ledger_restore_ != LedgerError::Ok && ledger_restore_ != LedgerError::Empty) ledger_dirty_ = true;
  if (ledger_.digest_known() && !manifest_.digest_known) {
    manifest_.digest_known = true;
    manifest_.file_digest = ledger_.file_digest();
  }
  for (std::uint32_t p = 0; p < ledger_.piece_count(); ++p) {
    if (!ledger_.has(p)) continue;
    scheduler_.mark_held(p);
    // The digest it was verified with: a read-back is checked against it, and a sender announcing
    // another one for it has a changed file.
    verified_digests_[p] = *ledger_.piece_digest(p);
    digest_seen_[p] = 1;
  }
  advance_file_hash();
  maybe_finish();
}

ReceiverState PieceReceiver::state() const {
  switch (phase_) {
    case Phase::Complete: return ReceiverState::Complete;
    case Phase::Failed: return ReceiverState::Failed;
    case Phase::Verifying: return ReceiverState::Verifying;
    case Phase::Receiving: break;
  }
  if (paused_) return ReceiverState::StorageFull;
  return connected_ ? ReceiverState::Receiving : ReceiverState::AwaitingManifest;
}

PieceReceiver::Slot* PieceReceiver::slot_of(std::uint32_t piece) {
  for (Slot& s : slots_)
    if (s.state != Slot::State::Free && s.piece == piece) return &s;
  return nullptr;
}

PieceReceiver::Slot* PieceReceiver::free_slot() {
  for (Slot& s : slots_)
    if (s.state == Slot::State::Free) return &s;
  return nullptr;
}

// ---- input from the channel ----

ReceiveError PieceReceiver::on_message(const std::uint8_t* data, std::size_t len, double now_ms,
                                       std::uint32_t lane) {
  if (phase_ == Phase::Failed) return ReceiveError::Inactive;
  FrameView f;
  const FrameError e = decode_frame(data, len, f);
  if (e != FrameError::Ok)
    return peer_error(ReceiveError::MalformedFrame,
                      std::string("A malformed message arrived (") + frame_error_name(e) + ").");
  return on_frame(f, now_ms, lane);
}

ReceiveError PieceReceiver::on_frame(const FrameView& f, double now_ms, std::uint32_t lane) {
  if (phase_ == Phase::Failed) return ReceiveError::Inactive;
  const FrameType t = f.header.type;
  if (lane != 0) {
    // A lane lives inside the main connection: what still arrives on one after the main channel
    // closed belongs to a connection that is over. A lane carries piece data and nothing else.
    if (!connected_ || phase_ == Phase::Complete) return ReceiveError::None;
    if (t != FrameType::PieceDigest && t != FrameType::Chunk)
      return peer_error(ReceiveError::UnexpectedFrame, "An unexpected message arrived on an extra connection.");
    lanes_used_ = true;
    return t == FrameType::PieceDigest ? on_piece_digest(f, now_ms, lane) : on_chunk(f, now_ms, lane);
  }
  if (t == FrameType::Manifest) return on_manifest(f, now_ms);
  if (t == FrameType::Ping || t == FrameType::Pong) return ReceiveError::None;  // the glue's RTT probe
  if (t == FrameType::Cancel) {
    fail(ReceiveError::PeerCancelled,
         "The sender stopped the transfer: " + printable_reason(f.payload, f.payload_len));
    return ReceiveError::PeerCancelled;
  }
  if (phase_ == Phase::Complete) return ReceiveError::None;  // late frames after the end
  if (!connected_ || (t != FrameType::PieceDigest && t != FrameType::Chunk))
    return peer_error(ReceiveError::UnexpectedFrame, "An unexpected message arrived.");
  return t == FrameType::PieceDigest ? on_piece_digest(f, now_ms, 0) : on_chunk(f, now_ms, 0);
}

ReceiveError PieceReceiver::on_manifest(const FrameView& f, double now_ms) {
  TransferManifest m;
  const ManifestError me = decode_manifest(f, m);
  if (me != ManifestError::Ok) {
    fail(ReceiveError::ManifestInvalid,
         std::string("The sender's file description is invalid (") + manifest_error_name(me) + ").");
    return ReceiveError::ManifestInvalid;
  }
  if (!same_transfer(m, manifest_) || (m.digest_known && !ledger_.set_file_digest(m.file_digest))) {
    fail(ReceiveError::ManifestMismatch, "The sender is offering a different file.");
    return ReceiveError::ManifestMismatch;
  }
  if (m.digest_known && !manifest_.digest_known) {
    manifest_.digest_known = true;
    manifest_.file_digest = m.file_digest;
    ledger_dirty_ = true;
  }
  if (!connected_) {
    connected_ = true;
    ++stats_.connections;
    ignored_piece_ = kNoPiece;
    scheduler_.on_activity(now_ms);
    queue_frame_bytes(
        encode_manifest_ack_frame(manifest_.transfer_id, ledger_.piece_count(), ledger_.bitfield()));
    if (phase_ == Phase::Complete) queue_frame(FrameType::Complete, 0, 0);
    if (paused_) queue_frame(FrameType::Pause, 0, kPauseStorageFull);
  }
  maybe_finish();
  return ReceiveError::None;
}

ReceiveError PieceReceiver::on_piece_digest(const FrameView& f, double now_ms, std::uint32_t lane) {
  const std::uint32_t p = f.header.index;
  if (p >= layout_.piece_count())
    return peer_error(ReceiveError::PieceOutOfRange, "A piece number beyond the file arrived.");
  Sha256Digest d;
  std::memcpy(d.data(), f.digest, d.size());
  if (digest_seen_[p] && d != verified_digests_[p]) {
    fail(ReceiveError::DigestChanged,
         "The sender's file changed during the transfer (piece " + std::to_string(p) + ").");
    return ReceiveError::DigestChanged;
  }
  Slot* s = slot_of(p);
  if (s == nullptr || s->holds_verified()) {
    ignored_piece_ = p;  // its chunks are dropped without another error
    return peer_error(ReceiveError::UnrequestedPiece, "A piece that was not requested arrived.");
  }
  // A new attempt at this piece: whatever arrived of an earlier one is discarded.
  s->digest = d;
  s->state = Slot::State::Receiving;
  s->chunk_mask = 0;
  s->chunks_needed = layout_.chunk_count(p);
  s->quiet = false;
  s->lane = lane;
  if (ignored_piece_ == p) ignored_piece_ = kNoPiece;
  scheduler_.on_activity(now_ms);
  // The sender serves requests in order, one piece after another on each lane. A piece requested
  // before this one that is still incomplete will get no more data: the channel dropped some of it
  // (a partially reliable channel, maxPacketLifeTime). Ask again now rather than at the stall
  // timeout. With lanes, only a piece begun on the same lane tells: one not begun yet may be on its
  // way on another.
  for (Slot& o : slots_)
    if (&o != s && !o.quiet && !o.urgent && !s->urgent && o.request_seq < s->request_seq &&
        ((o.state == Slot::State::AwaitDigest && !lanes_used_) ||
         (o.state == Slot::State::Receiving && o.lane == lane))) {
      ++stats_.pieces_lost;
      restart_piece(o);
    }
  return ReceiveError::None;
}

ReceiveError PieceReceiver::on_chunk(const FrameView& f, double now_ms, std::uint32_t lane) {
  const std::uint32_t p = f.header.index;
  const std::uint32_t c = f.header.sub;
  if (p >= layout_.piece_count())
    return peer_error(ReceiveError::PieceOutOfRange, "A piece number beyond the file arrived.");
  if (p == ignored_piece_) return ReceiveError::None;
  Slot* s = slot_of(p);
  if (s == nullptr || s->holds_verified()) {
    ignored_piece_ = p;
    return peer_error(ReceiveError::UnrequestedPiece, "A piece that was not requested arrived.");
  }
  if (s->quiet) return ReceiveError::None;
  // The tail of an earlier attempt on another lane (that lane closed, the piece went out again).
  if (s->state == Slot::State::Receiving && s->lane != lane) return ReceiveError::None;
  if (s->state == Slot::State::AwaitDigest) {
    restart_piece(*s);
    return peer_error(ReceiveError::ChunkBeforeDigest, "Data arrived before its checksum.");
  }
  if (c >= s->chunks_needed) {
    restart_piece(*s);
    return peer_error(ReceiveError::ChunkOutOfRange, "A chunk number beyond its piece arrived.");
  }
  const std::uint32_t len = layout_.chunk_length(p, c);
  if (f.payload_len != len) {
    restart_piece(*s);
    return peer_error(ReceiveError::ChunkSizeMismatch, "A chunk of the wrong size arrived.");
  }
  const std::uint64_t bit = std::uint64_t(1) << c;
  if (s->chunk_mask & bit) {
    restart_piece(*s);
    return peer_error(ReceiveError::DuplicateChunk, "The same chunk arrived twice.");
  }
  if (s->data.size() < kPieceSize) s->data.resize(kPieceSize);
  std::memcpy(s->data.data() + layout_.chunk_offset_in_piece(c), f.payload, len);
  s->chunk_mask |= bit;
  stats_.chunk_bytes_received += len;
  if (lane != 0) stats_.lane_chunk_bytes += len;
  scheduler_.on_activity(now_ms);
  if (std::uint32_t(popcount64(s->chunk_mask)) == s->chunks_needed) verify(*s);
  return ReceiveError::None;
}

void PieceReceiver::restart_piece(Slot& s) {
  s.state = Slot::State::AwaitDigest;
  s.chunk_mask = 0;
  s.quiet = true;  // the rest of this attempt may still be on its way
  scheduler_.on_failed(s.piece);
}

void PieceReceiver::verify(Slot& s) {
  const std::uint32_t p = s.piece;
  const std::uint32_t len = layout_.piece_length(p);
  const Sha256Digest got = Sha256::of(s.data.data(), len);
  if (got != s.digest) {
    ++stats_.pieces_rejected;
    ReceiverAction a;
    a.kind = ReceiverAction::Kind::PieceRejected;
    a.piece = p;
    a.error = ReceiveError::PieceDigestMismatch;
    a.text = "Piece " + std::to_string(p) + " failed its checksum; fetching it again.";
    queue(std::move(a));
    queue_frame(FrameType::PieceBad, p, 0);
    restart_piece(s);
    // A peer that only ever sends bad pieces is cut off like any other misbehaving peer.
    if (++strikes_ > config_.max_strikes)
      fail(ReceiveError::TooManyErrors, "Too many damaged pieces; the transfer was stopped.");
    return;
  }
  verified_digests_[p] = got;
  digest_seen_[p] = 1;
  s.state = Slot::State::Storing;
  scheduler_.on_arrived(p);
  ++stats_.pieces_verified;
  strikes_ = 0;
  ReceiverAction a;
  a.kind = ReceiverAction::Kind::StorePiece;
  a.piece = p;
  a.offset = layout_.piece_offset(p);
  a.data = s.data.data();
  a.size = len;
  queue(std::move(a));
  advance_file_hash();
}

// ---- whole-file digest ----

// Hashes pieces in file order as far as their bytes are at hand (a verified piece still in its
// slot); when the next piece is only in storage, asks the glue to read it back.
void PieceReceiver::advance_file_hash() {
  if (phase_ == Phase::Failed) return;
  const std::uint32_t n = layout_.piece_count();
  while (hashed_pieces_ < n) {
    Slot* s = slot_of(hashed_pieces_);
    if (s != nullptr && s->holds_verified()) {
      file_hash_.update(s->data.data(), layout_.piece_length(hashed_pieces_));
      ++hashed_pieces_;
      continue;
    }
    if (ledger_.has(hashed_pieces_) && !read_back_pending_) {
      read_back_pending_ = true;
      ReceiverAction a;
      a.kind = ReceiverAction::Kind::ReadBack;
      a.piece = hashed_pieces_;
      a.offset = layout_.piece_offset(hashed_pieces_);
      a.size = layout_.piece_length(hashed_pieces_);
      queue(std::move(a));
    }
    break;
  }
  if (hashed_pieces_ == n && !file_hash_done_) {
    file_hash_result_ = file_hash_.finish();
    file_hash_done_ = true;
  }
}

void PieceReceiver::maybe_finish() {
  if (phase_ == Phase::Complete || phase_ == Phase::Failed) return;
  if (!ledger_.complete()) {
    phase_ = Phase::Receiving;
    return;
  }
  phase_ = Phase::Verifying;
  if (!manifest_.digest_known && connected_ && !final_ack_sent_) {
    // The sender needs to know we hold everything to finish its digest (it reads what it never
    // sent); PieceOk frames already told it, this repeats it once in case one was lost.
    final_ack_sent_ = true;
    queue_frame_bytes(
        encode_manifest_ack_frame(manifest_.transfer_id, ledger_.piece_count(), ledger_.bitfield()));
  }
  if (!file_hash_done_ || !manifest_.digest_known) return;
  if (file_hash_result_ != manifest_.file_digest) {
    fail(ReceiveError::FileDigestMismatch,
         "The received file does not match the sender's checksum (SHA-256).");
    return;
  }
  phase_ = Phase::Complete;
  ledger_dirty_ = true;
  if (connected_) queue_frame(FrameType::Complete, 0, 0);
  ReceiverAction a;
  a.kind = ReceiverAction::Kind::Done;
  queue(std::move(a));
}

// A held piece read back damaged (the ledger has dropped it already): fetch it again.
void PieceReceiver::refetch_stored(std::uint32_t piece) {
  ledger_.unmark(piece);
  scheduler_.mark_missing(piece);
  ledger_dirty_ = true;
  ++stats_.stored_pieces_damaged;
  ReceiverAction a;
  a.kind = ReceiverAction::Kind::Error;
  a.piece = piece;
  a.error = ReceiveError::StoredPieceCorrupt;
  a.text = "A stored piece was damaged; fetching it again.";
  queue(std::move(a));
  maybe_finish();
}

ReceiveError PieceReceiver::on_read_back(std::uint32_t piece, const std::uint8_t* data,
                                         std::size_t len, double /*now_ms*/) {
  if (phase_ == Phase::Failed) return ReceiveError::Inactive;
  if (!read_back_pending_ || piece != hashed_pieces_) return ReceiveError::BadCall;
  read_back_pending_ = false;
  switch (ledger_.verify_stored(piece, data, len)) {
    case StoredPiece::NotHeld:  // found damaged meanwhile (check_stored_piece): on its way again
      advance_file_hash();
      return ReceiveError::None;
    case StoredPiece::Damaged:
      refetch_stored(piece);
      return ReceiveError::StoredPieceCorrupt;
    case StoredPiece::Intact: break;
  }
  file_hash_.update(data, len);
  ++hashed_pieces_;
  advance_file_hash();
  maybe_finish();
  return ReceiveError::None;
}

ReceiveError PieceReceiver::check_stored_piece(std::uint32_t piece, const std::uint8_t* data,
                                               std::size_t len, double /*now_ms*/) {
  if (phase_ == Phase::Failed) return ReceiveError::Inactive;
  switch (ledger_.verify_stored(piece, data, len)) {
    case StoredPiece::NotHeld: return ReceiveError::BadCall;
    case StoredPiece::Damaged:
      refetch_stored(piece);
      return ReceiveError::StoredPieceCorrupt;
    case StoredPiece::Intact: break;
  }
  return ReceiveError::None;
}

// ---- storage results ----

ReceiveError PieceReceiver::on_piece_stored(std::uint32_t piece, double now_ms) {
  if (phase_ == Phase::Failed) return ReceiveError::Inactive;
  Slot* s = slot_of(piece);
  if (s == nullptr || s->state != Slot::State::Storing) return ReceiveError::BadCall;
  advance_file_hash();  // (already done when it became possible; kept for safety)
  s->state = Slot::State::Free;
  s->refused = false;
  ledger_.mark(piece, verified_digests_[piece]);
  scheduler_.mark_held(piece);
  ledger_dirty_ = true;
  if (connected_) queue_frame(FrameType::PieceOk, piece, 0);
  if (paused_) {
    // There was room for this one: try the refused ones now; go on once none is left.
    const bool refused_left =
        std::any_of(slots_.begin(), slots_.end(), [](const Slot& o) { return o.refused; });
    if (refused_left) store_parked(now_ms);
    else end_pause(now_ms);
  }
  advance_file_hash();
  maybe_finish();
  return ReceiveError::None;
}

ReceiveError PieceReceiver::on_piece_store_failed(std::uint32_t piece, double /*now_ms*/) {
  if (phase_ == Phase::Failed) return ReceiveError::Inactive;
  Slot* s = slot_of(piece);
  if (s == nullptr || s->state != Slot::State::Storing) return ReceiveError::BadCall;
  fail(ReceiveError::StoreFailed, "Could not save the video on this device.");
  return ReceiveError::StoreFailed;
}

ReceiveError PieceReceiver::on_storage_full(std::uint32_t piece, double now_ms) {
  if (phase_ == Phase::Failed) return ReceiveError::Inactive;
  Slot* s = slot_of(piece);
  if (s == nullptr || s->state != Slot::State::Storing) return ReceiveError::BadCall;
  s->state = Slot::State::Parked;  // verified bytes kept: nothing is fetched twice
  s->refused = true;
  if (paused_) return ReceiveError::StorageFull;
  paused_ = true;
  retries_ = 0;
  retry_at_ = now_ms + retry_delay(0);
  ++stats_.storage_pauses;
  if (connected_) queue_frame(FrameType::Pause, 0, kPauseStorageFull);
  ReceiverAction a;
  a.kind = ReceiverAction::Kind::Error;
  a.piece = piece;
  a.error = ReceiveError::StorageFull;
  a.text = "Storage is full — free some space to continue";
  queue(std::move(a));
  return ReceiveError::StorageFull;
}

void PieceReceiver::retry_storage(double now_ms) {
  if (!paused_ || phase_ == Phase::Failed) return;
  retries_ = 0;
  retry_at_ = now_ms + retry_delay(0);
  store_parked(now_ms);
}

// Hands every parked piece out for storing again.
void PieceReceiver::store_parked(double /*now_ms*/) {
  for (Slot& s : slots_) {
    if (s.state != Slot::State::Parked) continue;
    s.state = Slot::State::Storing;
    ++stats_.storage_retries;
    ReceiverAction a;
    a.kind = ReceiverAction::Kind::StorePiece;
    a.piece = s.piece;
    a.offset = layout_.piece_offset(s.piece);
    a.data = s.data.data();
    a.size = layout_.piece_length(s.piece);
    queue(std::move(a));
  }
}

// Every refused piece is stored: the sender hears we go on, requests resume.
void PieceReceiver::end_pause(double now_ms) {
  paused_ = false;
  if (connected_) {
    queue_frame(FrameType::Pause, 0, kPauseNone);
    scheduler_.on_activity(now_ms);  // the pause was no stall
  }
}

double PieceReceiver::retry_delay(std::uint32_t retry) const {
  double d = config_.storage_retry_first_ms;
  for (std::uint32_t i = 0; i < retry && d < config_.storage_retry_max_ms; ++i) d *= 2;
  return std::min(d, config_.storage_retry_max_ms);
}

// ---- connection and time ----

void PieceReceiver::on_channel_open(double now_ms) {
  channel_open_ = true;
  manifest_due_ = now_ms + config_.manifest_timeout_ms;
}

void PieceReceiver::on_lane_open(std::uint32_t lane, double /*now_ms*/) {
  if (lane != 0 && connected_) lanes_used_ = true;
}

void PieceReceiver::on_lane_closed(std::uint32_t lane, double /*now_ms*/) {
  if (lane == 0 || !connected_) return;
  // The sender sends the piece again from its start, on another lane: wait for its PieceDigest.
  for (Slot& s : slots_)
    if (s.state == Slot::State::Receiving && s.lane == lane) {
      s.state = Slot::State::AwaitDigest;
      s.chunk_mask = 0;
    }
}

void PieceReceiver::on_disconnected(double /*now_ms*/) {
  channel_open_ = false;
  if (!connected_) return;
  connected_ = false;
  lanes_used_ = false;
  final_ack_sent_ = false;
  for (Slot& s : slots_)
    if (s.state == Slot::State::AwaitDigest || s.state == Slot::State::Receiving)
      s.state = Slot::State::Free;
  scheduler_.on_disconnected();
  ignored_piece_ = kNoPiece;
  // Frames for the old channel are moot; everything else (stores, read-back) goes on.
  std::deque<Pending> keep;
  for (Pending& p : pending_)
    if (p.action.kind != ReceiverAction::Kind::SendFrame) keep.push_back(std::move(p));
  pending_.swap(keep);
}

void PieceReceiver::on_timeout(double now_ms) {
  if (phase_ == Phase::Failed || phase_ == Phase::Complete) return;
  if (paused_) {
    // Nothing is requested while paused, so there is no stall to look for: only the retry.
    if (now_ms < retry_at_) return;
    store_parked(now_ms);
    retry_at_ = now_ms + retry_delay(++retries_);
    return;
  }
  if (!connected_) {
    if (!channel_open_ || now_ms < manifest_due_) return;
    channel_open_ = false;  // asked once per channel: the next one opens with on_channel_open
    ++stats_.silent_channels;
    ReceiverAction a;
    a.kind = ReceiverAction::Kind::Reconnect;
    a.text = "The sender said nothing on the new connection; connecting again.";
    queue(std::move(a));
    return;
  }
  const std::uint32_t n = scheduler_.on_timeout(now_ms);
  if (n == 0) return;
  ++stats_.stalls;
  ReceiverAction a;
  a.kind = ReceiverAction::Kind::Error;
  a.error = ReceiveError::Stalled;
  a.text = "No data is arriving; asking again for " + std::to_string(n) + " pieces.";
  queue(std::move(a));
}

double PieceReceiver::next_deadline() const {
  if (phase_ == Phase::Failed || phase_ == Phase::Complete) return std::numeric_limits<double>::infinity();
  if (paused_) return retry_at_;
  if (!connected_) return channel_open_ ? manifest_due_ : std::numeric_limits<double>::infinity();
  return scheduler_.next_deadline();
}

void PieceReceiver::seek_to_piece(std::uint32_t piece) { scheduler_.seek(piece); }

void PieceReceiver::seek_to_byte(std::uint64_t byte_offset) {
  const std::uint32_t p = layout_.piece_at(byte_offset);
  scheduler_.seek(p < layout_.piece_count() ? p : layout_.piece_count() - 1);
}

void PieceReceiver::cancel(const std::string& reason) {
  if (phase_ == Phase::Failed || phase_ == Phase::Complete) return;
  if (connected_) queue_frame(FrameType::Cancel, 0, 0, reason.substr(0, 1024));
  phase_ = Phase::Failed;
}

// ---- errors and output ----

ReceiveError PieceReceiver::peer_error(ReceiveError e, const std::string& text) {
  ++stats_.errors;
  ReceiverAction a;
  a.kind = ReceiverAction::Kind::Error;
  a.error = e;
  a.text = text;
  queue(std::move(a));
  if (++strikes_ > config_.max_strikes)
    fail(ReceiveError::TooManyErrors, "The other side keeps sending invalid data; stopped.");
  return e;
}

void PieceReceiver::fail(ReceiveError e, const std::string& text) {
  if (phase_ == Phase::Failed) return;
  if (connected_ && e != ReceiveError::PeerCancelled)
    queue_frame(FrameType::Cancel, 0, 0, receive_error_name(e));
  phase_ = Phase::Failed;
  fatal_ = e;
  ReceiverAction a;
  a.kind = ReceiverAction::Kind::Error;
  a.error = e;
  a.fatal = true;
  a.text = text;
  queue(std::move(a));
}

void PieceReceiver::queue(ReceiverAction a) {
  Pending p;
  p.action = std::move(a);
  pending_.push_back(std::move(p));
}

void PieceReceiver::queue_frame(FrameType type, std::uint32_t index, std::uint32_t sub,
                                const std::string& payload) {
  std::vector<std::uint8_t> bytes(frame_size(type, payload.size()));
  const FrameHeader h{type, index, sub, std::uint32_t(payload.size())};
  const std::size_t n = encode_frame_prefix(h, nullptr, bytes.data(), bytes.size());
  if (n == 0) return;
  std::memcpy(bytes.data() + n, payload.data(), payload.size());
  queue_frame_bytes(std::move(bytes));
}

void PieceReceiver::queue_frame_bytes(std::vector<std::uint8_t> bytes) {
  if (bytes.empty()) return;
  Pending p;
  p.action.kind = ReceiverAction::Kind::SendFrame;
  p.bytes = std::move(bytes);
  pending_.push_back(std::move(p));
}

ReceiverAction PieceReceiver::poll_action(double now_ms) {
  if (!pending_.empty()) {
    Pending p = std::move(pending_.front());
    pending_.pop_front();
    if (p.action.kind == ReceiverAction::Kind::SendFrame) {
      out_ = std::move(p.bytes);
      p.action.data = out_.data();
      p.action.size = out_.size();
    }
    return p.action;
  }
  if (connected_ && !paused_ && (phase_ == Phase::Receiving || phase_ == Phase::Verifying)) {
    bool urgent = false;
    const PieceRange r = scheduler_.next_request(now_ms, &urgent);
    if (r.count > 0) {
      for (std::uint32_t p = r.first; p < r.first + r.count; ++p) {
        Slot* s = slot_of(p);  // a re-request: the slot is waiting already
        if (s == nullptr) {
          s = free_slot();  // the window equals the slot count: never null
          if (s == nullptr) break;
          s->state = Slot::State::AwaitDigest;
          s->piece = p;
          s->chunk_mask = 0;
          s->quiet = false;
          s->refused = false;
        }
        s->request_seq = ++request_seq_;
        s->urgent = urgent;
      }
      const FrameType type = urgent ? FrameType::UrgentRequest : FrameType::Request;
      out_.assign(frame_size(type, 0), 0);
      encode_frame_prefix({type, r.first, r.count, 0}, nullptr, out_.data(), out_.size());
      ReceiverAction a;
      a.kind = ReceiverAction::Kind::SendFrame;
      a.data = out_.data();
      a.size = out_.size();
      return a;
    }
  }
  if (ledger_dirty_ && phase_ != Phase::Failed) {
    ledger_dirty_ = false;
    out_ = ledger_.serialize();
    ReceiverAction a;
    a.kind = ReceiverAction::Kind::SaveLedger;
    a.data = out_.data();
    a.size = out_.size();
    return a;
  }
  return ReceiverAction{};
}

}  // namespace wt
