// Checks before sending (sender) and before accepting (receiver): size, type, free storage, and a
// safe file name. Pure functions; the glue gathers the facts (File.size/type/name,
// navigator.storage.estimate()) and shows the message. Sizes are decimal (1 GB = 10^9 bytes), the
// units format_bytes prints, so "above 5.00 GB" means what it says.
#pragma once

#include <cstdint>
#include <string>

namespace wt {

enum class Verdict : std::uint8_t {
  Ok = 0,
  Warn = 1,    // show the message; the user may go on ("Send anyway")
  Refuse = 2,  // show the message; do not go on
};

struct CheckResult {
  Verdict verdict = Verdict::Ok;
  std::string code;     // stable, for the glue and tests: "ok", "size-large", "size-too-large", ...
  std::string message;  // for people
};

struct FileLimits {
  std::uint64_t warn_above_bytes = 2'000'000'000ull;    // spec: warn if > 2 GB
  std::uint64_t refuse_above_bytes = 5'000'000'000ull;  // spec: max 5 GB for the MVP (a setting)
  // Free storage must exceed the bytes still needed by this margin, or a warning is shown:
  // storage.estimate() is coarse and IndexedDB needs room for its own bookkeeping.
  double storage_margin_fraction = 0.10;
  std::uint64_t storage_margin_min_bytes = 64ull << 20;
};

// Codes: "ok", "size-empty" (refuse), "size-large" (warn), "size-too-large" (refuse).
CheckResult check_file_size(std::uint64_t size_bytes, const FileLimits& limits = {});

// mime_type as the browser reports it (File.type; may be empty or carry parameters), name for its
// extension. Codes: "ok" (a format browsers play: MP4/WebM/Matroska/QuickTime/Ogg video),
// "video-may-not-play" (warn: another video type), "not-video" (warn: send anyway?).
CheckResult check_file_type(const std::string& mime_type, const std::string& file_name);

// needed_bytes: what is still to be stored (file size minus what the ledger already holds).
// quota_bytes/usage_bytes: navigator.storage.estimate(); quota 0 means unknown.
// Codes: "ok", "storage-unknown" (warn), "storage-tight" (warn: fits, without the margin),
// "storage-full" (refuse).
CheckResult check_storage(std::uint64_t needed_bytes, std::uint64_t quota_bytes,
                          std::uint64_t usage_bytes, const FileLimits& limits = {});

// A name safe to show and to use as a storage key or download name: no path separators, no control
// or bidi-override characters, none of <>:"/\|?*, no leading dots or trailing dots/spaces, not a
// Windows device name, valid UTF-8, at most max_bytes bytes (cut at a character boundary, keeping
// the extension when it is short). Never empty ("video" when nothing is left).
constexpr std::size_t kMaxFileNameBytes = 255;
std::string sanitize_file_name(const std::string& name, std::size_t max_bytes = kMaxFileNameBytes);

// The lower-cased extension without the dot ("mkv"), or "" when there is none.
std::string file_extension(const std::string& name);

}  // namespace wt
