// Subtitle files as people have them (.srt, .vtt, .ass/.ssa), from either viewer: a peer's bytes,
// so nothing in them is trusted. They are decoded to UTF-8 (a byte-order mark, valid UTF-8, UTF-16
// without a mark, or the legacy single-byte code pages .srt files are often in: Windows-1251 for
// Cyrillic, Windows-1252 for Western European text) and read into a timeline of cues for the
// video element's text tracks (WebVTT cues: the browser renders them, its captions menu and screen
// readers see them, and being on the media timeline they are in sync for every viewer).
//
// Cue text is WebVTT cue text: '&', '<' and '>' are escaped, and the only markup kept is what the
// browser renders and files commonly use: <i>, <b> and <u> (SRT's tags, ASS's {\i1} {\b1} {\u1}),
// balanced. Everything else (SRT's <font>, ASS's other override tags, positions and styles) is
// dropped: an ASS file shows as plain text in the browser's own renderer.
//
// Broken files lose only what is broken: a cue whose timestamps do not read, or that ends before it
// starts, is skipped and counted; cue numbers may be missing or wrong; CRLF, CR and LF all end
// lines; cues may overlap (both show). A file with no usable cue at all is an error that says why.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace wt {

enum class SubtitleFormat : std::uint8_t { Unknown = 0, Srt, WebVtt, Ass };
// Auto: detect (the viewer may then pick another when the text looks wrong).
enum class TextEncoding : std::uint8_t { Auto = 0, Utf8, Utf16Le, Utf16Be, Windows1251, Windows1252 };

const char* subtitle_format_name(SubtitleFormat f);  // "srt", "vtt", "ass", "unknown"
const char* text_encoding_name(TextEncoding e);      // "utf-8", "utf-16le", ..., "windows-1252"
TextEncoding text_encoding_from_name(const std::string& name);  // Auto for anything else

struct SubtitleCue {
  double start_s = 0;
  double end_s = 0;
  std::string text;  // WebVTT cue text (see above): non-empty lines separated by '\n'
};

struct SubtitleFile {
  SubtitleFormat format = SubtitleFormat::Unknown;
  TextEncoding encoding = TextEncoding::Utf8;  // what the bytes were decoded as
  std::vector<SubtitleCue> cues;               // by start time (stable for equal starts)
  std::uint32_t skipped = 0;                   // cues dropped: unreadable times, end before start
  std::string error;                           // set when the file gave no cue: why, for people
};

// The largest subtitle file taken (a feature film's .ass with karaoke is a few MB).
constexpr std::size_t kMaxSubtitleBytes = 16u << 20;

// Reads a subtitle file. `name` (its file name) only breaks a tie in the format when the text
// itself does not say (a WebVTT file says so in its first line; ASS has [Script Info] or [Events]).
SubtitleFile read_subtitle_file(const std::uint8_t* data, std::size_t len, const std::string& name,
                                TextEncoding encoding = TextEncoding::Auto);

// The bytes as text in UTF-8, by `encoding` (Auto: detected; `*used` says which).
std::string decode_subtitle_text(const std::uint8_t* data, std::size_t len, TextEncoding encoding,
                                 TextEncoding* used = nullptr);

// One cue's text as a movie carries it (a block of a Matroska text track), as WebVTT cue text: `text`
// is SRT's cue text (format Srt), a WebVTT cue payload (WebVtt) or an ASS Dialogue's Text field
// (Ass). Undecodable bytes are read as the legacy code pages above. "" when nothing visible is left.
std::string subtitle_cue_text(SubtitleFormat format, const std::uint8_t* data, std::size_t len);

// The cues moved by `offset_s` (a viewer's ± correction for a file out of step with the movie):
// a cue that would end at or before 0 is dropped, one that would start before 0 starts at 0.
std::vector<SubtitleCue> shift_cues(const std::vector<SubtitleCue>& cues, double offset_s);

}  // namespace wt
