// The movies made by ffmpeg at build time (tests/media/make_fixtures.sh) and the facts ffprobe
// wrote beside them (`NAME.duration`, `NAME.keyframes`: the video keyframes' times, one a line;
// `NAME.keyframe_pos`: "time offset" of each; `NAME.tracks`: one "stream|key=value|..." line a stream).
#pragma once

#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace wt_test {

inline std::string fixture_path(const std::string& name) { return std::string(WT_MEDIA_FIXTURES) + "/" + name; }

inline std::vector<std::uint8_t> fixture(const std::string& name) {
  std::ifstream in(fixture_path(name), std::ios::binary);
  REQUIRE(in.good());
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline double fixture_duration(const std::string& name) {
  std::ifstream in(fixture_path(name + ".duration"));
  double d = 0;
  in >> d;
  REQUIRE(d > 0);
  return d;
}

inline std::vector<double> fixture_keyframes(const std::string& name) {
  std::ifstream in(fixture_path(name + ".keyframes"));
  std::vector<double> out;
  for (double t; in >> t;) out.push_back(t);
  REQUIRE_FALSE(out.empty());
  return out;
}

inline std::vector<std::pair<double, std::uint64_t>> fixture_keyframe_pos(const std::string& name) {
  std::ifstream in(fixture_path(name + ".keyframe_pos"));
  std::vector<std::pair<double, std::uint64_t>> out;
  double t;
  std::uint64_t pos;
  while (in >> t >> pos) out.emplace_back(t, pos);
  REQUIRE_FALSE(out.empty());
  return out;
}

// Each stream as ffprobe describes it: "codec_name", "codec_type", "channels", "sample_rate",
// "width", "height", "disposition:default", "tag:language", "tag:title" (absent keys: not said).
inline std::vector<std::map<std::string, std::string>> fixture_tracks(const std::string& name) {
  std::ifstream in(fixture_path(name + ".tracks"));
  std::vector<std::map<std::string, std::string>> out;
  for (std::string line; std::getline(in, line);) {
    std::map<std::string, std::string> fields;
    std::size_t at = 0;
    while (at <= line.size()) {
      std::size_t bar = line.find('|', at);
      if (bar == std::string::npos) bar = line.size();
      const std::string field = line.substr(at, bar - at);
      const std::size_t eq = field.find('=');
      if (eq != std::string::npos) fields[field.substr(0, eq)] = field.substr(eq + 1);
      at = bar + 1;
    }
    out.push_back(fields);
  }
  REQUIRE_FALSE(out.empty());
  return out;
}

}  // namespace wt_test
