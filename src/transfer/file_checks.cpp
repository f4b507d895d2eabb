#include "transfer/file_checks.hpp"
#include "transfer/flat_json.hpp"

#include <cstddef>
#include <vector>

#include "text/peer_text.hpp"
#include "transfer/transfer_progress.hpp"

namespace wt {
namespace {

std::string lower_ascii(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  return s;
}

std::string trim_ascii(const std::string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  return s.substr(b, e - b);
}

bool one_of(const std::string& s, std::initializer_list<const char*> list) {
  for (const char* x : list)
    if (s == x) return true;
  return false;
}


bool forbidden_in_name(std::uint32_t cp) {
  switch (cp) {
    case '/': case '\\': case '<': case '>': case ':': case '"': case '|': case '?': case '*':
      return true;
    default: return false;
  }
}

// Largest prefix of s (valid UTF-8) that is at most max bytes and ends on a character boundary.
std::string utf8_prefix(const std::string& s, std::size_t max) {
  if (s.size() <= max) return s;
  std::size_t cut = max;
  while (cut > 0 && (std::uint8_t(s[cut]) & 0xc0) == 0x80) --cut;
  return s.substr(0, cut);
}

void trim_name_edges(std::string& s) {
  std::size_t b = 0;
  while (b < s.size() && (s[b] == '.' || s[b] == ' ')) ++b;
  s.erase(0, b);
  while (!s.empty() && (s.back() == '.' || s.back() == ' ')) s.pop_back();
}

bool windows_device_name(const std::string& name) {
  const std::string stem = lower_ascii(name.substr(0, name.find('.')));
  const std::string t = trim_ascii(stem);
  if (one_of(t, {"con", "prn", "aux", "nul"})) return true;
  return t.size() == 4 && (t.compare(0, 3, "com") == 0 || t.compare(0, 3, "lpt") == 0) &&
         t[3] >= '1' && t[3] <= '9';
}

}  // namespace

CheckResult check_file_size(std::uint64_t size, const FileLimits& limits) {
  if (size == 0) return {Verdict::Refuse, "size-empty", "This file is empty."};
  if (size > limits.refuse_above_bytes)
    return {Verdict::Refuse, "size-too-large",
            "This file is " + format_bytes(size) + "; the largest file you can share is " +
                format_bytes(limits.refuse_above_bytes) + "."};
  if (size > limits.warn_above_bytes)
    return {Verdict::Warn, "size-large",
            "This file is " + format_bytes(size) + ". Files above " +
                format_bytes(limits.warn_above_bytes) +
                " take long to send and need that much free space on the other device."};
  return {Verdict::Ok, "ok", ""};
}

std::string file_extension(const std::string& name) {
  const std::size_t slash = name.find_last_of("/\\");
  const std::size_t dot = name.rfind('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
  if (dot == 0 || (slash != std::string::npos && dot == slash + 1)) return "";  // ".bashrc"
  return lower_ascii(name.substr(dot + 1));
}

CheckResult check_file_type(const std::string& mime_type, const std::string& file_name) {
  std::string mime = lower_ascii(trim_ascii(mime_type.substr(0, mime_type.find(';'))));
  const std::string ext = file_extension(file_name);
  // Audio in MP4 or WebM plays like a movie without a picture (while it downloads, too).
  const bool playable_mime = one_of(mime, {"video/mp4", "video/webm", "video/x-matroska",
                                           "video/matroska", "video/quicktime", "video/ogg",
                                           "video/x-m4v", "audio/mp4", "audio/x-m4a", "audio/webm"});
  const bool playable_ext = one_of(ext, {"mp4", "m4v", "webm", "mkv", "mov", "ogv", "m4a", "weba"});
  if (playable_mime || playable_ext) return {Verdict::Ok, "ok", ""};
  const bool other_video_mime = mime.compare(0, 6, "video/") == 0;
  const bool other_video_ext = one_of(ext, {"avi", "wmv", "flv", "mpg", "mpeg", "ts", "m2ts",
                                            "mts", "3gp", "3g2", "vob", "asf", "rm", "rmvb"});
  if (other_video_mime || other_video_ext)
    return {Verdict::Warn, "video-may-not-play",
            "This video format may not play in the browser (MP4 or WebM work best). Send anyway?"};
  return {Verdict::Warn, "not-video", "This doesn't look like a video file. Send anyway?"};
}

CheckResult check_storage(std::uint64_t needed, std::uint64_t quota, std::uint64_t usage,
                          const FileLimits& limits) {
  if (needed == 0) return {Verdict::Ok, "ok", ""};
  if (quota == 0)
    return {Verdict::Warn, "storage-unknown",
            "Can't tell how much storage is free on this device; the transfer needs " +
                format_bytes(needed) + "."};
  const std::uint64_t free = quota > usage ? quota - usage : 0;
  if (needed > free)
    return {Verdict::Refuse, "storage-full",
            "Not enough storage: this file needs " + format_bytes(needed) + " but only " +
                format_bytes(free) + " is free."};
  std::uint64_t margin = std::uint64_t(double(needed) * limits.storage_margin_fraction);
  if (margin < limits.storage_margin_min_bytes) margin = limits.storage_margin_min_bytes;
  if (free - needed < margin)
    return {Verdict::Warn, "storage-tight",
            "Storage is nearly full: this file needs " + format_bytes(needed) + " and " +
                format_bytes(free) + " is free. If it runs out, the transfer pauses until space is freed."};
  return {Verdict::Ok, "ok", ""};
}

std::string sanitize_file_name(const std::string& name, std::size_t max_bytes) {
  if (max_bytes < 8) max_bytes = 8;
  std::string clean;
  for (std::uint32_t cp : decode_utf8(name)) {
    if (invisible_or_control(cp)) continue;
    if (forbidden_in_name(cp)) cp = '_';
    append_utf8(clean, cp);
  }
  trim_name_edges(clean);
  if (clean.empty()) clean = "video";
  if (windows_device_name(clean)) clean.insert(0, "_");
  if (clean.size() > max_bytes) {
    // Keep a short extension ("….mkv") and cut the stem at a character boundary.
    const std::size_t dot = clean.rfind('.');
    const bool keep_ext = dot != std::string::npos && dot > 0 && clean.size() - dot <= 16;
    if (keep_ext) {
      const std::string ext = clean.substr(dot);
      std::string stem = utf8_prefix(clean.substr(0, dot), max_bytes - ext.size());
      while (!stem.empty() && (stem.back() == ' ' || stem.back() == '.')) stem.pop_back();
      clean = (stem.empty() ? std::string("video") : stem) + ext;
    } else {
      clean = utf8_prefix(clean, max_bytes);
      trim_name_edges(clean);
      if (clean.empty()) clean = "video";
    }
  }
  return clean;
}

}  // namespace wt
