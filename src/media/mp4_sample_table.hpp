// The sample table of an MP4/MOV track (stbl: stts, ctts, stsc, stsz/stz2, stco/co64, stss) read in
// place from the moov's bytes, and the index points a moov gives: for the main track (the first
// video track, else the first audio track) its sync samples and a point at least every half second,
// time = (decode time + composition offset) / timescale (no edit list applied, as mp4box.js does),
// offset = the smallest of that sample's and, for each other track, of its sample playing then (a
// file may store a moment's audio before its video keyframe). What web/adapters/mp4-segmenter.js
// computes from mp4box.js, before anything has to be demuxed.
//
// Linear and bounded: the tables are walked once, in place (nothing per sample is stored); runs of
// equal durations and whole chunks are stepped over arithmetically where times only rise (no
// composition offsets), so a 3-hour PCM track of 500 million samples costs its chunk count.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace wt {

struct SampleTable {
  // Entries in place (after each box's version, flags and count), counted by what the box holds,
  // never by what it claims. They point into the moov's bytes: valid only while those are.
  const std::uint8_t* stts = nullptr;  // (count, delta) pairs
  std::size_t stts_count = 0;
  const std::uint8_t* ctts = nullptr;  // (count, offset) pairs; null: no composition offsets
  std::size_t ctts_count = 0;
  const std::uint8_t* stsc = nullptr;  // (first chunk, samples per chunk, description) triples
  std::size_t stsc_count = 0;
  const std::uint8_t* sizes = nullptr;  // stsz / stz2 entries, size_bits each; null: all sample_size
  std::uint32_t sample_size = 0;
  std::uint32_t sample_count = 0;
  int size_bits = 32;
  const std::uint8_t* chunks = nullptr;  // stco / co64 offsets
  std::size_t chunk_count = 0;
  bool offsets64 = false;
  const std::uint8_t* stss = nullptr;  // sync sample numbers (from 1); null: every sample is one
  std::size_t stss_count = 0;
  std::uint32_t timescale = 0;  // the track's mdhd timescale

  // Takes a stbl child box's body by its type; false when the type is not one of the table's.
  bool set(const std::string& type, const std::uint8_t* body, std::size_t n);
  bool usable() const {
    return stts_count && stsc_count && sample_count && chunk_count && timescale && (sizes || sample_size);
  }
};

// Calls point(time_s, offset, keyframe) for each index point of `main`, in its decode order:
// every sync sample (every sample when there is no stss) at least min_sync_s after the previous
// sync point (all-intra video and audio would give a point per frame), and a non-keyframe point
// when spacing_s has passed without one. `others`: the other audio/video tracks. Offsets are as
// the tables say (the caller checks them against the file); negative times are skipped. Stops
// after max_points points, or when the tables are exhausted or lie.
void sample_table_points(const SampleTable& main, const SampleTable* others, std::size_t other_count,
                         double spacing_s, double min_sync_s, std::size_t max_points,
                         const std::function<void(double, std::uint64_t, bool)>& point);

// Calls sample(time_s, duration_s, offset, size) for each sample of `table` in decode order (a
// subtitle track's cues: few, each read whole), at most max_samples; stops where the tables lie.
void sample_table_samples(const SampleTable& table, std::size_t max_samples,
                          const std::function<void(double, double, std::uint64_t, std::uint32_t)>& sample);

}  // namespace wt
