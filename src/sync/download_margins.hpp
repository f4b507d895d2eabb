// How much playable media a viewer whose file is still arriving must have ahead of the playhead:
// one set of margins, shared by the machines that decide on it (ProgressivePlayback's unlock,
// PlaybackSync's wait and resume), each picked by the download's gain: media seconds the download
// adds per second of playback (its measured rate, derated, over the movie's bitrate).
//
//   gain < fast_gain (1.5)         the download may fall behind: stop below 4 s, start and resume
//                                  with 12 s (8 s of media gained between two waits at most)
//   fast_gain <= gain < quick_gain the gap grows by itself: start and resume with 5 s
//   gain >= quick_gain (3)         the gap grows by two seconds or more per second of playback:
//                                  start and resume with 2 s, stop below 1 s. A stop is written
//                                  about a lead (a few hundred ms) ahead of where it takes effect,
//                                  within that second; a download that stops dead loses its gain
//                                  and the wider margins apply again.
#pragma once

namespace wt {

struct DownloadMargins {
  double fast_gain = 1.5;
  double quick_gain = 3;
  double enter_waiting_s = 4;
  double quick_enter_waiting_s = 1;
  double resume_s = 12;
  double fast_resume_s = 5;
  double quick_resume_s = 2;

  // Media ahead needed to start (unlock, resume) at this gain.
  double resume(double gain) const {
    return gain >= quick_gain ? quick_resume_s : gain >= fast_gain ? fast_resume_s : resume_s;
  }
  // Below this much ahead a playing group stops for the viewer.
  double enter_waiting(double gain) const { return gain >= quick_gain ? quick_enter_waiting_s : enter_waiting_s; }
};

}  // namespace wt
