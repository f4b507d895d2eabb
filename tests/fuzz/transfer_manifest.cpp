// Fuzz target: the Manifest and ManifestAck a peer sends (src/transfer/transfer_manifest.*).
// The first byte picks what the rest is, so that most inputs reach the JSON and its checks instead
// of dying in the frame header:
//   0, 3  a whole message (any frame; Manifest and ManifestAck ones are decoded further)
//   1     a Manifest: 32 bytes of the frame's digest field, then the JSON payload
//   2     a ManifestAck: the expected piece count (u16, little-endian), then the JSON payload
// The ack is checked against transfer "s-1". Invariants: what is accepted is valid by the module's
// own rules (id, size, a sanitized name that sanitizing leaves alone, the bitfield's length and
// its bits past the end), and encodes back to a frame that decodes to the same thing.
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "fuzz_check.hpp"
#include "transfer/file_checks.hpp"
#include "transfer/transfer_layout.hpp"
#include "transfer/transfer_manifest.hpp"

namespace {

const std::string kAckId = "s-1";
constexpr std::uint32_t kRawAckPieces = 10;

std::vector<std::uint8_t> wrap(wt::FrameType type, const std::uint8_t* digest, const std::uint8_t* payload,
                               std::size_t len) {
  if (len > wt::kMaxControlPayload) return {};
  std::vector<std::uint8_t> f(wt::frame_size(type, len));
  const std::size_t n = wt::encode_frame_prefix({type, 0, 0, std::uint32_t(len)}, digest, f.data(), f.size());
  if (n == 0) return {};  // a payload the frame type refuses (shorter than "{}")
  if (len) std::memcpy(f.data() + n, payload, len);
  return f;
}

void check_manifest(const wt::FrameView& frame) {
  wt::TransferManifest m;
  if (wt::decode_manifest(frame, m) != wt::ManifestError::Ok) return;
  FUZZ_CHECK(wt::valid_transfer_id(m.transfer_id));
  FUZZ_CHECK(m.file_size > 0 && m.file_size <= wt::kMaxTransferSize);
  FUZZ_CHECK(!m.file_name.empty() && m.file_name.size() <= wt::kMaxFileNameBytes);
  FUZZ_CHECK(wt::sanitize_file_name(m.file_name) == m.file_name);
  FUZZ_CHECK(m.mime_type.size() <= 255);
  FUZZ_CHECK(m.digest_known || std::all_of(frame.digest, frame.digest + wt::kFrameDigestSize,
                                           [](std::uint8_t b) { return b == 0; }));

  const std::vector<std::uint8_t> again = wt::encode_manifest_frame(m);
  FUZZ_CHECK(!again.empty());
  wt::FrameView v;
  FUZZ_CHECK(wt::decode_frame(again.data(), again.size(), v) == wt::FrameError::Ok);
  wt::TransferManifest back;
  FUZZ_CHECK(wt::decode_manifest(v, back) == wt::ManifestError::Ok);
  FUZZ_CHECK(back.transfer_id == m.transfer_id && back.file_name == m.file_name &&
             back.mime_type == m.mime_type && back.file_size == m.file_size &&
             back.digest_known == m.digest_known && back.file_digest == m.file_digest);
}

void check_ack(const wt::FrameView& frame, std::uint32_t pieces) {
  std::vector<std::uint8_t> have;
  const wt::ManifestError e = wt::decode_manifest_ack(frame, kAckId, pieces, have);
  FUZZ_CHECK(wt::manifest_error_name(e) != nullptr);
  if (e != wt::ManifestError::Ok) {
    FUZZ_CHECK(have.empty());
    return;
  }
  FUZZ_CHECK(have.size() == (std::size_t(pieces) + 7) / 8);
  if (pieces % 8) FUZZ_CHECK((have.back() >> (pieces % 8)) == 0);

  const std::vector<std::uint8_t> again = wt::encode_manifest_ack_frame(kAckId, pieces, have);
  FUZZ_CHECK(!again.empty());
  wt::FrameView v;
  FUZZ_CHECK(wt::decode_frame(again.data(), again.size(), v) == wt::FrameError::Ok);
  std::vector<std::uint8_t> back;
  FUZZ_CHECK(wt::decode_manifest_ack(v, kAckId, pieces, back) == wt::ManifestError::Ok);
  FUZZ_CHECK(back == have);
}

void check_frame(const std::uint8_t* data, std::size_t size, std::uint32_t ack_pieces) {
  wt::FrameView v;
  if (wt::decode_frame(data, size, v) != wt::FrameError::Ok) return;
  if (v.header.type == wt::FrameType::Manifest) check_manifest(v);
  if (v.header.type == wt::FrameType::ManifestAck) check_ack(v, ack_pieces);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t mode = data[0] & 3;
  ++data;
  --size;
  if (mode == 1) {
    if (size < wt::kFrameDigestSize) return 0;
    const auto f = wrap(wt::FrameType::Manifest, data, data + wt::kFrameDigestSize, size - wt::kFrameDigestSize);
    if (!f.empty()) check_frame(f.data(), f.size(), kRawAckPieces);
  } else if (mode == 2) {
    if (size < 2) return 0;
    const std::uint32_t pieces = std::uint32_t(data[0]) | std::uint32_t(data[1]) << 8;
    const auto f = wrap(wt::FrameType::ManifestAck, nullptr, data + 2, size - 2);
    if (!f.empty()) check_frame(f.data(), f.size(), pieces);
  } else {
    check_frame(data, size, kRawAckPieces);
  }
  return 0;
}
