// The one boundary between the C++ core and JavaScript. Only this file includes Emscripten.
//
// Bytes cross once: each class that consumes bytes owns a fixed window in the wasm heap; JS writes
// into window() (a typed_memory_view, re-acquired after any call that may grow memory) and the core
// works on it in place. Numbers that may exceed 32 bits (byte counts) cross as doubles, exact to 2^53.
#include <emscripten/bind.h>
#include <emscripten/heap.h>
#include <emscripten/val.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "hash/sha256.hpp"
#include "media/media_summary.hpp"
#include "media/playback_support.hpp"
#include "media/progressive_playback.hpp"
#include "session/session_lifecycle.hpp"
#include "subtitles/embedded_subtitles.hpp"
#include "subtitles/subtitle_file.hpp"
#include "sync/playback_record.hpp"
#include "sync/playback_state.hpp"
#include "sync/playback_sync.hpp"
#include "transfer/cleanup_policy.hpp"
#include "transfer/file_checks.hpp"
#include "transfer/piece_receiver.hpp"
#include "transfer/piece_sender.hpp"
#include "transfer/transfer_manifest.hpp"
#include "transfer/transfer_progress.hpp"
#include "transfer/wire_frame.hpp"

namespace {

using emscripten::val;

class Sha256Stream {
 public:
  explicit Sha256Stream(std::size_t window_bytes) : window_(window_bytes ? window_bytes : 1) {}

  val window() { return val(emscripten::typed_memory_view(window_.size(), window_.data())); }
  // Hashes the first len bytes of the window. Returns false (hashing nothing) if len is too big.
  bool updateFromWindow(std::size_t len) {
    if (len > window_.size()) return false;
    sha_.update(window_.data(), len);
    return true;
  }
  std::string finishHex() {
    const std::string hex = wt::to_hex(sha_.finish());
    sha_.reset();
    return hex;
  }
  void reset() { sha_.reset(); }

 private:
  std::vector<std::uint8_t> window_;
  wt::Sha256 sha_;
};

class Progress {
 public:
  explicit Progress(double total_bytes) : p_(to_u64(total_bytes)) {}
  void record(double now_ms, double bytes_done) { p_.record(now_ms, to_u64(bytes_done)); }
  double bytesDone() const { return double(p_.bytes_done()); }
  double fraction() const { return p_.fraction(); }
  bool complete() const { return p_.complete(); }
  double rate(double now_ms) const { return p_.rate(now_ms); }
  std::string text(double now_ms) const { return p_.text(now_ms); }
  std::string pausedText() const { return p_.paused_text(); }

 private:
  static std::uint64_t to_u64(double v) { return v > 0 ? std::uint64_t(v) : 0; }
  wt::TransferProgress p_;
};

// ---- playback sync ----
// Records cross as plain JS objects named like the database fields (see sync/playback_state.hpp),
// so the glue writes what it gets and passes in what it reads.

val record_to_js(const wt::PlaybackState& r) {
  val o = val::object();
  o.set("seq", r.seq);
  o.set("state", std::string(wt::group_state_name(r.state)));
  o.set("currentTime", r.position_s);
  o.set("anchorAt", r.anchor_shared_ms);
  o.set("rate", r.rate);
  o.set("duration", r.duration_s);
  o.set("lastUpdateBy", r.updated_by);
  o.set("waitingFor", r.waiting_for);
  o.set("isPlaying", r.is_playing());
  return o;
}

bool is_object(const val& o) {
  return !o.isNull() && !o.isUndefined() && o.typeOf().as<std::string>() == "object";
}

// Reads o[key] if it is a number (not NaN); false otherwise, leaving out alone.
bool read_number(const val& o, const char* key, double& out) {
  const val v = o[key];
  if (v.typeOf().as<std::string>() != "number") return false;
  const double d = v.as<double>();
  if (d != d) return false;
  out = d;
  return true;
}

// Reads o[key] if it is a string; false otherwise, leaving out alone.
bool read_text(const val& o, const char* key, std::string& out) {
  const val v = o[key];
  if (v.typeOf().as<std::string>() != "string") return false;
  out = v.as<std::string>();
  return true;
}

// o[key] as the core's record reader takes it (undefined and null: absent).
wt::RecordField record_field(const val& o, const char* key) {
  const val v = o[key];
  const std::string type = v.typeOf().as<std::string>();
  if (type == "undefined" || v.isNull()) return {};
  if (type == "number") return wt::RecordField::of(v.as<double>());
  if (type == "string") return wt::RecordField::of(v.as<std::string>());
  return wt::RecordField::other();
}

// A record read from the database, checked by the core (sync/playback_record.hpp): anything
// missing, of the wrong type or out of bounds makes it invalid, so a malformed or forged record is
// ignored instead of moving the player.
wt::RecordError record_from_js(const val& o, wt::PlaybackState& r) {
  wt::PlaybackRecordFields f;
  if (is_object(o)) {
    f.seq = record_field(o, "seq");
    f.state = record_field(o, "state");
    f.current_time = record_field(o, "currentTime");
    f.anchor_at = record_field(o, "anchorAt");
    f.rate = record_field(o, "rate");
    f.duration = record_field(o, "duration");
    f.last_update_by = record_field(o, "lastUpdateBy");
    f.waiting_for = record_field(o, "waitingFor");
  }
  return wt::read_playback_record(f, r);
}

val report_to_js(const wt::ViewerReport& r) {
  val o = val::object();
  o.set("userId", r.user_id);
  o.set("name", r.display_name);
  o.set("horizon", r.horizon_s);
  o.set("fraction", r.fraction);
  o.set("rtt", r.rtt_ms);
  o.set("at", r.at_shared_ms);
  // Absent rather than NaN or 0: the database holds numbers only, and a field left out says "none".
  if (r.has_picture()) o.set("pic", r.picture_ms);
  if (r.picture_step_ms > 0) o.set("step", r.picture_step_ms);
  return o;
}

// A viewer's report read from the database, checked by the core the same way.
wt::ReportError report_from_js(const val& o, wt::ViewerReport& r) {
  wt::ViewerReportFields f;
  if (is_object(o)) {
    f.user_id = record_field(o, "userId");
    f.horizon = record_field(o, "horizon");
    f.fraction = record_field(o, "fraction");
    f.at = record_field(o, "at");
    f.rtt = record_field(o, "rtt");
    f.name = record_field(o, "name");
    f.picture = record_field(o, "pic");
    f.step = record_field(o, "step");
  }
  return wt::read_viewer_report(f, r);
}

class Sync {
 public:
  Sync(std::string user_id, std::string display_name) : s_(std::move(user_id), std::move(display_name)) {}

  void setMediaDuration(double d) { s_.set_media_duration(d); }
  void onPlayEvent(double now, double pos) { s_.on_play_event(now, pos); }
  void onPauseEvent(double now, double pos) { s_.on_pause_event(now, pos); }
  // seekableEnd: the end of the element's last seekable range (Infinity when it has none).
  void onSeekingEvent(double now, double pos, double seekableEnd) { s_.on_seeking_event(now, pos, seekableEnd); }
  // "play" or "pause": the element was already in that state, so no DOM event will follow.
  void onCommandNoEvent(std::string kind) {
    if (kind == "play") s_.on_command_no_event(wt::CommandKind::Play);
    else if (kind == "pause") s_.on_command_no_event(wt::CommandKind::Pause);
  }
  void onPlayerReport(double now, double pos, bool paused, bool seeking, double rate) {
    s_.on_player_report(now, pos, paused, seeking, rate);
  }
  void onPresentedFrame(double now, double displayAt, double mediaTime, bool paused, bool seeking, double rate) {
    s_.on_presented_frame(now, displayAt, mediaTime, paused, seeking, rate);
  }
  // Returns false (and changes nothing) for a malformed record.
  bool onRemoteState(double now, val record) {
    wt::PlaybackState r;
    if (record.isNull() || record.isUndefined()) {
      s_.on_remote_state(now, r);  // no record in the database yet
      return true;
    }
    if (record_from_js(record, r) != wt::RecordError::Ok) return false;
    s_.on_remote_state(now, r);
    return true;
  }
  bool onViewerReport(double now, val report) {
    wt::ViewerReport r;
    if (report_from_js(report, r) != wt::ReportError::Ok) return false;
    s_.on_viewer_report(now, r);
    return true;
  }
  void onViewerLeft(double now, std::string user_id) { s_.on_viewer_left(now, user_id); }
  void setLocalHorizon(double now, double horizon_s, double fraction) { s_.set_local_horizon(now, horizon_s, fraction); }
  void setDownloadGain(double gain) { s_.set_download_gain(gain); }
  void onVisibility(double now, bool visible) { s_.on_visibility(now, visible); }
  void onReconnect(double now) { s_.on_reconnect(now); }
  bool pollClockProbe(double now) { return s_.poll_clock_probe(now); }
  void onClockSample(double t0, double server_ms, double t1) { s_.on_clock_sample(t0, server_ms, t1); }
  void handleTimeout(double now) { s_.handle_timeout(now); }

  // {kind: "play"|"pause"|"seek"|"rate", value} or null.
  val pollCommand() {
    const auto c = s_.poll_command();
    if (!c) return val::null();
    static const char* kNames[] = {"play", "pause", "seek", "rate"};
    val o = val::object();
    o.set("kind", std::string(kNames[int(c->kind)]));
    o.set("value", c->value);
    return o;
  }
  val pollPublish(double now) {
    const auto r = s_.poll_publish(now);
    return r ? record_to_js(*r) : val::null();
  }
  val pollViewerReport(double now) {
    const auto r = s_.poll_viewer_report(now);
    return r ? report_to_js(*r) : val::null();
  }
  double pollTimeout() const { return s_.poll_timeout(); }

  val status(double now) const {
    const wt::SyncStatus st = s_.status(now);
    val o = val::object();
    o.set("state", std::string(wt::group_state_name(st.state)));
    o.set("text", st.text);
    o.set("waitingFor", st.waiting_for);
    o.set("waitingFraction", st.waiting_fraction);
    o.set("position", st.position_s);
    o.set("driftMs", st.drift_ms);
    o.set("frameMeasured", st.frame_measured);
    o.set("pictureStepMs", st.picture_step_ms);
    o.set("targetMs", st.target_ms);
    o.set("starting", st.starting);
    o.set("clockSynced", st.clock_synced);
    o.set("clockOffsetMs", s_.clock().offset_ms());
    o.set("clockRttMs", s_.clock().rtt_ms());
    return o;
  }
  val stats() const {
    const wt::SyncStats& st = s_.stats();
    val o = val::object();
    o.set("userActions", st.user_actions);
    o.set("published", st.published);
    o.set("systemWrites", st.system_writes);
    o.set("echoesAbsorbed", st.echoes_absorbed);
    o.set("rejoins", st.rejoins);
    o.set("seeks", st.seeks);
    o.set("correctiveSeeks", st.corrective_seeks);
    o.set("seeksCutShort", st.seeks_cut_short);
    o.set("rateChanges", st.rate_changes);
    o.set("frames", st.frames);
    return o;
  }
  // Whether a record from the database would win over this one (for the write transaction).
  static bool recordSupersedes(val a, val b) {
    wt::PlaybackState ra, rb;
    if (record_from_js(a, ra) != wt::RecordError::Ok) return false;
    if (record_from_js(b, rb) != wt::RecordError::Ok) return true;
    return wt::supersedes(ra, rb);
  }
  // Why onRemoteState would ignore this record: "" when it is valid (sync/playback_record.hpp).
  static std::string recordError(val record) {
    wt::PlaybackState r;
    const wt::RecordError e = record_from_js(record, r);
    return e == wt::RecordError::Ok ? std::string() : wt::record_error_text(e);
  }
  // Why onViewerReport would ignore this report: "" when it is valid.
  static std::string reportError(val report) {
    wt::ViewerReport r;
    const wt::ReportError e = report_from_js(report, r);
    return e == wt::ReportError::Ok ? std::string() : wt::report_error_text(e);
  }

 private:
  wt::PlaybackSync s_;
};

// ---- transfer ----
// A manifest crosses as {transferId, fileName, mimeType, fileSize, fileHash, pieceCount} (fileHash:
// 64 hex digits, or "" while unknown). A received message is written into the object's message
// window (the one copy) and handled in place. Outgoing frames and pieces to store come back as views
// into the wasm heap, valid until the next call on the same object: the glue sends or copies them
// at once. Errors cross as their names ("" for none).

std::uint64_t to_size(double v) { return v > 0 ? std::uint64_t(v) : 0; }

val bytes_view(const std::uint8_t* data, std::size_t size) {
  return val(emscripten::typed_memory_view(size, data));
}

val manifest_to_js(const wt::TransferManifest& m) {
  val o = val::object();
  o.set("transferId", m.transfer_id);
  o.set("fileName", m.file_name);
  o.set("mimeType", m.mime_type);
  o.set("fileSize", double(m.file_size));
  o.set("fileHash", m.digest_known ? wt::to_hex(m.file_digest) : std::string());
  o.set("pieceCount", wt::TransferLayout(m.file_size).piece_count());
  return o;
}

wt::TransferManifest manifest_from_js(const val& o) {
  wt::TransferManifest m;
  if (!is_object(o)) return m;
  read_text(o, "transferId", m.transfer_id);
  std::string name, hash;
  if (read_text(o, "fileName", name)) m.file_name = wt::sanitize_file_name(name);
  read_text(o, "mimeType", m.mime_type);
  double size = 0;
  if (read_number(o, "fileSize", size)) m.file_size = to_size(size);
  if (read_text(o, "fileHash", hash) && !hash.empty()) m.digest_known = wt::from_hex(hash, m.file_digest);
  return m;
}

// The largest message either side accepts: a frame with a digest and a chunk-sized payload.
// Anything bigger is handled as a malformed frame and never copied into the heap.
constexpr std::size_t kMessageWindow = wt::kFrameHeaderSize + wt::kFrameDigestSize + wt::kChunkSize;

class Sender {
 public:
  Sender(val manifest, val config) : s_(manifest_from_js(manifest), config_from_js(config)), window_(kMessageWindow) {}

  void onConnected(double now) { s_.on_connected(now); }
  void onDisconnected(double now) { s_.on_disconnected(now); }
  void onLaneOpen(unsigned lane, double now) { s_.on_lane_open(lane, now); }
  void onLaneClosed(unsigned lane, double now) { s_.on_lane_closed(lane, now); }
  void onRoundTrip(double rtt_ms, double now) { s_.on_round_trip(rtt_ms, now); }
  unsigned wantedLanes() const { return s_.wanted_lanes(); }
  unsigned openLanes() const { return s_.open_lanes(); }
  val messageWindow() { return bytes_view(window_.data(), window_.size()); }
  std::string onMessage(double len, double now) {
    const std::size_t n = len > double(window_.size()) ? 0 : std::size_t(len);  // too big: malformed
    return error_name(s_.on_message(window_.data(), n, now));
  }
  // {piece, offset, length, hashOnly}: the next File slice to read, or null.
  val pollRead() {
    const wt::ReadRequest r = s_.poll_read();
    if (!r.valid) return val::null();
    read_len_ = r.length;
    val o = val::object();
    o.set("piece", r.piece);
    o.set("offset", double(r.offset));
    o.set("length", r.length);
    o.set("hashOnly", r.hash_only);
    return o;
  }
  // Where the outstanding read's bytes go; null when no read is outstanding.
  val readBuffer() {
    std::uint8_t* p = s_.read_buffer();
    return p ? bytes_view(p, read_len_) : val::null();
  }
  std::string completeRead(unsigned piece, double len, double now) {
    return error_name(s_.complete_read(piece, std::size_t(to_size(len)), now));
  }
  void onReadFailed(unsigned piece, std::string reason) { s_.on_read_failed(piece, reason); }
  // The next frame to send (a heap view), or null: then waitUntil() says whether the upload cap's
  // timer is what holds it back. No object per frame: this is called for every 64 KiB sent.
  val pollFrame(double now, double buffered, unsigned lane) {
    const wt::Transmit t = s_.poll_transmit(now, to_size(buffered), lane);
    wait_until_ = t.kind == wt::Transmit::Kind::WaitUntil ? t.wait_until_ms : kNever;
    return t.kind == wt::Transmit::Kind::Frame ? bytes_view(t.data, t.size) : val::null();
  }
  // When to poll again after pollFrame() gave null because of the upload cap; Infinity otherwise
  // (the channel's buffer is full, and 'bufferedamountlow' comes, or there is nothing to send).
  double waitUntil() const { return wait_until_; }
  void setUploadCap(double bytes_per_s, double now) { s_.set_upload_cap(bytes_per_s > 0 ? bytes_per_s : 0, now); }
  void cancel(std::string reason) { s_.cancel(reason); }

  std::string state() const {
    switch (s_.state()) {
      case wt::SenderState::Sending: return "sending";
      case wt::SenderState::Complete: return "complete";
      case wt::SenderState::Failed: return "failed";
      default: return "disconnected";
    }
  }
  std::string fatalError() const { return error_name(s_.fatal_error()); }
  std::string errorText() const { return s_.error_text(); }
  val manifest() const { return manifest_to_js(s_.manifest()); }
  double receiverBytes() const { return double(s_.receiver_bytes()); }
  // The receiver said its storage is full (a Pause frame): waiting, not failed.
  bool receiverPaused() const { return s_.receiver_paused(); }
  double lowWater(unsigned lane) const { return double(s_.low_water_bytes(lane)); }
  val stats() const {
    const wt::SenderStats& st = s_.stats();
    val o = val::object();
    o.set("bytesSent", double(st.bytes_sent));
    o.set("piecesSent", st.pieces_sent);
    o.set("piecesStarted", st.pieces_started);
    o.set("piecesResent", st.pieces_resent);
    o.set("piecesAcked", st.pieces_acked);
    o.set("piecesBad", st.pieces_bad);
    o.set("hashOnlyReads", st.hash_only_reads);
    o.set("errors", st.errors);
    o.set("lanePiecesStarted", st.lane_pieces_started);
    o.set("lanePiecesReturned", st.lane_pieces_returned);
    o.set("laneBytesSent", double(st.lane_bytes_sent));
    o.set("minRoundTripMs", s_.min_round_trip_ms());
    return o;
  }

 private:
  static std::string error_name(wt::SendError e) {
    return e == wt::SendError::None ? std::string() : std::string(wt::send_error_name(e));
  }
  static wt::SenderConfig config_from_js(const val& o) {
    wt::SenderConfig c;
    if (!is_object(o)) return c;
    double v = 0;
    if (read_number(o, "highWaterBytes", v) && v > 0) c.high_water_bytes = to_size(v);
    if (read_number(o, "lowWaterBytes", v) && v > 0) c.low_water_bytes = to_size(v);
    if (read_number(o, "uploadCapBytesPerSecond", v) && v > 0) c.upload_cap_bytes_per_s = v;
    return c;
  }

  wt::PieceSender s_;
  std::vector<std::uint8_t> window_;
  std::uint32_t read_len_ = 0;
  static constexpr double kNever = HUGE_VAL;  // Infinity in JS
  double wait_until_ = kNever;
};

class Receiver {
 public:
  // stored_ledger: the bytes of an earlier SaveLedger (a Uint8Array), or null for a fresh transfer.
  Receiver(val manifest, val config, val stored_ledger)
      : r_(manifest_from_js(manifest), config_from_js(config), bytes_from_js(stored_ledger)),
        window_(kMessageWindow) {}

  val messageWindow() { return bytes_view(window_.data(), window_.size()); }
  // lane: 0 for the main channel, 1.. for an extra connection's (piece_receiver.hpp).
  std::string onMessage(double len, double now, unsigned lane) {
    const std::size_t n = len > double(window_.size()) ? 0 : std::size_t(len);
    return error_name(r_.on_message(window_.data(), n, now, lane));
  }
  void onLaneOpen(unsigned lane, double now) { r_.on_lane_open(lane, now); }
  void onLaneClosed(unsigned lane, double now) { r_.on_lane_closed(lane, now); }
  void onChannelOpen(double now) { r_.on_channel_open(now); }
  void onDisconnected(double now) { r_.on_disconnected(now); }
  void onTimeout(double now) { r_.on_timeout(now); }
  double nextDeadline() const { return r_.next_deadline(); }
  std::string onPieceStored(unsigned piece, double now) { return error_name(r_.on_piece_stored(piece, now)); }
  std::string onPieceStoreFailed(unsigned piece, double now) {
    return error_name(r_.on_piece_store_failed(piece, now));
  }
  // The store was refused for want of space (QuotaExceededError): the transfer pauses.
  std::string onStorageFull(unsigned piece, double now) { return error_name(r_.on_storage_full(piece, now)); }
  void retryStorage(double now) { r_.retry_storage(now); }
  // A stored piece read for playback: "" when intact, "stored-piece-corrupt" when damaged (the core
  // drops it and fetches it again), "bad-call" when it is not held. Copied into the heap once.
  std::string checkStoredPiece(unsigned piece, val bytes, double now) {
    const std::vector<std::uint8_t> b = bytes_from_js(bytes);
    return error_name(r_.check_stored_piece(piece, b.data(), b.size(), now));
  }
  // A stored piece read back (ReadBack action): the bytes are copied into the heap once.
  std::string onReadBack(unsigned piece, val bytes, double now) {
    const std::vector<std::uint8_t> b = bytes_from_js(bytes);
    return error_name(r_.on_read_back(piece, b.data(), b.size(), now));
  }
  void seekToByte(double offset) { r_.seek_to_byte(to_size(offset)); }
  void prioritize(unsigned first, unsigned count) { r_.prioritize({first, count}); }
  void setWindow(unsigned pieces) { r_.set_window(pieces); }
  // Pieces verified and stored (from the ledger after a reload, or this session), ascending.
  val heldPieces() const {
    val out = val::array();
    const wt::RequestScheduler& s = r_.scheduler();
    for (std::uint32_t p = 0; p < s.piece_count(); ++p)
      if (s.state(p) == wt::RequestScheduler::PieceState::Held) out.call<void>("push", p);
    return out;
  }
  void cancel(std::string reason) { r_.cancel(reason); }

  // {kind, piece, offset, data, error, fatal, text} or null. kind: "send", "store", "ledger",
  // "rejected", "read-back", "error", "done", "reconnect". data (send, store, ledger) is a heap view.
  val pollAction(double now) {
    const wt::ReceiverAction a = r_.poll_action(now);
    if (a.kind == wt::ReceiverAction::Kind::None) return val::null();
    static const char* kNames[] = {"none", "send", "store", "ledger", "rejected", "read-back", "error", "done", "reconnect"};
    val o = val::object();
    o.set("kind", std::string(kNames[int(a.kind)]));
    o.set("piece", a.piece);
    o.set("offset", double(a.offset));
    o.set("size", double(a.size));
    if (a.data) o.set("data", bytes_view(a.data, a.size));
    o.set("error", error_name(a.error));
    o.set("fatal", a.fatal);
    o.set("text", a.text);
    return o;
  }

  std::string state() const {
    static const char* kNames[] = {"awaiting-manifest", "receiving", "verifying", "complete", "failed", "storage-full"};
    return kNames[int(r_.state())];
  }
  std::string fatalError() const { return error_name(r_.fatal_error()); }
  std::string ledgerRestore() const { return wt::ledger_error_name(r_.ledger_restore_result()); }
  val manifest() const { return manifest_to_js(r_.manifest()); }
  double bytesVerified() const { return double(r_.bytes_verified()); }
  val stats() const {
    const wt::ReceiverStats& st = r_.stats();
    val o = val::object();
    o.set("chunkBytesReceived", double(st.chunk_bytes_received));
    o.set("piecesVerified", st.pieces_verified);
    o.set("piecesRejected", st.pieces_rejected);
    o.set("errors", st.errors);
    o.set("stalls", st.stalls);
    o.set("piecesLost", st.pieces_lost);
    o.set("connections", st.connections);
    o.set("storagePauses", st.storage_pauses);
    o.set("storageRetries", st.storage_retries);
    o.set("storedPiecesDamaged", st.stored_pieces_damaged);
    o.set("silentChannels", st.silent_channels);
    o.set("laneChunkBytes", double(st.lane_chunk_bytes));
    return o;
  }

 private:
  static std::string error_name(wt::ReceiveError e) {
    return e == wt::ReceiveError::None ? std::string() : std::string(wt::receive_error_name(e));
  }
  static std::vector<std::uint8_t> bytes_from_js(const val& bytes) {
    if (!is_object(bytes)) return {};
    return emscripten::convertJSArrayToNumberVector<std::uint8_t>(bytes);
  }
  static wt::ReceiverConfig config_from_js(const val& o) {
    wt::ReceiverConfig c;
    if (!is_object(o)) return c;
    double v = 0;
    if (read_number(o, "windowPieces", v) && v >= 1) c.scheduler.window_pieces = std::uint32_t(v);
    if (read_number(o, "stallTimeoutMs", v) && v > 0) c.scheduler.stall_timeout_ms = v;
    return c;
  }

  wt::PieceReceiver r_;
  std::vector<std::uint8_t> window_;
};

// A download's stored ledger, for checking its pieces against the digests it keeps when they are
// read after its PieceReceiver is gone (saving a finished file, playing on after the end).
class StoredLedger {
 public:
  StoredLedger(std::string transfer_id, double file_size, val ledger)
      : l_(std::move(transfer_id), to_size(file_size) <= wt::kMaxTransferSize ? to_size(file_size) : 0) {
    std::vector<std::uint8_t> b;
    if (is_object(ledger)) b = emscripten::convertJSArrayToNumberVector<std::uint8_t>(ledger);
    restore_ = l_.restore(b.data(), b.size());
  }
  std::string restoreResult() const { return wt::ledger_error_name(restore_); }
  unsigned pieceCount() const { return l_.piece_count(); }
  bool has(unsigned piece) const { return l_.has(piece); }
  // "intact", "damaged" (dropped from the ledger: store serialize() to keep that) or "not-held".
  std::string verify(unsigned piece, val bytes) {
    const std::vector<std::uint8_t> b =
        is_object(bytes) ? emscripten::convertJSArrayToNumberVector<std::uint8_t>(bytes) : std::vector<std::uint8_t>();
    return wt::stored_piece_name(l_.verify_stored(piece, b.data(), b.size()));
  }
  // The ledger's bytes now (a copy).
  val serialize() {
    out_ = l_.serialize();
    return bytes_view(out_.data(), out_.size()).call<val>("slice");
  }

 private:
  wt::PieceLedger l_;
  wt::LedgerError restore_ = wt::LedgerError::Empty;
  std::vector<std::uint8_t> out_;
};

// ---- container walk ----
// What a movie holds and where its index lies, read from its first bytes (a local file before it
// is sent, or verified pieces as they arrive). Bytes cross once: JS's Uint8Array is copied into
// the heap in one set().

// A Uint8Array's bytes, copied into the heap in one set() (not element by element).
std::vector<std::uint8_t> heap_copy(const val& bytes) {
  if (!is_object(bytes)) return {};
  const val length = bytes["length"];
  if (length.typeOf().as<std::string>() != "number") return {};
  std::vector<std::uint8_t> b(std::size_t(std::max(0.0, length.as<double>())));
  if (!b.empty()) bytes_view(b.data(), b.size()).call<void>("set", bytes);
  return b;
}

const char* track_kind_name(wt::TrackKind k) {
  switch (k) {
    case wt::TrackKind::Video: return "video";
    case wt::TrackKind::Audio: return "audio";
    case wt::TrackKind::Subtitle: return "subtitle";
    default: return "other";
  }
}

val track_to_js(const wt::MediaTrack& t) {
  val o = val::object();
  o.set("id", double(t.id));
  o.set("kind", std::string(track_kind_name(t.kind)));
  o.set("codec", t.codec);
  o.set("codecId", t.codec_id);
  o.set("language", t.language);
  o.set("name", t.name);
  o.set("isDefault", t.is_default);
  o.set("channels", t.channels);
  o.set("sampleRate", t.sample_rate);
  o.set("width", t.width);
  o.set("height", t.height);
  return o;
}

// The ContainerInfo object both ContainerWalk.info() and ProgressivePlayback.container() return.
val container_info(const wt::ContainerWalk& w) {
  val o = val::object();
  o.set("format", std::string(wt::container_format_name(w.format())));
  o.set("done", w.done());
  o.set("error", w.error());
  o.set("indexOffset", double(w.index_range().offset));
  o.set("indexLength", double(w.index_range().length));
  o.set("indexRead", w.index_read());
  o.set("indexAtEnd", w.index_at_end());
  o.set("fragmented", w.fragmented());
  o.set("mediaStart", double(w.media_start()));
  o.set("duration", w.duration_s());
  val codecs = val::array();
  for (const std::string& c : w.codec_ids()) codecs.call<void>("push", c);
  o.set("codecIds", codecs);
  val tracks = val::array();
  for (const wt::MediaTrack& t : w.tracks()) tracks.call<void>("push", track_to_js(t));
  o.set("tracks", tracks);
  o.set("tracksKnown", w.tracks_known());
  return o;
}

val range_or_null(const wt::ByteRange& r) {
  if (r.length == 0) return val::null();
  val o = val::object();
  o.set("offset", double(r.offset));
  o.set("length", double(r.length));
  return o;
}

class Walk {
 public:
  explicit Walk(double file_size) : w_(to_size(file_size)) {}
  val wanted() const { return range_or_null(w_.wanted()); }
  bool feed(double offset, val bytes) {
    const std::vector<std::uint8_t> b = heap_copy(bytes);
    return w_.feed(to_size(offset), b.data(), b.size());
  }
  val info() const {
    val o = container_info(w_);
    o.set("points", double(w_.points().size()));
    return o;
  }

 private:
  wt::ContainerWalk w_;
};

// A cue as JavaScript sees it: { start, end, text } (seconds, WebVTT cue text).
val cue_object(const wt::SubtitleCue& c) {
  val o = val::object();
  o.set("start", c.start_s);
  o.set("end", c.end_s);
  o.set("text", c.text);
  return o;
}

val cue_array(const std::vector<wt::SubtitleCue>& cues) {
  val out = val::array();
  for (const wt::SubtitleCue& c : cues) out.call<void>("push", cue_object(c));
  return out;
}

// The subtitle tracks inside a movie (Matroska, WebM, MP4, MOV), read as its verified bytes arrive (the same
// wanted()/feed() loop); cues cross as plain objects, a few per cluster.
class EmbeddedSubtitles {
 public:
  explicit EmbeddedSubtitles(double file_size) : r_(to_size(file_size)) {}
  val wanted() const { return range_or_null(r_.wanted()); }
  bool feed(double offset, val bytes) {
    const std::vector<std::uint8_t> b = heap_copy(bytes);
    return r_.feed(to_size(offset), b.data(), b.size());
  }
  val tracks() const {
    val out = val::array();
    for (const wt::EmbeddedSubtitleTrack& t : r_.tracks()) {
      val o = val::object();
      o.set("number", t.number);
      o.set("codec", t.codec);
      o.set("codecId", t.codec_id);
      o.set("language", t.language);
      o.set("name", t.name);
      o.set("isDefault", t.is_default);
      o.set("forced", t.forced);
      o.set("unsupported", t.unsupported);
      o.set("label", t.label);
      o.set("zlib", t.zlib);
      out.call<void>("push", o);
    }
    return out;
  }
  val takeCues() {
    val out = val::array();
    for (const wt::EmbeddedCue& c : r_.take_cues()) {
      val o = cue_object(c.cue);
      o.set("track", c.track);
      if (!c.compressed.empty()) {
        val bytes = val::global("Uint8Array").new_(c.compressed.size());
        bytes.call<void>("set", val(emscripten::typed_memory_view(c.compressed.size(), reinterpret_cast<const std::uint8_t*>(c.compressed.data()))));
        o.set("compressed", bytes);
      }
      out.call<void>("push", o);
    }
    return out;
  }
  // nextHeld: where the next bytes held after those wanted begin (-1: none); holeHeld: whether the
  // bytes at firstHole() are held.
  bool onBlocked(double next_held, bool hole_held) {
    return r_.on_blocked(next_held < 0 ? ~std::uint64_t(0) : to_size(next_held), hole_held);
  }
  double firstHole() const { return r_.first_hole() == ~std::uint64_t(0) ? -1 : double(r_.first_hole()); }
  bool tracksKnown() const { return r_.tracks_known(); }
  bool done() const { return r_.done(); }
  std::string error() const { return r_.error(); }
  unsigned skipped() const { return r_.skipped(); }

 private:
  wt::EmbeddedSubtitles r_;
};

// ---- progressive playback ----
// The receiver's playback policy. Container bytes cross once (copied into the heap in one set());
// index points cross as parallel arrays (seconds, byte offsets, keyframe flags).
class Progressive {
 public:
  Progressive(double file_size, val config) : p_(to_size(file_size), config_from_js(config)) {}

  void onPieceHeld(unsigned piece, double now) { p_.on_piece_held(piece, now); }
  void onBytesArrived(double bytes, double now) {
    if (std::isfinite(bytes) && bytes > 0) p_.on_bytes_arrived(std::uint64_t(bytes), now);
  }
  void onPieceStored(unsigned piece, double now) { p_.on_piece_stored(piece, now); }
  void restoreHeld(unsigned piece) { p_.restore_held(piece); }
  void onPieceLost(unsigned piece) { p_.on_piece_lost(piece); }
  val containerWanted() const { return range_or_null(p_.container_wanted()); }
  bool feedContainer(double offset, val bytes, double now) {
    const std::vector<std::uint8_t> b = heap_copy(bytes);
    return p_.feed_container(to_size(offset), b.data(), b.size(), now);
  }
  void requestRange(double offset, double length, double now) {
    p_.request_range(to_size(offset), to_size(length), now);
  }
  void clearRequest(double now) { p_.clear_request(now); }
  // keyframes: 1 where playback can start, 0 for a point that only marks where data lies.
  void addIndexPoints(val times, val offsets, val keyframes) {
    const std::vector<double> t = emscripten::convertJSArrayToNumberVector<double>(times);
    const std::vector<double> o = emscripten::convertJSArrayToNumberVector<double>(offsets);
    const std::vector<double> k = emscripten::convertJSArrayToNumberVector<double>(keyframes);
    for (std::size_t i = 0; i < t.size() && i < o.size(); ++i) p_.add_index_point(t[i], to_size(o[i]), i >= k.size() || k[i] != 0);
  }
  void setIndexComplete(double now) { p_.set_index_complete(now); }
  void setDuration(double d) { p_.set_duration(d); }
  void setPlayable(bool playable, double now) { p_.set_playable(playable, now); }
  void setPosition(double now, double pos) { p_.set_position(now, pos); }
  void onTimeout(double now) { p_.on_timeout(now); }
  double nextDeadline() const { return p_.next_deadline(); }
  double horizon() const { return p_.horizon_s(); }
  double duration() const { return p_.duration_s(); }
  double offsetFor(double t) const { return double(p_.offset_for(t)); }
  double feedAheadS() const { return p_.feed_ahead_s(); }
  bool complete() const { return p_.complete(); }
  bool pieceHeld(unsigned piece) const { return p_.piece_held(piece); }
  double contiguousFrom(double offset) const { return double(p_.contiguous_from(to_size(offset))); }
  val fetchPlan() const {
    const wt::FetchPlan& f = p_.fetch_plan();
    val o = val::object();
    o.set("urgentFirst", f.urgent.first);
    o.set("urgentCount", f.urgent.count);
    o.set("fromByte", double(f.from_byte));
    o.set("windowPieces", f.window_pieces);
    o.set("generation", f.generation);
    return o;
  }
  val container() const {
    val o = container_info(p_.walk());
    o.set("indexPoints", double(p_.index().size()));
    return o;
  }
  val status(double now) const {
    const wt::ProgressiveStatus st = p_.status(now);
    val o = val::object();
    o.set("unlocked", st.unlocked);
    o.set("rule", std::string(wt::unlock_rule_name(st.rule)));
    o.set("unlockedAtFraction", st.unlocked_at_fraction);
    o.set("fraction", st.fraction);
    o.set("storedFraction", st.stored_fraction);
    o.set("horizon", st.horizon_s);
    o.set("ahead", st.ahead_s);
    o.set("syncHorizon", st.sync_horizon_s);
    o.set("rate", st.rate_bps);
    o.set("gain", st.gain);
    o.set("indexNeeded", st.index_needed);
    o.set("stalled", st.stalled);
    o.set("stalledForMs", st.stalled_for_ms);
    o.set("playable", st.playable);
    o.set("text", st.text);
    return o;
  }

 private:
  static wt::ProgressiveConfig config_from_js(const val& o) {
    wt::ProgressiveConfig c;
    if (!is_object(o)) return c;
    double v = 0;
    if (read_number(o, "unlockFraction", v) && v > 0) c.unlock_fraction = v;
    if (!o["adaptive"].isUndefined()) c.adaptive = o["adaptive"].as<bool>();
    if (read_number(o, "minAheadS", v) && v > 0) c.margins.resume_s = v;
    if (read_number(o, "stallNoticeMs", v) && v > 0) c.stall_notice_ms = v;
    return c;
  }
  wt::ProgressivePlayback p_;
};

// ---- session lifecycle ----
// Plain objects in and out: the record as the database holds it ({status, bytesDownloaded,
// reason}), actions as {kind, ...} with kebab-case kinds, the view with the spec's texts.

class Session {
 public:
  // {role: 'initiator'|'recipient', mode: 'transfer'|'same-file', fileName, fileSize, selfName, peerName,
  //  presenceGraceMs?}
  explicit Session(val config) : s_(config_from_js(config)) {}

  // False when ignored: a record error (unknown status, not an object) or a stale record.
  bool onRecord(double now, val record) {
    wt::SessionRecordUpdate r;
    if (!is_object(record)) {
      r.status = "";  // counted as a record error
      return s_.on_record(now, r);
    }
    read_text(record, "status", r.status);
    const val b = record["bytesDownloaded"];
    if (!b.isUndefined() && !b.isNull()) {
      // Present but not a number: NaN, which the core counts and ignores.
      r.bytes_downloaded = b.typeOf().as<std::string>() == "number" ? b.as<double>() : std::nan("");
    }
    read_text(record, "reason", r.reason);
    return s_.on_record(now, r);
  }
  void onRecordDeleted(double now) { s_.on_record_deleted(now); }
  void onStoredDownload(double now, val stored) {
    const bool exists = is_object(stored) && stored["exists"].isTrue();
    const bool complete = is_object(stored) && stored["complete"].isTrue();
    s_.on_stored_download(now, exists, complete);
  }
  void onFileAvailable(double now) { s_.on_file_available(now); }
  bool onAccept(double now) { return s_.on_accept(now); }
  bool onDecline(double now) { return s_.on_decline(now); }
  bool onCancel(double now) { return s_.on_cancel(now); }
  bool onEnd(double now) { return s_.on_end(now); }
  bool onDeleteRequested(double now) { return s_.on_delete_requested(now); }
  void onDeleted(double now) { s_.on_deleted(now); }
  // status: the one whose write the database refused. False when it is no status at all.
  bool onWriteFailed(double now, std::string status) {
    wt::RecordStatus st;
    if (!wt::parse_record_status(status, st)) return false;
    s_.on_write_failed(now, st);
    return true;
  }
  void onTransferProgress(double now, double bytes) { s_.on_transfer_progress(now, bytes); }
  void onTransferDone(double now) { s_.on_transfer_done(now); }
  void onTransferFailed(double now, std::string reason) { s_.on_transfer_failed(now, reason); }
  void onTransferCancelledByPeer(double now) { s_.on_transfer_cancelled_by_peer(now); }
  // 'connected' | 'reconnecting' | 'connecting' (anything else: connecting).
  void onConnection(double now, std::string state) {
    s_.on_connection(now, state == "connected"      ? wt::PeerConnection::Connected
                          : state == "reconnecting" ? wt::PeerConnection::Reconnecting
                                                    : wt::PeerConnection::Connecting);
  }
  void onPlaybackUnlocked(double now) { s_.on_playback_unlocked(now); }
  void onProgressiveUnplayable(double now) { s_.on_progressive_unplayable(now); }
  void onLocalPlaying(double now, bool playing) { s_.on_local_playing(now, playing); }
  void onPeerWatching(double now, bool watching) { s_.on_peer_watching(now, watching); }
  void onPeerPresent(double now, bool present) { s_.on_peer_present(now, present); }
  void handleTimeout(double now) { s_.handle_timeout(now); }
  double pollTimeout() const { return s_.poll_timeout(); }

  // The next action, or null.
  val pollAction() {
    const wt::SessionAction a = s_.poll_action();
    if (a.kind == wt::SessionAction::Kind::None) return val::null();
    val o = val::object();
    o.set("kind", std::string(wt::session_action_name(a.kind)));
    switch (a.kind) {
      case wt::SessionAction::Kind::WriteStatus:
        o.set("status", std::string(wt::record_status_name(a.status)));
        if (!a.text.empty()) o.set("reason", a.text);
        if (a.bytes_downloaded >= 0) o.set("bytesDownloaded", a.bytes_downloaded);
        break;
      case wt::SessionAction::Kind::StartTransfer:
        o.set("role", std::string(a.side == wt::TransferSide::Sender ? "sender" : "receiver"));
        break;
      case wt::SessionAction::Kind::StopTransfer: o.set("reason", a.text); break;
      case wt::SessionAction::Kind::OpenPlayer:
        o.set("source", std::string(a.source == wt::PlayerSource::Progressive ? "progressive" : "whole"));
        break;
      case wt::SessionAction::Kind::Notify: o.set("text", a.text); break;
      default: break;
    }
    return o;
  }

  val view(double now) const {
    const wt::SessionView v = s_.view(now);
    val o = val::object();
    o.set("stage", std::string(wt::session_stage_name(v.stage)));
    o.set("headline", v.headline);
    o.set("selfLine", v.self_line);
    o.set("peerLine", v.peer_line);
    o.set("fraction", v.fraction);
    o.set("canAccept", v.can_accept);
    o.set("canDecline", v.can_decline);
    o.set("canCancel", v.can_cancel);
    o.set("canEnd", v.can_end);
    o.set("canSave", v.can_save);
    o.set("canDelete", v.can_delete);
    o.set("canPlay", v.can_play);
    o.set("needsFile", v.needs_file);
    o.set("downloadingElsewhere", v.downloading_elsewhere);
    o.set("watching", v.watching);
    o.set("peerGone", v.peer_gone);
    return o;
  }
  std::string stage() const { return wt::session_stage_name(s_.stage()); }
  val stats() const {
    const wt::SessionStats& st = s_.stats();
    val o = val::object();
    o.set("records", st.records);
    o.set("recordErrors", st.record_errors);
    o.set("staleRecords", st.stale_records);
    o.set("clampedFields", st.clamped_fields);
    o.set("actions", st.actions);
    o.set("writes", st.writes);
    o.set("writeFailures", st.write_failures);
    o.set("ignoredInputs", st.ignored_inputs);
    return o;
  }

 private:
  static wt::SessionConfig config_from_js(const val& o) {
    wt::SessionConfig c;
    if (!is_object(o)) return c;
    std::string text;
    if (read_text(o, "role", text)) c.role = text == "recipient" ? wt::SessionRole::Recipient : wt::SessionRole::Initiator;
    if (read_text(o, "mode", text)) c.mode = text == "same-file" ? wt::SessionMode::SameFile : wt::SessionMode::Transfer;
    read_text(o, "fileName", c.file_name);
    read_number(o, "fileSize", c.file_size);
    read_text(o, "selfName", c.self_name);
    read_text(o, "peerName", c.peer_name);
    read_number(o, "presenceGraceMs", c.presence_grace_ms);
    return c;
  }
  wt::SessionLifecycle s_;
};

// ---- checks and clean-up ----

wt::FileLimits limits_from_js(const val& o) {
  wt::FileLimits l;
  if (!is_object(o)) return l;
  double v = 0;
  if (read_number(o, "warnAboveBytes", v) && v > 0) l.warn_above_bytes = to_size(v);
  if (read_number(o, "refuseAboveBytes", v) && v > 0) l.refuse_above_bytes = to_size(v);
  return l;
}

val check_to_js(const wt::CheckResult& c) {
  static const char* kNames[] = {"ok", "warn", "refuse"};
  val o = val::object();
  o.set("verdict", std::string(kNames[int(c.verdict)]));
  o.set("code", c.code);
  o.set("message", c.message);
  return o;
}

val check_file_size(double size, val limits) { return check_to_js(wt::check_file_size(to_size(size), limits_from_js(limits))); }
val check_file_type(std::string mime, std::string name) { return check_to_js(wt::check_file_type(mime, name)); }
val check_storage(double needed, double quota, double usage) {
  return check_to_js(wt::check_storage(to_size(needed), to_size(quota), to_size(usage)));
}
std::string sanitize_file_name(std::string name) { return wt::sanitize_file_name(name); }

// ---- what a movie holds, and what this browser makes of it ----
// Tracks cross as the objects track_to_js makes; a container format as its name. Whatever JS
// passes is bounded by the core (normalize_media_track), as the summary's parser bounds its input.

wt::ContainerFormat format_from_name(const std::string& name) {
  for (auto f : {wt::ContainerFormat::Mp4, wt::ContainerFormat::WebM, wt::ContainerFormat::Matroska,
                 wt::ContainerFormat::Mov, wt::ContainerFormat::MpegTs}) {
    if (name == wt::container_format_name(f)) return f;
  }
  return wt::ContainerFormat::Unknown;
}

std::vector<wt::MediaTrack> tracks_from_js(const val& list) {
  std::vector<wt::MediaTrack> out;
  if (!is_object(list) || list["length"].typeOf().as<std::string>() != "number") return out;
  const unsigned n = std::min(list["length"].as<unsigned>(), unsigned(wt::kMaxSummaryTracks * 4));
  for (unsigned i = 0; i < n; ++i) {
    const val o = list[i];
    if (!is_object(o)) continue;
    wt::MediaTrack t;
    double v = 0;
    std::string kind;
    if (read_number(o, "id", v) && v >= 0 && v <= 4294967295.0) t.id = std::uint32_t(v);
    read_text(o, "kind", kind);
    t.kind = kind == "video" ? wt::TrackKind::Video : kind == "audio" ? wt::TrackKind::Audio
             : kind == "subtitle" ? wt::TrackKind::Subtitle : wt::TrackKind::Other;
    read_text(o, "codec", t.codec);
    read_text(o, "codecId", t.codec_id);
    read_text(o, "language", t.language);
    read_text(o, "name", t.name);
    t.is_default = o["isDefault"].isTrue();
    if (read_number(o, "channels", v) && v >= 0 && v <= 4294967295.0) t.channels = std::uint32_t(v);
    if (read_number(o, "sampleRate", v) && v >= 0 && v <= 4294967295.0) t.sample_rate = std::uint32_t(v);
    if (read_number(o, "width", v) && v >= 0 && v <= 4294967295.0) t.width = std::uint32_t(v);
    if (read_number(o, "height", v) && v >= 0 && v <= 4294967295.0) t.height = std::uint32_t(v);
    out.push_back(wt::normalize_media_track(t));
  }
  return out;
}

std::set<std::string> names_from_js(const val& o, const char* key) {
  std::set<std::string> out;
  const val list = o[key];
  if (!is_object(list) || list["length"].typeOf().as<std::string>() != "number") return out;
  const unsigned n = std::min(list["length"].as<unsigned>(), 64u);
  for (unsigned i = 0; i < n; ++i)
    if (list[i].typeOf().as<std::string>() == "string") out.insert(list[i].as<std::string>());
  return out;
}

// caps: {mseMp4, mseWebm, decodeAudio: [family], encodeOpus, elementPlaysWhole} (media-capabilities.js)
// → the plan with its texts; audio tracks by `number` (1-based among the file's audio tracks, as the
// remuxer counts them) as well as by id.
val plan_playback(std::string format, val tracks, val caps) {
  wt::BrowserCaps c;
  if (is_object(caps)) {
    c.mse_mp4 = names_from_js(caps, "mseMp4");
    c.mse_webm = names_from_js(caps, "mseWebm");
    c.decode_audio = names_from_js(caps, "decodeAudio");
    c.encode_opus = caps["encodeOpus"].isTrue();
    c.element_plays_whole = caps["elementPlaysWhole"].isTrue();
  }
  const wt::PlaybackPlan plan = wt::plan_playback(format_from_name(format), tracks_from_js(tracks), c);
  val o = val::object();
  o.set("pipeline", std::string(wt::playback_pipeline_name(plan.pipeline)));
  o.set("expectation", std::string(wt::playback_expectation_name(plan.expectation)));
  o.set("videoTrack", plan.video_track);
  o.set("videoCodec", plan.video_codec);
  o.set("videoCodecName", plan.video_codec.empty() ? std::string() : wt::codec_name(plan.video_codec));
  val audio = val::array();
  std::uint32_t default_number = 0;
  for (const wt::PlannedAudio& a : plan.audio) {
    val t = track_to_js(a.track);
    t.set("number", a.number);
    t.set("action", std::string(wt::audio_action_name(a.action)));
    t.set("label", a.label);
    t.set("reason", a.reason);
    audio.call<void>("push", t);
    if (a.track.id == plan.default_audio) default_number = a.number;
  }
  o.set("audio", audio);
  o.set("defaultAudio", plan.default_audio);
  o.set("defaultAudioNumber", default_number);
  val subtitles = val::array();
  for (const wt::PlannedSubtitle& st : plan.subtitles) {
    val t = val::object();
    t.set("id", st.id);
    t.set("codec", st.codec);
    t.set("language", st.language);
    t.set("title", st.title);
    t.set("textBased", st.text_based);
    subtitles.call<void>("push", t);
  }
  o.set("subtitles", subtitles);
  o.set("headline", plan.headline);
  o.set("problem", plan.problem);
  o.set("detail", plan.detail);
  o.set("codecsText", plan.codecs_text);
  return o;
}

std::string encode_media_summary(std::string format, val tracks) {
  return wt::encode_media_summary(format_from_name(format), tracks_from_js(tracks));
}

// The other side's summary (hostile input: the core's parser bounds it) → {format, tracks} or null.
val parse_media_summary(val text) {
  if (text.typeOf().as<std::string>() != "string") return val::null();
  wt::ContainerFormat format = wt::ContainerFormat::Unknown;
  std::vector<wt::MediaTrack> tracks;
  if (!wt::parse_media_summary(text.as<std::string>(), format, tracks)) return val::null();
  val o = val::object();
  o.set("format", std::string(wt::container_format_name(format)));
  val list = val::array();
  for (const wt::MediaTrack& t : tracks) list.call<void>("push", track_to_js(t));
  o.set("tracks", list);
  return o;
}

// records: [{id, createdAt, endedAt, lastActiveAt, hasChunks, live}] (ms; endedAt/lastActiveAt
// null when unknown) → {deleteChunks: [id], deleteSessions: [id], nextRunMs}.
val plan_cleanup(val records, double now) {
  std::vector<wt::SessionRecord> list;
  const unsigned n = records["length"].as<unsigned>();
  for (unsigned i = 0; i < n; ++i) {
    const val o = records[i];
    wt::SessionRecord r;
    if (!is_object(o) || !read_text(o, "id", r.id)) continue;
    read_number(o, "createdAt", r.created_at_ms);
    read_number(o, "endedAt", r.ended_at_ms);
    read_number(o, "lastActiveAt", r.last_active_ms);
    r.has_local_chunks = o["hasChunks"].as<bool>();
    if (o["complete"].isFalse()) r.download_complete = false;
    r.live = o["live"].as<bool>();
    list.push_back(std::move(r));
  }
  const wt::CleanupPlan plan = wt::plan_cleanup(list, now);
  val out = val::object();
  val chunks = val::array();
  for (const auto& id : plan.delete_chunks) chunks.call<void>("push", id);
  val sessions = val::array();
  for (const auto& id : plan.delete_sessions) sessions.call<void>("push", id);
  out.set("deleteChunks", chunks);
  out.set("deleteSessions", sessions);
  out.set("nextRunMs", plan.next_run_ms);
  return out;
}

std::string core_version() { return WT_CORE_VERSION; }

// The wasm memory's current size in bytes (it only grows): for the receiver's memory benchmark.
double heap_bytes() { return double(emscripten_get_heap_size()); }

// Whether two hex SHA-256 digests are the same file fingerprint (either case; malformed: false).
bool same_digest(const std::string& a, const std::string& b) {
  wt::Sha256Digest da, db;
  return wt::from_hex(a, da) && wt::from_hex(b, db) && da == db;
}
std::string format_bytes(double bytes) { return wt::format_bytes(bytes > 0 ? std::uint64_t(bytes) : 0); }

// ---- subtitles ----
// A subtitle file's bytes (a Uint8Array) read into cues for the video element's text tracks, moved
// by the viewer's offset: { format, encoding, cues: [{ start, end, text }], skipped, error }.
// encoding: '' (detect) or one of text_encoding_name's names.
val read_subtitles(const val& bytes, const std::string& name, const std::string& encoding, double offset_s) {
  const std::vector<std::uint8_t> b = is_object(bytes) ? emscripten::convertJSArrayToNumberVector<std::uint8_t>(bytes)
                                                       : std::vector<std::uint8_t>();
  const wt::SubtitleFile f = wt::read_subtitle_file(b.data(), b.size(), name, wt::text_encoding_from_name(encoding));
  const val cues = cue_array(wt::shift_cues(f.cues, offset_s));
  val o = val::object();
  o.set("format", std::string(wt::subtitle_format_name(f.format)));
  o.set("encoding", std::string(wt::text_encoding_name(f.encoding)));
  o.set("cues", cues);
  o.set("skipped", f.skipped);
  o.set("error", f.error);
  return o;
}

// A zlib track's cue, inflated by the glue, read as WebVTT cue text by the track's codec.
std::string embedded_cue_text(const std::string& codec, const val& bytes) {
  const std::vector<std::uint8_t> b = is_object(bytes) ? emscripten::convertJSArrayToNumberVector<std::uint8_t>(bytes)
                                                       : std::vector<std::uint8_t>();
  return wt::embedded_cue_text(codec, b.data(), b.size());
}

// Cues ({ start, end, text }) moved by a viewer's offset, by the core's rule (shift_cues).
val shift_cues(const val& cues, double offset_s) {
  std::vector<wt::SubtitleCue> in;
  const unsigned n = is_object(cues) ? cues["length"].as<unsigned>() : 0;
  in.reserve(n);
  for (unsigned i = 0; i < n; ++i) {
    const val c = cues[i];
    in.push_back({c["start"].as<double>(), c["end"].as<double>(), c["text"].as<std::string>()});
  }
  return cue_array(wt::shift_cues(in, offset_s));
}

}  // namespace

EMSCRIPTEN_BINDINGS(watch_core) {
  using namespace emscripten;
  function("version", &core_version);
  function("heapBytes", &heap_bytes);
  function("formatBytes", &format_bytes);
  function("sameDigest", &same_digest);
  function("readSubtitles", &read_subtitles);
  function("shiftCues", &shift_cues);
  function("embeddedCueText", &embedded_cue_text);
  constant("CHUNK_SIZE", unsigned(wt::kChunkSize));

  class_<Sha256Stream>("Sha256Stream")
      .constructor<std::size_t>()
      .function("window", &Sha256Stream::window)
      .function("updateFromWindow", &Sha256Stream::updateFromWindow)
      .function("finishHex", &Sha256Stream::finishHex)
      .function("reset", &Sha256Stream::reset);

  class_<Progress>("TransferProgress")
      .constructor<double>()
      .function("record", &Progress::record)
      .function("bytesDone", &Progress::bytesDone)
      .function("fraction", &Progress::fraction)
      .function("complete", &Progress::complete)
      .function("rate", &Progress::rate)
      .function("text", &Progress::text)
      .function("pausedText", &Progress::pausedText);


  class_<Sync>("PlaybackSync")
      .constructor<std::string, std::string>()
      .function("setMediaDuration", &Sync::setMediaDuration)
      .function("onPlayEvent", &Sync::onPlayEvent)
      .function("onPauseEvent", &Sync::onPauseEvent)
      .function("onSeekingEvent", &Sync::onSeekingEvent)
      .function("onCommandNoEvent", &Sync::onCommandNoEvent)
      .function("onPlayerReport", &Sync::onPlayerReport)
      .function("onPresentedFrame", &Sync::onPresentedFrame)
      .function("onRemoteState", &Sync::onRemoteState)
      .function("onViewerReport", &Sync::onViewerReport)
      .function("onViewerLeft", &Sync::onViewerLeft)
      .function("setLocalHorizon", &Sync::setLocalHorizon)
      .function("setDownloadGain", &Sync::setDownloadGain)
      .function("onVisibility", &Sync::onVisibility)
      .function("onReconnect", &Sync::onReconnect)
      .function("pollClockProbe", &Sync::pollClockProbe)
      .function("onClockSample", &Sync::onClockSample)
      .function("handleTimeout", &Sync::handleTimeout)
      .function("pollCommand", &Sync::pollCommand)
      .function("pollPublish", &Sync::pollPublish)
      .function("pollViewerReport", &Sync::pollViewerReport)
      .function("pollTimeout", &Sync::pollTimeout)
      .function("status", &Sync::status)
      .function("stats", &Sync::stats)
      .class_function("recordSupersedes", &Sync::recordSupersedes)
      .class_function("recordError", &Sync::recordError)
      .class_function("reportError", &Sync::reportError);

  class_<Sender>("PieceSender")
      .constructor<val, val>()
      .function("onConnected", &Sender::onConnected)
      .function("onDisconnected", &Sender::onDisconnected)
      .function("messageWindow", &Sender::messageWindow)
      .function("onMessage", &Sender::onMessage)
      .function("pollRead", &Sender::pollRead)
      .function("readBuffer", &Sender::readBuffer)
      .function("completeRead", &Sender::completeRead)
      .function("onReadFailed", &Sender::onReadFailed)
      .function("pollFrame", &Sender::pollFrame)
      .function("waitUntil", &Sender::waitUntil)
      .function("setUploadCap", &Sender::setUploadCap)
      .function("cancel", &Sender::cancel)
      .function("state", &Sender::state)
      .function("fatalError", &Sender::fatalError)
      .function("errorText", &Sender::errorText)
      .function("manifest", &Sender::manifest)
      .function("receiverBytes", &Sender::receiverBytes)
      .function("receiverPaused", &Sender::receiverPaused)
      .function("lowWater", &Sender::lowWater)
      .function("onLaneOpen", &Sender::onLaneOpen)
      .function("onLaneClosed", &Sender::onLaneClosed)
      .function("onRoundTrip", &Sender::onRoundTrip)
      .function("wantedLanes", &Sender::wantedLanes)
      .function("openLanes", &Sender::openLanes)
      .function("stats", &Sender::stats);

  class_<Receiver>("PieceReceiver")
      .constructor<val, val, val>()
      .function("messageWindow", &Receiver::messageWindow)
      .function("onMessage", &Receiver::onMessage)
      .function("onChannelOpen", &Receiver::onChannelOpen)
      .function("onDisconnected", &Receiver::onDisconnected)
      .function("onLaneOpen", &Receiver::onLaneOpen)
      .function("onLaneClosed", &Receiver::onLaneClosed)
      .function("onTimeout", &Receiver::onTimeout)
      .function("nextDeadline", &Receiver::nextDeadline)
      .function("onPieceStored", &Receiver::onPieceStored)
      .function("onPieceStoreFailed", &Receiver::onPieceStoreFailed)
      .function("onStorageFull", &Receiver::onStorageFull)
      .function("retryStorage", &Receiver::retryStorage)
      .function("checkStoredPiece", &Receiver::checkStoredPiece)
      .function("onReadBack", &Receiver::onReadBack)
      .function("seekToByte", &Receiver::seekToByte)
      .function("prioritize", &Receiver::prioritize)
      .function("setWindow", &Receiver::setWindow)
      .function("heldPieces", &Receiver::heldPieces)
      .function("cancel", &Receiver::cancel)
      .function("pollAction", &Receiver::pollAction)
      .function("state", &Receiver::state)
      .function("fatalError", &Receiver::fatalError)
      .function("ledgerRestore", &Receiver::ledgerRestore)
      .function("manifest", &Receiver::manifest)
      .function("bytesVerified", &Receiver::bytesVerified)
      .function("stats", &Receiver::stats);

  class_<StoredLedger>("StoredLedger")
      .constructor<std::string, double, val>()
      .function("restoreResult", &StoredLedger::restoreResult)
      .function("pieceCount", &StoredLedger::pieceCount)
      .function("has", &StoredLedger::has)
      .function("verify", &StoredLedger::verify)
      .function("serialize", &StoredLedger::serialize);

  class_<Walk>("ContainerWalk")
      .constructor<double>()
      .function("wanted", &Walk::wanted)
      .function("feed", &Walk::feed)
      .function("info", &Walk::info);

  class_<EmbeddedSubtitles>("EmbeddedSubtitles")
      .constructor<double>()
      .function("wanted", &EmbeddedSubtitles::wanted)
      .function("feed", &EmbeddedSubtitles::feed)
      .function("tracks", &EmbeddedSubtitles::tracks)
      .function("takeCues", &EmbeddedSubtitles::takeCues)
      .function("onBlocked", &EmbeddedSubtitles::onBlocked)
      .function("firstHole", &EmbeddedSubtitles::firstHole)
      .function("tracksKnown", &EmbeddedSubtitles::tracksKnown)
      .function("done", &EmbeddedSubtitles::done)
      .function("error", &EmbeddedSubtitles::error)
      .function("skipped", &EmbeddedSubtitles::skipped);

  class_<Progressive>("ProgressivePlayback")
      .constructor<double, val>()
      .function("onPieceHeld", &Progressive::onPieceHeld)
      .function("onBytesArrived", &Progressive::onBytesArrived)
      .function("onPieceStored", &Progressive::onPieceStored)
      .function("restoreHeld", &Progressive::restoreHeld)
      .function("onPieceLost", &Progressive::onPieceLost)
      .function("containerWanted", &Progressive::containerWanted)
      .function("feedContainer", &Progressive::feedContainer)
      .function("requestRange", &Progressive::requestRange)
      .function("clearRequest", &Progressive::clearRequest)
      .function("addIndexPoints", &Progressive::addIndexPoints)
      .function("setIndexComplete", &Progressive::setIndexComplete)
      .function("setDuration", &Progressive::setDuration)
      .function("setPlayable", &Progressive::setPlayable)
      .function("setPosition", &Progressive::setPosition)
      .function("onTimeout", &Progressive::onTimeout)
      .function("nextDeadline", &Progressive::nextDeadline)
      .function("horizon", &Progressive::horizon)
      .function("duration", &Progressive::duration)
      .function("offsetFor", &Progressive::offsetFor)
      .function("feedAheadS", &Progressive::feedAheadS)
      .function("complete", &Progressive::complete)
      .function("pieceHeld", &Progressive::pieceHeld)
      .function("contiguousFrom", &Progressive::contiguousFrom)
      .function("fetchPlan", &Progressive::fetchPlan)
      .function("container", &Progressive::container)
      .function("status", &Progressive::status);

  class_<Session>("SessionLifecycle")
      .constructor<val>()
      .function("onRecord", &Session::onRecord)
      .function("onRecordDeleted", &Session::onRecordDeleted)
      .function("onStoredDownload", &Session::onStoredDownload)
      .function("onFileAvailable", &Session::onFileAvailable)
      .function("onAccept", &Session::onAccept)
      .function("onDecline", &Session::onDecline)
      .function("onCancel", &Session::onCancel)
      .function("onEnd", &Session::onEnd)
      .function("onDeleteRequested", &Session::onDeleteRequested)
      .function("onDeleted", &Session::onDeleted)
      .function("onWriteFailed", &Session::onWriteFailed)
      .function("onTransferProgress", &Session::onTransferProgress)
      .function("onTransferDone", &Session::onTransferDone)
      .function("onTransferFailed", &Session::onTransferFailed)
      .function("onTransferCancelledByPeer", &Session::onTransferCancelledByPeer)
      .function("onConnection", &Session::onConnection)
      .function("onPlaybackUnlocked", &Session::onPlaybackUnlocked)
      .function("onProgressiveUnplayable", &Session::onProgressiveUnplayable)
      .function("onLocalPlaying", &Session::onLocalPlaying)
      .function("onPeerWatching", &Session::onPeerWatching)
      .function("onPeerPresent", &Session::onPeerPresent)
      .function("handleTimeout", &Session::handleTimeout)
      .function("pollTimeout", &Session::pollTimeout)
      .function("pollAction", &Session::pollAction)
      .function("view", &Session::view)
      .function("stage", &Session::stage)
      .function("stats", &Session::stats);

  function("checkFileSize", &check_file_size);
  function("checkFileType", &check_file_type);
  function("checkStorage", &check_storage);
  function("sanitizeFileName", &sanitize_file_name);
  function("planCleanup", &plan_cleanup);
  function("planPlayback", &plan_playback);
  function("encodeMediaSummary", &encode_media_summary);
  function("parseMediaSummary", &parse_media_summary);
  constant("PIECE_SIZE", unsigned(wt::kPieceSize));
}
