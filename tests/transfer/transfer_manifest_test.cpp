#include "transfer/transfer_manifest.hpp"

#include <catch2/catch.hpp>

#include "transfer/flat_json.hpp"
#include "transfer/transfer_pair.hpp"

using wt::ManifestError;
using wt::TransferManifest;

namespace {

wt::FrameView view_of(const std::vector<std::uint8_t>& bytes) {
  wt::FrameView v;
  REQUIRE(wt::decode_frame(bytes.data(), bytes.size(), v) == wt::FrameError::Ok);
  return v;
}

ManifestError decode_json(const std::string& json, TransferManifest& out,
                          const std::uint8_t* digest = nullptr) {
  std::uint8_t zero[32] = {};
  const std::vector<std::uint8_t> f = wt_test::frame_bytes(
      wt::FrameType::Manifest, 0, 0, {json.begin(), json.end()}, digest ? digest : zero);
  return wt::decode_manifest(view_of(f), out);
}

std::string manifest_with(const std::string& size, const std::string& hash = "null",
                          const std::string& extra = "") {
  return "{\"type\":\"file-transfer-init\",\"transferId\":\"s-1\",\"fileName\":\"m.mp4\","
         "\"fileSize\":" + size + ",\"fileType\":\"video/mp4\",\"fileHash\":" + hash +
         ",\"chunkSize\":65536,\"pieceSize\":1048576" + extra + "}";
}

}  // namespace

TEST_CASE("a manifest round-trips through its frame, with the spec's field names", "[manifest]") {
  TransferManifest m;
  m.transfer_id = "session-42:movie";
  m.file_name = "Été \"cut\".mkv";
  m.mime_type = "video/x-matroska";
  m.file_size = 1234567890;
  m.digest_known = true;
  m.file_digest = wt::Sha256::of(reinterpret_cast<const std::uint8_t*>("abc"), 3);
  const std::string json = wt::manifest_json(m);
  CHECK(json.find("\"type\":\"file-transfer-init\"") != std::string::npos);
  CHECK(json.find("\"fileSize\":1234567890") != std::string::npos);
  CHECK(json.find("\"chunkSize\":65536") != std::string::npos);
  // FIPS 180-2 "abc" vector.
  CHECK(json.find("\"fileHash\":\"sha256-ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\"") !=
        std::string::npos);

  TransferManifest back;
  REQUIRE(wt::decode_manifest(view_of(wt::encode_manifest_frame(m)), back) == ManifestError::Ok);
  CHECK(back.transfer_id == m.transfer_id);
  CHECK(back.file_name == "Été _cut_.mkv");  // sanitized on both ends
  CHECK(back.mime_type == m.mime_type);
  CHECK(back.file_size == m.file_size);
  CHECK(back.digest_known);
  CHECK(back.file_digest == m.file_digest);
  CHECK(wt::same_transfer(m, back));
}

TEST_CASE("manifests with absurd or inconsistent values are refused with a reason", "[manifest][peer]") {
  TransferManifest out;
  CHECK(decode_json(manifest_with("1000"), out) == ManifestError::Ok);
  CHECK(decode_json(manifest_with("0"), out) == ManifestError::BadFileSize);
  CHECK(decode_json(manifest_with("-5"), out) == ManifestError::BadFileSize);
  CHECK(decode_json(manifest_with("1.5"), out) == ManifestError::BadFileSize);
  CHECK(decode_json(manifest_with("1e9"), out) == ManifestError::BadFileSize);
  CHECK(decode_json(manifest_with("68719476736"), out) == ManifestError::Ok);  // 64 GiB
  CHECK(decode_json(manifest_with("68719476737"), out) == ManifestError::BadFileSize);
  CHECK(decode_json(manifest_with("99999999999999999999999"), out) == ManifestError::BadFileSize);
  CHECK(decode_json(manifest_with("\"1000\""), out) == ManifestError::MissingField);
  CHECK(decode_json(manifest_with("1000", "\"sha256-xyz\""), out) == ManifestError::BadHash);
  CHECK(decode_json(manifest_with("1000", "\"sha256-" + std::string(64, 'a') + "\""), out) ==
        ManifestError::HashMismatch);  // the frame's digest field is zero
  CHECK(decode_json(manifest_with("1000", "null", ",\"nested\":{}"), out) == ManifestError::Malformed);
  CHECK(decode_json("{\"type\":\"other\"}", out) == ManifestError::WrongType);
  CHECK(decode_json("not json", out) == ManifestError::Malformed);
  std::string bad_chunk = manifest_with("1000");
  bad_chunk.replace(bad_chunk.find("65536"), 5, "16384");
  CHECK(decode_json(bad_chunk, out) == ManifestError::BadChunkSize);
  std::string bad_id = manifest_with("1000");
  bad_id.replace(bad_id.find("s-1"), 3, "a/b");
  CHECK(decode_json(bad_id, out) == ManifestError::BadTransferId);
  std::uint8_t nonzero[32] = {1};
  CHECK(decode_json(manifest_with("1000"), out, nonzero) == ManifestError::HashMismatch);
  // A name from the peer comes back safe.
  std::string html = manifest_with("1000");
  html.replace(html.find("m.mp4"), 5, "<script>alert(1)</script>.mp4");
  REQUIRE(decode_json(html, out) == ManifestError::Ok);
  CHECK(out.file_name.find('<') == std::string::npos);
  CHECK(out.file_name.find('/') == std::string::npos);
  // Nothing invalid is ever encoded.
  TransferManifest huge;
  huge.transfer_id = "x";
  huge.file_size = std::uint64_t(1) << 40;
  CHECK(wt::encode_manifest_frame(huge).empty());
}

TEST_CASE("a ManifestAck carries the receiver's bitfield and is checked against the transfer",
          "[manifest]") {
  std::vector<std::uint8_t> have = {0xff, 0x01, 0x00, 0x05};  // 27 pieces
  const std::vector<std::uint8_t> f = wt::encode_manifest_ack_frame("t9", 27, have);
  REQUIRE_FALSE(f.empty());
  std::vector<std::uint8_t> back;
  CHECK(wt::decode_manifest_ack(view_of(f), "t9", 27, back) == ManifestError::Ok);
  CHECK(back == have);
  CHECK(wt::decode_manifest_ack(view_of(f), "t8", 27, back) == ManifestError::WrongTransfer);
  CHECK(wt::decode_manifest_ack(view_of(f), "t9", 28, back) == ManifestError::WrongTransfer);
  have[3] = 0x0d;  // bit 27 set: beyond the last piece
  const std::vector<std::uint8_t> g = wt::encode_manifest_ack_frame("t9", 27, have);
  CHECK(wt::decode_manifest_ack(view_of(g), "t9", 27, back) == ManifestError::BadBitfield);
}

TEST_CASE("base64 matches the RFC 4648 test vectors and refuses non-canonical input", "[manifest]") {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},         {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (const auto& v : vectors) {
    const std::string in = v.first;
    CHECK(wt::base64_encode(reinterpret_cast<const std::uint8_t*>(in.data()), in.size()) == v.second);
    std::vector<std::uint8_t> out;
    REQUIRE(wt::base64_decode(v.second, out));
    CHECK(std::string(out.begin(), out.end()) == in);
  }
  std::vector<std::uint8_t> out;
  CHECK_FALSE(wt::base64_decode("Zg=", out));
  CHECK_FALSE(wt::base64_decode("Zh==", out));  // bits under the padding
  CHECK_FALSE(wt::base64_decode("Z=g=", out));
  CHECK_FALSE(wt::base64_decode("Zm9v!A==", out));
}

TEST_CASE("the flat JSON reader decodes escapes and refuses what a manifest never holds", "[json]") {
  wt::FlatJsonObject o;
  const std::string ok = R"( {"a":"x\"\\\/\n\u00e9\ud83c\udfac","b":true,"c":null,"d":12,"e":-1.5e3} )";
  REQUIRE(wt::parse_flat_json(ok.data(), ok.size(), o));
  CHECK(o["a"].text == "x\"\\/\n\xc3\xa9\xf0\x9f\x8e\xac");  // é and 🎬
  CHECK(o["b"].boolean);
  CHECK(o["c"].kind == wt::FlatJsonValue::Kind::Null);
  CHECK(o["d"].is_uint);
  CHECK(o["d"].uint_value == 12);
  CHECK_FALSE(o["e"].is_uint);
  for (const std::string bad : {"", "[]", "{", "{\"a\":1,}", "{\"a\":1}x", "{\"a\":{}}", "{\"a\":[1]}",
                                "{\"a\":1,\"a\":2}", "{\"a\":\"\\ud800\"}", "{\"a\":\"\xff\"}",
                                "{\"a\":\"\x01\"}", "{\"a\":01}", "{a:1}", "{\"a\":tru}"}) {
    CAPTURE(bad);
    CHECK_FALSE(wt::parse_flat_json(bad.data(), bad.size(), o));
  }
  std::string s;
  wt::append_json_string(s, "a\"b\\c\x01");
  CHECK(s == "\"a\\\"b\\\\c\\u0001\"");
}
