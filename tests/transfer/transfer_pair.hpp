// A virtual-clock harness holding a PieceSender and a PieceReceiver joined by a simulated data
// channel (quinn-proto's `Pair`, for this protocol). It plays the glue on both sides: the sender's
// File reads, the receiver's IndexedDB (stores that take time, a persisted ledger record, reads
// back), and the channel (bufferedAmount, a serial link with a rate and a latency, ordered
// delivery). Time jumps to the earliest pending event. Cuts drop everything in flight; reloads
// throw away a side's memory and keep only what its "IndexedDB" holds. The "IndexedDB" can run
// full (room for disk_pieces pieces: a store beyond is refused as QuotaExceededError would be) and
// its stored pieces can be damaged in place.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "hash/sha256.hpp"
#include "transfer/piece_receiver.hpp"
#include "transfer/piece_sender.hpp"
#include "transfer/transfer_manifest.hpp"
#include "transfer/wire_frame.hpp"

namespace wt_test {

constexpr double kNever = std::numeric_limits<double>::infinity();

inline std::vector<std::uint8_t> random_bytes(std::size_t size, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::uint8_t> out(size);
  std::size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    const std::uint64_t v = rng();
    std::memcpy(out.data() + i, &v, 8);
  }
  for (; i < size; ++i) out[i] = std::uint8_t(rng());
  return out;
}

inline std::vector<std::uint8_t> frame_bytes(wt::FrameType type, std::uint32_t index,
                                             std::uint32_t sub,
                                             const std::vector<std::uint8_t>& payload = {},
                                             const std::uint8_t* digest = nullptr) {
  std::vector<std::uint8_t> out(wt::frame_size(type, payload.size()));
  const wt::FrameHeader h{type, index, sub, std::uint32_t(payload.size())};
  const std::size_t n = wt::encode_frame_prefix(h, digest, out.data(), out.size());
  if (n == 0) return {};
  std::copy(payload.begin(), payload.end(), out.begin() + long(n));
  return out;
}

// One direction of a data channel. A message waits in the send buffer (bufferedAmount) until the
// link has transmitted it (serially, at bytes_per_ms), then arrives latency_ms later, in order.
// With window_bytes, the association carries at most that many bytes per round trip (2 latencies),
// as one SCTP association does across a long path: its rate is min(bytes_per_ms, window / rtt).
class SimLink {
 public:
  SimLink(double bytes_per_ms, double latency_ms, double window_bytes = 0)
      : rate_(window_bytes > 0 && latency_ms > 0 ? std::min(bytes_per_ms, window_bytes / (2 * latency_ms))
                                                  : bytes_per_ms),
        latency_(latency_ms) {}

  void send(double now, std::vector<std::uint8_t> msg) {
    const double start = free_at_ > now ? free_at_ : now;
    free_at_ = start + double(msg.size()) / rate_;
    q_.push_back({free_at_, free_at_ + latency_, std::move(msg)});
  }
  std::uint64_t buffered(double now) const {
    std::uint64_t n = 0;
    for (const Msg& m : q_)
      if (m.depart > now) n += m.bytes.size();
    return n;
  }
  // When bufferedAmount will have fallen to `level` or below.
  double drains_to(double now, std::uint64_t level) const {
    std::uint64_t b = buffered(now);
    if (b <= level) return now;
    for (const Msg& m : q_) {
      if (m.depart <= now) continue;
      b -= m.bytes.size();
      if (b <= level) return m.depart;
    }
    return now;
  }
  double next_arrival() const { return q_.empty() ? kNever : q_.front().arrive; }
  bool pop_arrived(double now, std::vector<std::uint8_t>& out) {
    if (q_.empty() || q_.front().arrive > now) return false;
    out = std::move(q_.front().bytes);
    q_.pop_front();
    return true;
  }
  void kill() {
    q_.clear();
    free_at_ = 0;
  }

 private:
  struct Msg {
    double depart, arrive;
    std::vector<std::uint8_t> bytes;
  };
  double rate_, latency_;
  double free_at_ = 0;
  std::deque<Msg> q_;
};

struct PairOptions {
  double link_bytes_per_ms = 20'000;  // 20 MB/s, like Chromium on loopback
  double latency_ms = 20;
  double store_delay_ms = 4;          // an IndexedDB put of one piece
  double read_delay_ms = 1;           // a File.slice().arrayBuffer() of one piece
  double reconnect_delay_ms = 500;
  wt::ReceiverConfig receiver;
  wt::SenderConfig sender;
  bool digest_in_manifest = false;    // sender knows the whole-file digest up front
  long corrupt_chunk_frame = -1;      // flip a byte in the n-th Chunk frame sent (0-based)
  long drop_chunk_frame = -1;         // lose the n-th Chunk frame (a partially reliable channel)
  std::size_t disk_pieces = std::numeric_limits<std::size_t>::max();  // room in "IndexedDB"
  double window_bytes = 0;            // per association and round trip (SimLink); 0: no limit
  bool follow_wanted_lanes = false;   // open lanes as the sender wants them, right after connect()
};

class TransferPair {
 public:
  TransferPair(const std::vector<std::uint8_t>& file, PairOptions opt = {})
      : file_(file), opt_(opt), up_(opt.link_bytes_per_ms, opt.latency_ms, opt.window_bytes) {
    for (std::uint32_t l = 0; l < wt::kMaxLanes; ++l)
      down_.emplace_back(opt.link_bytes_per_ms, opt.latency_ms, opt.window_bytes);
    sender_manifest_.transfer_id = "session-1:movie";
    sender_manifest_.file_name = "movie.mp4";
    sender_manifest_.mime_type = "video/mp4";
    sender_manifest_.file_size = file.size();
    if (opt.digest_in_manifest) {
      sender_manifest_.digest_known = true;
      sender_manifest_.file_digest = wt::Sha256::of(file.data(), file.size());
    }
    // The receiver's glue learns the manifest from the sender's first Manifest frame.
    const std::vector<std::uint8_t> m = wt::encode_manifest_frame(sender_manifest_);
    wt::FrameView v;
    decode_ok_ = wt::decode_frame(m.data(), m.size(), v) == wt::FrameError::Ok &&
                 wt::decode_manifest(v, receiver_manifest_) == wt::ManifestError::Ok;
    tx = std::make_unique<wt::PieceSender>(sender_manifest_, opt.sender);
    rx = std::make_unique<wt::PieceReceiver>(receiver_manifest_, opt.receiver);
  }

  bool manifest_decoded() const { return decode_ok_; }

  // ---- scenario controls ----
  void connect() {
    connected_ = true;
    tx->on_connected(now);
    if (opt_.follow_wanted_lanes) {
      // The glue's probe at the channel's open: one round trip of the path.
      tx->on_round_trip(2 * opt_.latency_ms, now);
      for (std::uint32_t l = 1; l < tx->wanted_lanes(); ++l) open_lane(l);
    }
    pump();
  }
  // An extra connection (lane) opens, or closes with whatever it had in flight.
  void open_lane(std::uint32_t lane) {
    if (!connected_) return;  // a lane is signaled over the main channel
    lane_open_.at(lane) = true;
    tx->on_lane_open(lane, now);
    rx->on_lane_open(lane, now);
    pump();
  }
  void close_lane(std::uint32_t lane) {
    if (!lane_open_.at(lane)) return;
    lane_open_.at(lane) = false;
    down_.at(lane).kill();
    tx->on_lane_closed(lane, now);
    rx->on_lane_closed(lane, now);
    pump();
  }
  // The channel dies: everything buffered or in flight is lost; both sides notice.
  void cut() {
    ++cuts;
    in_flight_at_cut = unacked_.size();
    unacked_.clear();
    for (SimLink& d : down_) d.kill();
    up_.kill();
    connected_ = false;
    lane_open_.fill(false);
    tx->on_disconnected(now);
    rx->on_disconnected(now);
    pump();
  }
  // The receiver's page reloads: memory gone, pending IndexedDB writes lost, stored data kept.
  void reload_receiver() {
    stores_lost_at_reload = stores_.size();
    stores_.clear();
    read_backs_.clear();
    rx = std::make_unique<wt::PieceReceiver>(receiver_manifest_, opt_.receiver, stored_ledger);
    ++receiver_reloads;
  }
  // The sender's page reloads (the user picks the same file again): the digest is unknown again.
  void reload_sender() {
    file_reads_.clear();
    tx = std::make_unique<wt::PieceSender>(sender_manifest_, opt_.sender);
  }
  // Room for this many pieces in "IndexedDB" from now on (space freed, or taken by something else).
  void set_disk_pieces(std::size_t n) { opt_.disk_pieces = n; }
  // Flips one bit of a stored piece, as a failing disk or a stray write would.
  void damage_stored(std::uint32_t piece) { stored.at(piece)[stored.at(piece).size() / 3] ^= 0x10; }

  // Runs events until pred() holds, nothing is left to do, or max_steps. Returns pred().
  bool run_until(const std::function<bool()>& pred, int max_steps = 500'000) {
    pump();
    for (int i = 0; i < max_steps && !pred(); ++i)
      if (!step()) break;
    return pred();
  }
  bool run_to_end(int max_steps = 500'000) {
    return run_until([&] { return done || failed; }, max_steps);
  }
  // Lets time pass (stores complete, timers fire) up to now + ms.
  void advance_by(double ms) {
    const double until = now + ms;
    pump();
    while (next_event_time() <= until)
      if (!step()) break;
    now = until;
    pump();
  }
  void reconnect_after_delay() {
    advance_by(opt_.reconnect_delay_ms);
    connect();
  }

  // The earliest pending event alone; false when nothing is left to happen.
  bool step_event() { return step(); }
  // A message of the test's own, delivered at once as a lying peer would send it (not through the
  // link, so it is never lost or delayed), to the receiver or to the sender.
  void inject_to_receiver(const std::vector<std::uint8_t>& msg, std::uint32_t lane = 0) {
    deliver_to_receiver(msg, lane);
    pump();
  }
  void inject_to_sender(const std::vector<std::uint8_t>& msg) {
    deliver_to_sender(msg);
    pump();
  }

  // The whole file as the receiver's IndexedDB holds it.
  std::vector<std::uint8_t> assembled() const {
    std::vector<std::uint8_t> out;
    for (const auto& kv : stored) out.insert(out.end(), kv.second.begin(), kv.second.end());
    return out;
  }

  // ---- observations ----
  double now = 0;
  std::unique_ptr<wt::PieceSender> tx;
  std::unique_ptr<wt::PieceReceiver> rx;
  std::map<std::uint32_t, std::vector<std::uint8_t>> stored;  // receiver's IndexedDB pieces
  std::vector<std::uint8_t> stored_ledger;                     // receiver's ledger record
  bool done = false, failed = false;
  std::vector<wt::ReceiveError> receiver_errors;
  std::vector<wt::PieceRange> requests_seen;       // Request frames as the receiver sent them
  std::vector<bool> urgent_seen;                   // ... and whether each was an UrgentRequest
  std::map<std::uint32_t, int> attempts_delivered;  // PieceDigest frames (an attempt begins) that reached the receiver
  std::uint64_t max_buffered = 0;                  // largest bufferedAmount right after a send (any lane)
  std::uint64_t data_frame_bytes_sent = 0;
  double first_data_send_ms = -1, last_data_send_ms = -1;
  int unverified_stores = 0;  // StorePiece bytes that differ from the source (must stay 0)
  int read_backs = 0;
  int cuts = 0, receiver_reloads = 0;
  long chunk_frames_sent = 0;
  long lane_frames_sent = 0;  // frames handed to lanes 1..
  // Storage full: stores refused, StorePiece actions for a piece refused before (retries) and
  // when, Pause frames the receiver sent (on, off), Requests it sent between a Pause and its end.
  int stores_refused = 0;
  std::vector<double> store_retry_times;
  int pauses_sent = 0, resumes_sent = 0;
  int requests_while_paused = 0;

  std::map<std::uint32_t, std::uint64_t> chunk_bytes_delivered;  // Chunk payload bytes per piece
  std::size_t in_flight_at_cut = 0;      // pieces begun on the wire but not yet whole at the last cut
  std::size_t stores_lost_at_reload = 0;  // verified pieces whose store had not completed at the reload

  // Pieces whose data reached the receiver more than once (a new attempt after a first one).
  int pieces_received_again() const {
    int n = 0;
    for (const auto& kv : attempts_delivered) n += kv.second > 1 ? kv.second - 1 : 0;
    return n;
  }
  // Chunk bytes that reached the receiver beyond one copy of each piece: what interruptions cost.
  std::uint64_t bytes_received_twice() const {
    std::uint64_t n = 0;
    for (const auto& kv : chunk_bytes_delivered) {
      const std::uint64_t len = rx->layout().piece_length(kv.first);
      n += kv.second > len ? kv.second - len : 0;
    }
    return n;
  }
  // Verified pieces whose IndexedDB write has not completed yet.
  std::vector<std::uint32_t> pending_stores() const {
    std::vector<std::uint32_t> v;
    for (const Timed& t : stores_) v.push_back(t.piece);
    return v;
  }

 private:
  struct Timed {
    double at;
    std::uint32_t piece;
    std::vector<std::uint8_t> bytes;
  };

  double next_event_time() const {
    double t = up_.next_arrival();
    for (const SimLink& d : down_) t = std::min(t, d.next_arrival());
    if (!stores_.empty()) t = std::min(t, stores_.front().at);
    if (!file_reads_.empty()) t = std::min(t, file_reads_.front().at);
    if (!read_backs_.empty()) t = std::min(t, read_backs_.front().at);
    if (connected_) t = std::min(t, tx_wake_);
    t = std::min(t, rx->next_deadline());
    return t;
  }

  bool step() {
    const double t = next_event_time();
    if (t == kNever) return false;
    if (t > now) now = t;
    std::vector<std::uint8_t> msg;
    for (std::uint32_t l = 0; l < down_.size(); ++l)
      while (down_[l].pop_arrived(now, msg)) deliver_to_receiver(msg, l);
    while (up_.pop_arrived(now, msg)) deliver_to_sender(msg);
    while (!stores_.empty() && stores_.front().at <= now) {
      Timed s = std::move(stores_.front());
      stores_.pop_front();
      if (stored.count(s.piece) == 0 && stored.size() >= opt_.disk_pieces) {
        ++stores_refused;
        refused_.insert(s.piece);
        rx->on_storage_full(s.piece, now);
        continue;
      }
      stored[s.piece] = std::move(s.bytes);
      rx->on_piece_stored(s.piece, now);
    }
    while (!file_reads_.empty() && file_reads_.front().at <= now) {
      const Timed r = std::move(file_reads_.front());
      file_reads_.pop_front();
      const wt::TransferLayout& l = tx->layout();
      tx->on_read(r.piece, file_.data() + l.piece_offset(r.piece), l.piece_length(r.piece), now);
    }
    while (!read_backs_.empty() && read_backs_.front().at <= now) {
      const Timed r = std::move(read_backs_.front());
      read_backs_.pop_front();
      const auto it = stored.find(r.piece);
      if (it == stored.end()) rx->on_read_back(r.piece, nullptr, 0, now);
      else rx->on_read_back(r.piece, it->second.data(), it->second.size(), now);
    }
    if (rx->next_deadline() <= now) rx->on_timeout(now);
    pump();
    return true;
  }

  void deliver_to_sender(const std::vector<std::uint8_t>& msg) {
    tx->on_message(msg.data(), msg.size(), now);
  }

  void deliver_to_receiver(const std::vector<std::uint8_t>& msg, std::uint32_t lane = 0) {
    wt::FrameView v;
    if (wt::decode_frame(msg.data(), msg.size(), v) == wt::FrameError::Ok) {
      if (v.header.type == wt::FrameType::PieceDigest) ++attempts_delivered[v.header.index];
      if (v.header.type == wt::FrameType::Chunk) {
        chunk_bytes_delivered[v.header.index] += v.payload_len;
        if (v.header.sub + 1 == rx->layout().chunk_count(v.header.index)) unacked_.erase(v.header.index);
      }
    }
    rx->on_message(msg.data(), msg.size(), now, lane);
  }

  void pump() {
    for (int guard = 0; guard < 100'000; ++guard) {
      bool busy = pump_receiver();
      busy = pump_sender() || busy;
      if (!busy) return;
    }
  }

  bool pump_receiver() {
    bool any = false;
    for (;;) {
      wt::ReceiverAction a = rx->poll_action(now);
      using K = wt::ReceiverAction::Kind;
      if (a.kind == K::None) return any;
      any = true;
      switch (a.kind) {
        case K::SendFrame: {
          wt::FrameView v;
          if (wt::decode_frame(a.data, a.size, v) == wt::FrameError::Ok &&
              (v.header.type == wt::FrameType::Request || v.header.type == wt::FrameType::UrgentRequest)) {
            requests_seen.push_back({v.header.index, v.header.sub});
            urgent_seen.push_back(v.header.type == wt::FrameType::UrgentRequest);
            if (pause_announced_) ++requests_while_paused;
          }
          if (v.header.type == wt::FrameType::Pause) {
            pause_announced_ = v.header.sub == wt::kPauseStorageFull;
            ++(pause_announced_ ? pauses_sent : resumes_sent);
          }
          if (connected_) up_.send(now, std::vector<std::uint8_t>(a.data, a.data + a.size));
          break;
        }
        case K::StorePiece: {
          if (refused_.count(a.piece) != 0) store_retry_times.push_back(now);
          const wt::TransferLayout& l = rx->layout();
          if (a.size != l.piece_length(a.piece) ||
              std::memcmp(a.data, file_.data() + l.piece_offset(a.piece), a.size) != 0)
            ++unverified_stores;
          // Stores complete in order, each store_delay_ms after the previous one.
          const double start = stores_.empty() ? now : std::max(now, stores_.back().at);
          stores_.push_back({start + opt_.store_delay_ms, a.piece,
                             std::vector<std::uint8_t>(a.data, a.data + a.size)});
          break;
        }
        case K::SaveLedger: stored_ledger.assign(a.data, a.data + a.size); break;
        case K::ReadBack:
          ++read_backs;
          read_backs_.push_back({now + 1, a.piece, {}});
          break;
        case K::Error:
          receiver_errors.push_back(a.error);
          if (a.fatal) failed = true;
          break;
        case K::Done: done = true; break;
        case K::PieceRejected:
        case K::None: break;
      }
    }
  }

  bool pump_sender() {
    bool any = false;
    const wt::ReadRequest r = tx->poll_read();
    if (r.valid) {
      file_reads_.push_back({now + opt_.read_delay_ms, r.piece, {}});
      any = true;
    }
    tx_wake_ = kNever;
    if (!connected_) return any;
    for (std::uint32_t l = 0; l < down_.size(); ++l) {
      if (l > 0 && !lane_open_[l]) continue;
      SimLink& d = down_[l];
      for (;;) {
        const wt::Transmit t = tx->poll_transmit(now, d.buffered(now), l);
        if (t.kind == wt::Transmit::Kind::Frame) {
          any = true;
          std::vector<std::uint8_t> bytes(t.data, t.data + t.size);
          if (note_sent(bytes)) {
            if (l > 0) ++lane_frames_sent;
            d.send(now, std::move(bytes));
          }
          max_buffered = std::max(max_buffered, d.buffered(now));
          continue;
        }
        if (t.kind == wt::Transmit::Kind::WaitBuffer) {
          // The glue's 'bufferedamountlow' at the low-water mark as it stands after the polls: it
          // fires only when bufferedAmount falls to it from above. A sender that waited at or
          // below its own mark would never be woken (a stall the tests see).
          const std::uint64_t low = tx->low_water_bytes(l);
          if (d.buffered(now) > low) tx_wake_ = std::min(tx_wake_, d.drains_to(now, low));
        }
        else if (t.kind == wt::Transmit::Kind::WaitUntil)
          tx_wake_ = std::min(tx_wake_, t.wait_until_ms);
        break;
      }
    }
    return any;
  }

  // Records a frame handed to the channel; false when the channel is to lose it.
  bool note_sent(std::vector<std::uint8_t>& bytes) {
    wt::FrameView v;
    if (wt::decode_frame(bytes.data(), bytes.size(), v) != wt::FrameError::Ok) return true;
    if (v.header.type == wt::FrameType::Chunk || v.header.type == wt::FrameType::PieceDigest) {
      if (first_data_send_ms < 0) first_data_send_ms = now;
      last_data_send_ms = now;
      data_frame_bytes_sent += bytes.size();
    }
    if (v.header.type != wt::FrameType::Chunk) return true;
    unacked_.insert(v.header.index);
    const long n = chunk_frames_sent++;
    if (n == opt_.corrupt_chunk_frame) bytes[bytes.size() / 2] ^= 0x5a;  // on the wire, after framing
    return n != opt_.drop_chunk_frame;
  }

  std::vector<std::uint8_t> file_;
  PairOptions opt_;
  wt::TransferManifest sender_manifest_, receiver_manifest_;
  bool decode_ok_ = false;
  std::vector<SimLink> down_;  // sender → receiver, per lane (0: the main channel)
  SimLink up_;                 // receiver → sender: the main channel only
  std::array<bool, wt::kMaxLanes> lane_open_{};
  bool connected_ = false;
  double tx_wake_ = kNever;
  std::deque<Timed> stores_, file_reads_, read_backs_;
  std::set<std::uint32_t> unacked_;  // pieces with chunks sent on this connection, not yet whole there
  std::set<std::uint32_t> refused_;  // pieces whose store was refused at least once
  bool pause_announced_ = false;
};

}  // namespace wt_test
