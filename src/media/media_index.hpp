// A movie's index: points where playback can start (sync samples / keyframes, fragments, clusters)
// as media time <-> byte offset of their data. Fed from what the container walk found (MP4/MOV
// sample tables, fMP4 fragments, WebM/Matroska clusters and cues, an MPEG-TS's estimates) or what a
// demuxer reports.
//
// Compact: 24 bytes a point. Keyframes (at most one every quarter second from a sample table) plus
// at most a point every half second: a 3-hour movie is ~22,000 to ~43,000 points (about 1 MB),
// whatever its frame rate.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace wt {

struct IndexPoint {
  double time_s = 0;
  std::uint64_t offset = 0;
  bool keyframe = true;  // playback can start here (else: a point that only marks where data lies)
  bool operator==(const IndexPoint& o) const { return time_s == o.time_s && offset == o.offset && keyframe == o.keyframe; }
};

class MediaIndex {
 public:
  // Adds a point (any order; kept sorted by time). A second point at the same time keeps the
  // earlier offset (and is a keyframe if either was). Non-finite or negative times are ignored.
  void add(double time_s, std::uint64_t offset, bool keyframe = true);
  void clear() { points_.clear(); }

  bool empty() const { return points_.empty(); }
  std::size_t size() const { return points_.size(); }
  const std::vector<IndexPoint>& points() const { return points_; }

  // The last point at or before `time_s` (the keyframe to start from), or the first point when
  // time_s lies before it. Index into points(); size() when empty.
  std::size_t at_or_before(double time_s) const;
  // Where playback from `time_s` must start reading: the last keyframe point at or before it (the
  // first point when there is none); 0 when empty.
  std::uint64_t offset_for(double time_s) const;

 private:
  std::vector<IndexPoint> points_;
};

}  // namespace wt
