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

std::string core_version() { return WT_CORE_VERSION; }
std::string format_bytes(double bytes) { return wt::format_bytes(bytes > 0 ? std::uint64_t(bytes) : 0); }

}  // namespace

EMSCRIPTEN_BINDINGS(watch_core) {
  using namespace emscripten;
  function("version", &core_version);
  function("formatBytes", &format_bytes);
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

  class_<FrameCodec>("FrameCodec")
      .constructor<>()
      .function("window", &FrameCodec::window)
      .function("windowSize", &FrameCodec::windowSize)
      .function("decode", &FrameCodec::decode)
      .function("encodePrefix", &FrameCodec::encodePrefix);
}
