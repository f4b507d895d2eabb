#include "media/media_index.hpp"

#include <algorithm>
#include <cmath>

namespace wt {

void MediaIndex::add(double time_s, std::uint64_t offset, bool keyframe) {
  if (!std::isfinite(time_s) || time_s < 0) return;
  // Demuxers report in time order: appending is the common case.
  if (points_.empty() || points_.back().time_s < time_s) {
    points_.push_back({time_s, offset, keyframe});
    return;
  }
  auto it = std::lower_bound(points_.begin(), points_.end(), time_s,
                             [](const IndexPoint& p, double t) { return p.time_s < t; });
  if (it != points_.end() && it->time_s == time_s) {
    it->offset = std::min(it->offset, offset);
    it->keyframe = it->keyframe || keyframe;
    return;
  }
  points_.insert(it, {time_s, offset, keyframe});
}

std::size_t MediaIndex::at_or_before(double time_s) const {
  if (points_.empty()) return 0;
  auto it = std::upper_bound(points_.begin(), points_.end(), time_s,
                             [](double t, const IndexPoint& p) { return t < p.time_s; });
  if (it == points_.begin()) return 0;
  return std::size_t(std::prev(it) - points_.begin());
}

std::uint64_t MediaIndex::offset_for(double time_s) const {
  if (points_.empty()) return 0;
  for (std::size_t i = at_or_before(time_s) + 1; i-- > 0;)
    if (points_[i].keyframe) return points_[i].offset;
  return points_.front().offset;
}

}  // namespace wt
