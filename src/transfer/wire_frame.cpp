#include "transfer/wire_frame.hpp"

#include <cstring>

namespace wt {
namespace {

std::uint32_t load_le32(const std::uint8_t* p) {
  return std::uint32_t(p[0]) | std::uint32_t(p[1]) << 8 | std::uint32_t(p[2]) << 16 |
         std::uint32_t(p[3]) << 24;
}

void store_le32(std::uint8_t* p, std::uint32_t v) {
  p[0] = std::uint8_t(v);
  p[1] = std::uint8_t(v >> 8);
  p[2] = std::uint8_t(v >> 16);
  p[3] = std::uint8_t(v >> 24);
}

bool known_type(std::uint8_t t) {
  return t >= std::uint8_t(FrameType::Manifest) && t <= std::uint8_t(FrameType::Pause);
}

// The payload length a type allows: [min, max].
struct PayloadRule {
  std::uint32_t min, max;
};

PayloadRule payload_rule(FrameType type) {
  switch (type) {
    case FrameType::Manifest:
    case FrameType::ManifestAck: return {2, kMaxControlPayload};  // at least "{}"
    case FrameType::Chunk: return {1, kChunkSize};
    case FrameType::Ping: return {8, 8};
    case FrameType::Pong: return {16, 16};
    case FrameType::Cancel: return {0, 1024};
    case FrameType::PieceDigest:
    case FrameType::Request:
    case FrameType::UrgentRequest:
    case FrameType::PieceOk:
    case FrameType::PieceBad:
    case FrameType::Complete:
    case FrameType::Pause: return {0, 0};
  }
  return {0, 0};
}

// Checks that do not need the payload itself. Oversized is told apart from Inconsistent so that a
// peer announcing a 2 GB chunk is reported as such.
FrameError check_header(const FrameHeader& h) {
  const PayloadRule rule = payload_rule(h.type);
  if (h.payload_len > rule.max) return rule.max == 0 ? FrameError::Inconsistent : FrameError::Oversized;
  if (h.payload_len < rule.min) return FrameError::Inconsistent;
  switch (h.type) {
    case FrameType::Chunk:
      // A piece holds at most 2^16 chunks; anything beyond cannot be a real chunk position.
      if (h.sub > 0xffff) return FrameError::Inconsistent;
      break;
    case FrameType::Request:
    case FrameType::UrgentRequest:
      if (h.sub == 0) return FrameError::Inconsistent;
      if (std::uint64_t(h.index) + h.sub > 0xffffffffull) return FrameError::Inconsistent;
      break;
    case FrameType::Manifest:
    case FrameType::ManifestAck:
    case FrameType::Cancel:
    case FrameType::Complete:
      if (h.index != 0 || h.sub != 0) return FrameError::Inconsistent;
      break;
    case FrameType::Pause:
      if (h.index != 0 || h.sub > kPauseStorageFull) return FrameError::Inconsistent;
      break;
    default:
      if (h.sub != 0) return FrameError::Inconsistent;
      break;
  }
  return FrameError::Ok;
}

}  // namespace

const char* frame_error_name(FrameError e) {
  switch (e) {
    case FrameError::Ok: return "ok";
    case FrameError::Truncated: return "truncated";
    case FrameError::BadMagic: return "bad-magic";
    case FrameError::UnsupportedVersion: return "unsupported-version";
    case FrameError::UnknownType: return "unknown-type";
    case FrameError::Oversized: return "oversized";
    case FrameError::Inconsistent: return "inconsistent";
    case FrameError::TrailingBytes: return "trailing-bytes";
  }
  return "unknown-error";
}

bool frame_has_digest(FrameType type) {
  return type == FrameType::Manifest || type == FrameType::PieceDigest;
}

std::size_t frame_size(FrameType type, std::size_t payload_len) {
  return kFrameHeaderSize + (frame_has_digest(type) ? kFrameDigestSize : 0) + payload_len;
}

std::size_t encode_frame_prefix(const FrameHeader& header, const std::uint8_t* digest,
                                std::uint8_t* out, std::size_t out_cap) {
  if (!known_type(std::uint8_t(header.type)) || check_header(header) != FrameError::Ok) return 0;
  const bool with_digest = frame_has_digest(header.type);
  if (with_digest && digest == nullptr) return 0;
  const std::size_t n = frame_size(header.type, 0);
  if (out_cap < n) return 0;
  out[0] = kFrameMagic;
  out[1] = kFrameVersion;
  out[2] = std::uint8_t(header.type);
  out[3] = 0;
  store_le32(out + 4, header.index);
  store_le32(out + 8, header.sub);
  store_le32(out + 12, header.payload_len);
  if (with_digest) std::memcpy(out + kFrameHeaderSize, digest, kFrameDigestSize);
  return n;
}

FrameError decode_frame(const std::uint8_t* data, std::size_t len, FrameView& out) {
  out = FrameView{};
  if (data == nullptr || len < kFrameHeaderSize) {
    // A too-short message that does not even start like a frame is foreign, not truncated.
    if (data != nullptr && len >= 1 && data[0] != kFrameMagic) return FrameError::BadMagic;
    return FrameError::Truncated;
  }
  if (data[0] != kFrameMagic) return FrameError::BadMagic;
  if (data[1] != kFrameVersion) return FrameError::UnsupportedVersion;
  if (!known_type(data[2])) return FrameError::UnknownType;
  if (data[3] != 0) return FrameError::Inconsistent;

  FrameHeader h;
  h.type = FrameType(data[2]);
  h.index = load_le32(data + 4);
  h.sub = load_le32(data + 8);
  h.payload_len = load_le32(data + 12);
  if (const FrameError e = check_header(h); e != FrameError::Ok) return e;

  const std::size_t digest_len = frame_has_digest(h.type) ? kFrameDigestSize : 0;
  // Sizes are compared by subtraction from len, so no sum can overflow.
  const std::size_t after_header = len - kFrameHeaderSize;
  if (after_header < digest_len) return FrameError::Truncated;
  const std::size_t after_digest = after_header - digest_len;
  if (after_digest < h.payload_len) return FrameError::Truncated;
  if (after_digest > h.payload_len) return FrameError::TrailingBytes;

  out.header = h;
  out.digest = digest_len ? data + kFrameHeaderSize : nullptr;
  out.payload = data + kFrameHeaderSize + digest_len;
  out.payload_len = h.payload_len;
  return FrameError::Ok;
}

}  // namespace wt
