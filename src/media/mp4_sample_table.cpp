#include "media/mp4_sample_table.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "media/iso_bmff.hpp"

namespace wt {
namespace {

constexpr std::uint64_t kNever = std::numeric_limits<std::uint64_t>::max();
// Samples stepped one by one (tracks with composition offsets, where times do not only rise):
// 16 million is a 3-hour movie at 60 fps 25 times over; a table claiming more stops there.
constexpr std::uint64_t kMaxSteps = 1u << 24;

using bmff::be32;
using bmff::be64;

// Media ticks from seconds: ceil (or floor) of a product that may be huge, negative or NaN.
std::uint64_t ticks(double x, bool up) {
  if (!(x > 0)) return 0;
  if (x >= 1.8e19) return kNever;
  return std::uint64_t(up ? std::ceil(x) : std::floor(x));
}

// A position in a track's samples, in decode order: the sample's decode time, composition offset
// and file offset, moved on sample by sample (next) or many at a time (skip).
class Cursor {
 public:
  explicit Cursor(const SampleTable& t) : t_(&t) {
    ok_ = t.usable() && stts_run(0) && enter_chunk(0);
    if (ok_ && t.ctts) ctts_run(0);
  }

  bool ok() const { return ok_; }
  bool has_next() const { return ok_ && i_ + 1 < t_->sample_count; }
  std::uint64_t number() const { return std::uint64_t(i_) + 1; }  // as stss counts, from 1
  std::uint64_t offset() const { return offset_; }
  double time_s() const { return double(std::int64_t(dts_) + coff_) / t_->timescale; }
  bool rising() const { return t_->ctts == nullptr; }  // times rise with the samples
  std::uint32_t sample_size() const { return size(i_); }
  double duration_s() const { return double(delta_) / t_->timescale; }

  void next() {
    if (!has_next()) {
      ok_ = false;
      return;
    }
    offset_ += size(i_);
    ++i_;
    ++in_chunk_;
    advance_time(1);
    if (ok_ && in_chunk_ >= per_chunk_) ok_ = enter_chunk(chunk_ + 1);
  }

  // k samples on (as far as the last sample): whole chunks are stepped over without their sizes.
  void skip(std::uint64_t k) {
    if (!ok_) return;
    k = std::min<std::uint64_t>(k, std::uint64_t(t_->sample_count) - 1 - i_);
    while (k > 0 && ok_) {
      const std::uint64_t rest = per_chunk_ - in_chunk_;  // this chunk's samples from here on
      if (k >= rest) {
        advance_time(rest);
        i_ += std::uint32_t(rest);
        k -= rest;
        ok_ = ok_ && enter_chunk(chunk_ + 1);
      } else {
        if (t_->sizes) {
          for (std::uint64_t j = 0; j < k; ++j) offset_ += size(i_ + std::uint32_t(j));
        } else {
          offset_ += k * t_->sample_size;
        }
        advance_time(k);
        i_ += std::uint32_t(k);
        in_chunk_ += std::uint32_t(k);
        k = 0;
      }
    }
  }

  // Samples from this one to the first whose decode time is at least `t` (0: this one; kNever:
  // none), through the runs of equal durations.
  std::uint64_t samples_until(std::uint64_t t) const {
    if (dts_ >= t) return 0;
    std::uint64_t n = 0, d = dts_, left = left_, delta = delta_;
    std::size_t e = e_;
    for (;;) {
      if (delta > 0) {
        const std::uint64_t need = (t - d + delta - 1) / delta;
        if (need < left) return n + need;
      }
      n += left;
      d += left * delta;
      do {
        if (++e >= t_->stts_count) return kNever;
      } while (be32(t_->stts + 8 * e) == 0);
      left = be32(t_->stts + 8 * e);
      delta = be32(t_->stts + 8 * e + 4);
      if (d >= t) return n;
    }
  }

  // Onto the sample playing at `time_s`: the last one starting at or before it (staying here when
  // the next starts later), as mp4-segmenter.js picks another track's sample.
  void seek_playing(double time_s, std::uint64_t& budget) {
    if (!ok_) return;
    if (rising()) {
      const std::uint64_t k = samples_until(ticks(time_s * t_->timescale, false) + 1);
      if (k > 1) skip(k - 1);
      return;
    }
    while (has_next() && budget > 0) {
      Cursor n = *this;
      n.next();
      --budget;
      if (!n.ok() || n.time_s() > time_s) return;
      *this = n;
    }
  }

 private:
  std::uint32_t size(std::uint32_t i) const {
    const std::uint8_t* s = t_->sizes;
    if (!s) return t_->sample_size;
    switch (t_->size_bits) {
      case 4: return i % 2 ? s[i / 2] & 0x0f : s[i / 2] >> 4;
      case 8: return s[i];
      case 16: return std::uint32_t(s[2 * i]) << 8 | s[2 * i + 1];
      default: return be32(s + 4 * std::size_t(i));
    }
  }

  // The first run from entry e with samples in it.
  bool stts_run(std::size_t e) {
    for (; e < t_->stts_count; ++e) {
      if (be32(t_->stts + 8 * e) == 0) continue;
      e_ = e;
      left_ = be32(t_->stts + 8 * e);
      delta_ = be32(t_->stts + 8 * e + 4);
      return true;
    }
    return false;
  }
  void ctts_run(std::size_t e) {
    for (; e < t_->ctts_count; ++e) {
      if (be32(t_->ctts + 8 * e) == 0) continue;
      ce_ = e;
      cleft_ = be32(t_->ctts + 8 * e);
      // Signed in version 1; version 0 writers put negative offsets there too (ffmpeg reads them so).
      coff_ = std::int32_t(be32(t_->ctts + 8 * e + 4));
      return;
    }
    ce_ = t_->ctts_count;
    cleft_ = kNever;  // past the table: no offset
    coff_ = 0;
  }

  void advance_time(std::uint64_t k) {
    for (std::uint64_t rest = k; rest > 0;) {
      const std::uint64_t take = std::min(rest, left_);
      dts_ += take * delta_;
      left_ -= take;
      rest -= take;
      if (left_ == 0 && !stts_run(e_ + 1)) {
        ok_ = false;  // samples past the time table: no time for them
        return;
      }
    }
    if (!t_->ctts) return;
    for (std::uint64_t rest = k; rest > 0;) {
      const std::uint64_t take = std::min(rest, cleft_);
      cleft_ -= take;
      rest -= take;
      if (cleft_ == 0) ctts_run(ce_ + 1);
    }
  }

  // Chunk c (or the next one with samples): its first sample is the current one.
  bool enter_chunk(std::uint64_t c) {
    for (; c < t_->chunk_count; ++c) {
      while (sc_ + 1 < t_->stsc_count && be32(t_->stsc + 12 * (sc_ + 1)) <= c + 1) ++sc_;
      per_chunk_ = be32(t_->stsc + 12 * sc_ + 4);
      if (per_chunk_ == 0) continue;
      chunk_ = c;
      in_chunk_ = 0;
      offset_ = t_->offsets64 ? be64(t_->chunks + 8 * c) : be32(t_->chunks + 4 * c);
      return true;
    }
    return false;
  }

  const SampleTable* t_;
  bool ok_ = false;
  std::uint32_t i_ = 0;  // sample index
  std::uint64_t offset_ = 0;
  std::uint64_t dts_ = 0;
  std::size_t e_ = 0;  // stts run, samples left in it (this one included), their duration
  std::uint64_t left_ = 0, delta_ = 0;
  std::size_t ce_ = 0;  // ctts run, samples left in it, their offset
  std::uint64_t cleft_ = 0;
  std::int64_t coff_ = 0;
  std::uint64_t chunk_ = 0;
  std::size_t sc_ = 0;  // stsc entry
  std::uint32_t per_chunk_ = 0, in_chunk_ = 0;
};

// Entries of a full box: (n - 8) / size of them after version, flags and count, at most as many as
// it claims.
std::size_t entries(const std::uint8_t* body, std::size_t n, std::size_t header, std::size_t size) {
  if (n < header) return 0;
  return std::min<std::size_t>(be32(body + header - 4), (n - header) / size);
}

}  // namespace

bool SampleTable::set(const std::string& type, const std::uint8_t* b, std::size_t n) {
  if (type == "stts") {
    stts_count = entries(b, n, 8, 8);
    stts = b + 8;
  } else if (type == "ctts") {
    ctts_count = entries(b, n, 8, 8);
    ctts = ctts_count ? b + 8 : nullptr;
  } else if (type == "stsc") {
    stsc_count = entries(b, n, 8, 12);
    stsc = b + 8;
  } else if (type == "stco" || type == "co64") {
    offsets64 = type == "co64";
    chunk_count = entries(b, n, 8, offsets64 ? 8 : 4);
    chunks = b + 8;
  } else if (type == "stss") {
    stss_count = entries(b, n, 8, 4);
    stss = b + 8;
  } else if (type == "stsz") {
    if (n < 12) return true;
    sample_size = be32(b + 4);
    sample_count = be32(b + 8);
    size_bits = 32;
    sizes = nullptr;
    if (sample_size == 0) {
      sample_count = std::uint32_t(std::min<std::size_t>(sample_count, (n - 12) / 4));
      sizes = b + 12;
    }
  } else if (type == "stz2") {
    if (n < 12) return true;
    size_bits = b[7];
    if (size_bits != 4 && size_bits != 8 && size_bits != 16) return true;  // not a table to read
    sample_size = 0;
    const std::size_t room = (n - 12) * 8 / std::size_t(size_bits);
    sample_count = std::uint32_t(std::min<std::size_t>(be32(b + 8), room));
    sizes = b + 12;
  } else {
    return false;
  }
  return true;
}

void sample_table_points(const SampleTable& main, const SampleTable* others, std::size_t other_count,
                         double spacing_s, double min_sync_s, std::size_t max_points,
                         const std::function<void(double, std::uint64_t, bool)>& point) {
  Cursor m(main);
  std::vector<Cursor> rest;
  for (std::size_t i = 0; i < other_count; ++i) {
    Cursor c(others[i]);
    if (c.ok()) rest.push_back(c);
  }
  std::uint64_t budget = kMaxSteps;
  std::size_t sync_at = 0;  // stss entries before it are behind the cursor
  const double inf = std::numeric_limits<double>::infinity();
  double last = -inf, last_sync = -inf;
  std::size_t emitted = 0;
  while (m.ok() && emitted < max_points) {
    const std::uint64_t number = m.number();
    bool sync = true;
    if (main.stss) {
      while (sync_at < main.stss_count && be32(main.stss + 4 * sync_at) < number) ++sync_at;
      sync = sync_at < main.stss_count && be32(main.stss + 4 * sync_at) == number;
    }
    const double t = m.time_s();
    const bool key = sync && t - last_sync >= min_sync_s;
    if (key || t - last >= spacing_s) {
      std::uint64_t offset = m.offset();
      for (Cursor& c : rest) {
        c.seek_playing(t, budget);
        if (c.ok()) offset = std::min(offset, c.offset());
      }
      if (t >= 0 && std::isfinite(t)) {
        point(t, offset, key);
        ++emitted;
      }
      last = t;
      if (key) last_sync = t;
    }
    if (!m.has_next()) break;
    if (m.rising()) {
      // Times rise: go straight to the next sample that can be a point, the next sync sample or
      // the first one a fill point's spacing on.
      std::uint64_t k = m.samples_until(ticks((last + spacing_s) * main.timescale, true));
      if (main.stss) {
        std::size_t s = sync_at;
        while (s < main.stss_count && be32(main.stss + 4 * s) <= number) ++s;
        if (s < main.stss_count) k = std::min<std::uint64_t>(k, be32(main.stss + 4 * s) - number);
      } else {
        k = std::min(k, m.samples_until(ticks((last_sync + min_sync_s) * main.timescale, true)));
      }
      m.skip(std::max<std::uint64_t>(k, 1));
    } else {
      if (budget == 0) break;
      --budget;
      m.next();
    }
  }
}

}  // namespace wt

namespace wt {

void sample_table_samples(const SampleTable& table, std::size_t max_samples,
                          const std::function<void(double, double, std::uint64_t, std::uint32_t)>& sample) {
  Cursor c(table);
  for (std::size_t n = 0; c.ok() && n < max_samples; ++n) {
    sample(c.time_s(), c.duration_s(), c.offset(), c.sample_size());
    if (!c.has_next()) break;
    c.next();
  }
}

}  // namespace wt
