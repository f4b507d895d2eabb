// Fuzz target: one data channel message from a peer, through decode_frame (src/transfer/wire_frame.*).
// Invariants: a decoded frame's views lie inside the message, and it re-encodes to the same bytes
// (so the decoder accepts nothing the encoder could not have sent).
#include <cstring>
#include <vector>

#include "fuzz_check.hpp"
#include "transfer/wire_frame.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  wt::FrameView v;
  const wt::FrameError e = wt::decode_frame(data, size, v);
  FUZZ_CHECK(wt::frame_error_name(e) != nullptr);
  if (e != wt::FrameError::Ok) {
    FUZZ_CHECK(v.payload == nullptr && v.digest == nullptr);
    return 0;
  }
  FUZZ_CHECK(v.payload_len == v.header.payload_len);
  FUZZ_CHECK(size == wt::frame_size(v.header.type, v.payload_len));
  FUZZ_CHECK(v.payload >= data && v.payload + v.payload_len == data + size);
  FUZZ_CHECK((v.digest != nullptr) == wt::frame_has_digest(v.header.type));
  if (v.digest) FUZZ_CHECK(v.digest >= data && v.digest + wt::kFrameDigestSize <= v.payload);

  std::vector<std::uint8_t> again(size);
  const std::size_t n = wt::encode_frame_prefix(v.header, v.digest, again.data(), again.size());
  FUZZ_CHECK(n == wt::frame_size(v.header.type, 0));
  if (v.payload_len) std::memcpy(again.data() + n, v.payload, v.payload_len);
  FUZZ_CHECK(std::memcmp(again.data(), data, size) == 0);
  return 0;
}
