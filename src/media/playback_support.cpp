#include "media/playback_support.hpp"

#include <algorithm>

#include "media/media_summary.hpp"

namespace wt {
namespace {

struct CodecNames {
  const char* family;
  const char* name;        // in sentences and the codecs line
  const char* short_name;  // in labels and between parentheses
};

const CodecNames kCodecNames[] = {
    {"avc", "H.264", "H.264"},
    {"hevc", "HEVC", "HEVC"},
    {"av1", "AV1", "AV1"},
    {"vp8", "VP8", "VP8"},
    {"vp9", "VP9", "VP9"},
    {"mpeg4", "MPEG-4 video", "MPEG-4 video"},
    {"mpeg2", "MPEG-2 video", "MPEG-2 video"},
    {"prores", "ProRes", "ProRes"},
    {"aac", "AAC", "AAC"},
    {"mp3", "MP3", "MP3"},
    {"opus", "Opus", "Opus"},
    {"vorbis", "Vorbis", "Vorbis"},
    {"flac", "FLAC", "FLAC"},
    {"ac3", "AC-3 (Dolby Digital)", "AC-3"},
    {"eac3", "E-AC-3 (Dolby Digital Plus)", "E-AC-3"},
    {"dts", "DTS", "DTS"},
    {"truehd", "Dolby TrueHD", "Dolby TrueHD"},
    {"pcm", "PCM", "PCM"},
    {"alac", "ALAC", "ALAC"},
    {"srt", "SubRip", "SubRip"},
    {"ass", "ASS", "ASS"},
    {"webvtt", "WebVTT", "WebVTT"},
    {"tx3g", "MP4 timed text", "MP4 timed text"},
    {"pgs", "PGS", "PGS"},
    {"vobsub", "VobSub", "VobSub"},
    {"dvb", "DVB subtitles", "DVB subtitles"},
    {"teletext", "Teletext", "Teletext"},
};

const CodecNames* codec_names(const std::string& family) {
  for (const CodecNames& c : kCodecNames)
    if (family == c.family) return &c;
  return nullptr;
}

struct LanguageName {
  const char* code;
  const char* name;
};

// ISO 639-1, 639-2/B and 639-2/T codes of the languages films are most often dubbed or subtitled in
// (Matroska writes /B, "fre"; MP4 and BCP-47 tags may give /T, "fra", or two letters, "fr").
const LanguageName kLanguages[] = {
    {"en", "English"}, {"eng", "English"}, {"fr", "French"}, {"fre", "French"}, {"fra", "French"},
    {"de", "German"}, {"ger", "German"}, {"deu", "German"}, {"es", "Spanish"}, {"spa", "Spanish"},
    {"it", "Italian"}, {"ita", "Italian"}, {"pt", "Portuguese"}, {"por", "Portuguese"},
    {"ru", "Russian"}, {"rus", "Russian"}, {"ja", "Japanese"}, {"jpn", "Japanese"},
    {"zh", "Chinese"}, {"chi", "Chinese"}, {"zho", "Chinese"}, {"cmn", "Mandarin"}, {"yue", "Cantonese"},
    {"ko", "Korean"}, {"kor", "Korean"}, {"ar", "Arabic"}, {"ara", "Arabic"}, {"hi", "Hindi"}, {"hin", "Hindi"},
    {"nl", "Dutch"}, {"dut", "Dutch"}, {"nld", "Dutch"}, {"sv", "Swedish"}, {"swe", "Swedish"},
    {"no", "Norwegian"}, {"nor", "Norwegian"}, {"nb", "Norwegian Bokmål"}, {"nob", "Norwegian Bokmål"},
    {"nn", "Norwegian Nynorsk"}, {"nno", "Norwegian Nynorsk"}, {"da", "Danish"}, {"dan", "Danish"},
    {"fi", "Finnish"}, {"fin", "Finnish"}, {"is", "Icelandic"}, {"ice", "Icelandic"}, {"isl", "Icelandic"},
    {"pl", "Polish"}, {"pol", "Polish"}, {"cs", "Czech"}, {"cze", "Czech"}, {"ces", "Czech"},
    {"sk", "Slovak"}, {"slo", "Slovak"}, {"slk", "Slovak"}, {"hu", "Hungarian"}, {"hun", "Hungarian"},
    {"ro", "Romanian"}, {"rum", "Romanian"}, {"ron", "Romanian"}, {"el", "Greek"}, {"gre", "Greek"},
    {"ell", "Greek"}, {"tr", "Turkish"}, {"tur", "Turkish"}, {"he", "Hebrew"}, {"heb", "Hebrew"},
    {"uk", "Ukrainian"}, {"ukr", "Ukrainian"}, {"be", "Belarusian"}, {"bel", "Belarusian"},
    {"bg", "Bulgarian"}, {"bul", "Bulgarian"}, {"hr", "Croatian"}, {"hrv", "Croatian"},
    {"sr", "Serbian"}, {"srp", "Serbian"}, {"bs", "Bosnian"}, {"bos", "Bosnian"},
    {"sl", "Slovenian"}, {"slv", "Slovenian"}, {"mk", "Macedonian"}, {"mac", "Macedonian"}, {"mkd", "Macedonian"},
    {"sq", "Albanian"}, {"alb", "Albanian"}, {"sqi", "Albanian"}, {"et", "Estonian"}, {"est", "Estonian"},
    {"lv", "Latvian"}, {"lav", "Latvian"}, {"lt", "Lithuanian"}, {"lit", "Lithuanian"},
    {"ca", "Catalan"}, {"cat", "Catalan"}, {"eu", "Basque"}, {"baq", "Basque"}, {"eus", "Basque"},
    {"gl", "Galician"}, {"glg", "Galician"}, {"cy", "Welsh"}, {"wel", "Welsh"}, {"cym", "Welsh"},
    {"ga", "Irish"}, {"gle", "Irish"}, {"la", "Latin"}, {"lat", "Latin"}, {"eo", "Esperanto"}, {"epo", "Esperanto"},
    {"hy", "Armenian"}, {"arm", "Armenian"}, {"hye", "Armenian"}, {"ka", "Georgian"}, {"geo", "Georgian"},
    {"kat", "Georgian"}, {"fa", "Persian"}, {"per", "Persian"}, {"fas", "Persian"}, {"ur", "Urdu"}, {"urd", "Urdu"},
    {"bn", "Bengali"}, {"ben", "Bengali"}, {"pa", "Punjabi"}, {"pan", "Punjabi"}, {"ta", "Tamil"}, {"tam", "Tamil"},
    {"te", "Telugu"}, {"tel", "Telugu"}, {"mr", "Marathi"}, {"mar", "Marathi"}, {"ml", "Malayalam"},
    {"mal", "Malayalam"}, {"kn", "Kannada"}, {"kan", "Kannada"}, {"gu", "Gujarati"}, {"guj", "Gujarati"},
    {"th", "Thai"}, {"tha", "Thai"}, {"vi", "Vietnamese"}, {"vie", "Vietnamese"}, {"id", "Indonesian"},
    {"ind", "Indonesian"}, {"ms", "Malay"}, {"may", "Malay"}, {"msa", "Malay"}, {"tl", "Tagalog"},
    {"tgl", "Tagalog"}, {"fil", "Filipino"}, {"km", "Khmer"}, {"khm", "Khmer"}, {"my", "Burmese"},
    {"bur", "Burmese"}, {"mya", "Burmese"}, {"mn", "Mongolian"}, {"mon", "Mongolian"}, {"kk", "Kazakh"},
    {"kaz", "Kazakh"}, {"sw", "Swahili"}, {"swa", "Swahili"}, {"am", "Amharic"}, {"amh", "Amharic"},
    {"af", "Afrikaans"}, {"afr", "Afrikaans"}, {"zu", "Zulu"}, {"zul", "Zulu"},
    {"mul", "Several languages"},
};

const LanguageName kSubtags[] = {  // scripts and regions, as BCP-47 writes them
    {"Hans", "Simplified"}, {"Hant", "Traditional"}, {"Latn", "Latin"}, {"Cyrl", "Cyrillic"},
    {"US", "US"}, {"GB", "UK"}, {"CA", "Canada"}, {"AU", "Australia"}, {"IE", "Ireland"}, {"IN", "India"},
    {"BR", "Brazil"}, {"PT", "Portugal"}, {"ES", "Spain"}, {"MX", "Mexico"}, {"AR", "Argentina"},
    {"419", "Latin America"}, {"FR", "France"}, {"BE", "Belgium"}, {"CH", "Switzerland"}, {"DE", "Germany"},
    {"AT", "Austria"}, {"CN", "China"}, {"TW", "Taiwan"}, {"HK", "Hong Kong"},
};

bool has(const std::set<std::string>& s, const std::string& codec) { return !codec.empty() && s.count(codec) > 0; }

bool same_ignoring_case(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = char(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = char(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string capitalized(std::string s) {
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = char(s[0] - 'a' + 'A');
  return s;
}

// "A", "A and B", "A, B and C" (word: "and" / "or").
std::string join_words(const std::vector<std::string>& items, const char* word) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += i + 1 == items.size() ? std::string(" ") + word + " " : ", ";
    out += items[i];
  }
  return out;
}

std::string join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? sep : "") + items[i];
  return out;
}

void add_once(std::vector<std::string>& items, const std::string& s) {
  if (std::find(items.begin(), items.end(), s) == items.end()) items.push_back(s);
}

std::string channel_text(std::uint32_t channels) {
  switch (channels) {
    case 0: return "";
    case 1: return "mono";
    case 2: return "stereo";
    case 6: return "5.1";
    case 8: return "7.1";
    default: return std::to_string(channels) + " channels";
  }
}

std::string label_of(const MediaTrack& t, std::size_t position) {
  const std::string channels = channel_text(t.channels);
  return track_name(t, position) + " (" + codec_short_name(t.codec) + (channels.empty() ? "" : ", " + channels) + ")";
}

// "H.264 video", "MPEG-2 video", "video in an unknown codec".
std::string video_words(const std::string& codec) {
  const CodecNames* c = codec_names(codec);
  if (!c) return "video in an unknown codec";
  const std::string name = c->name;
  const std::string tail = " video";
  if (name.size() > tail.size() && name.compare(name.size() - tail.size(), tail.size(), tail) == 0) return name;
  return name + tail;
}

const char* format_words(ContainerFormat f) {
  switch (f) {
    case ContainerFormat::Mp4: return "MP4";
    case ContainerFormat::WebM: return "WebM";
    case ContainerFormat::Matroska: return "Matroska";
    case ContainerFormat::Mov: return "MOV";
    case ContainerFormat::MpegTs: return "MPEG-TS";
    default: return "";
  }
}

bool playable(AudioAction a) { return a == AudioAction::Copy || a == AudioAction::Convert; }

std::string cannot_play_reason(const std::string& codec) {
  if (!codec_names(codec)) return "this browser cannot play sound in an unknown codec";
  return "this browser cannot play " + codec_name(codec) + " sound";
}

// "its DTS track (English)"
std::string unplayable_words(const PlannedAudio& a, std::size_t position) {
  const std::string what =
      codec_names(a.track.codec) ? codec_short_name(a.track.codec) + " track" : "track in an unknown codec";
  return "its " + what + " (" + track_name(a.track, position) + ")";
}

}  // namespace

// The words before a label's parentheses: language, title, or the track's place among the audio
// tracks ("Track 3": its id means nothing to people, and in MPEG-TS it is a PID such as 257).
std::string track_name(const MediaTrack& t, std::size_t position) {
  const std::string language = language_name(t.language);
  std::string title = sanitize_track_title(t.name);
  if (same_ignoring_case(title, language)) title.clear();  // not "English — English"
  if (!language.empty() && !title.empty()) return language + " — " + title;
  if (!language.empty()) return language;
  if (!title.empty()) return title;
  return "Track " + std::to_string(position);
}

const char* playback_pipeline_name(PlaybackPipeline p) {
  switch (p) {
    case PlaybackPipeline::Mp4Segments: return "mp4-segments";
    case PlaybackPipeline::WebmAppend: return "webm-append";
    case PlaybackPipeline::Remux: return "remux";
    default: return "none";
  }
}

const char* playback_expectation_name(PlaybackExpectation e) {
  switch (e) {
    case PlaybackExpectation::Progressive: return "progressive";
    case PlaybackExpectation::AfterArrival: return "after-arrival";
    case PlaybackExpectation::VideoUnplayable: return "video-unplayable";
    case PlaybackExpectation::AudioUnplayable: return "audio-unplayable";
    default: return "not-a-movie";
  }
}

const char* audio_action_name(AudioAction a) {
  switch (a) {
    case AudioAction::Copy: return "copy";
    case AudioAction::Convert: return "convert";
    default: return "unplayable";
  }
}

std::string codec_name(const std::string& family) {
  const CodecNames* c = codec_names(family);
  return c ? c->name : "an unknown codec";
}

std::string codec_short_name(const std::string& family) {
  const CodecNames* c = codec_names(family);
  return c ? c->short_name : "unknown codec";
}

std::string language_name(const std::string& tag) {
  const std::string clean = sanitize_track_language(tag);
  const std::size_t dash = clean.find('-');
  const std::string primary = clean.substr(0, dash);
  if (primary == "und" || primary == "zxx" || primary == "mis") return "";  // none, or none known
  const char* name = nullptr;
  for (const LanguageName& l : kLanguages)
    if (primary == l.code) name = l.name;
  if (!name) return clean;
  std::vector<std::string> known;  // "Chinese (Traditional, Taiwan)"; subtags it does not know are left out
  for (std::size_t from = dash; from != std::string::npos;) {
    const std::size_t next = clean.find('-', from + 1);
    const std::string sub = clean.substr(from + 1, next == std::string::npos ? std::string::npos : next - from - 1);
    for (const LanguageName& s : kSubtags)
      if (sub == s.code) known.push_back(s.name);
    from = next;
  }
  return known.empty() ? name : std::string(name) + " (" + join(known, ", ") + ")";
}

PlaybackPlan plan_playback(ContainerFormat format, const std::vector<MediaTrack>& tracks, const BrowserCaps& caps) {
  PlaybackPlan plan;
  std::vector<const MediaTrack*> videos;
  std::size_t others = 0;
  for (const MediaTrack& t : tracks) {
    switch (t.kind) {
      case TrackKind::Video: videos.push_back(&t); break;
      case TrackKind::Audio:
        plan.audio.push_back({t, std::uint32_t(plan.audio.size() + 1), AudioAction::Unplayable, "", ""});
        break;
      case TrackKind::Subtitle: {
        PlannedSubtitle s;
        s.id = t.id;
        s.codec = is_codec_family(TrackKind::Subtitle, t.codec) ? t.codec : "";
        s.language = sanitize_track_language(t.language);
        s.title = sanitize_track_title(t.name);
        s.text_based = s.codec == "srt" || s.codec == "ass" || s.codec == "webvtt" || s.codec == "tx3g";
        plan.subtitles.push_back(s);
        break;
      }
      default: ++others; break;  // a kind outside the enum (hostile bytes) counts as other
    }
  }
  std::set<std::string> used;
  for (std::size_t i = 0; i < plan.audio.size(); ++i) {
    const std::string label = label_of(plan.audio[i].track, plan.audio[i].number);
    std::string unique = label;
    for (std::size_t n = 2; used.count(unique); ++n) unique = label + " #" + std::to_string(n);
    used.insert(unique);
    plan.audio[i].label = unique;
  }

  const bool known_format = format_words(format)[0] != '\0';
  if (!known_format || (videos.empty() && plan.audio.empty())) {
    for (PlannedAudio& a : plan.audio) a.reason = "this app cannot read the file's format";
    plan.headline = plan.problem = "This does not look like a movie this app can play";
    plan.detail = known_format ? "It holds no video or sound track."
                               : "This app reads MP4, MOV, WebM, Matroska (MKV) and MPEG-TS files.";
    return plan;
  }

  // MediaSource's codec lists stand for what this browser decodes at all (see the header).
  auto plays_here = [&](const std::string& codec) { return has(caps.mse_mp4, codec) || has(caps.mse_webm, codec); };
  // The video to show: a default one that plays here, else any that plays here, else the first
  // (which the headline then names).
  const MediaTrack* video = nullptr;
  for (const MediaTrack* v : videos)
    if (!video && v->is_default && plays_here(v->codec)) video = v;
  for (const MediaTrack* v : videos)
    if (!video && plays_here(v->codec)) video = v;
  if (!video && !videos.empty()) video = videos[0];
  if (video && is_codec_family(TrackKind::Video, video->codec)) plan.video_codec = video->codec;

  auto all_audio_in = [&](const std::set<std::string>& s) {
    return std::all_of(plan.audio.begin(), plan.audio.end(),
                       [&](const PlannedAudio& a) { return has(s, a.track.codec); });
  };
  // Today's paths hand MediaSource every video and audio track of the file, and MediaSource plays
  // one of each; WebmAppend hands it the subtitle and other tracks too.
  const bool one_each = videos.size() <= 1 && plan.audio.size() <= 1;
  if (format == ContainerFormat::Mp4 && one_each && (!video || has(caps.mse_mp4, video->codec)) &&
      all_audio_in(caps.mse_mp4)) {
    plan.pipeline = PlaybackPipeline::Mp4Segments;
  } else if (format == ContainerFormat::WebM && one_each && plan.subtitles.empty() && others == 0 &&
             (!video || has(caps.mse_webm, video->codec)) && all_audio_in(caps.mse_webm)) {
    plan.pipeline = PlaybackPipeline::WebmAppend;
  }

  const bool remux_video = !video || has(caps.mse_mp4, video->codec);
  if (plan.pipeline != PlaybackPipeline::None) {
    for (PlannedAudio& a : plan.audio) a.action = AudioAction::Copy;
  } else if (remux_video) {
    // Remux: the output is fragmented MP4, so converted sound (Opus) must be taken there too.
    const bool can_convert = caps.encode_opus && has(caps.mse_mp4, "opus");
    bool any = false;
    for (PlannedAudio& a : plan.audio) {
      const std::string& c = a.track.codec;
      if (has(caps.mse_mp4, c)) a.action = AudioAction::Copy;
      else if (has(caps.decode_audio, c) && can_convert) a.action = AudioAction::Convert;
      any = any || playable(a.action);
    }
    // A picture without sound is still worth watching as it arrives (the detail says why it is
    // silent); sound alone that cannot play is not.
    if (video || any) plan.pipeline = PlaybackPipeline::Remux;
  }

  if (plan.pipeline != PlaybackPipeline::None) {
    plan.expectation = PlaybackExpectation::Progressive;
    plan.video_track = video ? video->id : 0;
  } else {
    // The element gets the whole file: it plays the sound it can decode, if it takes the file at all.
    bool sound = false;
    for (PlannedAudio& a : plan.audio) {
      a.action = caps.element_plays_whole && plays_here(a.track.codec) ? AudioAction::Copy : AudioAction::Unplayable;
      sound = sound || playable(a.action);
    }
    if (video && caps.element_plays_whole && plays_here(video->codec)) {
      plan.expectation = PlaybackExpectation::AfterArrival;
      plan.video_track = video->id;
    } else if (video) {
      // A codec the walk does not name (Theora, Xvid, WMV, MJPEG) is one browsers do not play either.
      plan.expectation = PlaybackExpectation::VideoUnplayable;
    } else {
      plan.expectation = sound ? PlaybackExpectation::AfterArrival : PlaybackExpectation::AudioUnplayable;
    }
  }
  for (PlannedAudio& a : plan.audio) {
    if (a.action != AudioAction::Unplayable) continue;
    const std::string& c = a.track.codec;
    if (remux_video && has(caps.decode_audio, c))  // a decoder, but no Opus encoder to carry its output
      a.reason = "this browser cannot convert " + codec_name(c) + " sound as it plays";
    else if (plays_here(c) && remux_video)  // MediaSource takes it in WebM only, and the remuxer writes MP4
      a.reason = "this browser plays " + codec_name(c) + " sound only from WebM files";
    else if (plays_here(c))  // its video keeps the file from playing
      a.reason = "this browser cannot play this file";
    else
      a.reason = cannot_play_reason(c);
  }

  for (const PlannedAudio& a : plan.audio)
    if (!plan.default_audio && a.track.is_default && playable(a.action)) plan.default_audio = a.track.id;
  for (const PlannedAudio& a : plan.audio)
    if (!plan.default_audio && playable(a.action)) plan.default_audio = a.track.id;

  // Texts.
  std::vector<std::string> codecs;
  if (video) codecs.push_back(codec_names(video->codec) ? codec_name(video->codec) : "unknown video");
  for (const PlannedAudio& a : plan.audio)
    add_once(codecs, codec_names(a.track.codec) ? codec_name(a.track.codec) : "unknown sound");
  plan.codecs_text = join(codecs, " + ");

  std::vector<std::string> entries, choices, unplayable, reasons, short_names;
  bool sound = false;
  for (const PlannedAudio& a : plan.audio) {
    entries.push_back(a.label + (a.action == AudioAction::Convert ? ", converted as it plays" : ""));
    add_once(short_names, codec_short_name(a.track.codec));
    if (playable(a.action)) {
      sound = true;
      choices.push_back(track_name(a.track, a.number) + " (" + codec_short_name(a.track.codec) + ")");
    } else {
      unplayable.push_back(unplayable_words(a, a.number));
      add_once(reasons, a.reason);
    }
  }
  const std::size_t n = plan.audio.size();
  std::string detail = video ? capitalized(video_words(video->codec)) : "Sound only";
  if (n == 0) detail += ", no sound.";
  else detail += ", " + std::to_string(n) + (n == 1 ? " audio track: " : " audio tracks: ") + join(entries, "; ") + ".";

  switch (plan.expectation) {
    case PlaybackExpectation::Progressive:
    case PlaybackExpectation::AfterArrival:
      plan.headline = plan.expectation == PlaybackExpectation::Progressive ? "Plays while it arrives"
                                                                            : "Plays once it has fully arrived";
      if (n > 0 && !sound) {
        detail += " It plays without sound: " + join(reasons, "; ") + ".";
      } else if (!unplayable.empty()) {
        detail += " " + capitalized(join_words(unplayable, "and")) + " cannot be played in this browser";
        // Only the remuxer lets a viewer pick a track; the element plays the one it picks.
        if (plan.pipeline == PlaybackPipeline::Remux) detail += "; choose " + join_words(choices, "or") + " instead";
        detail += ".";
      }
      break;
    case PlaybackExpectation::VideoUnplayable:
      plan.headline = plan.problem = "This browser cannot play its video (" + codec_name(video->codec) + ")";
      if (sound) plan.headline += "; its sound plays once it has fully arrived";
      if (plays_here(video->codec))
        detail += std::string(" This browser plays ") + codec_name(video->codec) + " video, but not from this " +
                  format_words(format) + " file.";
      break;
    case PlaybackExpectation::AudioUnplayable:
      plan.headline = plan.problem = "This browser cannot play its sound (" + join(short_names, ", ") + ")";
      detail += " " + capitalized(join(reasons, "; ")) + ".";
      break;
    default: break;
  }
  plan.detail = detail;
  return plan;
}

}  // namespace wt
