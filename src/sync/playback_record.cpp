#include "sync/playback_record.hpp"

#include <cmath>
#include <utility>

#include "text/peer_text.hpp"

namespace wt {
namespace {

// A number within [lo, hi] (NaN and the infinities are not).
bool number_in(const RecordField& f, double lo, double hi) {
  return f.kind == RecordField::Kind::Number && f.number >= lo && f.number <= hi;
}

// The string's length as JavaScript (and the rules' .length) counts it: UTF-16 code units, two
// for a code point past U+FFFF (a surrogate pair). An invalid byte is a unit of its own (a U+FFFD):
// counting stray continuation bytes as nothing let a 512-byte id pass a 128-unit bound (fuzz_viewer_report).
std::size_t utf16_length(const std::string& s) {
  std::size_t n = 0;
  for (const std::uint32_t cp : decode_utf8(s)) n += cp >= 0x10000 ? 2 : 1;
  return n;
}

bool text_within(const RecordField& f, std::size_t min_units, std::size_t max_units) {
  if (f.kind != RecordField::Kind::Text) return false;
  const std::size_t n = utf16_length(f.text);
  return n >= min_units && n <= max_units;
}

bool absent(const RecordField& f) { return f.kind == RecordField::Kind::Absent; }

}  // namespace

RecordField RecordField::of(double v) {
  RecordField f;
  f.kind = Kind::Number;
  f.number = v;
  return f;
}

RecordField RecordField::of(std::string s) {
  RecordField f;
  f.kind = Kind::Text;
  f.text = std::move(s);
  return f;
}

RecordField RecordField::other() {
  RecordField f;
  f.kind = Kind::Other;
  return f;
}

const char* record_error_text(RecordError e) {
  switch (e) {
    case RecordError::Ok: return "ok";
    case RecordError::BadSeq: return "seq is not an integer in 0..2147483647";
    case RecordError::BadState: return "state is not one of idle, waiting, paused, playing";
    case RecordError::BadCurrentTime: return "currentTime is not a number in 0..1e7 seconds";
    case RecordError::BadAnchorAt: return "anchorAt is not a number in -1e15..1e15 ms";
    case RecordError::BadRate: return "rate is not a number above 0 and at most 16";
    case RecordError::BadDuration: return "duration is not a number in 0..1e7 seconds";
    case RecordError::BadLastUpdateBy: return "lastUpdateBy is not a user id (a string of 1..128 characters)";
    case RecordError::BadWaitingFor: return "waitingFor is not a string of at most 256 characters";
  }
  return "unknown error";
}

RecordError read_playback_record(const PlaybackRecordFields& f, PlaybackState& out) {
  // seq: the range check first, so that the conversion below is always defined.
  if (!number_in(f.seq, 0, kMaxPlaybackSeq) || std::floor(f.seq.number) != f.seq.number)
    return RecordError::BadSeq;
  GroupState state;
  if (f.state.kind != RecordField::Kind::Text || !parse_group_state(f.state.text, &state))
    return RecordError::BadState;
  if (!number_in(f.current_time, 0, kMaxRecordMediaSeconds)) return RecordError::BadCurrentTime;
  if (!number_in(f.anchor_at, -kMaxRecordAnchorMs, kMaxRecordAnchorMs)) return RecordError::BadAnchorAt;
  if (!absent(f.rate) && !(number_in(f.rate, 0, kMaxRecordRate) && f.rate.number > 0))
    return RecordError::BadRate;
  if (!absent(f.duration) && !number_in(f.duration, 0, kMaxRecordMediaSeconds)) return RecordError::BadDuration;
  if (!text_within(f.last_update_by, 1, kMaxRecordUserIdLength)) return RecordError::BadLastUpdateBy;
  if (!absent(f.waiting_for) && !text_within(f.waiting_for, 0, kMaxRecordWaitingForLength))
    return RecordError::BadWaitingFor;

  PlaybackState r;
  r.seq = std::uint32_t(f.seq.number);
  r.state = state;
  r.position_s = f.current_time.number;
  r.anchor_shared_ms = f.anchor_at.number;
  r.rate = absent(f.rate) ? 1.0 : f.rate.number;
  r.duration_s = absent(f.duration) ? 0.0 : f.duration.number;
  r.updated_by = f.last_update_by.text;
  r.waiting_for = absent(f.waiting_for) ? std::string() : f.waiting_for.text;
  out = std::move(r);
  return RecordError::Ok;
}

const char* report_error_text(ReportError e) {
  switch (e) {
    case ReportError::Ok: return "ok";
    case ReportError::BadUserId: return "the viewer's id is not a user id (a string of 1..128 characters)";
    case ReportError::BadHorizon: return "horizon is not a number in 0..1e9 seconds";
    case ReportError::BadFraction: return "fraction is not a number in 0..1";
    case ReportError::BadAt: return "at is not a number in -1e15..1e15 ms";
    case ReportError::BadRtt: return "rtt is not a number in 0..600000 ms";
    case ReportError::BadName: return "name is not a string of at most 64 characters";
    case ReportError::BadPicture: return "pic is not a number in -1000..1000 ms";
    case ReportError::BadStep: return "step is not a number in 0..1000 ms";
  }
  return "unknown error";
}

ReportError read_viewer_report(const ViewerReportFields& f, ViewerReport& out) {
  if (!text_within(f.user_id, 1, kMaxRecordUserIdLength)) return ReportError::BadUserId;
  if (!number_in(f.horizon, 0, kMaxReportHorizonSeconds)) return ReportError::BadHorizon;
  if (!number_in(f.fraction, 0, 1)) return ReportError::BadFraction;
  if (!number_in(f.at, -kMaxRecordAnchorMs, kMaxRecordAnchorMs)) return ReportError::BadAt;
  if (!absent(f.rtt) && !number_in(f.rtt, 0, kMaxReportRttMs)) return ReportError::BadRtt;
  if (!absent(f.name) && !text_within(f.name, 0, kMaxReportNameLength)) return ReportError::BadName;
  if (!absent(f.picture) && !number_in(f.picture, -kMaxReportPictureMs, kMaxReportPictureMs)) return ReportError::BadPicture;
  if (!absent(f.step) && !number_in(f.step, 0, kMaxReportStepMs)) return ReportError::BadStep;

  ViewerReport r;
  r.user_id = f.user_id.text;
  r.display_name = absent(f.name) || f.name.text.empty() ? r.user_id : f.name.text;
  r.horizon_s = f.horizon.number;
  r.fraction = f.fraction.number;
  r.at_shared_ms = f.at.number;
  r.rtt_ms = absent(f.rtt) ? 0.0 : f.rtt.number;
  if (!absent(f.picture)) r.picture_ms = f.picture.number;
  r.picture_step_ms = absent(f.step) ? 0.0 : f.step.number;
  out = std::move(r);
  return ReportError::Ok;
}

}  // namespace wt
