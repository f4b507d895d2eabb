#include "media/media_summary.hpp"

#include <catch2/catch.hpp>

using wt::ContainerFormat;
using wt::MediaTrack;
using wt::TrackKind;

namespace {

MediaTrack track(TrackKind kind, std::uint32_t id, const char* codec, const char* language = "und",
                 const char* name = "", const char* codec_id = "") {
  MediaTrack t;
  t.kind = kind;
  t.id = id;
  t.codec = codec;
  t.language = language;
  t.name = name;
  t.codec_id = codec_id;
  return t;
}

// A Blu-ray rip as mkvmerge writes it: one video, three audio, two subtitles.
std::vector<MediaTrack> matroska_movie() {
  MediaTrack v = track(TrackKind::Video, 1, "avc", "und", "", "V_MPEG4/ISO/AVC");
  v.is_default = true;
  v.width = 1920;
  v.height = 1080;
  MediaTrack en = track(TrackKind::Audio, 2, "aac", "eng", "Stereo", "A_AAC");
  en.is_default = true;
  en.channels = 2;
  en.sample_rate = 48000;
  MediaTrack fr = track(TrackKind::Audio, 3, "ac3", "fre", "Surround 5.1", "A_AC3");
  fr.channels = 6;
  fr.sample_rate = 48000;
  MediaTrack commentary = track(TrackKind::Audio, 4, "dts", "eng", "Director's cut, part 1|2 (100% uncut)", "A_DTS");
  commentary.channels = 6;
  commentary.sample_rate = 48000;
  return {v, en, fr, commentary, track(TrackKind::Subtitle, 5, "srt", "eng", "SDH", "S_TEXT/UTF8"),
          track(TrackKind::Subtitle, 6, "pgs", "zh-Hant", "繁體中文", "S_HDMV/PGS")};
}

bool parses(const std::string& text, ContainerFormat& f, std::vector<MediaTrack>& t) {
  return wt::parse_media_summary(text, f, t);
}

}  // namespace

TEST_CASE("a summary is one short line in the documented form", "[media][summary]") {
  MediaTrack v = track(TrackKind::Video, 1, "avc", "und", "", "avc1");
  v.is_default = true;
  v.width = 1280;
  v.height = 720;
  MediaTrack a = track(TrackKind::Audio, 2, "aac", "eng", "Stereo", "mp4a");
  a.is_default = true;
  a.channels = 2;
  a.sample_rate = 44100;
  CHECK(wt::encode_media_summary(ContainerFormat::Mp4, {v, a}) ==
        "v1|mp4|V,1,avc,und,1,0,0,1280,720,,avc1|A,2,aac,eng,1,2,44100,0,0,Stereo,mp4a");
  CHECK(wt::encode_media_summary(ContainerFormat::MpegTs, {}) == "v1|mpegts");
  CHECK(wt::encode_media_summary(static_cast<ContainerFormat>(9), {}) == "v1|unknown");
}

TEST_CASE("a movie's tracks read back from their summary exactly", "[media][summary]") {
  const std::vector<MediaTrack> movie = matroska_movie();
  const std::string text = wt::encode_media_summary(ContainerFormat::Matroska, movie);
  CHECK(text.size() <= wt::kMaxMediaSummaryChars);
  // The separators inside the commentary's title are escaped, and so is the escape character.
  CHECK(text.find("Director's cut%2C part 1%7C2 (100%25 uncut)") != std::string::npos);
  ContainerFormat f = ContainerFormat::Unknown;
  std::vector<MediaTrack> back;
  REQUIRE(parses(text, f, back));
  CHECK(f == ContainerFormat::Matroska);
  CHECK(back == movie);
  CHECK(wt::encode_media_summary(f, back) == text);
}

TEST_CASE("every container format and track kind survives the round trip", "[media][summary]") {
  MediaTrack other = track(TrackKind::Other, 7, "");
  for (ContainerFormat format : {ContainerFormat::Unknown, ContainerFormat::Mp4, ContainerFormat::WebM,
                                 ContainerFormat::Matroska, ContainerFormat::Mov, ContainerFormat::MpegTs}) {
    const std::vector<MediaTrack> tracks = {track(TrackKind::Video, 256, "hevc"), track(TrackKind::Audio, 257, "eac3"),
                                            track(TrackKind::Subtitle, 258, "dvb", "sv"), other};
    ContainerFormat f;
    std::vector<MediaTrack> back;
    REQUIRE(parses(wt::encode_media_summary(format, tracks), f, back));
    CHECK(f == format);
    CHECK(back == tracks);
  }
}

TEST_CASE("what is not a v1 summary is refused", "[media][summary]") {
  ContainerFormat f = ContainerFormat::Mp4;
  std::vector<MediaTrack> t = {track(TrackKind::Video, 1, "avc")};
  const char* refused[] = {
      "",
      "v1",
      "v2|mp4",
      "V1|mp4",
      "v1|mp4|",                                        // an empty track
      "v1|mp4|V,1,avc,und,1,0,0,1920,1080,",            // too few fields
      "v1|mp4|X,1,avc,und,1,0,0,1920,1080,,",           // no such kind
      "v1|mp4|V,0,avc,und,1,0,0,1920,1080,,",           // id 0
      "v1|mp4|V,4294967296,avc,und,1,0,0,0,0,,",        // id beyond 32 bits
      "v1|mp4|V,12345678901,avc,und,1,0,0,0,0,,",       // 11 digits
      "v1|mp4|V,1,avc,und,1,0,0,0,0,,|A,1,aac,und,1,2,0,0,0,,",  // the same id twice
      "v1|mp4|V,-1,avc,und,1,0,0,0,0,,",
      "v1|mp4|V,1,avc,und,2,0,0,0,0,,",                 // default is 0 or 1
      "v1|mp4|V,1,avc,und,1,,0,0,0,,",                  // a number left empty
      "v1|mp4|V,1,avc,und,1,0x2,0,0,0,,",
      "v1|mp4|V,1,avc,und,1, 2,0,0,0,,",
  };
  for (const char* text : refused) {
    INFO(text);
    CHECK_FALSE(parses(text, f, t));
    CHECK(f == ContainerFormat::Unknown);  // nothing half-read is left behind
    CHECK(t.empty());
  }
  CHECK_FALSE(parses("v1|mp4|" + std::string(1100, 'a'), f, t));  // longer than the database allows
}

TEST_CASE("a hostile summary's fields are brought within bounds", "[media][summary]") {
  ContainerFormat f;
  std::vector<MediaTrack> t;
  // Codecs: a family of the track's kind, or none.
  REQUIRE(parses("v1|mkv|V,1,V_MPEG4/ISO/AVC,und,1,0,0,0,0,,|A,2,avc,und,0,2,0,0,0,,|S,3,AAC,und,0,0,0,0,0,,", f, t));
  CHECK(f == ContainerFormat::Unknown);  // "mkv" is not one of the names
  REQUIRE(t.size() == 3);
  for (const MediaTrack& x : t) CHECK(x.codec.empty());

  // Languages: a code or a short tag, else "und".
  REQUIRE(parses("v1|webm|A,1,opus,ENG,0,0,0,0,0,,|A,2,opus,pt_br,0,0,0,0,0,,|A,3,opus,english,0,0,0,0,0,,"
                 "|A,4,opus,<b>,0,0,0,0,0,,|A,5,opus,,0,0,0,0,0,,|A,6,opus,zh-hant-tw,0,0,0,0,0,,"
                 "|A,7,opus,en-aaaaaaaa-bbbbbbbb-cccccccc,0,0,0,0,0,,",
                 f, t));
  REQUIRE(t.size() == 7);
  CHECK(t[0].language == "eng");
  CHECK(t[1].language == "pt-BR");
  CHECK(t[2].language == "und");
  CHECK(t[3].language == "und");
  CHECK(t[4].language == "und");
  CHECK(t[5].language == "zh-Hant-TW");
  CHECK(t[6].language == "en-aaaaaaaa");  // at most 16 characters, whole subtags only

  // Numbers out of their range read as unknown.
  REQUIRE(parses("v1|mp4|V,1,avc,und,1,65,1000000,16385,99999,,|A,2,aac,und,1,64,768000,0,0,,", f, t));
  CHECK(t[0].channels == 0);
  CHECK(t[0].sample_rate == 0);
  CHECK(t[0].width == 0);
  CHECK(t[0].height == 0);
  CHECK(t[1].channels == 64);
  CHECK(t[1].sample_rate == 768000);

  // Codec ids: printable, no more than 32 characters.
  REQUIRE(parses("v1|mp4|V,1,avc,und,1,0,0,0,0,,<script>alert(1)</script>" + std::string(40, 'x'), f, t));
  CHECK(t[0].codec_id == "scriptalert1/script" + std::string(13, 'x'));
}

TEST_CASE("titles from a summary lose control and bidi characters and are cut to 64 characters", "[media][summary]") {
  ContainerFormat f;
  std::vector<MediaTrack> t;
  // U+202E (right-to-left override), a newline, a NUL and an escape sent as %-escapes, U+2066 (isolate).
  REQUIRE(parses("v1|mp4|A,1,aac,eng,1,2,0,0,0,  Comm\xe2\x80\xae" "entary%0Afake%00%1B[31m\xe2\x81\xa6 ,", f, t));
  CHECK(t[0].name == "Commentaryfake[31m");
  // Invalid UTF-8 becomes U+FFFD; a '%' that starts no escape stays.
  REQUIRE(parses("v1|mp4|A,1,aac,eng,1,2,0,0,0,bad\xff%zz%4,", f, t));
  CHECK(t[0].name == "bad\xef\xbf\xbd%zz%4");
  // 70 two-byte characters: 64 are kept, whole.
  std::string long_title;
  for (int i = 0; i < 70; ++i) long_title += "é";
  REQUIRE(parses("v1|mp4|A,1,aac,eng,1,2,0,0,0," + long_title + ",", f, t));
  std::string kept;
  for (int i = 0; i < 64; ++i) kept += "é";
  CHECK(t[0].name == kept);
}

TEST_CASE("a summary keeps its first 16 tracks and skips fields a later writer appends", "[media][summary]") {
  std::string text = "v1|matroska";
  for (int i = 1; i <= 20; ++i) text += "|A," + std::to_string(i) + ",aac,eng,0,2,48000,0,0,,,later,fields";
  ContainerFormat f;
  std::vector<MediaTrack> t;
  REQUIRE(parses(text, f, t));
  REQUIRE(t.size() == 16);
  CHECK(t[15].id == 16);
  CHECK(t[0].codec_id.empty());
}

TEST_CASE("the writer leaves out tracks the reader would refuse, and keeps video and audio before subtitles",
          "[media][summary]") {
  std::vector<MediaTrack> tracks = {track(TrackKind::Video, 0, "avc"), track(TrackKind::Video, 1, "avc"),
                                    track(TrackKind::Audio, 1, "aac")};
  for (std::uint32_t id = 2; id < 20; ++id) tracks.push_back(track(TrackKind::Subtitle, id, "srt"));
  tracks.push_back(track(TrackKind::Audio, 40, "opus"));
  ContainerFormat f;
  std::vector<MediaTrack> back;
  REQUIRE(parses(wt::encode_media_summary(ContainerFormat::Matroska, tracks), f, back));
  REQUIRE(back.size() == 16);
  CHECK(back[0] == tracks[1]);         // id 0 and the second id 1 are gone
  CHECK(back.back() == tracks.back());  // the late audio track kept, in its place
  CHECK(back[14].id == 15);             // subtitles 16..19 gave way to it
}

TEST_CASE("the writer keeps within 1024 characters: codec ids go first, then titles are shortened, then tracks from "
          "the end",
          "[media][summary]") {
  // 16 audio tracks with 64-character titles and codec ids: about 1900 characters as they are.
  std::vector<MediaTrack> tracks;
  for (std::uint32_t id = 1; id <= 16; ++id) {
    MediaTrack t = track(TrackKind::Audio, id, "aac", "eng", "", "A_AAC/MPEG4/LC/SBR");
    t.name = "Track " + std::to_string(id) + " " + std::string(64, 'x');
    t.name.resize(64);
    t.channels = 2;
    t.sample_rate = 48000;
    tracks.push_back(t);
  }
  const std::string text = wt::encode_media_summary(ContainerFormat::Matroska, tracks);
  CHECK(text.size() <= wt::kMaxMediaSummaryChars);
  ContainerFormat f;
  std::vector<MediaTrack> back;
  REQUIRE(parses(text, f, back));
  REQUIRE(back.size() == 16);  // every track kept
  for (std::size_t i = 0; i < back.size(); ++i) {
    INFO(i);
    CHECK(back[i].codec_id.empty());
    CHECK(back[i].name.size() >= 16);
    CHECK(back[i].name.size() < 64);
    CHECK(tracks[i].name.compare(0, back[i].name.size(), back[i].name) == 0);  // a prefix
  }
  CHECK(wt::encode_media_summary(f, back) == text);

  // Titles of four-byte characters and the longest numbers: tracks must go, subtitles first.
  std::vector<MediaTrack> big;
  for (std::uint32_t i = 0; i < 16; ++i) {
    MediaTrack t = track(i < 8 ? TrackKind::Audio : TrackKind::Subtitle, 4000000000u + i, i < 8 ? "truehd" : "teletext",
                         "sr-Latn-RS");
    for (int k = 0; k < 64; ++k) t.name += "\xf0\x9f\x8e\xac";  // 🎬
    t.channels = 64;
    t.sample_rate = 768000;
    t.width = t.height = 16384;
    big.push_back(t);
  }
  const std::string cut = wt::encode_media_summary(ContainerFormat::Matroska, big);
  CHECK(cut.size() <= wt::kMaxMediaSummaryChars);
  REQUIRE(parses(cut, f, back));
  REQUIRE(!back.empty());
  CHECK(back.size() < 16);
  CHECK(back[0].kind == TrackKind::Audio);
  std::size_t audio = 0;
  for (const MediaTrack& t : back) audio += t.kind == TrackKind::Audio;
  CHECK((audio == 8 || back.size() == audio));  // no subtitle kept while an audio track was dropped
  CHECK(wt::encode_media_summary(f, back) == cut);
}

TEST_CASE("the field cleaners leave clean values as they are", "[media][summary]") {
  for (const char* lang : {"eng", "en", "pt-BR", "zh-Hant-TW", "es-419", "und"})
    CHECK(wt::sanitize_track_language(lang) == lang);
  for (const char* title : {"Stereo", "Director's cut, 100%", "繁體中文", "Amélie 🎬"})
    CHECK(wt::sanitize_track_title(title) == title);
  CHECK(wt::sanitize_track_title(" \t padded \n") == "padded");  // the tab and newline go, then the spaces
  CHECK(wt::is_codec_family(TrackKind::Audio, "ac3"));
  CHECK_FALSE(wt::is_codec_family(TrackKind::Video, "ac3"));
  CHECK_FALSE(wt::is_codec_family(TrackKind::Other, ""));
  MediaTrack weird;
  weird.id = 3;
  weird.kind = static_cast<TrackKind>(9);
  CHECK(wt::normalize_media_track(weird).kind == TrackKind::Other);
}
