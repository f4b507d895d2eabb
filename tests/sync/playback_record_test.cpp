// The /watch-playback record as read from the database (sync/playback_record.hpp): every field's
// type and bounds, the same as database.rules.json gives them, and seq's bound in particular
// (issue 14: a forged seq near 2^32 wrapped the core's counter, after which genuine records lost).
#include "sync/playback_record.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <set>
#include <string>

using wt::PlaybackRecordFields;
using wt::PlaybackState;
using wt::RecordError;
using wt::RecordField;

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

// A record as the app writes it (web/adapters/playback-record.js): every field, valid.
PlaybackRecordFields valid_record() {
  PlaybackRecordFields f;
  f.seq = RecordField::of(7);
  f.state = RecordField::of("playing");
  f.current_time = RecordField::of(12.5);
  f.anchor_at = RecordField::of(1764146400000.0);  // 2025-11-26 08:40 UTC, in ms
  f.rate = RecordField::of(1);
  f.duration = RecordField::of(5400);
  f.last_update_by = RecordField::of("alice");
  f.waiting_for = RecordField::of("");
  return f;
}

RecordError read(const PlaybackRecordFields& f) {
  PlaybackState r;
  return wt::read_playback_record(f, r);
}

RecordError with_seq(double seq) {
  PlaybackRecordFields f = valid_record();
  f.seq = RecordField::of(seq);
  return read(f);
}

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

}  // namespace

TEST_CASE("a valid record is read field by field", "[record]") {
  PlaybackState r;
  REQUIRE(wt::read_playback_record(valid_record(), r) == RecordError::Ok);
  CHECK(r.seq == 7);
  CHECK(r.state == wt::GroupState::Playing);
  CHECK(r.position_s == 12.5);
  CHECK(r.anchor_shared_ms == 1764146400000.0);
  CHECK(r.rate == 1);
  CHECK(r.duration_s == 5400);
  CHECK(r.updated_by == "alice");
  CHECK(r.waiting_for.empty());
}

TEST_CASE("seq bounds: an integer in 0..2^31-1, nothing else", "[record][seq]") {
  CHECK(with_seq(0) == RecordError::Ok);
  CHECK(with_seq(1) == RecordError::Ok);
  CHECK(with_seq(2147483647.0) == RecordError::Ok);  // 2^31 - 1
  CHECK(with_seq(-1) == RecordError::BadSeq);
  CHECK(with_seq(-0.5) == RecordError::BadSeq);
  CHECK(with_seq(1.5) == RecordError::BadSeq);
  CHECK(with_seq(2147483646.5) == RecordError::BadSeq);
  CHECK(with_seq(2147483648.0) == RecordError::BadSeq);  // 2^31
  CHECK(with_seq(4294967295.0) == RecordError::BadSeq);  // 2^32 - 1, the forged record of issue 14
  CHECK(with_seq(4294967296.0) == RecordError::BadSeq);  // 2^32
  CHECK(with_seq(1e300) == RecordError::BadSeq);
  CHECK(with_seq(kNaN) == RecordError::BadSeq);
  CHECK(with_seq(kInf) == RecordError::BadSeq);
  CHECK(with_seq(-kInf) == RecordError::BadSeq);

  PlaybackState r;
  PlaybackRecordFields f = valid_record();
  f.seq = RecordField::of(2147483647.0);
  REQUIRE(wt::read_playback_record(f, r) == RecordError::Ok);
  CHECK(r.seq == 2147483647u);
  f.seq = RecordField::of("7");  // a string is not a number, even one that reads as one
  CHECK(read(f) == RecordError::BadSeq);
  f.seq = {};
  CHECK(read(f) == RecordError::BadSeq);
  CHECK(std::string(wt::record_error_text(RecordError::BadSeq)) == "seq is not an integer in 0..2147483647");
}

TEST_CASE("the next seq after the largest one saturates instead of wrapping to 0", "[record][seq]") {
  CHECK(wt::kMaxPlaybackSeq == 2147483647u);
  CHECK(wt::next_playback_seq(0) == 1);
  CHECK(wt::next_playback_seq(41) == 42);
  CHECK(wt::next_playback_seq(2147483646u) == 2147483647u);
  CHECK(wt::next_playback_seq(2147483647u) == 2147483647u);
  CHECK(wt::next_playback_seq(4294967295u) == 2147483647u);  // never past the bound either
}

TEST_CASE("state is one of the four names", "[record]") {
  PlaybackRecordFields f = valid_record();
  for (const char* s : {"idle", "waiting", "paused", "playing"}) {
    f.state = RecordField::of(s);
    CHECK(read(f) == RecordError::Ok);
  }
  for (const char* s : {"", "Playing", "playing ", "stopped"}) {
    f.state = RecordField::of(s);
    CHECK(read(f) == RecordError::BadState);
  }
  f.state = RecordField::of(3);
  CHECK(read(f) == RecordError::BadState);
  f.state = {};
  CHECK(read(f) == RecordError::BadState);
}

TEST_CASE("currentTime, anchorAt and duration are finite numbers within the rules' bounds", "[record]") {
  auto current = [](RecordField v) {
    PlaybackRecordFields f = valid_record();
    f.current_time = std::move(v);
    return read(f);
  };
  CHECK(current(RecordField::of(0)) == RecordError::Ok);
  CHECK(current(RecordField::of(1e7)) == RecordError::Ok);
  for (double bad : {-0.001, 1e7 + 1, kNaN, kInf, -kInf}) CHECK(current(RecordField::of(bad)) == RecordError::BadCurrentTime);
  CHECK(current(RecordField::of("12.5")) == RecordError::BadCurrentTime);
  CHECK(current({}) == RecordError::BadCurrentTime);

  auto anchor = [](RecordField v) {
    PlaybackRecordFields f = valid_record();
    f.anchor_at = std::move(v);
    return read(f);
  };
  for (double ok : {-1e15, 0.0, 1e15}) CHECK(anchor(RecordField::of(ok)) == RecordError::Ok);
  for (double bad : {-1.5e15, 1.5e15, kNaN, kInf, -kInf}) CHECK(anchor(RecordField::of(bad)) == RecordError::BadAnchorAt);
  CHECK(anchor({}) == RecordError::BadAnchorAt);
  CHECK(anchor(RecordField::other()) == RecordError::BadAnchorAt);

  PlaybackState r;
  PlaybackRecordFields f = valid_record();
  f.duration = {};
  REQUIRE(wt::read_playback_record(f, r) == RecordError::Ok);
  CHECK(r.duration_s == 0);  // absent: unknown
  for (double bad : {-1.0, 1e7 + 1, kNaN, kInf}) {
    f.duration = RecordField::of(bad);
    CHECK(read(f) == RecordError::BadDuration);
  }
  f.duration = RecordField::other();
  CHECK(read(f) == RecordError::BadDuration);
}

TEST_CASE("rate is absent (1) or above 0 and at most 16", "[record]") {
  PlaybackState r;
  PlaybackRecordFields f = valid_record();
  f.rate = {};
  REQUIRE(wt::read_playback_record(f, r) == RecordError::Ok);
  CHECK(r.rate == 1);
  for (double ok : {0.0625, 0.5, 16.0}) {
    f.rate = RecordField::of(ok);
    REQUIRE(wt::read_playback_record(f, r) == RecordError::Ok);
    CHECK(r.rate == ok);
  }
  for (double bad : {0.0, -1.0, 16.5, kNaN, kInf}) {
    f.rate = RecordField::of(bad);
    CHECK(read(f) == RecordError::BadRate);
  }
  f.rate = RecordField::of("1");
  CHECK(read(f) == RecordError::BadRate);
}

TEST_CASE("lastUpdateBy is 1..128 characters and waitingFor at most 256, counted as JavaScript does", "[record]") {
  auto by = [](RecordField v) {
    PlaybackRecordFields f = valid_record();
    f.last_update_by = std::move(v);
    return read(f);
  };
  CHECK(by(RecordField::of("a")) == RecordError::Ok);
  CHECK(by(RecordField::of(std::string(128, 'a'))) == RecordError::Ok);
  CHECK(by(RecordField::of(repeat("é", 128))) == RecordError::Ok);  // 256 bytes, 128 characters
  CHECK(by(RecordField::of("")) == RecordError::BadLastUpdateBy);
  CHECK(by(RecordField::of(std::string(129, 'a'))) == RecordError::BadLastUpdateBy);
  CHECK(by(RecordField::of(repeat("😀", 64))) == RecordError::Ok);   // 64 surrogate pairs: 128 units
  CHECK(by(RecordField::of(repeat("😀", 65))) == RecordError::BadLastUpdateBy);
  CHECK(by(RecordField::of(42)) == RecordError::BadLastUpdateBy);
  CHECK(by({}) == RecordError::BadLastUpdateBy);

  PlaybackState r;
  PlaybackRecordFields f = valid_record();
  f.state = RecordField::of("waiting");
  f.waiting_for = RecordField::of("bob");
  REQUIRE(wt::read_playback_record(f, r) == RecordError::Ok);
  CHECK(r.waiting_for == "bob");
  f.waiting_for = {};
  REQUIRE(wt::read_playback_record(f, r) == RecordError::Ok);
  CHECK(r.waiting_for.empty());
  f.waiting_for = RecordField::of(std::string(256, 'w'));
  CHECK(read(f) == RecordError::Ok);
  f.waiting_for = RecordField::of(std::string(257, 'w'));
  CHECK(read(f) == RecordError::BadWaitingFor);
  f.waiting_for = RecordField::other();
  CHECK(read(f) == RecordError::BadWaitingFor);
}

TEST_CASE("a refused record leaves the caller's record alone, and each reason is its own", "[record]") {
  PlaybackState r;
  r.seq = 3;
  r.updated_by = "before";
  PlaybackRecordFields f = valid_record();
  f.seq = RecordField::of(4294967295.0);
  CHECK(wt::read_playback_record(f, r) == RecordError::BadSeq);
  CHECK(r.seq == 3);
  CHECK(r.updated_by == "before");
  CHECK(wt::read_playback_record(PlaybackRecordFields{}, r) == RecordError::BadSeq);  // not an object

  std::set<std::string> texts;
  for (int e = 0; e <= int(RecordError::BadWaitingFor); ++e) texts.insert(wt::record_error_text(RecordError(e)));
  CHECK(texts.size() == std::size_t(RecordError::BadWaitingFor) + 1);
}

// ---- a viewer's report, /watch-viewers/{sessionId}/{userId} ----

namespace {

wt::ViewerReportFields valid_report() {
  wt::ViewerReportFields f;
  f.user_id = RecordField::of("bob");
  f.horizon = RecordField::of(42.5);
  f.fraction = RecordField::of(0.4);
  f.at = RecordField::of(1764146400000.0);
  f.rtt = RecordField::of(35);
  f.name = RecordField::of("Bob");
  return f;
}

wt::ReportError read_report(const wt::ViewerReportFields& f) {
  wt::ViewerReport r;
  return wt::read_viewer_report(f, r);
}

}  // namespace

TEST_CASE("a viewer's report is read with the rules' bounds", "[record][report]") {
  wt::ViewerReport r;
  REQUIRE(wt::read_viewer_report(valid_report(), r) == wt::ReportError::Ok);
  CHECK(r.user_id == "bob");
  CHECK(r.display_name == "Bob");
  CHECK(r.horizon_s == 42.5);
  CHECK(r.fraction == 0.4);
  CHECK(r.rtt_ms == 35);
  CHECK(r.at_shared_ms == 1764146400000.0);

  // Optional fields: no rtt is 0, no name (or an empty one) shows the user id.
  wt::ViewerReportFields f = valid_report();
  f.rtt = {};
  f.name = {};
  REQUIRE(wt::read_viewer_report(f, r) == wt::ReportError::Ok);
  CHECK(r.rtt_ms == 0);
  CHECK(r.display_name == "bob");
  f.name = RecordField::of("");
  REQUIRE(wt::read_viewer_report(f, r) == wt::ReportError::Ok);
  CHECK(r.display_name == "bob");
  // No picture said (absent): none, and its step unknown (0); said, both as written.
  CHECK_FALSE(r.has_picture());
  CHECK(r.picture_step_ms == 0);
  f.picture = RecordField::of(-12.5);
  f.step = RecordField::of(33.4);
  REQUIRE(wt::read_viewer_report(f, r) == wt::ReportError::Ok);
  CHECK(r.picture_ms == -12.5);
  CHECK(r.picture_step_ms == 33.4);

  // The whole file here: horizon 1e9 (what the page reports then), fraction 1.
  f = valid_report();
  f.horizon = RecordField::of(1e9);
  f.fraction = RecordField::of(1);
  CHECK(read_report(f) == wt::ReportError::Ok);

  const auto with = [](auto change) {
    wt::ViewerReportFields g = valid_report();
    change(g);
    return read_report(g);
  };
  using E = wt::ReportError;
  CHECK(with([](auto& g) { g.user_id = {}; }) == E::BadUserId);
  CHECK(with([](auto& g) { g.user_id = RecordField::of(""); }) == E::BadUserId);
  CHECK(with([](auto& g) { g.user_id = RecordField::of(std::string(129, 'u')); }) == E::BadUserId);
  CHECK(with([](auto& g) { g.horizon = {}; }) == E::BadHorizon);
  CHECK(with([](auto& g) { g.horizon = RecordField::of(-1); }) == E::BadHorizon);
  CHECK(with([](auto& g) { g.horizon = RecordField::of(kInf); }) == E::BadHorizon);
  CHECK(with([](auto& g) { g.horizon = RecordField::of(kNaN); }) == E::BadHorizon);
  CHECK(with([](auto& g) { g.horizon = RecordField::of(1e9 + 1); }) == E::BadHorizon);
  CHECK(with([](auto& g) { g.horizon = RecordField::of("far"); }) == E::BadHorizon);
  CHECK(with([](auto& g) { g.fraction = RecordField::of(1.5); }) == E::BadFraction);
  CHECK(with([](auto& g) { g.fraction = RecordField::of(-0.1); }) == E::BadFraction);
  CHECK(with([](auto& g) { g.fraction = RecordField::other(); }) == E::BadFraction);
  CHECK(with([](auto& g) { g.at = RecordField::of(1e16); }) == E::BadAt);
  CHECK(with([](auto& g) { g.at = {}; }) == E::BadAt);
  CHECK(with([](auto& g) { g.rtt = RecordField::of(-1); }) == E::BadRtt);
  CHECK(with([](auto& g) { g.rtt = RecordField::of(600001); }) == E::BadRtt);
  CHECK(with([](auto& g) { g.name = RecordField::of(std::string(65, 'n')); }) == E::BadName);
  CHECK(with([](auto& g) { g.name = RecordField::other(); }) == E::BadName);
  CHECK(with([](auto& g) { g.picture = RecordField::of(1000.5); }) == E::BadPicture);
  CHECK(with([](auto& g) { g.picture = RecordField::of(kNaN); }) == E::BadPicture);
  CHECK(with([](auto& g) { g.picture = RecordField::of("ahead"); }) == E::BadPicture);
  CHECK(with([](auto& g) { g.picture = RecordField::of(-1000); }) == E::Ok);
  CHECK(with([](auto& g) { g.step = RecordField::of(-1); }) == E::BadStep);
  CHECK(with([](auto& g) { g.step = RecordField::of(kInf); }) == E::BadStep);
  CHECK(with([](auto& g) { g.step = RecordField::other(); }) == E::BadStep);
  // 64 characters as JavaScript counts them: 64 Cyrillic letters (128 bytes) fit.
  std::string cyrillic;
  for (int i = 0; i < 64; ++i) cyrillic += "\xd1\x84";
  CHECK(with([&](auto& g) { g.name = RecordField::of(cyrillic); }) == E::Ok);

  // Each reason has its own text; a refused report leaves the caller's alone.
  std::set<std::string> texts;
  for (E e : {E::Ok, E::BadUserId, E::BadHorizon, E::BadFraction, E::BadAt, E::BadRtt, E::BadName, E::BadPicture, E::BadStep})
    texts.insert(wt::report_error_text(e));
  CHECK(texts.size() == 9);
  wt::ViewerReport kept;
  kept.user_id = "kept";
  f = valid_report();
  f.fraction = RecordField::of(2);
  CHECK(wt::read_viewer_report(f, kept) == E::BadFraction);
  CHECK(kept.user_id == "kept");
}
