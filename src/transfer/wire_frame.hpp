// Binary frames of the peer-to-peer transfer protocol, carried as data channel messages.
//
// Every frame starts with a 16-byte little-endian header:
//   offset 0  u8   magic 0x57 ('W')
//   offset 1  u8   protocol version (1)
//   offset 2  u8   FrameType
//   offset 3  u8   flags (must be 0 in version 1)
//   offset 4  u32  index     piece index (or sequence number for Ping/Pong)
//   offset 8  u32  sub       chunk index within the piece, or a count (Request)
//   offset 12 u32  payload length in bytes
// then a 32-byte SHA-256 digest for the types that carry one, then the payload.
// A message holds exactly one frame: trailing bytes make it invalid.
#pragma once

#include <cstddef>
#include <cstdint>

#include "hash/sha256.hpp"

namespace wt {

constexpr std::uint8_t kFrameMagic = 0x57;
constexpr std::uint8_t kFrameVersion = 1;
constexpr std::size_t kFrameHeaderSize = 16;
constexpr std::size_t kFrameDigestSize = 32;
constexpr std::uint32_t kChunkSize = 64 * 1024;     // spec: 64 KiB chunks
constexpr std::uint32_t kMaxControlPayload = 16 * 1024;  // metadata JSON, reasons

enum class FrameType : std::uint8_t {
  Manifest = 1,     // digest: whole-file SHA-256; payload: UTF-8 JSON metadata (file-transfer-init)
  ManifestAck = 2,  // receiver accepts the manifest; payload: UTF-8 JSON (what it already holds)
  PieceDigest = 3,  // index: piece; digest: that piece's SHA-256; no payload
  Chunk = 4,        // index: piece; sub: chunk within piece; payload: 1..kChunkSize bytes
  Request = 5,      // index: first piece; sub: piece count (>= 1); no payload
  PieceOk = 6,      // index: piece verified and stored by the receiver; no payload
  PieceBad = 7,     // index: piece failed verification and was discarded; no payload
  Ping = 8,         // index: sequence; payload: 8 bytes, sender's clock (f64 ms, little-endian)
  Pong = 9,         // index: sequence; payload: 16 bytes, echoed ping clock + responder clock
  Cancel = 10,      // payload: UTF-8 reason (may be empty)
  Complete = 11,    // receiver holds the whole file and its digest matched; no payload
  UrgentRequest = 12,  // like Request, served before every piece already queued (a seek, an index)
  Pause = 13,       // receiver → sender; sub: kPauseStorageFull (no more requests until further
                    // notice; what was asked for is still wanted) or kPauseNone (going on); no payload
};

// Why the receiver paused (a Pause frame's sub).
constexpr std::uint32_t kPauseNone = 0;
constexpr std::uint32_t kPauseStorageFull = 1;

enum class FrameError : std::uint8_t {
  Ok = 0,
  Truncated,           // fewer bytes than the header, digest or declared payload need
  BadMagic,            // not a Watch Together frame
  UnsupportedVersion,  // a version this build does not speak
  UnknownType,         // a type byte this version does not define
  Oversized,           // declared payload larger than the type allows
  Inconsistent,        // fields contradict the type (flags set, empty chunk, zero count, wrong size)
  TrailingBytes,       // bytes after the declared payload
};

const char* frame_error_name(FrameError e);

struct FrameHeader {
  FrameType type = FrameType::Chunk;
  std::uint32_t index = 0;
  std::uint32_t sub = 0;
  std::uint32_t payload_len = 0;
};

// A decoded frame: views into the caller's buffer, valid while that buffer lives.
struct FrameView {
  FrameHeader header;
  const std::uint8_t* digest = nullptr;  // kFrameDigestSize bytes, or null when the type has none
  const std::uint8_t* payload = nullptr;
  std::size_t payload_len = 0;
};

bool frame_has_digest(FrameType type);

// Total encoded size of a frame of this type with this payload length.
std::size_t frame_size(FrameType type, std::size_t payload_len);

// Writes header (+ digest, if the type has one) at out; the caller places the payload right after
// (at out + frame_size(type, 0)). Returns the number of bytes written, or 0 if out_cap is too small
// or the header would not decode (so nothing invalid is ever sent).
std::size_t encode_frame_prefix(const FrameHeader& header, const std::uint8_t* digest,
                                std::uint8_t* out, std::size_t out_cap);

// Decodes one whole message. Never reads outside [data, data + len).
FrameError decode_frame(const std::uint8_t* data, std::size_t len, FrameView& out);

}  // namespace wt
