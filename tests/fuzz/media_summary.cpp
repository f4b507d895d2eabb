// Fuzz target: the media summary (src/media/media_summary.*), as the other person's page could
// write it into the session record, and the playback plan the recipient makes from it. Two forms,
// picked by the first byte:
//   'v'   the summary text, read with parse_media_summary
//   else  tracks built from the bytes (any kind value, ids that repeat or are 0, any codec string,
//         language, title and codec id, any numbers), written with encode_media_summary
// Invariants: what the reader accepts is within every bound; written again it reads back the same and
// is written the same (a fixed point); what the writer writes fits 1024 characters and reads back as
// the tracks it was given, normalized (titles perhaps shortened, codec ids perhaps left out); and
// plan_playback on any of it, for a few browsers, lists every audio track once under a unique label,
// picks only tracks that exist and play, and writes no control character into a text.
#include <set>
#include <string>
#include <vector>

#include "fuzz_check.hpp"
#include "media/media_summary.hpp"
#include "media/playback_support.hpp"

namespace {

const char* const kCodecs[] = {"avc", "hevc", "av1", "vp8", "vp9", "mpeg4", "mpeg2", "prores", "aac", "mp3",
                               "opus", "vorbis", "flac", "ac3", "eac3", "dts", "truehd", "pcm", "alac", "srt",
                               "ass", "webvtt", "tx3g", "pgs", "vobsub", "dvb", "teletext", "", "AVC", "x,y|z"};

std::size_t characters(const std::string& utf8) {
  std::size_t n = 0;
  for (char c : utf8) n += (static_cast<unsigned char>(c) & 0xc0) != 0x80;
  return n;
}

bool clean_text(const std::string& s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return false;
  return s.find("\xe2\x80\xae") == std::string::npos && s.find("\xe2\x81\xa6") == std::string::npos;
}

void check_bounds(const std::vector<wt::MediaTrack>& tracks) {
  FUZZ_CHECK(tracks.size() <= wt::kMaxSummaryTracks);
  std::set<std::uint32_t> ids;
  for (const wt::MediaTrack& t : tracks) {
    FUZZ_CHECK(t.id != 0 && ids.insert(t.id).second);
    FUZZ_CHECK(static_cast<int>(t.kind) <= static_cast<int>(wt::TrackKind::Subtitle));
    FUZZ_CHECK(t.codec.empty() || wt::is_codec_family(t.kind, t.codec));
    FUZZ_CHECK(!t.language.empty() && t.language.size() <= wt::kMaxTrackLanguageChars);
    FUZZ_CHECK(wt::sanitize_track_language(t.language) == t.language);
    FUZZ_CHECK(characters(t.name) <= wt::kMaxTrackTitleChars && clean_text(t.name));
    FUZZ_CHECK(wt::sanitize_track_title(t.name) == t.name);
    FUZZ_CHECK(t.codec_id.size() <= wt::kMaxCodecIdChars && clean_text(t.codec_id));
    FUZZ_CHECK(t.codec_id.find_first_of(",|%") == std::string::npos);
    FUZZ_CHECK(t.channels <= wt::kMaxTrackChannels && t.sample_rate <= wt::kMaxTrackSampleRate);
    FUZZ_CHECK(t.width <= wt::kMaxTrackDimension && t.height <= wt::kMaxTrackDimension);
  }
}

std::vector<wt::BrowserCaps> browsers() {
  wt::BrowserCaps none;
  wt::BrowserCaps chromium;
  chromium.mse_mp4 = {"avc", "vp9", "av1", "aac", "mp3", "opus", "flac"};
  chromium.mse_webm = {"vp8", "vp9", "av1", "opus", "vorbis"};
  chromium.decode_audio = {"aac", "mp3", "opus", "vorbis", "flac", "ac3"};
  chromium.encode_opus = true;
  chromium.element_plays_whole = true;
  wt::BrowserCaps everything = chromium;
  for (const char* c : kCodecs) {
    everything.mse_mp4.insert(c);
    everything.mse_webm.insert(c);
    everything.decode_audio.insert(c);
  }
  wt::BrowserCaps webm_only;  // MediaSource in WebM only, nothing to convert with, the element says no
  webm_only.mse_webm = chromium.mse_webm;
  return {none, chromium, everything, webm_only};
}

void check_plan(wt::ContainerFormat format, const std::vector<wt::MediaTrack>& tracks) {
  static const std::vector<wt::BrowserCaps> caps = browsers();
  for (const wt::BrowserCaps& c : caps) {
    const wt::PlaybackPlan p = wt::plan_playback(format, tracks, c);
    std::size_t audio = 0;
    bool video_found = p.video_track == 0;
    for (const wt::MediaTrack& t : tracks) {
      audio += t.kind == wt::TrackKind::Audio;
      if (t.kind == wt::TrackKind::Video && t.id == p.video_track) video_found = true;
    }
    FUZZ_CHECK(p.audio.size() == audio);
    FUZZ_CHECK(video_found);
    std::set<std::string> labels;
    bool default_found = p.default_audio == 0;
    for (const wt::PlannedAudio& a : p.audio) {
      FUZZ_CHECK(!a.label.empty() && labels.insert(a.label).second && clean_text(a.label));
      FUZZ_CHECK((a.action == wt::AudioAction::Unplayable) == !a.reason.empty());
      FUZZ_CHECK(a.action != wt::AudioAction::Convert || p.pipeline == wt::PlaybackPipeline::Remux);
      if (a.track.id == p.default_audio && a.action != wt::AudioAction::Unplayable) default_found = true;
    }
    FUZZ_CHECK(default_found);
    FUZZ_CHECK((p.pipeline != wt::PlaybackPipeline::None) == (p.expectation == wt::PlaybackExpectation::Progressive));
    FUZZ_CHECK(!p.headline.empty() && !p.detail.empty());
    FUZZ_CHECK(clean_text(p.headline) && clean_text(p.detail) && clean_text(p.codecs_text));
    for (const wt::PlannedSubtitle& s : p.subtitles) FUZZ_CHECK(clean_text(s.title) && clean_text(s.language));
  }
}

std::vector<wt::MediaTrack> tracks_from(wt_fuzz::Input& in) {
  std::vector<wt::MediaTrack> tracks;
  const std::size_t n = in.byte() % 24;
  for (std::size_t i = 0; i < n; ++i) {
    wt::MediaTrack t;
    const std::uint8_t kind = in.byte();
    t.kind = static_cast<wt::TrackKind>(kind % 5 == 4 ? kind : kind % 5);
    t.id = in.byte() & 1 ? in.u16() | in.u16() << 16 : in.byte() % 8;
    t.codec = kCodecs[in.byte() % (sizeof kCodecs / sizeof kCodecs[0])];
    t.language = in.text(in.byte() % 24);
    t.name = in.text(in.byte() % 160);
    t.codec_id = in.text(in.byte() % 48);
    t.is_default = in.byte() & 1;
    t.channels = in.byte() % 80;
    t.sample_rate = in.u16() * 16;
    t.width = in.u16();
    t.height = in.u16();
    tracks.push_back(t);
  }
  return tracks;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  wt::ContainerFormat format;
  std::vector<wt::MediaTrack> tracks;
  if (size >= 1 && data[0] == 'v') {
    const std::string text(reinterpret_cast<const char*>(data), size);
    if (!wt::parse_media_summary(text, format, tracks)) {
      FUZZ_CHECK(format == wt::ContainerFormat::Unknown && tracks.empty());
      return 0;
    }
    check_bounds(tracks);
    const std::string again = wt::encode_media_summary(format, tracks);
    FUZZ_CHECK(again.size() <= wt::kMaxMediaSummaryChars);
    wt::ContainerFormat f2;
    std::vector<wt::MediaTrack> t2;
    FUZZ_CHECK(wt::parse_media_summary(again, f2, t2));
    FUZZ_CHECK(f2 == format && t2 == tracks);
    FUZZ_CHECK(wt::encode_media_summary(f2, t2) == again);
    check_plan(format, tracks);
    return 0;
  }

  wt_fuzz::Input in{data, size};
  format = static_cast<wt::ContainerFormat>(in.byte() % 7);
  const std::vector<wt::MediaTrack> given = tracks_from(in);
  const std::string text = wt::encode_media_summary(format, given);
  FUZZ_CHECK(text.size() <= wt::kMaxMediaSummaryChars);
  FUZZ_CHECK(wt::parse_media_summary(text, format, tracks));
  check_bounds(tracks);
  FUZZ_CHECK(wt::encode_media_summary(format, tracks) == text);
  for (const wt::MediaTrack& t : tracks) {
    // The first given track with that id, as the reader bounds it; its title perhaps shortened.
    const wt::MediaTrack* from = nullptr;
    for (const wt::MediaTrack& g : given)
      if (!from && g.id == t.id) from = &g;
    FUZZ_CHECK(from != nullptr);
    wt::MediaTrack n = wt::normalize_media_track(*from);
    FUZZ_CHECK(t.name.size() <= n.name.size() && n.name.compare(0, t.name.size(), t.name) == 0);
    FUZZ_CHECK(t.codec_id.empty() || t.codec_id == n.codec_id);
    n.name = t.name;
    n.codec_id = t.codec_id;
    FUZZ_CHECK(t == n);
  }
  check_plan(format, given);  // the sender's own walk, before any bounds
  check_plan(format, tracks);
  return 0;
}
