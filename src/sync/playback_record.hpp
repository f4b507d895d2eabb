// Reading the /watch-playback/{sessionId} record that the database delivers (field names in
// sync/playback_state.hpp). Anyone who can write the record can write anything, so nothing moves
// the player before it passes here: each field has the type and the bounds that the database rules
// (database.rules.json) give it, and a record that breaks one is refused whole, with the reason.
// The bindings gather the fields from the JS object; tests and the fuzz target build them directly.
//
// seq is an integer in [0, kMaxPlaybackSeq]. The bound keeps it a small integer in every JS engine
// and far from the 2^32 wrap of the core's counter: a forged seq of 4294967295 would otherwise make
// the next record's seq 0, and genuine records would never win again (issue 14).
#pragma once

#include <cstdint>
#include <string>

#include "sync/playback_state.hpp"

namespace wt {

// One field as it came: absent, a number, a string, or anything else (a boolean, an object,
// null), which is never valid where a record expects a field.
struct RecordField {
  enum class Kind : std::uint8_t { Absent, Number, Text, Other };
  Kind kind = Kind::Absent;
  double number = 0;
  std::string text;

  static RecordField of(double v);
  static RecordField of(std::string s);
  static RecordField other();
};

struct PlaybackRecordFields {
  RecordField seq;             // required
  RecordField state;           // required
  RecordField current_time;    // "currentTime", required
  RecordField anchor_at;       // "anchorAt", required
  RecordField rate;            // optional (1)
  RecordField duration;        // optional (0: unknown)
  RecordField last_update_by;  // "lastUpdateBy", required
  RecordField waiting_for;     // "waitingFor", optional ("")
};

// The rules' bounds (database.rules.json, /watch-playback/$sid), in the record's units.
constexpr double kMaxRecordMediaSeconds = 1e7;  // currentTime and duration: [0, 1e7]
constexpr double kMaxRecordAnchorMs = 1e15;     // anchorAt: [-1e15, 1e15]
constexpr double kMaxRecordRate = 16;           // rate: (0, 16]
// Strings, in characters as JavaScript counts them (UTF-16 units), like the rules' .length.
constexpr std::size_t kMaxRecordUserIdLength = 128;  // lastUpdateBy: 1..128 (a Firebase uid's bound)
constexpr std::size_t kMaxRecordWaitingForLength = 256;

enum class RecordError : std::uint8_t {
  Ok = 0,
  BadSeq,
  BadState,
  BadCurrentTime,
  BadAnchorAt,
  BadRate,
  BadDuration,
  BadLastUpdateBy,
  BadWaitingFor,
};

// For people and logs: "seq is not an integer in 0..2147483647", ...; "ok" for Ok.
const char* record_error_text(RecordError e);

// Fills out (only when the record is valid) and says why not otherwise.
RecordError read_playback_record(const PlaybackRecordFields& fields, PlaybackState& out);

// A viewer's report, /watch-viewers/{sessionId}/{userId} (sync/playback_state.hpp's ViewerReport),
// read the same way against the same rules: the user id is the node's key.
struct ViewerReportFields {
  RecordField user_id;   // the key, required
  RecordField horizon;   // required
  RecordField fraction;  // required
  RecordField at;        // required
  RecordField rtt;       // optional (0)
  RecordField name;      // optional (the user id)
  RecordField picture;   // "pic", optional (none)
  RecordField step;      // "step", optional (0)
};

// The rules' bounds (database.rules.json, /watch-viewers/$sid/$uid).
constexpr double kMaxReportHorizonSeconds = 1e9;  // horizon: [0, 1e9] (1e9: the whole file is here)
constexpr double kMaxReportRttMs = 600000;         // rtt: [0, 600000]
constexpr std::size_t kMaxReportNameLength = 64;   // name: at most 64 characters
constexpr double kMaxReportPictureMs = 1000;       // pic: [-1000, 1000]
constexpr double kMaxReportStepMs = 1000;          // step: [0, 1000]

enum class ReportError : std::uint8_t { Ok = 0, BadUserId, BadHorizon, BadFraction, BadAt, BadRtt, BadName, BadPicture, BadStep };

const char* report_error_text(ReportError e);

// Fills out (only when the report is valid) and says why not otherwise. An empty or absent name
// shows as the user id.
ReportError read_viewer_report(const ViewerReportFields& fields, ViewerReport& out);

}  // namespace wt
