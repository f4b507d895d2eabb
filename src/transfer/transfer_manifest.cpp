#include "transfer/transfer_manifest.hpp"

#include <cstring>

#include "transfer/file_checks.hpp"
#include "transfer/flat_json.hpp"
#include "transfer/transfer_layout.hpp"

namespace wt {
namespace {

constexpr const char* kInitType = "file-transfer-init";
constexpr const char* kAckType = "file-transfer-ack";
constexpr std::size_t kMaxTransferIdBytes = 128;
constexpr const char* kHashPrefix = "sha256-";

std::vector<std::uint8_t> control_frame(FrameType type, const std::uint8_t* digest,
                                        const std::string& json) {
  if (json.size() > kMaxControlPayload) return {};
  std::vector<std::uint8_t> out(frame_size(type, json.size()));
  const FrameHeader h{type, 0, 0, std::uint32_t(json.size())};
  const std::size_t n = encode_frame_prefix(h, digest, out.data(), out.size());
  if (n == 0) return {};
  std::memcpy(out.data() + n, json.data(), json.size());
  return out;
}

const FlatJsonValue* field(const FlatJsonObject& o, const char* key, FlatJsonValue::Kind kind) {
  const auto it = o.find(key);
  if (it == o.end() || it->second.kind != kind) return nullptr;
  return &it->second;
}

bool all_zero(const std::uint8_t* p, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    if (p[i]) return false;
  return true;
}

}  // namespace

const char* manifest_error_name(ManifestError e) {
  switch (e) {
    case ManifestError::Ok: return "ok";
    case ManifestError::NotManifest: return "not-manifest";
    case ManifestError::Malformed: return "malformed-json";
    case ManifestError::WrongType: return "wrong-type";
    case ManifestError::MissingField: return "missing-field";
    case ManifestError::BadTransferId: return "bad-transfer-id";
    case ManifestError::BadFileSize: return "bad-file-size";
    case ManifestError::BadChunkSize: return "bad-chunk-size";
    case ManifestError::BadPieceSize: return "bad-piece-size";
    case ManifestError::BadHash: return "bad-hash";
    case ManifestError::HashMismatch: return "hash-mismatch";
    case ManifestError::BadBitfield: return "bad-bitfield";
    case ManifestError::WrongTransfer: return "wrong-transfer";
  }
  return "unknown-error";
}

bool valid_transfer_id(const std::string& id) {
  if (id.empty() || id.size() > kMaxTransferIdBytes) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string manifest_json(const TransferManifest& m) {
  std::string j = "{\"type\":\"";
  j += kInitType;
  j += "\",\"transferId\":";
  append_json_string(j, m.transfer_id);
  j += ",\"fileName\":";
  append_json_string(j, sanitize_file_name(m.file_name));
  j += ",\"fileSize\":" + std::to_string(m.file_size);
  j += ",\"fileType\":";
  // A MIME type is short; anything longer is not one and is not worth carrying.
  append_json_string(j, m.mime_type.size() <= 255 ? m.mime_type : std::string());
  j += ",\"fileHash\":";
  if (m.digest_known) {
    j += '"';
    j += kHashPrefix + to_hex(m.file_digest);
    j += '"';
  } else {
    j += "null";
  }
  j += ",\"chunkSize\":" + std::to_string(kChunkSize);
  j += ",\"pieceSize\":" + std::to_string(kPieceSize);
  j += '}';
  return j;
}

std::vector<std::uint8_t> encode_manifest_frame(const TransferManifest& m) {
  if (!valid_transfer_id(m.transfer_id) || m.file_size == 0 || m.file_size > kMaxTransferSize)
    return {};
  const Sha256Digest zero{};
  return control_frame(FrameType::Manifest, m.digest_known ? m.file_digest.data() : zero.data(),
                       manifest_json(m));
}

ManifestError decode_manifest(const FrameView& frame, TransferManifest& out) {
  out = TransferManifest{};
  if (frame.header.type != FrameType::Manifest || frame.digest == nullptr)
    return ManifestError::NotManifest;
  FlatJsonObject o;
  if (!parse_flat_json(reinterpret_cast<const char*>(frame.payload), frame.payload_len, o))
    return ManifestError::Malformed;
  const FlatJsonValue* type = field(o, "type", FlatJsonValue::Kind::String);
  if (type == nullptr) return ManifestError::MissingField;
  if (type->text != kInitType) return ManifestError::WrongType;
  const FlatJsonValue* id = field(o, "transferId", FlatJsonValue::Kind::String);
  const FlatJsonValue* name = field(o, "fileName", FlatJsonValue::Kind::String);
  const FlatJsonValue* size = field(o, "fileSize", FlatJsonValue::Kind::Number);
  const FlatJsonValue* chunk = field(o, "chunkSize", FlatJsonValue::Kind::Number);
  const FlatJsonValue* piece = field(o, "pieceSize", FlatJsonValue::Kind::Number);
  const auto hash_it = o.find("fileHash");
  if (!id || !name || !size || !chunk || !piece || hash_it == o.end())
    return ManifestError::MissingField;
  if (!valid_transfer_id(id->text)) return ManifestError::BadTransferId;
  if (!size->is_uint || size->uint_value == 0 || size->uint_value > kMaxTransferSize)
    return ManifestError::BadFileSize;
  if (!chunk->is_uint || chunk->uint_value != kChunkSize) return ManifestError::BadChunkSize;
  if (!piece->is_uint || piece->uint_value != kPieceSize) return ManifestError::BadPieceSize;

  const FlatJsonValue& hash = hash_it->second;
  if (hash.kind == FlatJsonValue::Kind::Null) {
    if (!all_zero(frame.digest, kFrameDigestSize)) return ManifestError::HashMismatch;
  } else {
    const std::size_t plen = std::strlen(kHashPrefix);
    if (hash.kind != FlatJsonValue::Kind::String || hash.text.compare(0, plen, kHashPrefix) != 0 ||
        !from_hex(hash.text.substr(plen), out.file_digest))
      return ManifestError::BadHash;
    if (std::memcmp(out.file_digest.data(), frame.digest, kFrameDigestSize) != 0)
      return ManifestError::HashMismatch;
    out.digest_known = true;
  }
  if (const auto* mime = field(o, "fileType", FlatJsonValue::Kind::String))
    if (mime->text.size() <= 255) out.mime_type = mime->text;
  out.transfer_id = id->text;
  out.file_name = sanitize_file_name(name->text);
  out.file_size = size->uint_value;
  return ManifestError::Ok;
}

bool same_transfer(const TransferManifest& a, const TransferManifest& b) {
  if (a.transfer_id != b.transfer_id || a.file_size != b.file_size) return false;
  return !(a.digest_known && b.digest_known && a.file_digest != b.file_digest);
}

std::vector<std::uint8_t> encode_manifest_ack_frame(const std::string& transfer_id,
                                                    std::uint32_t piece_count,
                                                    const std::vector<std::uint8_t>& have) {
  if (!valid_transfer_id(transfer_id) || have.size() != (std::size_t(piece_count) + 7) / 8)
    return {};
  std::string j = "{\"type\":\"";
  j += kAckType;
  j += "\",\"transferId\":";
  append_json_string(j, transfer_id);
  j += ",\"pieces\":" + std::to_string(piece_count);
  j += ",\"have\":\"" + base64_encode(have.data(), have.size()) + "\"}";
  return control_frame(FrameType::ManifestAck, nullptr, j);
}

ManifestError decode_manifest_ack(const FrameView& frame, const std::string& expected_id,
                                  std::uint32_t expected_pieces, std::vector<std::uint8_t>& have) {
  have.clear();
  if (frame.header.type != FrameType::ManifestAck) return ManifestError::NotManifest;
  FlatJsonObject o;
  if (!parse_flat_json(reinterpret_cast<const char*>(frame.payload), frame.payload_len, o))
    return ManifestError::Malformed;
  const FlatJsonValue* type = field(o, "type", FlatJsonValue::Kind::String);
  if (type == nullptr) return ManifestError::MissingField;
  if (type->text != kAckType) return ManifestError::WrongType;
  const FlatJsonValue* id = field(o, "transferId", FlatJsonValue::Kind::String);
  const FlatJsonValue* pieces = field(o, "pieces", FlatJsonValue::Kind::Number);
  const FlatJsonValue* bits = field(o, "have", FlatJsonValue::Kind::String);
  if (!id || !pieces || !bits) return ManifestError::MissingField;
  if (id->text != expected_id || !pieces->is_uint || pieces->uint_value != expected_pieces)
    return ManifestError::WrongTransfer;
  std::vector<std::uint8_t> decoded;
  if (!base64_decode(bits->text, decoded) ||
      decoded.size() != (std::size_t(expected_pieces) + 7) / 8)
    return ManifestError::BadBitfield;
  if (expected_pieces % 8 != 0 && (decoded.back() >> (expected_pieces % 8)) != 0)
    return ManifestError::BadBitfield;
  have = std::move(decoded);
  return ManifestError::Ok;
}

std::string base64_encode(const std::uint8_t* data, std::size_t len) {
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((len + 2) / 3 * 4);
  for (std::size_t i = 0; i < len; i += 3) {
    const std::uint32_t b0 = data[i];
    const std::uint32_t b1 = i + 1 < len ? data[i + 1] : 0;
    const std::uint32_t b2 = i + 2 < len ? data[i + 2] : 0;
    const std::uint32_t v = b0 << 16 | b1 << 8 | b2;
    out += alphabet[v >> 18 & 63];
    out += alphabet[v >> 12 & 63];
    out += i + 1 < len ? alphabet[v >> 6 & 63] : '=';
    out += i + 2 < len ? alphabet[v & 63] : '=';
  }
  return out;
}

bool base64_decode(const std::string& text, std::vector<std::uint8_t>& out) {
  out.clear();
  if (text.size() % 4 != 0) return false;
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = text[i + std::size_t(k)];
      if (c == '=' && last && k >= 2) {
        v[k] = 0;
        ++pad;
        continue;
      }
      if (pad) return false;  // data after padding
      v[k] = value(c);
      if (v[k] < 0) return false;
    }
    const std::uint32_t x = std::uint32_t(v[0]) << 18 | std::uint32_t(v[1]) << 12 |
                            std::uint32_t(v[2]) << 6 | std::uint32_t(v[3]);
    // Non-canonical encodings (bits set under the padding) are rejected.
    if (pad == 2 && (x & 0xffff) != 0) return false;
    if (pad == 1 && (x & 0xff) != 0) return false;
    out.push_back(std::uint8_t(x >> 16));
    if (pad < 2) out.push_back(std::uint8_t(x >> 8));
    if (pad < 1) out.push_back(std::uint8_t(x));
  }
  return true;
}

}  // namespace wt
