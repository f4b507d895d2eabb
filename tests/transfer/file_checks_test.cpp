#include "transfer/file_checks.hpp"

#include <catch2/catch.hpp>

using wt::Verdict;

TEST_CASE("size check: warn above 2 GB, refuse above 5 GB, at the exact boundaries", "[checks]") {
  CHECK(wt::check_file_size(0).code == "size-empty");
  CHECK(wt::check_file_size(0).verdict == Verdict::Refuse);
  CHECK(wt::check_file_size(1).verdict == Verdict::Ok);
  CHECK(wt::check_file_size(2'000'000'000ull).verdict == Verdict::Ok);
  CHECK(wt::check_file_size(2'000'000'001ull).verdict == Verdict::Warn);
  CHECK(wt::check_file_size(2'000'000'001ull).code == "size-large");
  CHECK(wt::check_file_size(5'000'000'000ull).verdict == Verdict::Warn);
  const wt::CheckResult over = wt::check_file_size(5'000'000'001ull);
  CHECK(over.verdict == Verdict::Refuse);
  CHECK(over.code == "size-too-large");
  CHECK(over.message == "This file is 5.00 GB; the largest file you can share is 5.00 GB.");
  wt::FileLimits raised;
  raised.refuse_above_bytes = 8'000'000'000ull;  // the limit is a setting
  CHECK(wt::check_file_size(6'000'000'000ull, raised).verdict == Verdict::Warn);
}

TEST_CASE("type check: video MIME or extension passes; anything else warns with 'send anyway'",
          "[checks]") {
  CHECK(wt::check_file_type("video/mp4", "a.mp4").verdict == Verdict::Ok);
  CHECK(wt::check_file_type("Video/WebM; codecs=\"vp9\"", "x").verdict == Verdict::Ok);
  CHECK(wt::check_file_type("", "Holiday.MKV").verdict == Verdict::Ok);  // browsers often give ""
  CHECK(wt::check_file_type("application/octet-stream", "film.mov").verdict == Verdict::Ok);
  for (const char* ext : {"a.m4v", "a.ogv", "a.webm"}) CHECK(wt::check_file_type("", ext).verdict == Verdict::Ok);
  // Audio-only files in MP4 or WebM play (while they download, too).
  CHECK(wt::check_file_type("audio/mp4", "song.m4a").verdict == Verdict::Ok);
  CHECK(wt::check_file_type("audio/x-m4a", "x").verdict == Verdict::Ok);
  CHECK(wt::check_file_type("", "talk.weba").verdict == Verdict::Ok);
  const wt::CheckResult avi = wt::check_file_type("video/x-msvideo", "old.avi");
  CHECK(avi.verdict == Verdict::Warn);
  CHECK(avi.code == "video-may-not-play");
  const wt::CheckResult pdf = wt::check_file_type("application/pdf", "paper.pdf");
  CHECK(pdf.verdict == Verdict::Warn);
  CHECK(pdf.code == "not-video");
  CHECK(pdf.message == "This doesn't look like a video file. Send anyway?");
  CHECK(wt::check_file_type("", ".mp4").code == "not-video");  // a dot file, not an extension
  CHECK(wt::file_extension("dir.mp4/readme") == "");
}

TEST_CASE("storage check compares what is still needed with the estimate, with a margin",
          "[checks]") {
  const std::uint64_t GB = 1'000'000'000ull;
  CHECK(wt::check_storage(1 * GB, 10 * GB, 1 * GB).verdict == Verdict::Ok);
  const wt::CheckResult full = wt::check_storage(3 * GB, 10 * GB, 8 * GB);
  CHECK(full.verdict == Verdict::Refuse);
  CHECK(full.code == "storage-full");
  CHECK(full.message == "Not enough storage: this file needs 3.00 GB but only 2.00 GB is free.");
  CHECK(wt::check_storage(2 * GB, 10 * GB, 8 * GB).code == "storage-tight");  // fits exactly
  CHECK(wt::check_storage(1 * GB, 0, 0).code == "storage-unknown");
  CHECK(wt::check_storage(0, 10, 10).verdict == Verdict::Ok);  // nothing left to store (resumed)
  CHECK(wt::check_storage(1 * GB, 5 * GB, 9 * GB).verdict == Verdict::Refuse);  // usage > quota
}

TEST_CASE("file names are made safe: no paths, control characters, HTML or '..'", "[checks]") {
  CHECK(wt::sanitize_file_name("movie.mp4") == "movie.mp4");
  CHECK(wt::sanitize_file_name("../../etc/passwd") == "_.._etc_passwd");
  CHECK(wt::sanitize_file_name("..\\..\\boot.ini") == "_.._boot.ini");
  CHECK(wt::sanitize_file_name("<script>alert(1)</script>.mp4") == "_script_alert(1)__script_.mp4");
  CHECK(wt::sanitize_file_name("a\nb\tc\x7f" "d.mkv") == "abcd.mkv");
  CHECK(wt::sanitize_file_name("evil\xe2\x80\xae" "4pm.exe") == "evil4pm.exe");  // RLO removed
  CHECK(wt::sanitize_file_name("..") == "video");
  CHECK(wt::sanitize_file_name(" . ") == "video");
  CHECK(wt::sanitize_file_name("") == "video");
  CHECK(wt::sanitize_file_name(".hidden.webm") == "hidden.webm");
  CHECK(wt::sanitize_file_name("name. ") == "name");
  CHECK(wt::sanitize_file_name("CON.mp4") == "_CON.mp4");
  CHECK(wt::sanitize_file_name("a:b*c?d|e\"f") == "a_b_c_d_e_f");
  CHECK(wt::sanitize_file_name("bad\xff\xfe.mp4") == "bad\xef\xbf\xbd\xef\xbf\xbd.mp4");  // U+FFFD
  CHECK(wt::sanitize_file_name("Amélie 🎬.mkv") == "Amélie 🎬.mkv");
}

// The names a hostile sender might put in a session record (issue 14): whatever arrives, what the
// receiver shows and saves has no markup, no path, no control or bidi character, fits 255 bytes,
// and is stable (sanitizing it again changes nothing).
TEST_CASE("hostile names from a peer are made safe to show and to save", "[checks]") {
  const std::string html_and_path = "<img src=x onerror=alert(1)> \xd1\x84\xd0\xb8\xd0\xbb\xd1\x8c\xd0\xbc ..\\..\\evil.mp4";
  CHECK(wt::sanitize_file_name(html_and_path) == "_img src=x onerror=alert(1)_ \xd1\x84\xd0\xb8\xd0\xbb\xd1\x8c\xd0\xbc .._.._evil.mp4");
  const std::string rlo = "holiday\xe2\x80\xae" "4pm.exe";  // shows as "holidayexe.mp4"
  CHECK(wt::sanitize_file_name(rlo) == "holiday4pm.exe");
  const std::string isolates = "\xe2\x81\xa6movie\xe2\x81\xa9\xe2\x80\x8f.mkv\xe2\x80\xac";
  CHECK(wt::sanitize_file_name(isolates) == "movie.mkv");
  const std::string long_name = std::string(300, 'a') + ".mp4";  // 304 bytes
  const std::string cut = wt::sanitize_file_name(long_name);
  CHECK(cut.size() == 255);
  CHECK(cut == std::string(251, 'a') + ".mp4");
  const std::string long_cyrillic = [] { std::string s; for (int i = 0; i < 150; ++i) s += "\xd1\x84"; return s + ".webm"; }();  // 305 bytes
  const std::string cut2 = wt::sanitize_file_name(long_cyrillic);
  CHECK(cut2.size() <= 255);
  CHECK(cut2.size() >= 250);
  CHECK(cut2.substr(cut2.size() - 5) == ".webm");

  for (const std::string& name : {html_and_path, rlo, isolates, long_name, long_cyrillic, std::string("/etc/passwd"),
                                   std::string("C:\\Windows\\win.ini"), std::string("a\x00" "b.mp4", 7), std::string("\x1b[31mred.mp4")}) {
    const std::string clean = wt::sanitize_file_name(name);
    INFO(name);
    CHECK(!clean.empty());
    CHECK(clean.size() <= 255);
    CHECK(clean.find_first_of("/\\<>:\"|?*") == std::string::npos);
    for (unsigned char c : clean) CHECK((c >= 0x20 && c != 0x7f));
    CHECK(clean.find("\xe2\x80\xae") == std::string::npos);  // RLO
    CHECK(clean.find("\xe2\x81\xa6") == std::string::npos);  // LRI
    CHECK(wt::sanitize_file_name(clean) == clean);
  }
}

TEST_CASE("long names are cut to 255 bytes at a character boundary, keeping the extension",
          "[checks]") {
  std::string stem;
  for (int i = 0; i < 200; ++i) stem += "é";  // 2 bytes each: 400 bytes
  const std::string out = wt::sanitize_file_name(stem + ".mkv");
  CHECK(out.size() <= 255);
  CHECK(out.size() == 254);  // 125 × "é" (250 bytes) + ".mkv": a 251st byte would split one
  CHECK(out.substr(out.size() - 4) == ".mkv");
  CHECK(out.substr(0, 2) == "é");
  std::string emoji;
  for (int i = 0; i < 100; ++i) emoji += "🎬";  // 4 bytes each, no extension
  const std::string cut = wt::sanitize_file_name(emoji);
  CHECK(cut.size() == 252);
  CHECK(cut.size() % 4 == 0);
  CHECK(wt::sanitize_file_name(std::string(300, 'a') + ".mp4", 20) == std::string(16, 'a') + ".mp4");
}
