// What will play in THIS browser, decided before anything travels. From a movie's container and
// tracks (the sender's own container walk, or the session record's summary on the recipient's side)
// and what this browser can do (probed by the glue), plan_playback says which pipeline the player
// uses, what it does with each audio track, and the texts people read: a headline ("Plays while it
// arrives"), a detail, the codecs line and each audio track's menu label.
//
// Pipelines, the most direct first:
//   Mp4Segments  an MP4 with at most one video and one audio track, all taken by MediaSource in MP4
//                as they are: mp4box.js cuts it into segments (its subtitle tracks are left out)
//   WebmAppend   a WebM (not Matroska) with at most one video and one audio track and nothing else,
//                all taken by MediaSource in WebM: appended as it is, so MediaSource gets every track
//   Remux        anything else that can play: the worker demuxes the container and writes fragmented
//                MP4, copying the video and copying or converting each audio track (decoded here,
//                encoded as Opus: so MediaSource must take Opus in MP4 too); one audio track plays at
//                a time, chosen by each viewer
//   None         nothing plays while it arrives; the element may play the whole file once it is here
//
// Codec support is read from MediaSource's answers (mse_mp4, mse_webm): the element decodes with the
// same decoders, so a codec neither takes is one the element cannot show either. Whether the element
// takes the file's type at all is element_plays_whole.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "media/container_walk.hpp"
#include "media/media_track.hpp"

namespace wt {

// What this browser can do, as codec families (media_track.hpp), probed by the glue.
struct BrowserCaps {
  std::set<std::string> mse_mp4;       // codec families MediaSource takes in fragmented MP4 (video/mp4, audio/mp4)
  std::set<std::string> mse_webm;      // ... and in WebM
  // audio families the page can decode to PCM (WebCodecs AudioDecoder, or a wasm decoder such as AC-3's)
  std::set<std::string> decode_audio;
  bool encode_opus = false;            // WebCodecs AudioEncoder takes Opus: converted sound is Opus in fragmented MP4
  bool element_plays_whole = false;    // the <video> element says it can play the whole file's type (canPlayType)
};

enum class PlaybackPipeline : std::uint8_t { None = 0, Mp4Segments = 1, WebmAppend = 2, Remux = 3 };
const char* playback_pipeline_name(PlaybackPipeline p);  // "none", "mp4-segments", "webm-append", "remux"

enum class PlaybackExpectation : std::uint8_t {
  Progressive = 0,      // "Plays while it arrives" (perhaps without sound: see the detail)
  AfterArrival = 1,     // "Plays once it has fully arrived": no progressive path; the element plays it
  VideoUnplayable = 2,  // "This browser cannot play its video (HEVC)"; its sound may still play
  NotAMovie = 3,        // an unknown format, or no audio or video track
  AudioUnplayable = 4,  // no video, and none of its sound tracks plays here
};
// "progressive", "after-arrival", "video-unplayable", "not-a-movie", "audio-unplayable"
const char* playback_expectation_name(PlaybackExpectation e);

enum class AudioAction : std::uint8_t {
  Copy = 0,        // plays as it is (with pipeline None: the element plays it in the whole file)
  Convert = 1,     // decoded here and re-encoded as Opus as it plays (Remux only)
  Unplayable = 2,  // see reason
};
const char* audio_action_name(AudioAction a);  // "copy", "convert", "unplayable"

struct PlannedAudio {
  MediaTrack track;          // as given: show label, not track.name (a walk's title is not cleaned)
  std::uint32_t number = 0;  // its place among the file's audio tracks, from 1 (as in "Track 3")
  AudioAction action = AudioAction::Unplayable;
  std::string reason;  // Unplayable only, for people: "this browser cannot play DTS sound"
  std::string label;   // for a menu, unique in the plan: "French — Surround 5.1 (AC-3, 5.1)"
};

struct PlannedSubtitle {  // listed, not played yet
  std::uint32_t id = 0;
  std::string codec;      // family, "" when unknown
  std::string language;   // as sanitize_track_language leaves it
  std::string title;      // as sanitize_track_title leaves it
  bool text_based = false;  // srt, ass, webvtt, tx3g (the others are pictures)
};

struct PlaybackPlan {
  PlaybackPipeline pipeline = PlaybackPipeline::None;
  PlaybackExpectation expectation = PlaybackExpectation::NotAMovie;
  std::uint32_t video_track = 0;     // the video track the player shows; 0 when none will be shown
  std::string video_codec;           // the family of the file's video (shown or not; codec_name() for
                                     // people); "" when it has none or the walk does not know it
  std::vector<PlannedAudio> audio;   // every audio track, in file order
  std::uint32_t default_audio = 0;   // the first playable default track, else the first playable; 0: none
  std::vector<PlannedSubtitle> subtitles;
  std::string headline;     // the expectation in a short sentence
  // What cannot play, for a player's own line ("This browser cannot play its video (HEVC)"): the
  // headline without what a recipient may still expect once the file has arrived; "" when it plays.
  std::string problem;
  std::string detail;       // what it holds, what plays and what does not, and what to choose instead
  std::string codecs_text;  // "H.264 + AAC", for the line a recipient sees; "" when nothing is known
};

PlaybackPlan plan_playback(ContainerFormat format, const std::vector<MediaTrack>& tracks, const BrowserCaps& caps);

// Names for people. codec_name: "H.264", "AC-3 (Dolby Digital)", "an unknown codec" for "" or a family
// it does not know; codec_short_name, as labels use it: "AC-3", "unknown codec".
std::string codec_name(const std::string& family);
std::string codec_short_name(const std::string& family);
// "eng", "en", "fre", "fra" -> "English", "French"; "pt-BR" -> "Portuguese (Brazil)"; "und", "" -> "";
// a tag it does not know, as sanitize_track_language leaves it ("tlh").
std::string language_name(const std::string& tag);
// The words a menu shows for a track: "English — Commentary", the title or the language alone (the
// title only when it does not repeat the language), or "Track <position>".
std::string track_name(const MediaTrack& t, std::size_t position);

}  // namespace wt
