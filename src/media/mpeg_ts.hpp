// The packets of an MPEG transport stream (188 bytes each, or 192 in M2TS: a 4-byte timestamp then
// the packet), read for what the container walk needs: the program's streams (PAT, then PMT) as
// tracks, and the span of its presentation times: from the earliest PTS of its audio and video
// streams in the file's first packets (the head) to the latest in its last ones (the tail), as
// ffprobe measures a duration; the PCR of the PMT's PCR_PID when there is no PTS. A transport
// stream has no index: the walk estimates points from the duration and the bytes.
// Pure and bounded: it reads only the packets it is given, keeps one PSI section (at most 1 KiB) and
// at most 64 streams, and skips what lies (a section longer than its bytes, a descriptor past its
// loop, a packet without its sync byte).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "media/media_track.hpp"

namespace wt {

class TsScan {
 public:
  // 188 or 192 when the first n bytes of a file (n >= 1) look like transport packets of that
  // size: sync bytes (0x47) at 0, 188 and 376 (M2TS: 4, 196, 388), as far as the bytes reach, in at
  // least one whole packet. 0 when they do not.
  static std::uint32_t detect(const std::uint8_t* d, std::size_t n);

  explicit TsScan(std::uint32_t packet_size = 188) : packet_(packet_size) {}
  std::uint32_t packet_size() const { return packet_; }

  // Whole packets from the file, in file order (the tail after the head). A partial packet at the
  // end is ignored.
  void scan(const std::uint8_t* d, std::size_t n);

  bool pmt_read() const { return pmt_read_; }
  const std::vector<MediaTrack>& tracks() const { return tracks_; }
  // The head has told what it can: the PMT, and the first PES of each audio and video stream (its
  // first PTS; an audio frame's channels and rate; what a private stream without descriptors holds).
  bool head_complete() const;
  bool has_first_clock() const { return pts_ref_ >= 0 || first_pcr_ >= 0; }
  // From the earliest presentation time to the latest seen (the PCR's first to last when there
  // was no PTS); a 33-bit clock that wrapped once is fine. 0 when unknown.
  double duration_s() const;
  std::uint32_t lost_packets() const { return lost_; }  // without their sync byte

  static constexpr std::size_t kMaxStreams = 64;

 private:
  void packet(const std::uint8_t* p);
  void section(std::uint16_t pid, bool unit_start, const std::uint8_t* d, std::size_t n);
  void read_pat(const std::uint8_t* s, std::size_t n);
  void read_pmt(const std::uint8_t* s, std::size_t n);
  void pes_start(std::uint16_t pid, const std::uint8_t* d, std::size_t n);
  void on_pcr(std::uint16_t pid, std::int64_t base);
  void on_pts(std::int64_t pts);
  void mark_defaults();

  struct Stream {
    std::uint16_t pid = 0;
    bool timed = false;  // audio or video: its PTS count
    bool seen = false;   // its first PES has been read
  };

  std::uint32_t packet_;
  std::uint32_t lost_ = 0;
  std::vector<std::uint8_t> psi_;  // a section being put together
  std::uint16_t psi_pid_ = 0;
  int pmt_pid_ = -1;
  bool pmt_read_ = false;
  std::uint16_t pcr_pid_ = 0x1fff;  // 0x1fff: none
  std::vector<MediaTrack> tracks_;
  std::vector<Stream> streams_;  // beside tracks_
  std::vector<std::pair<std::uint16_t, std::int64_t>> early_pcr_;  // first PCR per PID before the PMT
  std::int64_t first_pcr_ = -1, last_pcr_ = -1;  // 90 kHz, -1: not seen
  // PTS relative to the first one seen (90 kHz, within +-2^32 of it): the earliest and the latest.
  std::int64_t pts_ref_ = -1, pts_min_ = 0, pts_max_ = 0;
};

}  // namespace wt
