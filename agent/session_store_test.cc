#include "agent/session_store.h"

#include <doctest/doctest.h>

#include <filesystem>

#include "tools/files/temp_dir_for_test.h"

namespace agent {
namespace {

SessionInfo NewInfo(const std::string& root) {
  SessionInfo info;
  info.workspace_root = root;
  info.model = "tiny";
  info.policy = ApprovalMode::kAutoEdit;
  info.reasoning = ReasoningEffort::kNone;
  info.limits = {7, 1000, 60000};
  return info;
}

TEST_CASE("session store: create, get, list newest first, update, delete") {
  tools::TempDir dir;
  base::FakeClock clock;
  auto store = SessionStore::Open(dir.path() + "/state", clock);
  REQUIRE_MESSAGE(store.ok(), store.status().ToString());
  CHECK((std::filesystem::status(dir.path() + "/state").permissions() &
         std::filesystem::perms::all) == std::filesystem::perms::owner_all);
  auto a = (*store)->Create(NewInfo("/w/a"));
  REQUIRE(a.ok());
  clock.Advance(std::chrono::milliseconds(10));
  auto b = (*store)->Create(NewInfo("/w/b"));
  REQUIRE(b.ok());
  CHECK(a->id != b->id);
  CHECK(a->created_unix_ms + 10 == b->created_unix_ms);

  auto got = (*store)->Get(a->id);
  REQUIRE(got.ok());
  CHECK(*got == *a);
  CHECK((*store)->Get("nope").status().code() == base::StatusCode::kNotFound);

  auto all = (*store)->List("", 10, 0);
  REQUIRE(all.ok());
  REQUIRE(all->size() == 2);
  CHECK((*all)[0].id == b->id);
  auto only_a = (*store)->List("/w/a", 10, 0);
  REQUIRE(only_a.ok());
  REQUIRE(only_a->size() == 1);
  CHECK((*only_a)[0].id == a->id);
  auto page2 = (*store)->List("", 1, 1);
  REQUIRE(page2.ok());
  REQUIRE(page2->size() == 1);
  CHECK((*page2)[0].id == a->id);

  SessionInfo changed = *a;
  changed.title = "renamed";
  changed.policy = ApprovalMode::kReadOnly;
  REQUIRE((*store)->Update(changed).ok());
  CHECK((*store)->Get(a->id)->title == "renamed");
  CHECK((*store)->Get(a->id)->policy == ApprovalMode::kReadOnly);

  REQUIRE((*store)->Delete(a->id).ok());
  CHECK((*store)->Delete(a->id).code() == base::StatusCode::kNotFound);
  CHECK((*store)->List("", 10, 0)->size() == 1);
}

TEST_CASE("session store: events get increasing seqs and survive reopening") {
  tools::TempDir dir;
  base::FakeClock clock;
  std::vector<Event> stored;
  std::string id;
  {
    auto store = SessionStore::Open(dir.path(), clock);
    REQUIRE(store.ok());
    id = (*store)->Create(NewInfo("/w"))->id;
    auto turn = (*store)->BeginTurn(id);
    REQUIRE(turn.ok());
    CHECK(*turn == "t1");
    const std::vector<EventPayload> payloads = {
        TurnStarted{"hi", ""},
        ReasoningDelta{"hmm"},
        TextDelta{"caf\xc3\xa9"},
        ToolCallStarted{{"c1", "shell", R"({"command":"ls"})"}, true},
        ToolCallOutput{"c1", "a\n"},
        ToolCallFinished{"c1", true, "exit code: 2\n", true, 2, 15},
        ApprovalRequested{"ap1", {"c2", "write_file", "{}"}, "asks"},
        ApprovalResolved{"ap1", Decision::kApproveForSession},
        ContextCompacted{900, 300},
        StreamError{14, "engine gone"},
        TurnDone{TurnFinish::kLimit, {10, 5, 2}, 1234, 3}};
    for (const EventPayload& p : payloads) {
      clock.Advance(std::chrono::milliseconds(1));
      auto e = (*store)->AppendEvent(Event{0, id, *turn, 0, p});
      REQUIRE_MESSAGE(e.ok(), e.status().ToString());
      CHECK(e->seq == stored.size() + 1);
      CHECK(e->time_unix_ms == clock.UnixMillis());
      stored.push_back(*e);
    }
    CHECK((*store)->Get(id)->last_event_seq == stored.size());
  }
  auto reopened = SessionStore::Open(dir.path(), clock);
  REQUIRE(reopened.ok());
  auto replay = (*reopened)->EventsAfter(id, 0);
  REQUIRE(replay.ok());
  CHECK(*replay == stored);
  auto tail = (*reopened)->EventsAfter(id, 9);
  REQUIRE(tail.ok());
  CHECK(*tail == std::vector<Event>(stored.begin() + 9, stored.end()));
  auto next = (*reopened)->AppendEvent(Event{0, id, "t2", 0, TextDelta{"more"}});
  REQUIRE(next.ok());
  CHECK(next->seq == stored.size() + 1);
  CHECK((*reopened)->AppendEvent(Event{0, "nope", "t", 0, TextDelta{}}).status().code() ==
        base::StatusCode::kNotFound);
}

TEST_CASE("session store: one durable transaction per streamed token keeps up with decoding") {
  tools::TempDir dir;
  base::SystemClock clock;
  auto store = SessionStore::Open(dir.path(), clock);
  REQUIRE(store.ok());
  const std::string id = (*store)->Create(NewInfo("/w"))->id;
  constexpr int kEvents = 2000;
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < kEvents; ++i) {
    REQUIRE((*store)->AppendEvent(Event{0, id, "t1", 0, TextDelta{"tok "}}).ok());
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  MESSAGE("AppendEvent: " << kEvents / s << " events/s (" << s * 1e6 / kEvents << " us each)");
  CHECK((*store)->EventsAfter(id, 0)->size() == kEvents);
  CHECK((*store)->Get(id)->last_event_seq == kEvents);
}

TEST_CASE("session store: messages, compaction, snapshots, approvals and usage") {
  tools::TempDir dir;
  base::FakeClock clock;
  auto opened = SessionStore::Open(dir.path(), clock);
  REQUIRE(opened.ok());
  SessionStore& store = **opened;
  const std::string id = store.Create(NewInfo("/w"))->id;
  std::vector<Message> written;
  for (int i = 0; i < 4; ++i) {
    Message m(i % 2 ? Role::kAssistant : Role::kUser, "m" + std::to_string(i));
    m.created_unix_ms = 100 + i;
    m.turn_id = "t1";
    if (i == 1) m.tool_calls = {{"c1", "read_file", R"({"path":"a"})"}};
    written.push_back(m);
    REQUIRE(store.AppendMessage(id, m).ok());
  }
  CHECK(*store.Messages(id) == written);

  Message summary(Role::kSummary, "they talked");
  summary.turn_id = "t2";
  REQUIRE(store.Compact(id, 2, summary).ok());
  auto visible = store.Messages(id);
  REQUIRE(visible.ok());
  REQUIRE(visible->size() == 3);
  CHECK((*visible)[0].role == Role::kSummary);
  CHECK((*visible)[0].content == "they talked");
  CHECK((*visible)[1] == written[2]);
  CHECK((*visible)[2] == written[3]);
  CHECK(store.Messages(id, true)->size() == 5);
  Message later(Role::kUser, "after");
  later.created_unix_ms = 200;
  REQUIRE(store.AppendMessage(id, later).ok());
  CHECK(store.Messages(id)->back() == later);

  CHECK(!store.LastSnapshot(id)->has_value());
  REQUIRE(store.BeginTurn(id).ok());
  REQUIRE(store.BeginTurn(id).ok());
  REQUIRE(store.SetTurnSnapshot(id, "t1", "refs/x/1").ok());
  REQUIRE(store.SetTurnSnapshot(id, "t2", "refs/x/2").ok());
  CHECK(store.LastSnapshot(id)->value().snapshot_ref == "refs/x/2");
  REQUIRE(store.MarkUndone(id, "t2").ok());
  CHECK(store.LastSnapshot(id)->value().turn_id == "t1");
  CHECK(store.SetTurnSnapshot(id, "t9", "r").code() == base::StatusCode::kNotFound);

  REQUIRE(store
              .RecordApproval(id, "a1", {"c1", "shell", "{\"command\":\"make\"}"},
                              Decision::kApproveForSession, "")
              .ok());
  REQUIRE(store.RecordApproval(id, "a2", {"c2", "shell", "{}"}, Decision::kDeny, "no").ok());
  auto approved = store.SessionApprovals(id);
  REQUIRE(approved.ok());
  REQUIRE(approved->size() == 1);
  CHECK((*approved)[0].arguments_json == "{\"command\":\"make\"}");

  REQUIRE(store.AddUsage(id, {10, 4, 1}).ok());
  REQUIRE(store.AddUsage(id, {5, 1, 0}).ok());
  CHECK(store.Get(id)->usage == Usage{15, 5, 1});
  CHECK(store.Get(id)->turn_count == 2);

  REQUIRE(store.Delete(id).ok());
  CHECK(store.Messages(id)->empty());
  CHECK(store.EventsAfter(id, 0)->empty());
}

}  // namespace
}  // namespace agent
