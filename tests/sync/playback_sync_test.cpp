// PlaybackSync driven by hand, one call at a time: the echo rule, the publish window, conflicts,
// scheduling and the status text. The multi-viewer behaviour is in sync_sim_test.cpp.
#include "sync/playback_sync.hpp"
#include "sync/playback_record.hpp"

#include <catch2/catch.hpp>

#include <limits>
#include <vector>

#include "sync/sim_harness.hpp"

using wt::CommandKind;
using wt::GroupState;
using wt::PlaybackState;
using wt::PlaybackSync;
using wt::PlayerCommand;
using wt::ViewerReport;
using wt::sim::PlayerEvent;
using wt::sim::SimPlayer;

namespace {

// A viewer's glue with an element that reacts instantly (no start latency, instant seeks).
struct Glue {
  PlaybackSync core;
  SimPlayer el{7200};
  std::vector<PlayerCommand> cmds;

  explicit Glue(const char* id, const char* name = "") : core(id, name) {
    core.set_media_duration(7200);
  }
  // One clock sample with a 20 ms round trip against a server clock `offset` ahead of ours.
  void sync_clock(double now, double offset = 0, double rtt = 20) {
    core.on_clock_sample(now - rtt, now - rtt / 2 + offset, now);
  }
  void event(double now, const std::optional<PlayerEvent>& ev) {
    if (!ev) return;
    switch (ev->kind) {
      case PlayerEvent::Play: core.on_play_event(now, ev->position_s); break;
      case PlayerEvent::Pause: core.on_pause_event(now, ev->position_s); break;
      case PlayerEvent::Seeking: core.on_seeking_event(now, ev->position_s); break;
    }
  }
  // A play/pause command's DOM event, or the glue's word that none will come (no change).
  void echo(double now, CommandKind kind, const std::optional<PlayerEvent>& ev) {
    if (ev) event(now, ev);
    else core.on_command_no_event(kind);
  }
  void drain(double now) {
    while (auto c = core.poll_command()) {
      cmds.push_back(*c);
      switch (c->kind) {
        case CommandKind::Play: echo(now, c->kind, el.play(now, 0)); break;
        case CommandKind::Pause: echo(now, c->kind, el.pause(now)); break;
        case CommandKind::Seek: event(now, el.seek(now, c->value, 0)); break;
        case CommandKind::SetRate: el.set_rate(now, c->value); break;
      }
    }
  }
  void report(double now) {
    core.on_player_report(now, el.position(now), el.paused(), el.seeking(now), el.rate());
    drain(now);
  }
  // A ready viewer: clock synced, element reported, database heard (no record yet).
  void ready(double now) {
    sync_clock(now);
    report(now);
    core.on_remote_state(now, PlaybackState{});
    drain(now);
  }
  void user_seek(double now, double p) {
    event(now, el.seek(now, p, 0));
    drain(now);
    report(now);  // the element has landed ('seeked', next frame)
  }
  void user_play(double now) {
    event(now, el.play(now, 0));
    drain(now);
  }
  void user_pause(double now) {
    event(now, el.pause(now));
    drain(now);
  }
  bool has(CommandKind k, double value = -1) const {
    for (const PlayerCommand& c : cmds) {
      if (c.kind == k && (value < 0 || std::fabs(c.value - value) < 1e-6)) return true;
    }
    return false;
  }
};

}  // namespace

TEST_CASE("a user action publishes one record; applying it elsewhere publishes nothing", "[sync]") {
  Glue a("alice"), b("bob");
  a.ready(1000);
  b.ready(1000);
  a.user_seek(1000, 10);
  auto rec = a.core.poll_publish(1000);
  REQUIRE(rec);
  CHECK(rec->seq == 1);
  CHECK(rec->state == GroupState::Paused);
  CHECK(rec->position_s == 10);
  CHECK(rec->updated_by == "alice");
  CHECK_FALSE(a.core.poll_publish(5000));

  b.core.on_remote_state(1050, *rec);
  b.drain(1050);
  CHECK(b.has(CommandKind::Seek, 10));
  CHECK(b.el.position(1050) == 10);
  for (double t : {1050.0, 1300.0, 5000.0}) {
    b.report(t);
    CHECK_FALSE(b.core.poll_publish(t));
  }
  CHECK(b.core.stats().user_actions == 0);
  CHECK(b.core.stats().echoes_absorbed == 1);  // the 'seeking' event of its own seek

  // The writer gets its own record back from the database: nothing happens.
  a.cmds.clear();
  a.core.on_remote_state(1100, *rec);
  a.drain(1100);
  CHECK(a.cmds.empty());
  CHECK_FALSE(a.core.poll_publish(1100));
}

TEST_CASE("records go out at most every 250 ms and the last one is never dropped", "[sync]") {
  Glue a("alice");
  a.ready(1000);
  a.user_seek(1000, 5);
  auto first = a.core.poll_publish(1000);
  REQUIRE(first);
  a.user_seek(1100, 6);
  CHECK_FALSE(a.core.poll_publish(1100));
  CHECK(a.core.poll_timeout() == Approx(1250));
  a.user_seek(1200, 7);
  CHECK_FALSE(a.core.poll_publish(1249));
  auto last = a.core.poll_publish(1250);
  REQUIRE(last);
  CHECK(last->position_s == 7);
  CHECK(last->seq == 3);
  CHECK_FALSE(a.core.poll_publish(2000));
  CHECK(a.core.stats().user_actions == 3);
  CHECK(a.core.stats().published == 2);
  CHECK(a.core.stats().coalesced == 1);
}

TEST_CASE("nothing is published before the database is heard, and a newer record wins", "[sync]") {
  Glue a("alice");
  a.sync_clock(1000);
  a.report(1000);
  a.user_play(1000);  // a reloading page, element at 0: must not send the group back to 0
  CHECK_FALSE(a.core.poll_publish(1000));
  CHECK_FALSE(a.core.poll_publish(3000));
  PlaybackState group;
  group.seq = 9;
  group.state = GroupState::Paused;
  group.position_s = 100;
  group.updated_by = "bob";
  a.core.on_remote_state(3000, group);
  a.drain(3000);
  CHECK_FALSE(a.core.poll_publish(3000));
  CHECK(a.core.stats().superseded == 1);
  CHECK(a.core.group_state().seq == 9);
  CHECK(a.has(CommandKind::Seek, 100));
  CHECK(a.el.paused());

  // When the database has no record, the same action goes out as the first one.
  Glue c("carol");
  c.sync_clock(1000);
  c.report(1000);
  c.user_seek(1000, 30);
  CHECK_FALSE(c.core.poll_publish(1000));
  c.core.on_remote_state(1200, PlaybackState{});
  auto rec = c.core.poll_publish(1200);
  REQUIRE(rec);
  CHECK(rec->seq == 1);
  CHECK(rec->position_s == 30);
}

TEST_CASE("concurrent actions: the higher (seq, writer) wins and the loser adopts it silently",
          "[sync]") {
  Glue a("alice"), b("bob");
  a.ready(1000);
  b.ready(1000);
  a.user_seek(2000, 10);
  b.user_seek(2000, 20);
  auto ra = a.core.poll_publish(2000);
  auto rb = b.core.poll_publish(2000);
  REQUIRE(ra);
  REQUIRE(rb);
  CHECK(ra->seq == rb->seq);  // same seq: the writer id decides, "bob" > "alice"
  a.cmds.clear();
  b.cmds.clear();
  a.core.on_remote_state(2050, *rb);
  a.drain(2050);
  b.core.on_remote_state(2050, *ra);
  b.drain(2050);
  CHECK(a.has(CommandKind::Seek, 20));
  CHECK(b.cmds.empty());
  CHECK(wt::same_record(a.core.group_state(), *rb));
  CHECK(wt::same_record(b.core.group_state(), *rb));
  CHECK_FALSE(a.core.poll_publish(3000));
  CHECK_FALSE(b.core.poll_publish(3000));
  // The next action by the loser is numbered above everything it has seen.
  a.user_seek(4000, 30);
  auto next = a.core.poll_publish(4000);
  REQUIRE(next);
  CHECK(next->seq == rb->seq + 1);
}

TEST_CASE("a record at the largest seq does not wrap the next seq: it ties, and the writer id decides",
          "[sync][seq]") {
  PlaybackState top;
  top.seq = 2147483647u;  // 2^31 - 1, the largest seq the record reader and the rules accept
  top.state = GroupState::Paused;
  top.position_s = 100;
  top.updated_by = "bob";
  for (const char* me : {"alice", "carol"}) {
    Glue g(me);
    g.ready(1000);
    g.core.on_remote_state(1000, top);
    g.drain(1000);
    g.user_seek(2000, 20);
    auto rec = g.core.poll_publish(2000);
    REQUIRE(rec);
    CHECK(rec->seq == 2147483647u);  // not 0 (a wrap), not 2^31 (past the bound)
    CHECK(rec->updated_by == me);
    // "carol" > "bob" wins the tie; "alice" < "bob" does not, and the group stays at bob's record.
    CHECK(wt::supersedes(*rec, top) == (std::string(me) == "carol"));
  }
}

TEST_CASE("play is scheduled at least twice the largest round trip ahead, 300 ms minimum",
          "[sync]") {
  for (double rtt : {40.0, 400.0}) {
    Glue a("alice");
    a.sync_clock(1000, 50000, rtt);
    a.report(1000);
    a.core.on_remote_state(1000, PlaybackState{});
    a.user_play(1000);
    CHECK(a.el.paused());  // the clicker's element waits for the start too
    auto rec = a.core.poll_publish(1000);
    REQUIRE(rec);
    CHECK(rec->state == GroupState::Playing);
    CHECK(rec->position_s == 0);
    const double lead = std::max(300.0, 2 * rtt);
    CHECK(rec->anchor_shared_ms == Approx(a.core.clock().to_shared(1000) + lead));
    // Started once the start instant is near (early by the element's start latency), not before.
    const double start_local = a.core.clock().to_local(rec->anchor_shared_ms);
    const double wake = a.core.poll_timeout();
    CHECK(wake < start_local);
    CHECK(wake > start_local - 200);
    a.core.handle_timeout(wake - 1);
    a.drain(wake - 1);
    CHECK(a.el.paused());
    a.core.handle_timeout(wake);
    a.drain(wake);
    CHECK_FALSE(a.el.paused());
    CHECK(a.core.stats().user_actions == 1);
    CHECK(a.core.stats().echoes_absorbed == 2);  // its own pause and play
  }
}

TEST_CASE("a pause while the tab is hidden or at the end is the browser's, not the user's",
          "[sync]") {
  Glue a("alice");
  a.ready(1000);
  a.user_seek(1000, 7190);
  REQUIRE(a.core.poll_publish(1000));
  a.core.on_visibility(1100, false);
  a.user_play(1100);  // a media key while hidden still counts
  REQUIRE(a.core.poll_publish(1400));
  CHECK(a.core.stats().user_actions == 2);
  a.core.handle_timeout(2000);
  a.drain(2000);
  a.user_pause(2000);  // background auto-pause
  CHECK_FALSE(a.core.poll_publish(3000));
  CHECK(a.core.stats().user_actions == 2);

  Glue b("bob");
  b.ready(1000);
  b.core.on_pause_event(1000, 7199.95);  // the element stops itself at the end
  CHECK_FALSE(b.core.poll_publish(2000));
  CHECK(b.core.stats().user_actions == 0);
}

TEST_CASE("the status names the viewer the group waits for, with their download", "[sync]") {
  Glue a("alice", "Alice");
  a.ready(1000);
  ViewerReport bob;
  bob.user_id = "bob";
  bob.display_name = "Bob";
  bob.horizon_s = 42;
  bob.fraction = 0.456;
  bob.at_shared_ms = a.core.clock().to_shared(1000);
  a.core.on_viewer_report(1000, bob);
  PlaybackState w;
  w.seq = 3;
  w.state = GroupState::Waiting;
  w.position_s = 40;
  w.anchor_shared_ms = a.core.clock().to_shared(900);
  w.updated_by = "bob";
  w.waiting_for = "bob";
  a.core.on_remote_state(1000, w);
  a.drain(1000);
  const wt::SyncStatus s = a.core.status(1000);
  CHECK(s.state == GroupState::Waiting);
  CHECK(s.text == "Waiting for Bob's download… 45%");
  CHECK(s.waiting_for == "bob");
  CHECK(s.resume_progress == Approx(2.0 / 12));  // 2 s of the 12 s needed to resume
  CHECK(a.el.paused());
  CHECK(a.el.position(1000) == 40);

  Glue b("bob", "Bob");
  b.ready(1000);
  b.core.set_local_horizon(1000, 41, 0.999);
  b.core.on_remote_state(1000, w);
  CHECK(b.core.status(1000).text == "Waiting for your download… 99%");
}

TEST_CASE("viewer reports: first at once, then only on meaningful change, at most every 250 ms, "
          "download progress alone at most once a second",
          "[sync]") {
  Glue a("alice", "Alice");
  a.ready(1000);
  CHECK_FALSE(a.core.poll_viewer_report(1000));  // nothing to say before the horizon is known
  a.core.set_local_horizon(1000, 100, 0.30);
  auto r = a.core.poll_viewer_report(1000);
  REQUIRE(r);
  CHECK(r->user_id == "alice");
  CHECK(r->display_name == "Alice");
  CHECK(r->fraction == Approx(0.30));
  a.core.set_local_horizon(1100, 100.5, 0.303);  // not meaningful: under 1% and under 1 s
  CHECK_FALSE(a.core.poll_viewer_report(1100));
  // Only the fraction moved (the horizon, 100 s ahead of the group, moved less than its step of
  // 25 s): progress, sent once a second after the last report.
  a.core.set_local_horizon(1200, 102, 0.32);
  CHECK_FALSE(a.core.poll_viewer_report(1200));
  CHECK(a.core.poll_timeout() == Approx(2000));
  CHECK_FALSE(a.core.poll_viewer_report(1999));
  r = a.core.poll_viewer_report(2000);
  REQUIRE(r);
  CHECK(r->fraction == Approx(0.32));
  // A horizon that moved a whole step is what the group decides on: 250 ms after the last report.
  a.core.set_local_horizon(2100, 140, 0.33);
  CHECK_FALSE(a.core.poll_viewer_report(2100));
  CHECK(a.core.poll_timeout() == Approx(2250));
  r = a.core.poll_viewer_report(2250);
  REQUIRE(r);
  CHECK(r->horizon_s == Approx(140));
  // A heartbeat every 5 s while the download is incomplete.
  CHECK_FALSE(a.core.poll_viewer_report(7000));
  CHECK(a.core.poll_viewer_report(7250));
  a.core.set_local_horizon(8000, 8200, 1.0);
  REQUIRE(a.core.poll_viewer_report(8000));  // complete: decisive, although 750 ms after the last
  CHECK_FALSE(a.core.poll_viewer_report(60000));  // complete: no heartbeat needed
}

TEST_CASE("a viewer's own report stays within the bounds readers and the rules hold it to", "[sync][report]") {
  // A complete file of unknown length has an endless horizon (the progressive policy says
  // DBL_MAX): the report says 1e9 s, "the whole file is here", which the database accepts.
  Glue a("alice", "Alice");
  a.ready(1000);
  a.core.set_local_horizon(1000, std::numeric_limits<double>::max(), 1.0);
  auto r = a.core.poll_viewer_report(1000);
  REQUIRE(r);
  CHECK(r->horizon_s == wt::kMaxReportHorizonSeconds);
  CHECK(r->fraction == 1.0);
  wt::ViewerReportFields f;
  f.user_id = wt::RecordField::of(r->user_id);
  f.horizon = wt::RecordField::of(r->horizon_s);
  f.fraction = wt::RecordField::of(r->fraction);
  f.at = wt::RecordField::of(r->at_shared_ms);
  f.rtt = wt::RecordField::of(r->rtt_ms);
  f.name = wt::RecordField::of(r->display_name);
  wt::ViewerReport back;
  CHECK(wt::read_viewer_report(f, back) == wt::ReportError::Ok);
  CHECK(back.complete());
}

TEST_CASE("a viewer's stale report does not hold the group: a play click starts it", "[sync]") {
  Glue a("alice", "Alice");
  a.ready(100000);
  ViewerReport bob;
  bob.user_id = "bob";
  bob.display_name = "Bob";
  bob.horizon_s = 1;
  bob.fraction = 0.01;
  bob.at_shared_ms = a.core.clock().to_shared(100000) - 20000;  // 20 s old: Bob has gone
  a.core.on_viewer_report(100000, bob);
  a.user_play(100000);
  auto rec = a.core.poll_publish(100000);
  REQUIRE(rec);
  CHECK(rec->state == GroupState::Playing);

  // The same report, fresh, makes the click a wait for Bob.
  Glue c("carol", "Carol");
  c.ready(100000);
  bob.at_shared_ms = c.core.clock().to_shared(100000) - 1000;
  c.core.on_viewer_report(100000, bob);
  c.user_play(100000);
  rec = c.core.poll_publish(100000);
  REQUIRE(rec);
  CHECK(rec->state == GroupState::Waiting);
  CHECK(rec->waiting_for == "bob");
  CHECK(c.core.status(100000).text == "Waiting for Bob's download… 1%");
  // Bob leaves (his presence entry goes away): the next click starts the group.
  c.core.on_viewer_left(101000, "bob");
  c.user_play(101000);  // the element was held paused by the wait: a new click
  rec = c.core.poll_publish(101000);
  REQUIRE(rec);
  CHECK(rec->state == GroupState::Playing);
}

TEST_CASE("a pause command that finds the element already paused does not swallow the user's next pause", "[sync]") {
  // Found in the browser: the element paused without the core seeing it, so the core's Pause
  // changed nothing and fired no event; the user's pause a second later was taken for that echo.
  Glue a("alice"), b("bob");
  a.ready(1000);
  b.ready(1000);
  b.user_play(1000);
  auto play = b.core.poll_publish(1000);
  REQUIRE(play);
  a.core.on_remote_state(1000, *play);
  a.drain(1000);
  for (double t = 1000; t <= 3000; t += 20) {  // the group, Alice and Bob are playing
    a.report(t);
    b.report(t);
  }
  REQUIRE_FALSE(a.el.paused());
  REQUIRE_FALSE(b.el.paused());

  a.el.pause(3000);  // paused behind the core's back (the event was lost)
  b.user_pause(3300);
  auto pause = b.core.poll_publish(3300);
  REQUIRE(pause);
  a.core.on_remote_state(3300, *pause);
  a.drain(3300);  // the core's Pause finds the element paused: no event, the glue says so
  CHECK(a.has(CommandKind::Pause));

  b.user_play(3400);
  auto again = b.core.poll_publish(3600);
  REQUIRE(again);
  a.core.on_remote_state(3600, *again);
  for (double t = 3600; t <= 4400; t += 20) {
    a.report(t);
    b.report(t);
  }
  REQUIRE_FALSE(a.el.paused());
  const auto actions = a.core.stats().user_actions;
  a.user_pause(4500);  // 1.2 s after the Pause command: a gesture, not its echo
  CHECK(a.core.stats().user_actions == actions + 1);
  auto mine = a.core.poll_publish(4500);
  REQUIRE(mine);
  CHECK(mine->state == GroupState::Paused);
  CHECK(mine->updated_by == "alice");
}

TEST_CASE("a seek the element cuts short at its seekable end is the core's own: nothing published, sought again",
          "[sync]") {
  Glue a("alice"), b("bob");
  a.ready(1000);
  b.ready(1000);
  a.user_seek(1000, 60);
  const auto rec = a.core.poll_publish(1000);
  REQUIRE(rec);
  // Bob's element can seek only to 2.5 s so far (Firefox has read that much of his local copy).
  b.core.on_remote_state(1050, *rec);
  auto cmd = b.core.poll_command();
  REQUIRE(cmd);
  REQUIRE(cmd->kind == CommandKind::Seek);
  CHECK(cmd->value == 60);
  b.core.on_seeking_event(1052, 2.5, 2.5);
  CHECK_FALSE(b.core.poll_command());
  b.el.seek(1052, 2.5, 0);  // where the element really is
  // The element lands there, then has read further: the core seeks to the group's position again.
  bool sought_again = false;
  for (double t = 1100; t < 3000 && !sought_again; t += 50) {
    b.core.on_player_report(t, b.el.position(t), b.el.paused(), b.el.seeking(t), b.el.rate());
    while (auto c = b.core.poll_command()) {
      if (c->kind == CommandKind::Seek && c->value == 60) sought_again = true;
      if (c->kind == CommandKind::Seek) b.event(t, b.el.seek(t, c->value, 0));
    }
    CHECK_FALSE(b.core.poll_publish(t));
  }
  CHECK(sought_again);
  CHECK(b.el.position(3000) == 60);
  CHECK(b.core.stats().user_actions == 0);
  CHECK(b.core.stats().seeks_cut_short == 1);
  CHECK_FALSE(b.core.poll_publish(5000));

  // The same position reached by the user, where the element could have gone further, is a seek.
  Glue c("carol");
  c.ready(1000);
  c.core.on_remote_state(1000, *rec);
  c.drain(1000);
  c.core.on_seeking_event(2000, 2.5, 120);
  c.el.seek(2000, 2.5, 0);
  c.report(2000);
  const auto mine = c.core.poll_publish(2000);
  REQUIRE(mine);
  CHECK(mine->position_s == 2.5);
  CHECK(c.core.stats().user_actions == 1);
}

TEST_CASE("a tab hidden and paused by the browser just as its own pause was due stays paused until shown",
          "[sync]") {
  Glue a("alice"), b("bob");
  a.ready(1000);
  b.ready(1000);
  // Both run from `from` to `to` (Alice until she plays, if `until_playing`).
  const auto follow = [&](double from, double to, bool until_playing) {
    for (double t = from; t < to && !(until_playing && !a.el.paused()); t += 10) {
      for (Glue* g : {&a, &b}) {
        g->core.handle_timeout(t);
        g->drain(t);
        g->report(t);
      }
    }
  };
  b.user_play(1000);
  auto played = b.core.poll_publish(1000);
  REQUIRE(played);
  a.core.on_remote_state(1050, *played);
  follow(1050, 4000, true);
  follow(4000, 5000, false);
  REQUIRE_FALSE(a.el.paused());
  REQUIRE_FALSE(b.el.paused());

  // Bob pauses. Before Alice's element carries out her core's pause, her tab is hidden and the
  // browser pauses the element itself: its pause event is the one her core was waiting for.
  b.user_pause(5000);
  auto paused = b.core.poll_publish(5000);
  REQUIRE(paused);
  a.core.on_remote_state(5050, *paused);
  a.core.on_visibility(5060, false);
  a.event(5060, a.el.pause(5060));
  a.drain(5060);
  REQUIRE(a.el.paused());

  // Bob plays again: the hidden tab is left alone, as after any pause the browser made.
  b.user_play(6000);
  auto again = b.core.poll_publish(6000);
  REQUIRE(again);
  a.core.on_remote_state(6050, *again);
  follow(6050, 9000, false);
  CHECK(a.el.paused());

  // Shown again: it catches up and plays with the group.
  a.core.on_visibility(9000, true);
  follow(9000, 12000, true);
  CHECK_FALSE(a.el.paused());
}

TEST_CASE("a play or a pause event long after the core's own command (a busy machine) rejoins the group: "
          "nothing is published", "[sync]") {
  Glue a("alice"), b("bob");
  a.ready(1000);
  b.ready(1000);
  // Bob's glue, as usual.
  const auto step_bob = [&](double t) {
    b.core.handle_timeout(t);
    b.drain(t);
    b.report(t);
  };
  // Runs both from `from` until Alice's core gives its first command of `held` kind: carried out,
  // its DOM event kept back and returned. Her element is reported as the glue does.
  const auto run_until_held = [&](double from, CommandKind held) {
    std::optional<PlayerEvent> late;
    double t = from;
    for (; t < from + 5000 && !late; t += 10) {
      step_bob(t);
      a.core.handle_timeout(t);
      while (auto c = a.core.poll_command()) {
        a.cmds.push_back(*c);
        if (c->kind == held) late = c->kind == CommandKind::Play ? a.el.play(t, 0) : a.el.pause(t);
        else if (c->kind == CommandKind::Play) a.echo(t, c->kind, a.el.play(t, 0));
        else if (c->kind == CommandKind::Pause) a.echo(t, c->kind, a.el.pause(t));
        else if (c->kind == CommandKind::Seek) a.event(t, a.el.seek(t, c->value, 0));
        else a.el.set_rate(t, c->value);
      }
      a.core.on_player_report(t, a.el.position(t), a.el.paused(), a.el.seeking(t), a.el.rate());
    }
    REQUIRE(late);
    return std::pair{t, *late};
  };
  // The event arrives 2 s after the command (beyond expect_ttl_ms), its position 2 s stale; the
  // element was reported meanwhile.
  const auto deliver_late = [&](double t, const PlayerEvent& ev) {
    for (double u = t; u < t + 2000; u += 250) {
      step_bob(u);
      a.core.handle_timeout(u);
      a.drain(u);
      a.core.on_player_report(u, a.el.position(u), a.el.paused(), a.el.seeking(u), a.el.rate());
      a.drain(u);
    }
    a.event(t + 2000, ev);
    a.drain(t + 2000);
  };

  // Bob plays; Alice's core starts her element at the group's instant, its 'play' event comes late.
  b.user_play(1000);
  auto played = b.core.poll_publish(1000);
  REQUIRE(played);
  a.core.on_remote_state(1050, *played);
  auto [t_play, play_event] = run_until_held(1050, CommandKind::Play);
  deliver_late(t_play, play_event);
  CHECK_FALSE(a.core.poll_publish(t_play + 2500));
  CHECK(a.core.stats().user_actions == 0);
  CHECK(a.core.stats().rejoins == 1);
  CHECK(a.core.group_state().seq == played->seq);

  // Bob pauses; Alice's core pauses her element, its 'pause' event comes late.
  const double t_pause = t_play + 3000;
  b.user_pause(t_pause);
  auto paused = b.core.poll_publish(t_pause);
  REQUIRE(paused);
  a.core.on_remote_state(t_pause + 50, *paused);
  auto [t_held, pause_event] = run_until_held(t_pause + 50, CommandKind::Pause);
  deliver_late(t_held, pause_event);
  CHECK_FALSE(a.core.poll_publish(t_held + 2500));
  CHECK(a.core.stats().user_actions == 0);
  CHECK(a.core.stats().rejoins == 2);
  CHECK(a.core.group_state().seq == paused->seq);
  // Where the group rests, not where the late event said.
  a.report(t_held + 2500);
  CHECK(a.el.paused());
  CHECK(a.el.position(t_held + 2500) == Approx(paused->position_s).margin(0.05));
}

TEST_CASE("a viewer whose element started 400 ms late, its play event stale, catches up with one seek", "[sync]") {
  Glue a("alice"), b("bob");
  a.ready(1000);
  b.ready(1000);
  b.user_play(1000);
  auto played = b.core.poll_publish(1000);
  REQUIRE(played);
  a.core.on_remote_state(1050, *played);
  // Alice's element starts 400 ms after the core's Play (a busy machine); its 'play' event comes 2 s
  // later, with the position it had when the command was given.
  std::optional<PlayerEvent> late;
  double t = 1050;
  for (; t < 6000 && !late; t += 10) {
    b.core.handle_timeout(t);
    b.drain(t);
    b.report(t);
    a.core.handle_timeout(t);
    while (auto c = a.core.poll_command()) {
      a.cmds.push_back(*c);
      if (c->kind == CommandKind::Play && !late) late = a.el.play(t, 400);
      else if (c->kind == CommandKind::Seek) a.event(t, a.el.seek(t, c->value, 0));
      else if (c->kind == CommandKind::SetRate) a.el.set_rate(t, c->value);
    }
  }
  REQUIRE(late);
  for (double u = t; u < t + 2000; u += 10) {
    b.core.handle_timeout(u);
    b.drain(u);
    b.report(u);
    a.core.handle_timeout(u);
    a.drain(u);
  }
  const double at = t + 2000;
  a.event(at, late);
  a.drain(at);
  CHECK_FALSE(a.core.poll_publish(at + 10));
  CHECK(a.core.stats().rejoins == 1);
  // Measured afresh from its advancing reports, then one seek: within 3 s it is with the group
  // (nudging alone, at most 5 %, would take 8 s for 400 ms).
  for (double u = at; u < at + 3000; u += 50) {
    b.core.handle_timeout(u);
    b.drain(u);
    b.report(u);
    a.core.handle_timeout(u);
    a.drain(u);
    a.report(u);
  }
  const double end = at + 3000;
  CHECK(a.core.stats().corrective_seeks >= 1);
  CHECK(std::fabs(a.el.position(end) - b.el.position(end)) < 0.05);
}
