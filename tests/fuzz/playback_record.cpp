// Fuzz target: the playback record reader (src/sync/playback_record.*), fed what anyone who can
// write /watch-playback/{id} could put there. Two forms, picked by the first byte:
//   '{'   the record as JSON, read with the project's flat JSON reader (a number's literal through
//         strtod, so 1e999 is infinity; true, false and null are "other")
//   else  seq, currentTime, anchorAt, rate and duration as five raw little-endian doubles (NaN,
//         infinities, -0, subnormals), one byte of state, then lastUpdateBy
// Invariants: an accepted record is within every bound; written back field for field (as the
// bindings' record_to_js does) it reads back the same; and a PlaybackSync that adopts it and then
// sees a user action publishes a record that the reader accepts too, with a seq that neither
// went backwards nor wrapped.
#include <cmath>
#include <cstdlib>
#include <cstring>
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

bool fields_from_bytes(const std::uint8_t* data, std::size_t size, wt::PlaybackRecordFields& f) {
  if (size >= 1 && data[0] == '{') {
    wt::FlatJsonObject o;
    if (!wt::parse_flat_json(reinterpret_cast<const char*>(data), size, o)) return false;
    f.seq = from_json(o, "seq");
    f.state = from_json(o, "state");
    f.current_time = from_json(o, "currentTime");
    f.anchor_at = from_json(o, "anchorAt");
    f.rate = from_json(o, "rate");
    f.duration = from_json(o, "duration");
    f.last_update_by = from_json(o, "lastUpdateBy");
    f.waiting_for = from_json(o, "waitingFor");
    return true;
  }
  if (size < 1 + 5 * 8 + 1) return false;
  double d[5];
  std::memcpy(d, data + 1, sizeof d);
  f.seq = wt::RecordField::of(d[0]);
  f.current_time = wt::RecordField::of(d[1]);
  f.anchor_at = wt::RecordField::of(d[2]);
  f.rate = wt::RecordField::of(d[3]);
  f.duration = wt::RecordField::of(d[4]);
  static const char* kStates[] = {"idle", "waiting", "paused", "playing", "Playing", ""};
  f.state = wt::RecordField::of(kStates[data[41] % 6]);
  f.last_update_by = wt::RecordField::of(std::string(reinterpret_cast<const char*>(data) + 42, size - 42));
  return true;
}

wt::PlaybackRecordFields fields_of(const wt::PlaybackState& r) {
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

bool same(const wt::PlaybackState& a, const wt::PlaybackState& b) {
  return a.seq == b.seq && a.state == b.state && a.position_s == b.position_s &&
         a.anchor_shared_ms == b.anchor_shared_ms && a.rate == b.rate && a.duration_s == b.duration_s &&
         a.updated_by == b.updated_by && a.waiting_for == b.waiting_for;
}

void drain(wt::PlaybackSync& s) {
  while (s.poll_command()) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  wt::PlaybackRecordFields f;
  if (!fields_from_bytes(data, size, f)) return 0;
  wt::PlaybackState r;
  const wt::RecordError e = wt::read_playback_record(f, r);
  FUZZ_CHECK(wt::record_error_text(e) != nullptr);
  if (e != wt::RecordError::Ok) return 0;

  FUZZ_CHECK(r.seq <= wt::kMaxPlaybackSeq);
  FUZZ_CHECK(std::isfinite(r.position_s) && r.position_s >= 0 && r.position_s <= wt::kMaxRecordMediaSeconds);
  FUZZ_CHECK(std::isfinite(r.anchor_shared_ms) && std::fabs(r.anchor_shared_ms) <= wt::kMaxRecordAnchorMs);
  FUZZ_CHECK(r.rate > 0 && r.rate <= wt::kMaxRecordRate);
  FUZZ_CHECK(std::isfinite(r.duration_s) && r.duration_s >= 0);
  FUZZ_CHECK(!r.updated_by.empty());

  wt::PlaybackState again;
  FUZZ_CHECK(wt::read_playback_record(fields_of(r), again) == wt::RecordError::Ok);
  FUZZ_CHECK(same(again, r));

  // A viewer adopts it, then its user pauses: what it writes must pass the same reader.
  wt::PlaybackSync s("zz-fuzz-viewer", "");
  s.on_clock_sample(990, 1764146400000.0, 1010);  // a server clock of today
  s.on_player_report(1000, 0, true, false, 1);
  s.on_remote_state(1000, r);
  drain(s);
  s.on_player_report(1500, 3, false, false, 1);
  s.on_pause_event(2000, 3);
  drain(s);
  for (double now = 2000; now <= 4000; now += 250) {
    if (auto pub = s.poll_publish(now)) {
      FUZZ_CHECK(pub->seq >= r.seq && pub->seq <= wt::kMaxPlaybackSeq);
      wt::PlaybackState back;
      const wt::RecordError pe = wt::read_playback_record(fields_of(*pub), back);
      if (pe != wt::RecordError::Ok) std::fprintf(stderr, "own record refused: %s\n", wt::record_error_text(pe));
      FUZZ_CHECK(pe == wt::RecordError::Ok);
    }
    s.handle_timeout(now);
    drain(s);
  }
  return 0;
}
