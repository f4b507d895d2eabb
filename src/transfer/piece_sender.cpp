#include "transfer/piece_sender.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <iterator>

namespace wt {
namespace {

std::uint64_t usable_size(const TransferManifest& m) {
  return valid_transfer_id(m.transfer_id) && m.file_size > 0 && m.file_size <= kMaxTransferSize
             ? m.file_size
             : 0;
}

constexpr std::uint64_t kMaxFrame = kFrameHeaderSize + kChunkSize;
// Below Chrome's 16 MiB limit with room for a frame already queued by something else.
constexpr std::uint64_t kMaxHighWater = 15ull << 20;

}  // namespace

const char* send_error_name(SendError e) {
  switch (e) {
    case SendError::None: return "ok";
    case SendError::MalformedFrame: return "malformed-frame";
    case SendError::UnexpectedFrame: return "unexpected-frame";
    case SendError::PieceOutOfRange: return "piece-out-of-range";
    case SendError::BadManifestAck: return "bad-manifest-ack";
    case SendError::WrongTransfer: return "wrong-transfer";
    case SendError::PeerCancelled: return "peer-cancelled";
    case SendError::ReadFailed: return "read-failed";
    case SendError::TooManyErrors: return "too-many-errors";
    case SendError::BadCall: return "bad-call";
    case SendError::Inactive: return "inactive";
  }
  return "unknown-error";
}

PieceSender::PieceSender(const TransferManifest& manifest, const SenderConfig& config)
    : manifest_(manifest),
      layout_(usable_size(manifest)),
      high_water_(std::min(std::max(config.high_water_bytes, kMaxFrame), kMaxHighWater)),
      // 'bufferedamountlow' fires only when bufferedAmount falls to the threshold from above, so
      // the threshold must lie below every level at which the sender waits (> high - one frame).
      low_water_(std::min(config.low_water_bytes, high_water_ - kMaxFrame)),
      lane_high_water_(std::min(std::max(config.lane_high_water_bytes, 2 * kMaxFrame), kMaxHighWater)),
      lane_low_water_(std::min(config.lane_low_water_bytes, lane_high_water_ - kMaxFrame)),
      max_strikes_(config.max_strikes),
      config_(config),
      pacer_(config.upload_cap_bytes_per_s),
      queued_(layout_.piece_count(), 0),
      started_(layout_.piece_count(), 0),
      receiver_has_((std::size_t(layout_.piece_count()) + 7) / 8, 0) {
  out_.reserve(kMaxFrame);
  if (layout_.file_size() == 0) fail(SendError::ReadFailed, "The file's description is invalid.");
}

SenderState PieceSender::state() const {
  switch (phase_) {
    case Phase::Complete: return SenderState::Complete;
    case Phase::Failed: return SenderState::Failed;
    case Phase::Active: break;
  }
  return connected_ ? SenderState::Sending : SenderState::Disconnected;
}

bool PieceSender::receiver_has(std::uint32_t piece) const {
  return piece < layout_.piece_count() && (receiver_has_[piece >> 3] >> (piece & 7) & 1) != 0;
}

std::uint64_t PieceSender::receiver_bytes() const {
  std::uint64_t n = 0;
  for (std::uint32_t p = 0; p < layout_.piece_count(); ++p)
    if (receiver_has(p)) n += layout_.piece_length(p);
  return n;
}

// ---- connection ----

void PieceSender::on_connected(double /*now_ms*/) {
  if (phase_ == Phase::Failed) return;
  connected_ = true;
  strikes_ = 0;
  control_.clear();
  std::vector<std::uint8_t> m = encode_manifest_frame(manifest_);
  if (!m.empty()) control_.push_back(std::move(m));
}

void PieceSender::on_disconnected(double /*now_ms*/) {
  connected_ = false;
  std::fill(std::begin(lane_open_), std::end(lane_open_), false);
  receiver_paused_ = false;  // a receiver still paused says so again on the next connection
  control_.clear();
  queue_.clear();
  std::fill(queued_.begin(), queued_.end(), 0);
  for (Slot& s : send_slots_) {
    if (s.state == Slot::State::Reading) read_.stale = true;  // freed when the read completes
    else s.state = Slot::State::Free;
  }
}

// ---- lanes ----

void PieceSender::on_lane_open(std::uint32_t lane, double /*now_ms*/) {
  if (lane == 0 || lane >= kMaxLanes || !connected_ || phase_ == Phase::Failed) return;
  lane_open_[lane] = true;
}

void PieceSender::on_lane_closed(std::uint32_t lane, double /*now_ms*/) {
  if (lane == 0 || lane >= kMaxLanes || !lane_open_[lane]) return;
  lane_open_[lane] = false;
  // Its unfinished piece is read already: it goes out again, first, on the next lane with room
  // (its seq is older than every other read piece's).
  for (Slot& s : send_slots_)
    if (s.state == Slot::State::Sending && s.lane == lane) {
      s.state = Slot::State::Ready;
      s.next = 0;
      ++stats_.lane_pieces_returned;
    }
}

void PieceSender::on_round_trip(double rtt_ms, double /*now_ms*/) {
  if (!(rtt_ms > 0) || rtt_ms > 60'000) return;  // NaN, zero (a browser that rounds), absurd
  if (min_rtt_ms_ < 0 || rtt_ms < min_rtt_ms_) min_rtt_ms_ = rtt_ms;
}

std::uint32_t PieceSender::wanted_lanes() const {
  const std::uint32_t most = std::max<std::uint32_t>(1, std::min(config_.max_lanes, kMaxLanes));
  // Nothing left to send (complete or failed): no lane is worth keeping.
  if (phase_ != Phase::Active) return 1;
  if (min_rtt_ms_ < 0 || min_rtt_ms_ < config_.lane_min_rtt_ms || config_.lane_window_bytes <= 0) return 1;
  // The rate to reach: the upload cap when there is one, else the planning rate; one association
  // carries lane_window_bytes per round trip.
  const double rate = pacer_.rate() > 0 ? pacer_.rate() : config_.lane_target_bytes_per_s;
  const double lanes = std::ceil(rate * min_rtt_ms_ / 1000 / config_.lane_window_bytes);
  return std::uint32_t(std::clamp(lanes, 1.0, double(most)));
}

std::uint32_t PieceSender::open_lanes() const {
  if (!connected_) return 0;
  std::uint32_t n = 1;
  for (std::uint32_t l = 1; l < kMaxLanes; ++l) n += lane_open_[l] ? 1 : 0;
  return n;
}

// ---- input ----

SendError PieceSender::on_message(const std::uint8_t* data, std::size_t len, double now_ms) {
  if (phase_ == Phase::Failed) return SendError::Inactive;
  FrameView f;
  const FrameError e = decode_frame(data, len, f);
  if (e != FrameError::Ok)
    return peer_error(SendError::MalformedFrame,
                      std::string("A malformed message arrived (") + frame_error_name(e) + ").");
  return on_frame(f, now_ms);
}

SendError PieceSender::on_frame(const FrameView& f, double /*now_ms*/) {
  if (phase_ == Phase::Failed) return SendError::Inactive;
  const std::uint32_t count = layout_.piece_count();
  const std::uint32_t p = f.header.index;
  switch (f.header.type) {
    case FrameType::Ping:
    case FrameType::Pong: return SendError::None;  // the glue's RTT probe
    case FrameType::Cancel:
      fail(SendError::PeerCancelled, "The receiver stopped the transfer.");
      return SendError::PeerCancelled;
    case FrameType::ManifestAck: {
      std::vector<std::uint8_t> have;
      const ManifestError me = decode_manifest_ack(f, manifest_.transfer_id, count, have);
      if (me == ManifestError::WrongTransfer) {
        fail(SendError::WrongTransfer, "The other side is receiving a different file.");
        return SendError::WrongTransfer;
      }
      if (me != ManifestError::Ok)
        return peer_error(SendError::BadManifestAck,
                          std::string("Invalid acknowledgement (") + manifest_error_name(me) + ").");
      receiver_has_ = std::move(have);
      return SendError::None;
    }
    case FrameType::Request:
    case FrameType::UrgentRequest: {
      const std::uint32_t n = f.header.sub;
      if (p >= count || n > count - p)
        return peer_error(SendError::PieceOutOfRange, "A request beyond the end of the file arrived.");
      if (phase_ == Phase::Complete) return SendError::None;
      const bool urgent = f.header.type == FrameType::UrgentRequest;
      if (urgent) {
        // Before everything queued (after the pieces already being read or sent), in run order;
        // a piece that was queued moves up rather than going twice.
        queue_.erase(std::remove_if(queue_.begin(), queue_.end(), [&](std::uint32_t q) { return q >= p && q < p + n; }),
                     queue_.end());
        std::size_t ahead = 0;
        for (std::uint32_t i = p + n; i-- > p;) {
          receiver_has_[i >> 3] = std::uint8_t(receiver_has_[i >> 3] & ~(1u << (i & 7)));
          if (in_send_slot(i)) continue;  // on its way already
          queued_[i] = 1;
          queue_.push_front(i);
          ++ahead;
        }
        // A piece read ahead but not started goes back to the queue, right after the urgent ones:
        // only the piece being sent stays in their way.
        std::vector<Slot*> demoted;
        for (Slot& s : send_slots_)
          if (s.state == Slot::State::Ready && !(s.piece >= p && s.piece < p + n)) demoted.push_back(&s);
        std::sort(demoted.begin(), demoted.end(), [](const Slot* a, const Slot* b) { return a->seq < b->seq; });
        for (Slot* s : demoted) {
          s->state = Slot::State::Free;
          queued_[s->piece] = 1;
          queue_.insert(queue_.begin() + std::ptrdiff_t(ahead++), s->piece);
        }
        ++stats_.urgent_requests;
        return SendError::None;
      }
      for (std::uint32_t i = p; i < p + n; ++i) {
        receiver_has_[i >> 3] = std::uint8_t(receiver_has_[i >> 3] & ~(1u << (i & 7)));
        if (queued_[i]) continue;  // already waiting to be sent
        queued_[i] = 1;
        queue_.push_back(i);
      }
      return SendError::None;
    }
    case FrameType::PieceOk:
      if (p >= count) return peer_error(SendError::PieceOutOfRange, "An acknowledgement beyond the end.");
      if (!receiver_has(p)) {
        receiver_has_[p >> 3] = std::uint8_t(receiver_has_[p >> 3] | 1u << (p & 7));
        ++stats_.pieces_acked;
      }
      return SendError::None;
    case FrameType::PieceBad:
      if (p >= count) return peer_error(SendError::PieceOutOfRange, "A rejection beyond the end.");
      ++stats_.pieces_bad;  // the receiver requests it again separately
      return SendError::None;
    case FrameType::Pause:
      receiver_paused_ = f.header.sub == kPauseStorageFull;
      return SendError::None;
    case FrameType::Complete:
      receiver_paused_ = false;
      if (phase_ == Phase::Active) {
        phase_ = Phase::Complete;
        queue_.clear();
        std::fill(queued_.begin(), queued_.end(), 0);
      }
      return SendError::None;
    default:
      return peer_error(SendError::UnexpectedFrame, "An unexpected message arrived.");
  }
}

// ---- reading ----

bool PieceSender::in_send_slot(std::uint32_t piece) const {
  for (const Slot& s : send_slots_)
    if (s.state != Slot::State::Free && s.piece == piece) return true;
  return false;
}

ReadRequest PieceSender::poll_read() {
  ReadRequest r;
  if (read_.outstanding || phase_ == Phase::Failed) return r;
  Slot* target = nullptr;
  // One slot per open lane and one read ahead.
  if (phase_ == Phase::Active && connected_ && !queue_.empty() && busy_slots() < open_lanes() + 1) {
    for (Slot& s : send_slots_)
      if (s.state == Slot::State::Free) {
        target = &s;
        break;
      }
    if (target != nullptr) {
      target->piece = queue_.front();
      queue_.pop_front();
    }
  }
  if (target == nullptr) {
    // Hash-only read: the next piece of the whole-file digest will never be requested.
    const std::uint32_t h = hashed_pieces_;
    if (manifest_.digest_known || h >= layout_.piece_count() ||
        hash_slot_.state != Slot::State::Free || !receiver_has(h) || queued_[h] || in_send_slot(h))
      return r;
    target = &hash_slot_;
    target->piece = h;
    r.hash_only = true;
    ++stats_.hash_only_reads;
  }
  target->state = Slot::State::Reading;
  if (target->data.size() < kPieceSize) target->data.resize(kPieceSize);
  read_ = PendingRead{true, target, target->piece, false};
  r.valid = true;
  r.piece = target->piece;
  r.offset = layout_.piece_offset(target->piece);
  r.length = layout_.piece_length(target->piece);
  return r;
}

std::uint8_t* PieceSender::read_buffer() {
  return read_.outstanding ? read_.slot->data.data() : nullptr;
}

SendError PieceSender::on_read(std::uint32_t piece, const std::uint8_t* data, std::size_t len,
                               double now_ms) {
  if (phase_ == Phase::Failed) return SendError::Inactive;
  if (!read_.outstanding || piece != read_.piece) return SendError::BadCall;
  if (data != nullptr) std::memcpy(read_.slot->data.data(), data, std::min<std::size_t>(len, kPieceSize));
  return complete_read(piece, data != nullptr ? len : 0, now_ms);
}

SendError PieceSender::complete_read(std::uint32_t piece, std::size_t len, double /*now_ms*/) {
  if (phase_ == Phase::Failed) return SendError::Inactive;
  if (!read_.outstanding || piece != read_.piece) return SendError::BadCall;
  Slot& s = *read_.slot;
  const bool stale = read_.stale;
  read_ = PendingRead{};
  if (len != layout_.piece_length(piece)) {
    s.state = Slot::State::Free;
    fail(SendError::ReadFailed, "The file could not be read (was it changed, moved or deleted?).");
    return SendError::ReadFailed;
  }
  // The bytes serve the whole-file digest first, whatever else becomes of them.
  if (!manifest_.digest_known && piece == hashed_pieces_) {
    file_hash_.update(s.data.data(), len);
    ++hashed_pieces_;
  }
  if (&s == &hash_slot_ || stale || phase_ != Phase::Active) {
    s.state = Slot::State::Free;
  } else {
    s.digest = Sha256::of(s.data.data(), len);
    s.state = Slot::State::Ready;
    s.seq = next_seq_++;
    s.next = 0;
  }
  advance_file_hash();
  return SendError::None;
}

// Feeds pieces sitting in send slots once the digest reaches them; finishes the digest at the end.
void PieceSender::advance_file_hash() {
  if (manifest_.digest_known) return;
  bool progressed = true;
  while (progressed && hashed_pieces_ < layout_.piece_count()) {
    progressed = false;
    for (Slot& s : send_slots_)
      if ((s.state == Slot::State::Ready || s.state == Slot::State::Sending) &&
          s.piece == hashed_pieces_) {
        file_hash_.update(s.data.data(), layout_.piece_length(s.piece));
        ++hashed_pieces_;
        progressed = true;
      }
  }
  if (hashed_pieces_ == layout_.piece_count()) {
    manifest_.file_digest = file_hash_.finish();
    manifest_.digest_known = true;
    if (connected_) control_.push_back(encode_manifest_frame(manifest_));  // announce it
  }
}

void PieceSender::on_read_failed(std::uint32_t piece, const std::string& reason) {
  if (phase_ == Phase::Failed || !read_.outstanding || piece != read_.piece) return;
  read_.slot->state = Slot::State::Free;
  read_ = PendingRead{};
  fail(SendError::ReadFailed, "The file could not be read: " + reason);
}

// ---- sending ----

std::uint32_t PieceSender::busy_slots() const {
  std::uint32_t n = 0;
  for (const Slot& s : send_slots_) n += s.state != Slot::State::Free ? 1 : 0;
  return n;
}

PieceSender::Slot* PieceSender::sending_slot(std::uint32_t lane) {
  for (Slot& s : send_slots_)
    if (s.state == Slot::State::Sending && s.lane == lane) return &s;
  return nullptr;
}

PieceSender::Slot* PieceSender::oldest_ready() {
  Slot* best = nullptr;
  for (Slot& s : send_slots_)
    if (s.state == Slot::State::Ready && (best == nullptr || s.seq < best->seq)) best = &s;
  return best;
}

Transmit PieceSender::poll_transmit(double now_ms, std::uint64_t buffered_amount, std::uint32_t lane) {
  Transmit t;
  if (lane >= kMaxLanes || (lane > 0 && !lane_open_[lane])) return t;
  const std::uint64_t high_water = high_water_bytes(lane);
  Slot* s = nullptr;
  std::size_t size = 0;
  if (lane == 0 && !control_.empty()) {
    size = control_.front().size();
  } else if (connected_ && phase_ == Phase::Active) {
    s = sending_slot(lane);
    if (s == nullptr) {
      // A lane takes the oldest read piece only once it has room for it to start, so that a full
      // lane never holds a piece another lane could be sending.
      Slot* ready = oldest_ready();
      if (ready == nullptr) return t;
      if (buffered_amount + frame_size(FrameType::PieceDigest, 0) > high_water) {
        t.kind = Transmit::Kind::WaitBuffer;
        return t;
      }
      s = ready;
      s->state = Slot::State::Sending;
      s->lane = lane;
      s->next = 0;
    }
    size = s->next == 0 ? frame_size(FrameType::PieceDigest, 0)
                        : frame_size(FrameType::Chunk, layout_.chunk_length(s->piece, s->next - 1));
  } else {
    return t;
  }
  if (buffered_amount + size > high_water) {
    t.kind = Transmit::Kind::WaitBuffer;
    return t;
  }
  const double ready = pacer_.ready_at(now_ms);
  if (ready > now_ms) {
    t.kind = Transmit::Kind::WaitUntil;
    t.wait_until_ms = ready;
    return t;
  }
  if (s == nullptr) {
    out_ = std::move(control_.front());
    control_.pop_front();
  } else if (s->next == 0) {
    out_.resize(size);
    encode_frame_prefix({FrameType::PieceDigest, s->piece, 0, 0}, s->digest.data(), out_.data(),
                        out_.size());
    queued_[s->piece] = 0;  // from now on a new request for it means "send it again"
    ++stats_.pieces_started;
    if (lane > 0) ++stats_.lane_pieces_started;
    if (started_[s->piece] > 0) ++stats_.pieces_resent;
    if (started_[s->piece] < 255) ++started_[s->piece];
    ++s->next;
  } else {
    const std::uint32_t c = s->next - 1;
    const std::uint32_t len = layout_.chunk_length(s->piece, c);
    out_.resize(size);
    const std::size_t n = encode_frame_prefix({FrameType::Chunk, s->piece, c, len}, nullptr,
                                              out_.data(), out_.size());
    std::memcpy(out_.data() + n, s->data.data() + layout_.chunk_offset_in_piece(c), len);
    if (++s->next > layout_.chunk_count(s->piece)) {
      s->state = Slot::State::Free;
      ++stats_.pieces_sent;
    }
  }
  pacer_.on_sent(now_ms, out_.size());
  stats_.bytes_sent += out_.size();
  if (lane > 0) stats_.lane_bytes_sent += out_.size();
  t.kind = Transmit::Kind::Frame;
  t.data = out_.data();
  t.size = out_.size();
  return t;
}

void PieceSender::set_upload_cap(double bytes_per_s, double now_ms) { pacer_.set_rate(bytes_per_s, now_ms); }

void PieceSender::cancel(const std::string& reason) {
  if (phase_ == Phase::Failed) return;
  if (connected_) {
    control_.clear();
    queue_control(FrameType::Cancel, reason.substr(0, 1024));
  }
  phase_ = Phase::Failed;
  error_text_ = "Cancelled";
}

// ---- errors ----

SendError PieceSender::peer_error(SendError e, const std::string& text) {
  ++stats_.errors;
  error_text_ = text;
  if (++strikes_ > max_strikes_) fail(SendError::TooManyErrors, "The other side keeps sending invalid data; stopped.");
  return e;
}

void PieceSender::fail(SendError e, const std::string& text) {
  if (phase_ == Phase::Failed) return;
  control_.clear();
  if (connected_ && e != SendError::PeerCancelled) queue_control(FrameType::Cancel, send_error_name(e));
  phase_ = Phase::Failed;
  fatal_ = e;
  error_text_ = text;
  queue_.clear();
}

void PieceSender::queue_control(FrameType type, const std::string& payload) {
  std::vector<std::uint8_t> bytes(frame_size(type, payload.size()));
  const std::size_t n = encode_frame_prefix({type, 0, 0, std::uint32_t(payload.size())}, nullptr,
                                            bytes.data(), bytes.size());
  if (n == 0) return;
  std::memcpy(bytes.data() + n, payload.data(), payload.size());
  control_.push_back(std::move(bytes));
}

}  // namespace wt
