// The Agent's session-level behaviour: undo, snapshots before destructive commands,
// compaction, and resuming after a restart.
#include "agent/agent.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "agent/agent_test_harness.h"
#include "tools/git/snapshot.h"

namespace agent {
namespace {

using testing::AgentHarness;
using testing::Calls;
using testing::EventLog;
using testing::Invoke;
using testing::Script;

TEST_CASE("agent: undo restores the work tree from before the last mutating turn") {
  AgentHarness h(
      Script{{"just looking"},
             {Calls("", {Invoke("write_file", {{"path", "a.txt"}, {"content", "changed\n"}}),
                         Invoke("write_file", {{"path", "new/b.txt"}, {"content", "b"}})})},
             {"done"}});
  SessionInfo session = h.NewSession(ApprovalMode::kFullAuto);
  h.repo().Write("untracked.txt", "mine\n");  // the user's own untracked work
  EventLog look, edit;
  h.RunTurn(session.id, "look", look);
  CHECK(h.agent().Undo(session.id).status().code() == base::StatusCode::kFailedPrecondition);
  h.RunTurn(session.id, "edit", edit);
  CHECK(h.repo().Read("a.txt") == "changed\n");
  CHECK(h.repo().Exists("new/b.txt"));

  auto undo = h.agent().Undo(session.id);
  REQUIRE_MESSAGE(undo.ok(), undo.status().ToString());
  CHECK(undo->restored_snapshot_ref.starts_with(tools::kSnapshotRefPrefix));
  CHECK(h.repo().Read("a.txt") == "hello\n");
  CHECK_FALSE(h.repo().Exists("new/b.txt"));
  CHECK(h.repo().Read("untracked.txt") == "mine\n");
  std::vector<std::string> changed = undo->changed_paths;
  std::sort(changed.begin(), changed.end());
  CHECK(changed == std::vector<std::string>{"a.txt", "new/b.txt"});
  // The read-only turn took no snapshot, so there is nothing further to undo.
  CHECK(h.agent().Undo(session.id).status().code() == base::StatusCode::kFailedPrecondition);
}

TEST_CASE("agent: a destructive command gets its own snapshot first, even in full-auto") {
  AgentHarness h({{Calls("", {Invoke("write_file", {{"path", "a.txt"}, {"content", "edited\n"}}),
                              Invoke("shell", {{"command", "git reset --hard"}})})},
                  {"reset done"}});
  SessionInfo session = h.NewSession(ApprovalMode::kFullAuto);
  EventLog log;
  Event end = h.RunTurn(session.id, "clean up", log);
  REQUIRE(std::holds_alternative<TurnDone>(end.payload));
  auto finished = log.All<ToolCallFinished>();
  REQUIRE(finished.size() == 2);
  CHECK_FALSE(finished[1].is_error);
  CHECK(finished[1].exit_code == 0);
  CHECK(h.repo().Read("a.txt") == "hello\n");  // the reset ran
  auto snapshots = tools::ListSnapshots(h.repo().repo());
  REQUIRE(snapshots.ok());
  REQUIRE(snapshots->size() == 2);  // the turn's undo point and the pre-reset one
  // The newest snapshot holds the edit the reset destroyed.
  auto sorted = *snapshots;
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.label.size() > b.label.size(); });
  CHECK(sorted[0].label.find("destructive") != std::string::npos);
  REQUIRE(tools::RestoreSnapshot(h.repo().repo(), sorted[0].id).ok());
  CHECK(h.repo().Read("a.txt") == "edited\n");
}

TEST_CASE("agent: near the context limit older turns are compacted into a summary") {
  const std::string long_message = "Background: " + std::string(3000, 'x') + " end.";
  AgentHarness h(Script{{"first answer"}, {"SUMMARY: user gave background"}, {"second answer"}});
  SessionInfo session = h.NewSession(ApprovalMode::kAsk);
  EventLog first, second;
  h.RunTurn(session.id, long_message, first);
  const int64_t first_prompt = static_cast<int64_t>(h.engine().prompts()[0].size());
  // Shrink the context so that the next prompt (a few tokens longer) passes 75% of it.
  h.engine().set_context_length(first_prompt + 100);
  Event end = h.RunTurn(session.id, "and now?", second);
  REQUIRE(std::holds_alternative<TurnDone>(end.payload));
  CHECK(std::get<TurnDone>(end.payload).finish == TurnFinish::kStop);
  auto compacted = second.All<ContextCompacted>();
  REQUIRE(compacted.size() == 1);
  MESSAGE("compaction: " << compacted[0].tokens_before << " -> " << compacted[0].tokens_after
                         << " tokens");
  CHECK(compacted[0].tokens_after + 300 < compacted[0].tokens_before);
  const std::string summariser = h.Prompt(1);
  CHECK(summariser.find("Summarise this conversation") != std::string::npos);
  CHECK(summariser.find("first answer") != std::string::npos);
  const std::string after = h.Prompt(2);
  CHECK(after.find("SUMMARY: user gave background") != std::string::npos);
  CHECK(after.find(std::string(100, 'x')) == std::string::npos);
  CHECK(after.find("and now?") != std::string::npos);
  CHECK(h.agent().Messages(session.id)->size() == 3);  // summary, user, answer
  CHECK(h.agent().Messages(session.id, true)->size() == 5);
}

TEST_CASE("agent: Compact on request summarises the turns before the last one") {
  AgentHarness h(Script{{"one"}, {"two"}, {"SUMMARY: two small turns"}});
  SessionInfo session = h.NewSession(ApprovalMode::kAsk);
  EventLog first, second;
  h.RunTurn(session.id, "first " + std::string(800, 'q'), first);
  h.RunTurn(session.id, "second", second);
  auto result = h.agent().Compact(session.id);
  REQUIRE_MESSAGE(result.ok(), result.status().ToString());
  CHECK(result->messages_compacted == 2);
  CHECK(result->tokens_after < result->tokens_before);
  auto messages = h.agent().Messages(session.id);
  REQUIRE(messages.ok());
  REQUIRE(messages->size() == 3);
  CHECK((*messages)[0].role == Role::kSummary);
  CHECK((*messages)[1].content == "second");
  // Nothing older than the last turn is left: a second Compact has nothing to do.
  auto again = h.agent().Compact(session.id);
  REQUIRE(again.ok());
  CHECK(again->messages_compacted == 0);
}

TEST_CASE("agent: StartCompact summarises on a worker that holds the session until done") {
  AgentHarness h(Script{{"one"}, {"two"}, {"SUMMARY: " + std::string(3000, 's')}});
  SessionInfo session = h.NewSession(ApprovalMode::kAsk);
  EventLog first, second;
  h.RunTurn(session.id, "first", first);
  h.RunTurn(session.id, "second", second);
  h.engine().set_chunk_delay(std::chrono::milliseconds(10));  // a slow summary: seconds

  std::mutex mu;
  std::condition_variable cv;
  std::optional<base::StatusOr<CompactResult>> result;
  auto cancel = std::make_shared<base::CancelToken>();
  const auto t0 = std::chrono::steady_clock::now();
  REQUIRE(h.agent()
              .StartCompact(session.id, cancel,
                            [&](base::StatusOr<CompactResult> r) {
                              std::lock_guard<std::mutex> lock(mu);
                              result = std::move(r);
                              cv.notify_all();
                            })
              .ok());
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(1));  // did not wait
  // The session is taken: no turn and no second compaction meanwhile.
  CHECK(h.agent().GetSession(session.id)->turn_running);
  EventLog refused;
  CHECK(h.agent().StartTurn(session.id, "third", refused.Sink()).status().code() ==
        base::StatusCode::kFailedPrecondition);
  CHECK(h.agent().StartCompact(session.id, nullptr, [](auto) {}).code() ==
        base::StatusCode::kFailedPrecondition);
  CHECK(h.agent().StartCompact("no-such-session", nullptr, [](auto) {}).code() ==
        base::StatusCode::kNotFound);
  // A client attaching meanwhile (chat --resume) gets the stored events and is not left
  // following a "turn" that never sends a terminal event.
  std::vector<Event> replayed;
  auto following = h.agent().Attach(session.id, 0, [&](const Event& e) { replayed.push_back(e); });
  REQUIRE(following.ok());
  CHECK_FALSE(*following);
  CHECK(replayed.size() == first.events().size() + second.events().size());

  // The caller's cancel (the RPC's deadline or disconnect) stops the model call.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  cancel->Cancel();
  {
    std::unique_lock<std::mutex> lock(mu);
    REQUIRE(cv.wait_for(lock, std::chrono::seconds(5), [&] { return result.has_value(); }));
  }
  CHECK(result->status().code() == base::StatusCode::kCancelled);
  CHECK_FALSE(h.agent().GetSession(session.id)->turn_running);
  CHECK(h.agent().Messages(session.id)->size() == 4);  // nothing was compacted
}

TEST_CASE("agent: a restarted daemon replays the stored events and continues the session") {
  AgentHarness h(
      Script{{Calls("Checking.", {Invoke("read_file", {{"path", "a.txt"}})})}, {"It says hello."}});
  SessionInfo session = h.NewSession(ApprovalMode::kAsk);
  EventLog before;
  h.RunTurn(session.id, "read a.txt", before);

  h.Restart({{"You asked about a.txt before."}});
  std::vector<Event> replay;
  auto following = h.agent().Attach(session.id, 0, [&](const Event& e) { replay.push_back(e); });
  REQUIRE(following.ok());
  CHECK_FALSE(*following);
  CHECK(replay == before.events());
  std::vector<Event> tail;
  REQUIRE(h.agent().Attach(session.id, 3, [&](const Event& e) { tail.push_back(e); }).ok());
  CHECK(tail.size() == replay.size() - 3);

  auto listed = h.agent().ListSessions("", 10, 0);
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 1);
  CHECK(listed->front().id == session.id);
  EventLog after;
  Event end = h.RunTurn(session.id, "what did I ask?", after);
  REQUIRE(std::holds_alternative<TurnDone>(end.payload));
  CHECK(end.turn_id == "t2");
  CHECK(after.events().front().seq == replay.back().seq + 1);
  const std::string prompt = h.Prompt(0);
  CHECK(prompt.find("read a.txt") != std::string::npos);
  CHECK(prompt.find("It says hello.") != std::string::npos);
  CHECK(prompt.find("what did I ask?") != std::string::npos);
  CHECK(h.agent().GetSession(session.id)->turn_count == 2);

  REQUIRE(h.agent().DeleteSession(session.id).ok());
  CHECK(h.agent().GetSession(session.id).status().code() == base::StatusCode::kNotFound);
}

TEST_CASE("agent: one turn per session and bad requests are errors") {
  AgentHarness h(
      Script{{Calls("", {Invoke("write_file", {{"path", "b.txt"}, {"content", "x"}})})}});
  SessionInfo session = h.NewSession(ApprovalMode::kAsk);
  EventLog log;
  REQUIRE(h.agent().StartTurn(session.id, "one", log.Sink()).ok());
  log.WaitFor<ApprovalRequested>();
  EventLog other;
  CHECK(h.agent().StartTurn(session.id, "two", other.Sink()).status().code() ==
        base::StatusCode::kFailedPrecondition);
  CHECK(h.agent().Undo(session.id).status().code() == base::StatusCode::kFailedPrecondition);
  CHECK(h.agent().Compact(session.id).status().code() == base::StatusCode::kFailedPrecondition);
  // A second client attaches mid-turn: it gets the history, then the live events.
  EventLog watcher;
  auto following = h.agent().Attach(session.id, 0, watcher.Sink());
  REQUIRE(following.ok());
  CHECK(*following);
  REQUIRE(h.agent().CancelTurn(session.id));
  CHECK(watcher.WaitForTerminal() == log.WaitForTerminal());
  CHECK(watcher.events() == log.events());
  h.agent().WaitForTurn(session.id);

  CHECK(h.agent().StartTurn(session.id, "", log.Sink()).status().code() ==
        base::StatusCode::kInvalidArgument);
  CHECK(h.agent().StartTurn("nope", "hi", log.Sink()).status().code() ==
        base::StatusCode::kNotFound);
  NewSession bad;
  bad.workspace_root = "relative/path";
  CHECK(h.agent().CreateSession(bad).status().code() == base::StatusCode::kInvalidArgument);
  auto updated = h.agent().UpdateSession({session.id, "", ApprovalMode::kFullAuto, {}, "named"});
  REQUIRE(updated.ok());
  CHECK(updated->policy == ApprovalMode::kFullAuto);
  CHECK(updated->title == "named");
}

}  // namespace
}  // namespace agent
