// Fuzz target: a viewer's report as the database delivers it (/watch-viewers/{sessionId}/{userId},
// read by src/sync/playback_record.*'s read_viewer_report), from anyone who can write there. The
// first byte picks the form:
//   '{'   the report as JSON through the project's flat JSON reader (numbers through strtod, so
//         1e999 is infinity; true, false and null are "other"), the user id included as "userId"
//   else  horizon, fraction, at and rtt as four raw little-endian doubles (NaN, infinities, -0,
//         subnormals), then the user id and the name, split at the first NUL
// Invariants: an accepted report is within every bound and reads back the same; a PlaybackSync
// that hears it (as a second viewer of a playing group) keeps publishing records the record reader
// accepts.
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>

#include "fuzz_check.hpp"
#include "sync/playback_record.hpp"
#include "sync/playback_sync.hpp"
#include "transfer/flat_json.hpp"

namespace {

wt::RecordField from_json(const wt::FlatJsonObject& o, const char* key) {
  const auto it = o.find(key);
  if (it == o.end()) return {};
  const wt::FlatJsonValue& v = it->second;
  if (v.kind == wt::FlatJsonValue::Kind::String) return wt::RecordField::of(v.text);
  if (v.kind == wt::FlatJsonValue::Kind::Number) return wt::RecordField::of(std::strtod(v.text.c_str(), nullptr));
  return wt::RecordField::other();
}

bool fields_from_bytes(const std::uint8_t* data, std::size_t size, wt::ViewerReportFields& f) {
  if (size >= 1 && data[0] == '{') {
    wt::FlatJsonObject o;
    if (!wt::parse_flat_json(reinterpret_cast<const char*>(data), size, o)) return false;
    f.user_id = from_json(o, "userId");
    f.horizon = from_json(o, "horizon");
    f.fraction = from_json(o, "fraction");
    f.at = from_json(o, "at");
    f.rtt = from_json(o, "rtt");
    f.name = from_json(o, "name");
    f.picture = from_json(o, "pic");
    f.step = from_json(o, "step");
    return true;
  }
  if (size < 1 + 4 * 8) return false;
  double d[4];
  std::memcpy(d, data + 1, sizeof d);
  f.horizon = wt::RecordField::of(d[0]);
  f.fraction = wt::RecordField::of(d[1]);
  f.at = wt::RecordField::of(d[2]);
  f.rtt = wt::RecordField::of(d[3]);
  const std::string rest(reinterpret_cast<const char*>(data) + 33, size - 33);
  const std::size_t nul = rest.find('\0');
  f.user_id = wt::RecordField::of(rest.substr(0, nul));
  if (nul != std::string::npos) f.name = wt::RecordField::of(rest.substr(nul + 1));
  return true;
}

wt::PlaybackRecordFields record_fields(const wt::PlaybackState& r) {
  wt::PlaybackRecordFields f;
  f.seq = wt::RecordField::of(double(r.seq));
  f.state = wt::RecordField::of(wt::group_state_name(r.state));
  f.current_time = wt::RecordField::of(r.position_s);
  f.anchor_at = wt::RecordField::of(r.anchor_shared_ms);
  f.rate = wt::RecordField::of(r.rate);
  f.duration = wt::RecordField::of(r.duration_s);
  f.last_update_by = wt::RecordField::of(r.updated_by);
  f.waiting_for = wt::RecordField::of(r.waiting_for);
  return f;
}

void drain(wt::PlaybackSync& s) {
  while (s.poll_command()) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  wt::ViewerReportFields f;
  if (!fields_from_bytes(data, size, f)) return 0;
  wt::ViewerReport r;
  const wt::ReportError e = wt::read_viewer_report(f, r);
  FUZZ_CHECK(wt::report_error_text(e) != nullptr);
  if (e != wt::ReportError::Ok) return 0;

  FUZZ_CHECK(!r.user_id.empty() && r.user_id.size() <= 4 * wt::kMaxRecordUserIdLength);
  FUZZ_CHECK(std::isfinite(r.horizon_s) && r.horizon_s >= 0 && r.horizon_s <= wt::kMaxReportHorizonSeconds);
  FUZZ_CHECK(r.fraction >= 0 && r.fraction <= 1);
  FUZZ_CHECK(std::isfinite(r.at_shared_ms) && std::fabs(r.at_shared_ms) <= wt::kMaxRecordAnchorMs);
  FUZZ_CHECK(r.rtt_ms >= 0 && r.rtt_ms <= wt::kMaxReportRttMs);
  FUZZ_CHECK(!r.display_name.empty());
  FUZZ_CHECK(std::isnan(r.picture_ms) || std::fabs(r.picture_ms) <= wt::kMaxReportPictureMs);
  FUZZ_CHECK(r.picture_step_ms >= 0 && r.picture_step_ms <= wt::kMaxReportStepMs);

  wt::ViewerReportFields back;
  back.user_id = wt::RecordField::of(r.user_id);
  back.horizon = wt::RecordField::of(r.horizon_s);
  back.fraction = wt::RecordField::of(r.fraction);
  back.at = wt::RecordField::of(r.at_shared_ms);
  back.rtt = wt::RecordField::of(r.rtt_ms);
  back.name = f.name;  // (the display name may be the user id, which may be longer than a name)
  if (r.has_picture()) back.picture = wt::RecordField::of(r.picture_ms);
  back.step = wt::RecordField::of(r.picture_step_ms);
  wt::ViewerReport again;
  FUZZ_CHECK(wt::read_viewer_report(back, again) == wt::ReportError::Ok);
  FUZZ_CHECK(again.user_id == r.user_id && again.horizon_s == r.horizon_s && again.fraction == r.fraction &&
             again.at_shared_ms == r.at_shared_ms && again.rtt_ms == r.rtt_ms && again.display_name == r.display_name &&
             again.has_picture() == r.has_picture() && (!r.has_picture() || again.picture_ms == r.picture_ms) &&
             again.picture_step_ms == r.picture_step_ms);

  // A viewer of a playing group hears the report (from another viewer, or one in its own name),
  // then its user seeks: what it publishes must still pass the record reader.
  wt::PlaybackSync s("zz-fuzz-viewer", "");
  s.on_clock_sample(990, 1764146400000.0, 1010);
  s.set_media_duration(600);
  s.set_local_horizon(1000, 600, 1);
  s.on_player_report(1000, 0, true, false, 1);
  drain(s);
  s.on_viewer_report(1000, r);
  s.on_play_event(1100, 0);
  drain(s);
  for (double now = 1100; now <= 6000; now += 250) {
    if (now == 3000) s.on_seeking_event(now, 120, std::numeric_limits<double>::infinity());
    s.on_player_report(now, (now - 1100) / 1000, false, false, 1);
    if (auto pub = s.poll_publish(now)) {
      wt::PlaybackState back_record;
      const wt::RecordError pe = wt::read_playback_record(record_fields(*pub), back_record);
      if (pe != wt::RecordError::Ok) std::fprintf(stderr, "own record refused: %s\n", wt::record_error_text(pe));
      FUZZ_CHECK(pe == wt::RecordError::Ok);
    }
    s.handle_timeout(now);
    drain(s);
  }
  return 0;
}
