#include "media/playback_support.hpp"

#include <set>

#include <catch2/catch.hpp>

using wt::AudioAction;
using wt::ContainerFormat;
using wt::MediaTrack;
using wt::PlaybackExpectation;
using wt::PlaybackPipeline;
using wt::TrackKind;

namespace {

MediaTrack video(std::uint32_t id, const char* codec) {
  MediaTrack t;
  t.id = id;
  t.kind = TrackKind::Video;
  t.codec = codec;
  t.is_default = true;
  t.width = 1920;
  t.height = 1080;
  return t;
}

MediaTrack audio(std::uint32_t id, const char* codec, const char* language = "und", std::uint32_t channels = 2,
                 const char* title = "", bool is_default = false) {
  MediaTrack t;
  t.id = id;
  t.kind = TrackKind::Audio;
  t.codec = codec;
  t.language = language;
  t.channels = channels;
  t.sample_rate = 48000;
  t.name = title;
  t.is_default = is_default;
  return t;
}

MediaTrack subtitle(std::uint32_t id, const char* codec, const char* language, const char* title = "") {
  MediaTrack t;
  t.id = id;
  t.kind = TrackKind::Subtitle;
  t.codec = codec;
  t.language = language;
  t.name = title;
  return t;
}

// What a desktop Chromium answers (MediaSource.isTypeSupported, WebCodecs), without HEVC: AC-3 is
// decoded by the page's wasm decoder, and Opus can be encoded.
wt::BrowserCaps chromium() {
  wt::BrowserCaps c;
  c.mse_mp4 = {"avc", "vp9", "av1", "aac", "mp3", "opus", "flac"};
  c.mse_webm = {"vp8", "vp9", "av1", "opus", "vorbis"};
  c.decode_audio = {"aac", "mp3", "opus", "vorbis", "flac", "ac3"};
  c.encode_opus = true;
  c.element_plays_whole = true;
  return c;
}

// A browser with no AC-3 decoder and no Opus encoder (no WebCodecs audio).
wt::BrowserCaps no_webcodecs() {
  wt::BrowserCaps c = chromium();
  c.decode_audio.clear();
  c.encode_opus = false;
  return c;
}

}  // namespace

TEST_CASE("a WebM with VP9 and one Opus track is appended as it is and plays while it arrives", "[media][plan]") {
  const wt::PlaybackPlan p =
      wt::plan_playback(ContainerFormat::WebM, {video(1, "vp9"), audio(2, "opus", "eng", 2, "", true)}, chromium());
  CHECK(p.pipeline == PlaybackPipeline::WebmAppend);
  CHECK(p.expectation == PlaybackExpectation::Progressive);
  CHECK(p.headline == "Plays while it arrives");
  CHECK(p.problem.empty());
  CHECK(p.video_track == 1);
  REQUIRE(p.audio.size() == 1);
  CHECK(p.audio[0].action == AudioAction::Copy);
  CHECK(p.default_audio == 2);
  CHECK(p.codecs_text == "VP9 + Opus");
  CHECK(p.detail == "VP9 video, 1 audio track: English (Opus, stereo).");
}

TEST_CASE("the same VP9 and Opus streams in Matroska are remuxed, since only WebM is appended as it is",
          "[media][plan]") {
  const wt::PlaybackPlan p =
      wt::plan_playback(ContainerFormat::Matroska, {video(1, "vp9"), audio(2, "opus", "eng")}, chromium());
  CHECK(p.pipeline == PlaybackPipeline::Remux);
  CHECK(p.expectation == PlaybackExpectation::Progressive);
  REQUIRE(p.audio.size() == 1);
  CHECK(p.audio[0].action == AudioAction::Copy);
  CHECK(p.default_audio == 2);
}

TEST_CASE("a WebM with a subtitle track or a second audio track is remuxed: the append path hands MediaSource "
          "every track",
          "[media][plan]") {
  const auto caps = chromium();
  const MediaTrack vp9 = video(1, "vp9");
  const MediaTrack vtt = subtitle(3, "webvtt", "eng");
  CHECK(wt::plan_playback(ContainerFormat::WebM, {vp9, audio(2, "opus"), vtt}, caps).pipeline == PlaybackPipeline::Remux);
  CHECK(wt::plan_playback(ContainerFormat::WebM, {vp9, audio(2, "opus"), audio(3, "opus")}, caps).pipeline ==
        PlaybackPipeline::Remux);
  // Vorbis is taken in WebM but not in MP4: appended as it is, it plays; remuxed, it is converted.
  CHECK(wt::plan_playback(ContainerFormat::WebM, {video(1, "vp9"), audio(2, "vorbis")}, caps).pipeline ==
        PlaybackPipeline::WebmAppend);
  const wt::PlaybackPlan two =
      wt::plan_playback(ContainerFormat::WebM, {vp9, audio(2, "vorbis"), audio(3, "vorbis")}, caps);
  CHECK(two.pipeline == PlaybackPipeline::Remux);
  CHECK(two.audio[0].action == AudioAction::Convert);
}

TEST_CASE("an MP4 with H.264 and AAC goes to the MP4 segmenter as it is", "[media][plan]") {
  const wt::PlaybackPlan p = wt::plan_playback(
      ContainerFormat::Mp4, {video(1, "avc"), audio(2, "aac", "eng", 2, "", true), subtitle(3, "tx3g", "eng")},
      chromium());
  CHECK(p.pipeline == PlaybackPipeline::Mp4Segments);  // the segmenter leaves subtitle tracks out
  CHECK(p.expectation == PlaybackExpectation::Progressive);
  CHECK(p.video_track == 1);
  CHECK(p.audio[0].action == AudioAction::Copy);
  CHECK(p.codecs_text == "H.264 + AAC");
  CHECK(p.headline == "Plays while it arrives");
}

TEST_CASE("AC-3 sound in an MP4 is converted to Opus as it plays where it can be decoded and Opus encoded",
          "[media][plan]") {
  const wt::PlaybackPlan p =
      wt::plan_playback(ContainerFormat::Mp4, {video(1, "avc"), audio(2, "ac3", "eng", 6, "", true)}, chromium());
  CHECK(p.pipeline == PlaybackPipeline::Remux);
  CHECK(p.expectation == PlaybackExpectation::Progressive);
  REQUIRE(p.audio.size() == 1);
  CHECK(p.audio[0].action == AudioAction::Convert);
  CHECK(p.audio[0].reason.empty());
  CHECK(p.default_audio == 2);
  CHECK(p.codecs_text == "H.264 + AC-3 (Dolby Digital)");
  CHECK(p.detail == "H.264 video, 1 audio track: English (AC-3, 5.1), converted as it plays.");
}

TEST_CASE("AC-3 sound this browser cannot convert: the picture still plays as it arrives, silent, and the detail "
          "says why",
          "[media][plan]") {
  const std::vector<MediaTrack> movie = {video(1, "avc"), audio(2, "ac3", "eng", 6)};
  const wt::PlaybackPlan p = wt::plan_playback(ContainerFormat::Mp4, movie, no_webcodecs());
  CHECK(p.pipeline == PlaybackPipeline::Remux);  // the segmenter would hand MediaSource the AC-3 track too
  CHECK(p.expectation == PlaybackExpectation::Progressive);
  CHECK(p.headline == "Plays while it arrives");
  CHECK(p.video_track == 1);
  REQUIRE(p.audio.size() == 1);
  CHECK(p.audio[0].action == AudioAction::Unplayable);
  CHECK(p.audio[0].reason == "this browser cannot play AC-3 (Dolby Digital) sound");
  CHECK(p.default_audio == 0);
  CHECK(p.detail ==
        "H.264 video, 1 audio track: English (AC-3, 5.1). It plays without sound: this browser cannot play AC-3 (Dolby "
        "Digital) sound.");

  // A decoder but no Opus encoder: the reason is the conversion.
  wt::BrowserCaps decode_only = chromium();
  decode_only.encode_opus = false;
  const wt::PlaybackPlan q = wt::plan_playback(ContainerFormat::Mp4, movie, decode_only);
  CHECK(q.audio[0].action == AudioAction::Unplayable);
  CHECK(q.detail ==
        "H.264 video, 1 audio track: English (AC-3, 5.1). It plays without sound: this browser cannot convert AC-3 "
        "(Dolby Digital) sound as it plays.");

  // Converted sound is Opus in MP4: MediaSource must take that too.
  wt::BrowserCaps no_opus_in_mp4 = chromium();
  no_opus_in_mp4.mse_mp4.erase("opus");
  CHECK(wt::plan_playback(ContainerFormat::Mp4, movie, no_opus_in_mp4).audio[0].action == AudioAction::Unplayable);
}

TEST_CASE("an MP4 with two AAC tracks is remuxed, so that each viewer plays the one they choose", "[media][plan]") {
  const wt::PlaybackPlan p = wt::plan_playback(
      ContainerFormat::Mp4, {video(1, "avc"), audio(2, "aac", "eng", 2, "", true), audio(3, "aac", "spa", 2)},
      chromium());
  CHECK(p.pipeline == PlaybackPipeline::Remux);
  CHECK(p.expectation == PlaybackExpectation::Progressive);
  REQUIRE(p.audio.size() == 2);
  CHECK(p.audio[0].action == AudioAction::Copy);
  CHECK(p.audio[1].action == AudioAction::Copy);
  CHECK(p.audio[0].label == "English (AAC, stereo)");
  CHECK(p.audio[1].label == "Spanish (AAC, stereo)");
  CHECK(p.default_audio == 2);
  CHECK(p.codecs_text == "H.264 + AAC");
  CHECK(p.detail == "H.264 video, 2 audio tracks: English (AAC, stereo); Spanish (AAC, stereo).");
}

TEST_CASE("MOV and MPEG-TS files are remuxed", "[media][plan]") {
  const auto caps = chromium();
  for (ContainerFormat f : {ContainerFormat::Mov, ContainerFormat::MpegTs}) {
    const wt::PlaybackPlan p = wt::plan_playback(f, {video(256, "avc"), audio(257, "aac", "eng")}, caps);
    CHECK(p.pipeline == PlaybackPipeline::Remux);
    CHECK(p.expectation == PlaybackExpectation::Progressive);
    CHECK(p.video_track == 256);
    CHECK(p.default_audio == 257);
  }
}

TEST_CASE("HEVC video this browser cannot play: nothing progressive, and the element's answer decides whether its "
          "sound plays once it has arrived",
          "[media][plan]") {
  const std::vector<MediaTrack> movie = {video(1, "hevc"), audio(2, "aac", "eng", 2, "", true)};
  wt::BrowserCaps caps = chromium();
  const wt::PlaybackPlan p = wt::plan_playback(ContainerFormat::Mp4, movie, caps);
  CHECK(p.pipeline == PlaybackPipeline::None);
  CHECK(p.expectation == PlaybackExpectation::VideoUnplayable);
  CHECK(p.video_track == 0);  // not shown ...
  CHECK(p.video_codec == "hevc");  // ... but named
  CHECK(p.headline == "This browser cannot play its video (HEVC); its sound plays once it has fully arrived");
  CHECK(p.problem == "This browser cannot play its video (HEVC)");  // a player's own line: what cannot play
  CHECK(p.audio[0].action == AudioAction::Copy);
  CHECK(p.default_audio == 2);
  CHECK(p.codecs_text == "HEVC + AAC");
  CHECK(p.detail == "HEVC video, 1 audio track: English (AAC, stereo).");

  caps.element_plays_whole = false;
  const wt::PlaybackPlan q = wt::plan_playback(ContainerFormat::Mp4, movie, caps);
  CHECK(q.expectation == PlaybackExpectation::VideoUnplayable);
  CHECK(q.headline == "This browser cannot play its video (HEVC)");
  CHECK(q.audio[0].action == AudioAction::Unplayable);
  CHECK(q.default_audio == 0);

  // Where MediaSource takes HEVC (Safari, Chromium with a hardware decoder), it is remuxed.
  caps.mse_mp4.insert("hevc");
  CHECK(wt::plan_playback(ContainerFormat::Matroska, movie, caps).pipeline == PlaybackPipeline::Remux);
  CHECK(wt::plan_playback(ContainerFormat::Mp4, movie, caps).pipeline == PlaybackPipeline::Mp4Segments);
}

TEST_CASE("a video codec the walk does not know cannot play, and says so in plain words", "[media][plan]") {
  const wt::PlaybackPlan p =
      wt::plan_playback(ContainerFormat::Matroska, {video(1, ""), audio(2, "aac", "eng")}, chromium());
  CHECK(p.expectation == PlaybackExpectation::VideoUnplayable);
  CHECK(p.video_codec.empty());
  CHECK(p.headline ==
        "This browser cannot play its video (an unknown codec); its sound plays once it has fully arrived");
  CHECK(p.codecs_text == "unknown video + AAC");
  CHECK(p.detail == "Video in an unknown codec, 1 audio track: English (AAC, stereo).");
}

TEST_CASE("VP8 outside a plain WebM plays only once it has arrived, if the element takes the file", "[media][plan]") {
  const std::vector<MediaTrack> movie = {video(1, "vp8"), audio(2, "vorbis", "eng")};
  wt::BrowserCaps caps = chromium();  // VP8 only in WebM, as in every browser
  const wt::PlaybackPlan p = wt::plan_playback(ContainerFormat::Matroska, movie, caps);
  CHECK(p.pipeline == PlaybackPipeline::None);
  CHECK(p.expectation == PlaybackExpectation::AfterArrival);
  CHECK(p.headline == "Plays once it has fully arrived");
  CHECK(p.video_track == 1);
  CHECK(p.audio[0].action == AudioAction::Copy);

  caps.element_plays_whole = false;
  const wt::PlaybackPlan q = wt::plan_playback(ContainerFormat::Matroska, movie, caps);
  CHECK(q.expectation == PlaybackExpectation::VideoUnplayable);
  CHECK(q.headline == "This browser cannot play its video (VP8)");
  CHECK(q.detail ==
        "VP8 video, 1 audio track: English (Vorbis, stereo). This browser plays VP8 video, but not from this Matroska "
        "file.");
}

TEST_CASE("a sound-only MP4 (M4A) plays while it arrives through the segmenter", "[media][plan]") {
  const wt::PlaybackPlan p = wt::plan_playback(ContainerFormat::Mp4, {audio(1, "aac", "und", 2, "", true)}, chromium());
  CHECK(p.pipeline == PlaybackPipeline::Mp4Segments);
  CHECK(p.expectation == PlaybackExpectation::Progressive);
  CHECK(p.video_track == 0);
  CHECK(p.default_audio == 1);
  CHECK(p.codecs_text == "AAC");
  CHECK(p.detail == "Sound only, 1 audio track: Track 1 (AAC, stereo).");
}

TEST_CASE("sound only, in codecs this browser cannot play: it says which", "[media][plan]") {
  const wt::PlaybackPlan p = wt::plan_playback(ContainerFormat::Matroska, {audio(1, "dts", "eng", 6)}, chromium());
  CHECK(p.pipeline == PlaybackPipeline::None);
  CHECK(p.expectation == PlaybackExpectation::AudioUnplayable);
  CHECK(p.headline == "This browser cannot play its sound (DTS)");
  CHECK(p.problem == p.headline);
  CHECK(p.default_audio == 0);
  CHECK(p.detail == "Sound only, 1 audio track: English (DTS, 5.1). This browser cannot play DTS sound.");
}

TEST_CASE("no tracks, an unknown format, or no video or audio track: not a movie", "[media][plan]") {
  const auto caps = chromium();
  const wt::PlaybackPlan empty = wt::plan_playback(ContainerFormat::Mp4, {}, caps);
  CHECK(empty.expectation == PlaybackExpectation::NotAMovie);
  CHECK(empty.pipeline == PlaybackPipeline::None);
  CHECK(empty.headline == "This does not look like a movie this app can play");
  CHECK(empty.problem == empty.headline);
  CHECK(empty.codecs_text.empty());

  const wt::PlaybackPlan unknown =
      wt::plan_playback(ContainerFormat::Unknown, {video(1, "avc"), audio(2, "aac")}, caps);
  CHECK(unknown.expectation == PlaybackExpectation::NotAMovie);
  CHECK(unknown.pipeline == PlaybackPipeline::None);
  CHECK(unknown.video_track == 0);
  CHECK(unknown.default_audio == 0);
  REQUIRE(unknown.audio.size() == 1);  // every audio track is listed, none plays
  CHECK(unknown.audio[0].action == AudioAction::Unplayable);
  CHECK(unknown.detail == "This app reads MP4, MOV, WebM, Matroska (MKV) and MPEG-TS files.");

  MediaTrack chapters;
  chapters.id = 4;
  chapters.kind = TrackKind::Other;
  const wt::PlaybackPlan subs_only =
      wt::plan_playback(ContainerFormat::Matroska, {subtitle(3, "srt", "eng"), chapters}, caps);
  CHECK(subs_only.expectation == PlaybackExpectation::NotAMovie);
  CHECK(subs_only.headline == "This does not look like a movie this app can play");
  CHECK(subs_only.detail == "It holds no video or sound track.");
  CHECK(subs_only.subtitles.size() == 1);
}

TEST_CASE("menu labels give language, title, codec and channels, and are unique", "[media][plan]") {
  MediaTrack odd = audio(9, "pcm", "ger", 3, "Deutsch");
  const wt::PlaybackPlan p = wt::plan_playback(
      ContainerFormat::Matroska,
      {video(1, "avc"), audio(2, "aac", "eng", 2, "Stereo", true), audio(3, "ac3", "fre", 6, "Surround 5.1"),
       audio(4, "dts", "und", 6), audio(5, "eac3", "", 8), audio(6, "aac", "eng", 2, "Stereo"),
       audio(7, "opus", "eng", 1, "English"), audio(8, "flac", "pt-BR", 0, "Commentary"), odd,
       audio(10, "", "jpn", 2)},
      chromium());
  REQUIRE(p.audio.size() == 9);
  CHECK(p.audio[0].label == "English — Stereo (AAC, stereo)");
  CHECK(p.audio[1].label == "French — Surround 5.1 (AC-3, 5.1)");
  CHECK(p.audio[2].label == "Track 3 (DTS, 5.1)");  // its place among the audio tracks, not its id
  CHECK(p.audio[2].number == 3);
  CHECK(p.audio[2].track.id == 4);
  CHECK(p.audio[3].label == "Track 4 (E-AC-3, 7.1)");
  CHECK(p.audio[4].label == "English — Stereo (AAC, stereo) #2");
  CHECK(p.audio[5].label == "English (Opus, mono)");  // a title that only repeats the language is left out
  CHECK(p.audio[6].label == "Portuguese (Brazil) — Commentary (FLAC)");  // channels unknown: not said
  CHECK(p.audio[7].label == "German — Deutsch (PCM, 3 channels)");
  CHECK(p.audio[8].label == "Japanese (unknown codec, stereo)");
  std::set<std::string> labels;
  for (const auto& a : p.audio) labels.insert(a.label);
  CHECK(labels.size() == p.audio.size());

  // Three alike: numbered from the second on.
  const wt::PlaybackPlan q = wt::plan_playback(
      ContainerFormat::Matroska, {audio(1, "aac", "eng"), audio(2, "aac", "eng"), audio(3, "aac", "eng")}, chromium());
  CHECK(q.audio[0].label == "English (AAC, stereo)");
  CHECK(q.audio[1].label == "English (AAC, stereo) #2");
  CHECK(q.audio[2].label == "English (AAC, stereo) #3");
}

TEST_CASE("titles in labels lose control and bidi-override characters", "[media][plan]") {
  // U+202E would show "Commentary" followed by reversed text; a newline would forge a second line.
  const wt::PlaybackPlan p = wt::plan_playback(
      ContainerFormat::Matroska, {audio(1, "aac", "eng", 2, "Comm\xe2\x80\xae" "entary\nfake")}, chromium());
  CHECK(p.audio[0].label == "English — Commentaryfake (AAC, stereo)");
}

TEST_CASE("a track this browser cannot play is named, with the tracks to choose instead", "[media][plan]") {
  const wt::PlaybackPlan p = wt::plan_playback(
      ContainerFormat::Matroska, {video(1, "avc"), audio(2, "dts", "eng", 6, "", true), audio(3, "aac", "fre", 2)},
      chromium());
  CHECK(p.pipeline == PlaybackPipeline::Remux);
  CHECK(p.expectation == PlaybackExpectation::Progressive);
  CHECK(p.audio[0].action == AudioAction::Unplayable);
  CHECK(p.audio[0].reason == "this browser cannot play DTS sound");
  CHECK(p.audio[1].action == AudioAction::Copy);
  CHECK(p.default_audio == 3);  // the default track cannot play: the first that can
  CHECK(p.detail ==
        "H.264 video, 2 audio tracks: English (DTS, 5.1); French (AAC, stereo). Its DTS track (English) cannot be "
        "played in this browser; choose French (AAC) instead.");

  const wt::PlaybackPlan q = wt::plan_playback(
      ContainerFormat::Matroska,
      {video(1, "avc"), audio(2, "truehd", "eng", 8), audio(3, "dts", "", 6), audio(4, "aac", "fre"),
       audio(5, "ac3", "ger", 6)},
      chromium());
  CHECK(q.detail ==
        "H.264 video, 4 audio tracks: English (Dolby TrueHD, 7.1); Track 2 (DTS, 5.1); French (AAC, stereo); German "
        "(AC-3, 5.1), converted as it plays. Its Dolby TrueHD track (English) and its DTS track (Track 2) cannot be "
        "played in this browser; choose French (AAC) or German (AC-3) instead.");
}

TEST_CASE("the detail lists every audio track and says which are converted", "[media][plan]") {
  const wt::PlaybackPlan p = wt::plan_playback(
      ContainerFormat::Matroska,
      {video(1, "avc"), audio(2, "aac", "eng", 2, "Stereo", true), audio(3, "ac3", "fre", 6, "Surround 5.1")},
      chromium());
  CHECK(p.detail ==
        "H.264 video, 2 audio tracks: English — Stereo (AAC, stereo); French — Surround 5.1 (AC-3, 5.1), converted as "
        "it plays.");
  CHECK(p.codecs_text == "H.264 + AAC + AC-3 (Dolby Digital)");
  CHECK(p.audio[1].action == AudioAction::Convert);
}

TEST_CASE("the first audio track is the first playable one with the default flag, else the first playable one",
          "[media][plan]") {
  const auto caps = chromium();
  auto first = [&](std::vector<MediaTrack> tracks) {
    tracks.insert(tracks.begin(), video(1, "avc"));
    return wt::plan_playback(ContainerFormat::Matroska, tracks, caps).default_audio;
  };
  CHECK(first({audio(2, "aac", "eng"), audio(3, "aac", "fre", 2, "", true)}) == 3);
  CHECK(first({audio(2, "aac", "eng"), audio(3, "aac", "fre")}) == 2);
  CHECK(first({audio(2, "dts", "eng", 6, "", true), audio(3, "ac3", "fre", 6, "", true)}) == 3);  // converted plays
  CHECK(first({audio(2, "dts", "eng", 6, "", true), audio(3, "truehd", "fre", 6, "", true)}) == 0);
  CHECK(first({}) == 0);
}

TEST_CASE("a video with no sound track plays while it arrives", "[media][plan]") {
  const wt::PlaybackPlan p = wt::plan_playback(ContainerFormat::Mp4, {video(1, "av1")}, chromium());
  CHECK(p.pipeline == PlaybackPipeline::Mp4Segments);
  CHECK(p.expectation == PlaybackExpectation::Progressive);
  CHECK(p.detail == "AV1 video, no sound.");
  CHECK(p.codecs_text == "AV1");
}

TEST_CASE("with two video tracks, one that plays is shown and the file is remuxed", "[media][plan]") {
  MediaTrack hevc = video(1, "hevc");
  MediaTrack avc = video(2, "avc");
  avc.is_default = false;
  const wt::PlaybackPlan p = wt::plan_playback(ContainerFormat::Mp4, {hevc, avc, audio(3, "aac")}, chromium());
  CHECK(p.pipeline == PlaybackPipeline::Remux);
  CHECK(p.video_track == 2);
  CHECK(p.codecs_text == "H.264 + AAC");
}

TEST_CASE("subtitle tracks are listed, text or picture", "[media][plan]") {
  const wt::PlaybackPlan p = wt::plan_playback(
      ContainerFormat::Matroska,
      {video(1, "avc"), audio(2, "aac", "eng"), subtitle(3, "srt", "eng", "SDH"), subtitle(4, "pgs", "fre"),
       subtitle(5, "ass", "jpn", "Signs"), subtitle(6, "S_KATE", "ger")},
      chromium());
  REQUIRE(p.subtitles.size() == 4);
  CHECK(p.subtitles[0].id == 3);
  CHECK(p.subtitles[0].codec == "srt");
  CHECK(p.subtitles[0].language == "eng");
  CHECK(p.subtitles[0].title == "SDH");
  CHECK(p.subtitles[0].text_based);
  CHECK_FALSE(p.subtitles[1].text_based);  // PGS is pictures
  CHECK(p.subtitles[2].text_based);
  CHECK(p.subtitles[3].codec.empty());  // not a family
  CHECK_FALSE(p.subtitles[3].text_based);
}

TEST_CASE("language codes become English names", "[media][plan]") {
  for (const char* code : {"fre", "fra", "fr", "FRE"}) CHECK(wt::language_name(code) == "French");
  CHECK(wt::language_name("ger") == "German");
  CHECK(wt::language_name("deu") == "German");
  CHECK(wt::language_name("en-US") == "English (US)");
  CHECK(wt::language_name("zh-Hant-TW") == "Chinese (Traditional, Taiwan)");
  CHECK(wt::language_name("es-419") == "Spanish (Latin America)");
  CHECK(wt::language_name("und").empty());
  CHECK(wt::language_name("").empty());
  CHECK(wt::language_name("tlh") == "tlh");  // not in the table: the code itself
  CHECK(wt::language_name("<b>").empty());   // not a code at all
}

TEST_CASE("codec names for people; never a container's codec id", "[media][plan]") {
  CHECK(wt::codec_name("avc") == "H.264");
  CHECK(wt::codec_name("eac3") == "E-AC-3 (Dolby Digital Plus)");
  CHECK(wt::codec_short_name("eac3") == "E-AC-3");
  CHECK(wt::codec_name("V_MPEG4/ISO/AVC") == "an unknown codec");
  MediaTrack t = audio(2, "", "eng");
  t.codec_id = "A_QUICKTIME/QDM2";
  const wt::PlaybackPlan p = wt::plan_playback(ContainerFormat::Matroska, {video(1, "avc"), t}, chromium());
  CHECK(p.detail ==
        "H.264 video, 1 audio track: English (unknown codec, stereo). It plays without sound: this browser cannot "
        "play sound in an unknown codec.");
  CHECK(p.detail.find("QDM2") == std::string::npos);
}
