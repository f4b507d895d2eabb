// What a transfer is about, as the Manifest frame carries it (the spec's 'file-transfer-init' JSON,
// plus the transfer id and piece size), and the receiver's ManifestAck (which pieces it holds).
//
// Manifest JSON: {"type":"file-transfer-init","transferId":"…","fileName":"…","fileSize":N,
//   "fileType":"video/mp4","fileHash":"sha256-<64 hex>"|null,"chunkSize":65536,"pieceSize":1048576}
// The frame's digest field repeats fileHash (all zero while unknown); the two must agree.
// The sender sends a Manifest when a connection opens, and again once its streaming whole-file
// digest is known if the first one went out without it.
//
// ManifestAck JSON: {"type":"file-transfer-ack","transferId":"…","pieces":N,"have":"<base64>"}
// where "have" is the receiver's verified-piece bitfield (bit i of byte i/8, LSB first), so the
// sender knows which pieces will never be requested (it needs that for its whole-file digest).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hash/sha256.hpp"
#include "transfer/wire_frame.hpp"

namespace wt {

struct TransferManifest {
  std::string transfer_id;  // 1..128 bytes of [A-Za-z0-9._:-], chosen by the glue (session + file)
  std::string file_name;    // always sanitized (sanitize_file_name) by encode and decode
  std::string mime_type;    // as File.type reported it; may be empty
  std::uint64_t file_size = 0;
  bool digest_known = false;
  Sha256Digest file_digest{};  // whole-file SHA-256 when digest_known
};

enum class ManifestError : std::uint8_t {
  Ok = 0,
  NotManifest,     // the frame is not a Manifest (or ManifestAck) frame
  Malformed,       // payload is not one flat JSON object
  WrongType,       // "type" is not "file-transfer-init" / "file-transfer-ack"
  MissingField,    // a required field is absent or has the wrong JSON type
  BadTransferId,   // empty, too long or with characters outside [A-Za-z0-9._:-]
  BadFileSize,     // 0, not an exact integer, or above kMaxTransferSize (an absurd size)
  BadChunkSize,    // not kChunkSize
  BadPieceSize,    // not kPieceSize
  BadHash,         // fileHash neither null nor "sha256-" + 64 hex digits
  HashMismatch,    // fileHash and the frame's digest field disagree
  BadBitfield,     // ManifestAck: "have" not base64 of the right length, or bits past the end
  WrongTransfer,   // ManifestAck for another transfer id or piece count
};

const char* manifest_error_name(ManifestError e);

bool valid_transfer_id(const std::string& id);

// The JSON object alone (for Firebase's file-transfer-init message).
std::string manifest_json(const TransferManifest& m);
// A whole Manifest frame, ready to send. Empty if the manifest is not valid to send (bad id or
// size): nothing invalid is ever sent.
std::vector<std::uint8_t> encode_manifest_frame(const TransferManifest& m);
// Parses and validates a received Manifest frame; out.file_name comes back sanitized.
ManifestError decode_manifest(const FrameView& frame, TransferManifest& out);

// Same transfer: id and size agree, and digests agree where both are known.
bool same_transfer(const TransferManifest& a, const TransferManifest& b);

std::vector<std::uint8_t> encode_manifest_ack_frame(const std::string& transfer_id,
                                                    std::uint32_t piece_count,
                                                    const std::vector<std::uint8_t>& have_bitfield);
ManifestError decode_manifest_ack(const FrameView& frame, const std::string& expected_transfer_id,
                                  std::uint32_t expected_piece_count,
                                  std::vector<std::uint8_t>& have_bitfield);

std::string base64_encode(const std::uint8_t* data, std::size_t len);
bool base64_decode(const std::string& text, std::vector<std::uint8_t>& out);  // strict, padded

}  // namespace wt
