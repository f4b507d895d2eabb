// The session record's description of the movie: what the sender's container walk found, written by
// the sender's page so that the recipient's page can plan playback (playback_support) before Accept.
// It crosses the database from the other person, so the reader takes it as hostile: whatever it
// accepts is within the bounds below, and the writer keeps to them too (encode(parse(x)) == x for
// what the writer wrote; parse(encode(t)) == t for tracks within the bounds).
//
// One line of at most kMaxMediaSummaryChars bytes (the database rule's 1024; UTF-8 bytes are never
// fewer than the UTF-16 units the rule counts):
//
//   v1|<format>|<track>|<track>...        (no tracks: "v1|<format>")
//   <format>  container_format_name(): unknown, mp4, webm, matroska, mov, mpegts (another name reads
//             as unknown: a later writer's format this reader cannot play)
//   <track>   kind,id,codec,language,default,channels,sample_rate,width,height,title,codec_id
//     kind         V video, A audio, S subtitle, O other
//     id           1..4294967295, each once
//     codec        a family of media_track.hpp that fits the kind ("aac" for A), or empty
//     language     ISO 639 ([a-z]{2,3}) or a short BCP-47 tag ("pt-BR", "zh-Hans", at most 16
//                  characters), "und" when unknown
//     default      0 or 1
//     numbers      decimal, 0 when unknown: channels <= 64, sample_rate <= 768000, width and
//                  height <= 16384 (a larger value reads as 0)
//     title        UTF-8, at most 64 characters, no control, bidi or zero-width characters, no
//                  spaces at its ends; '%', '|' and ',' written %25, %7C, %2C
//     codec_id     the container's own name ("V_MPEG4/ISO/AVC", "mp4a"): at most 32 of
//                  [A-Za-z0-9._/:+-]. For people who debug; never shown in the app
//   Fields a later v1 writer appends to a track are skipped; tracks after the 16th are not read.
//   e.g. v1|matroska|V,1,avc,und,1,0,0,1920,1080,,V_MPEG4/ISO/AVC|A,2,ac3,fra,0,6,48000,0,0,Surround 5.1,A_AC3
//
// The reader is strict about the shape (version, kind letters, numbers, ids) and rejects a summary
// that breaks it; it coerces what a sender's file may legitimately hold oddly (an unknown codec
// family becomes "", a language that is no tag "und", a title is cleaned and cut).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "media/container_walk.hpp"
#include "media/media_track.hpp"

namespace wt {

constexpr std::size_t kMaxMediaSummaryChars = 1024;
constexpr std::size_t kMaxSummaryTracks = 16;
constexpr std::size_t kMaxTrackTitleChars = 64;  // characters (code points), not bytes
constexpr std::size_t kMaxTrackLanguageChars = 16;
constexpr std::size_t kMaxCodecIdChars = 32;
constexpr std::uint32_t kMaxTrackChannels = 64;
constexpr std::uint32_t kMaxTrackSampleRate = 768000;
constexpr std::uint32_t kMaxTrackDimension = 16384;

// Always a valid summary of at most kMaxMediaSummaryChars. Tracks are normalized as the reader
// would (normalize_media_track); a track with id 0 or an id seen before is left out. More than 16
// tracks: the video and audio tracks are kept before subtitles and others. Too long: codec ids go
// first, then titles are shortened (to 16 characters at the least), then tracks are dropped from the
// end (others, then subtitles, then audio and video), since a lost sound track is a choice the
// recipient never sees, while a shortened title still tells the tracks apart.
std::string encode_media_summary(ContainerFormat format, const std::vector<MediaTrack>& tracks);

// false (format Unknown, tracks empty) when the text is not a v1 summary of the shape above.
bool parse_media_summary(const std::string& text, ContainerFormat& format, std::vector<MediaTrack>& tracks);

// The bounds, one field at a time (the plan's labels use them on tracks from a local walk too).
// A title: invalid UTF-8 becomes U+FFFD, control/bidi/zero-width characters are removed, spaces at
// its ends trimmed, then cut to max_chars characters.
std::string sanitize_track_title(const std::string& title, std::size_t max_chars = kMaxTrackTitleChars);
// A language: "eng", "ENG" -> "eng"; "pt_br" -> "pt-BR"; "zh-hans" -> "zh-Hans"; anything else "und".
std::string sanitize_track_language(const std::string& language);
// Whether codec is a family of media_track.hpp for that kind of track ("" is not).
bool is_codec_family(TrackKind kind, const std::string& codec);
// Every field within the bounds (an unknown kind becomes Other).
MediaTrack normalize_media_track(const MediaTrack& track);

}  // namespace wt
