// The one boundary between the C++ core and JavaScript. Only this file includes Emscripten.
//
// Bytes cross once: each class that consumes bytes owns a fixed window in the wasm heap; JS writes
// into window() (a typed_memory_view, re-acquired after any call that may grow memory) and the core
// works on it in place. Numbers that may exceed 32 bits (byte counts) cross as doubles, exact to 2^53.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <string>
#include <vector>

#include "hash/sha256.hpp"
#include "sync/playback_state.hpp"
#include "sync/playback_sync.hpp"
#include "transfer/transfer_progress.hpp"
#include "transfer/wire_frame.hpp"

namespace {

using emscripten::val;

class Sha256Stream {
 public:
  explicit Sha256Stream(std::size_t window_bytes) : window_(window_bytes ? window_bytes : 1) {}

  val window() { return val(emscripten::typed_memory_view(window_.size(), window_.data())); }
  std::size_t windowSize() const { return window_.size(); }
  // Hashes the first len bytes of the window. Returns false (hashing nothing) if len is too big.
  bool updateFromWindow(std::size_t len) {
    if (len > window_.size()) return false;
    sha_.update(window_.data(), len);
    return true;
  }
  double bytesHashed() const { return double(sha_.bytes_hashed()); }
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
  double totalBytes() const { return double(p_.total_bytes()); }
  double fraction() const { return p_.fraction(); }
  bool complete() const { return p_.complete(); }
  double rate(double now_ms) const { return p_.rate(now_ms); }
  double etaSeconds(double now_ms) const { return p_.eta_seconds(now_ms); }
  double stalledForMs(double now_ms) const { return p_.stalled_for_ms(now_ms); }
  std::string text(double now_ms) const { return p_.text(now_ms); }

 private:
  static std::uint64_t to_u64(double v) { return v > 0 ? std::uint64_t(v) : 0; }
  wt::TransferProgress p_;
};

struct DecodedFrame {
  std::string error;  // "ok" or a FrameError name
  int type = 0;
  unsigned index = 0;
  unsigned sub = 0;
  unsigned payloadOffset = 0;  // within the window
  unsigned payloadLength = 0;
  std::string digestHex;  // empty when the type carries none
};

// Encodes and decodes transfer frames in a window of the wasm heap.
class FrameCodec {
 public:
  FrameCodec() : window_(wt::frame_size(wt::FrameType::Manifest, wt::kChunkSize)) {}

  val window() { return val(emscripten::typed_memory_view(window_.size(), window_.data())); }
  std::size_t windowSize() const { return window_.size(); }

  DecodedFrame decode(std::size_t len) const {
    DecodedFrame out;
    if (len > window_.size()) {
      out.error = wt::frame_error_name(wt::FrameError::Oversized);
      return out;
    }
    wt::FrameView v;
    const wt::FrameError e = wt::decode_frame(window_.data(), len, v);
    out.error = wt::frame_error_name(e);
    if (e != wt::FrameError::Ok) return out;
    out.type = int(v.header.type);
    out.index = v.header.index;
    out.sub = v.header.sub;
    out.payloadOffset = unsigned(v.payload - window_.data());
    out.payloadLength = unsigned(v.payload_len);
    if (v.digest) {
      wt::Sha256Digest d;
      std::copy(v.digest, v.digest + wt::kFrameDigestSize, d.begin());
      out.digestHex = wt::to_hex(d);
    }
    return out;
  }

  // Writes a frame prefix at the start of the window; the payload goes right after it.
  // Returns the prefix length, or 0 if the frame would be invalid (or the digest hex is bad).
  unsigned encodePrefix(int type, unsigned index, unsigned sub, unsigned payload_len,
                        const std::string& digest_hex) {
    wt::FrameHeader h{wt::FrameType(type), index, sub, payload_len};
    wt::Sha256Digest d{};
    const bool has_digest = !digest_hex.empty();
    if (has_digest && !wt::from_hex(digest_hex, d)) return 0;
    if (payload_len > window_.size()) return 0;
    const std::size_t n = wt::encode_frame_prefix(h, has_digest ? d.data() : nullptr, window_.data(),
                                                  window_.size() - payload_len);
    return unsigned(n);
  }

 private:
  std::vector<std::uint8_t> window_;
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

// A record read from the database; anything missing or of the wrong type makes it invalid (false),
// so a malformed record is ignored instead of moving the player.
bool record_from_js(const val& o, wt::PlaybackState& r) {
  if (!is_object(o)) return false;
  double seq = 0;
  std::string state;
  if (!read_number(o, "seq", seq) || seq < 0 || seq > 4294967295.0) return false;
  if (!read_text(o, "state", state) || !wt::parse_group_state(state, &r.state)) return false;
  if (!read_number(o, "currentTime", r.position_s) || !read_number(o, "anchorAt", r.anchor_shared_ms)) return false;
  if (!read_number(o, "rate", r.rate) || !(r.rate > 0)) r.rate = 1.0;
  if (!read_number(o, "duration", r.duration_s)) r.duration_s = 0;
  if (!read_text(o, "lastUpdateBy", r.updated_by)) return false;
  read_text(o, "waitingFor", r.waiting_for);  // optional
  r.seq = std::uint32_t(seq);
  return true;
}

val report_to_js(const wt::ViewerReport& r) {
  val o = val::object();
  o.set("userId", r.user_id);
  o.set("name", r.display_name);
  o.set("horizon", r.horizon_s);
  o.set("fraction", r.fraction);
  o.set("rtt", r.rtt_ms);
  o.set("at", r.at_shared_ms);
  return o;
}

bool report_from_js(const val& o, wt::ViewerReport& r) {
  if (!is_object(o)) return false;
  if (!read_text(o, "userId", r.user_id)) return false;
  if (!read_number(o, "horizon", r.horizon_s) || !read_number(o, "fraction", r.fraction) ||
      !read_number(o, "at", r.at_shared_ms))
    return false;
  if (!read_text(o, "name", r.display_name)) r.display_name = r.user_id;
  if (!read_number(o, "rtt", r.rtt_ms)) r.rtt_ms = 0;
  return true;
}

class Sync {
 public:
  Sync(std::string user_id, std::string display_name) : s_(std::move(user_id), std::move(display_name)) {}

  void setMediaDuration(double d) { s_.set_media_duration(d); }
  void onPlayEvent(double now, double pos) { s_.on_play_event(now, pos); }
  void onPauseEvent(double now, double pos) { s_.on_pause_event(now, pos); }
  void onSeekingEvent(double now, double pos) { s_.on_seeking_event(now, pos); }
  // "play" or "pause": the element was already in that state, so no DOM event will follow.
  void onCommandNoEvent(std::string kind) {
    if (kind == "play") s_.on_command_no_event(wt::CommandKind::Play);
    else if (kind == "pause") s_.on_command_no_event(wt::CommandKind::Pause);
  }
  void onPlayerReport(double now, double pos, bool paused, bool seeking, double rate) {
    s_.on_player_report(now, pos, paused, seeking, rate);
  }
  // Returns false (and changes nothing) for a malformed record.
  bool onRemoteState(double now, val record) {
    wt::PlaybackState r;
    if (record.isNull() || record.isUndefined()) {
      s_.on_remote_state(now, r);  // no record in the database yet
      return true;
    }
    if (!record_from_js(record, r)) return false;
    s_.on_remote_state(now, r);
    return true;
  }
  bool onViewerReport(double now, val report) {
    wt::ViewerReport r;
    if (!report_from_js(report, r)) return false;
    s_.on_viewer_report(now, r);
    return true;
  }
  void onViewerLeft(double now, std::string user_id) { s_.on_viewer_left(now, user_id); }
  void setLocalHorizon(double now, double horizon_s, double fraction) { s_.set_local_horizon(now, horizon_s, fraction); }
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
  double groupPosition(double now) const { return s_.group_position(now); }
  double sharedNow(double now) const { return s_.clock().to_shared(now); }

  val status(double now) const {
    const wt::SyncStatus st = s_.status(now);
    val o = val::object();
    o.set("state", std::string(wt::group_state_name(st.state)));
    o.set("text", st.text);
    o.set("waitingFor", st.waiting_for);
    o.set("waitingFraction", st.waiting_fraction);
    o.set("position", st.position_s);
    o.set("driftMs", st.drift_ms);
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
    o.set("seeks", st.seeks);
    o.set("correctiveSeeks", st.corrective_seeks);
    o.set("rateChanges", st.rate_changes);
    return o;
  }
  // Whether a record from the database would win over this one (for the write transaction).
  static bool recordSupersedes(val a, val b) {
    wt::PlaybackState ra, rb;
    if (!record_from_js(a, ra)) return false;
    if (!record_from_js(b, rb)) return true;
    return wt::supersedes(ra, rb);
  }

 private:
  wt::PlaybackSync s_;
};

std::string core_version() { return WT_CORE_VERSION; }

// Whether two hex SHA-256 digests are the same file fingerprint (either case; malformed: false).
bool same_digest(const std::string& a, const std::string& b) {
  wt::Sha256Digest da, db;
  return wt::from_hex(a, da) && wt::from_hex(b, db) && da == db;
}
std::string format_bytes(double bytes) { return wt::format_bytes(bytes > 0 ? std::uint64_t(bytes) : 0); }

}  // namespace

EMSCRIPTEN_BINDINGS(watch_core) {
  using namespace emscripten;
  function("version", &core_version);
  function("formatBytes", &format_bytes);
  function("sameDigest", &same_digest);
  constant("CHUNK_SIZE", unsigned(wt::kChunkSize));

  class_<Sha256Stream>("Sha256Stream")
      .constructor<std::size_t>()
      .function("window", &Sha256Stream::window)
      .function("windowSize", &Sha256Stream::windowSize)
      .function("updateFromWindow", &Sha256Stream::updateFromWindow)
      .function("bytesHashed", &Sha256Stream::bytesHashed)
      .function("finishHex", &Sha256Stream::finishHex)
      .function("reset", &Sha256Stream::reset);

  class_<Progress>("TransferProgress")
      .constructor<double>()
      .function("record", &Progress::record)
      .function("bytesDone", &Progress::bytesDone)
      .function("totalBytes", &Progress::totalBytes)
      .function("fraction", &Progress::fraction)
      .function("complete", &Progress::complete)
      .function("rate", &Progress::rate)
      .function("etaSeconds", &Progress::etaSeconds)
      .function("stalledForMs", &Progress::stalledForMs)
      .function("text", &Progress::text);

  value_object<DecodedFrame>("DecodedFrame")
      .field("error", &DecodedFrame::error)
      .field("type", &DecodedFrame::type)
      .field("index", &DecodedFrame::index)
      .field("sub", &DecodedFrame::sub)
      .field("payloadOffset", &DecodedFrame::payloadOffset)
      .field("payloadLength", &DecodedFrame::payloadLength)
      .field("digestHex", &DecodedFrame::digestHex);

  class_<Sync>("PlaybackSync")
      .constructor<std::string, std::string>()
      .function("setMediaDuration", &Sync::setMediaDuration)
      .function("onPlayEvent", &Sync::onPlayEvent)
      .function("onPauseEvent", &Sync::onPauseEvent)
      .function("onSeekingEvent", &Sync::onSeekingEvent)
      .function("onCommandNoEvent", &Sync::onCommandNoEvent)
      .function("onPlayerReport", &Sync::onPlayerReport)
      .function("onRemoteState", &Sync::onRemoteState)
      .function("onViewerReport", &Sync::onViewerReport)
      .function("onViewerLeft", &Sync::onViewerLeft)
      .function("setLocalHorizon", &Sync::setLocalHorizon)
      .function("onVisibility", &Sync::onVisibility)
      .function("onReconnect", &Sync::onReconnect)
      .function("pollClockProbe", &Sync::pollClockProbe)
      .function("onClockSample", &Sync::onClockSample)
      .function("handleTimeout", &Sync::handleTimeout)
      .function("pollCommand", &Sync::pollCommand)
      .function("pollPublish", &Sync::pollPublish)
      .function("pollViewerReport", &Sync::pollViewerReport)
      .function("pollTimeout", &Sync::pollTimeout)
      .function("groupPosition", &Sync::groupPosition)
      .function("sharedNow", &Sync::sharedNow)
      .function("status", &Sync::status)
      .function("stats", &Sync::stats)
      .class_function("recordSupersedes", &Sync::recordSupersedes);

  class_<FrameCodec>("FrameCodec")
      .constructor<>()
      .function("window", &FrameCodec::window)
      .function("windowSize", &FrameCodec::windowSize)
      .function("decode", &FrameCodec::decode)
      .function("encodePrefix", &FrameCodec::encodePrefix);
}
