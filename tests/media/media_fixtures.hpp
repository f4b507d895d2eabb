// The movies made by ffmpeg at build time (tests/media/make_fixtures.sh) and the facts ffprobe
// wrote beside them (`NAME.duration`, `NAME.keyframes`: the video keyframes' times, one a line).
#pragma once

#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
#include <string>
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

}  // namespace wt_test
