// End-to-end test of agent sessions: `flashcode model init` writes the tiny random checkpoint,
// a real flashcoded serves it, and turns run through the real Agent, engine and store. The
// text is random (random weights); what is checked is the pipeline: streaming in seq order,
// exactly one terminal event, limits, cancel, `flashcode exec` and `flashcode sessions`,
// shutdown, and that a daemon killed with SIGKILL loses none of the events it streamed.
#include <doctest/doctest.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "flashcode/v1/admin.grpc.pb.h"
#include "flashcode/v1/agent.grpc.pb.h"
#include "tests/test_daemon.h"
#include "tests/test_process.h"

namespace {

using namespace std::chrono_literals;
using testing_support::Run;
using testing_support::TempDir;
using testing_support::TestProcess;
namespace v1 = flashcode::v1;

using testing_support::TinyCheckpoint;

struct AgentFixture {
  TempDir dir;
  std::string socket = dir.path() + "/d.sock";
  std::string workspace = dir.path() + "/ws";
  std::map<std::string, std::string> env = testing_support::IsolatedEnv(dir.path());
  std::unique_ptr<TestProcess> daemon;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<v1::Agent::Stub> agent;

  AgentFixture() {
    std::filesystem::create_directories(workspace);
    std::ofstream(workspace + "/hello.py") << "print('hello')\n";
  }

  // Starts flashcoded on our state directory, with the tiny model or without any.
  void StartDaemon(bool with_model) {
    std::string config = dir.path() + "/config.toml";
    std::ofstream file(config);
    if (with_model) {
      file << "[model]\npath = \"" << TinyCheckpoint() << "\"\ncontext_limit = 4096\n";
    }
    file.close();
    daemon = std::make_unique<TestProcess>(
        std::vector<std::string>{testing_support::BuiltBinary("daemon/flashcoded"), "--socket",
                                 socket, "--config", config},
        TestProcess::Options{env, {}});
    channel = testing_support::WaitForDaemon(*daemon, socket, 60s);
    agent = v1::Agent::NewStub(channel);
  }

  v1::Session Create(uint64_t max_output_tokens,
                     v1::ApprovalPolicy policy = v1::APPROVAL_POLICY_READ_ONLY) {
    v1::CreateSessionRequest req;
    req.set_workspace_root(workspace);
    req.set_policy(policy);
    req.mutable_limits()->set_max_output_tokens(max_output_tokens);
    v1::CreateSessionResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + 10s);
    grpc::Status s = agent->CreateSession(&ctx, req, &resp);
    REQUIRE_MESSAGE(s.ok(), s.error_message());
    return resp.session();
  }

  grpc::Status Get(const std::string& id, v1::GetSessionResponse* resp = nullptr) {
    v1::GetSessionRequest req;
    req.set_session_id(id);
    v1::GetSessionResponse ignored;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + 10s);
    return agent->GetSession(&ctx, req, resp ? resp : &ignored);
  }

  // The Agent delivers a turn's terminal event from its worker just before it releases the
  // session, so for a moment after `done` the session still counts as running (and a new turn
  // would be refused). Waits until it is released; fails the test after 10 s.
  void WaitUntilIdle(const std::string& id) {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    v1::GetSessionResponse resp;
    while (Get(id, &resp).ok() && resp.session().turn_running()) {
      REQUIRE(std::chrono::steady_clock::now() < deadline);
      std::this_thread::sleep_for(10ms);
    }
  }

  struct TurnResult {
    grpc::Status status;
    std::vector<v1::TurnEvent> events;
    std::chrono::steady_clock::time_point ended;
  };
  // Runs a turn; `on_event` sees each event and returns true to send a cancel (once).
  TurnResult Turn(const std::string& session_id, const std::string& message,
                  const std::function<bool(const v1::TurnEvent&)>& on_event = nullptr) {
    TurnResult r;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + 120s);
    auto stream = agent->Turn(&ctx);
    v1::TurnRequest start;
    start.mutable_start()->set_session_id(session_id);
    start.mutable_start()->set_user_message(message);
    stream->Write(start);
    bool cancel_sent = false;
    v1::TurnEvent e;
    while (stream->Read(&e)) {
      r.events.push_back(e);
      if (on_event && !cancel_sent && on_event(e)) {
        v1::TurnRequest cancel;
        cancel.mutable_cancel();
        stream->Write(cancel);
        cancel_sent = true;
      }
    }
    r.ended = std::chrono::steady_clock::now();
    stream->WritesDone();
    r.status = stream->Finish();
    return r;
  }

  std::pair<grpc::Status, std::vector<v1::TurnEvent>> Resume(const std::string& id,
                                                             uint64_t after_seq) {
    v1::ResumeSessionRequest req;
    req.set_session_id(id);
    req.set_after_seq(after_seq);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + 60s);
    auto reader = agent->ResumeSession(&ctx, req);
    std::vector<v1::TurnEvent> events;
    v1::TurnEvent e;
    while (reader->Read(&e)) events.push_back(e);
    return {reader->Finish(), events};
  }

  testing_support::RunResult Cli(std::vector<std::string> args) {
    std::vector<std::string> argv = {testing_support::BuiltBinary("cli/flashcode"), "--socket",
                                     socket, "--no-start"};
    argv.insert(argv.end(), args.begin(), args.end());
    return Run(argv, {env, {}}, 90s);
  }
};

bool IsTerminal(const v1::TurnEvent& e) { return e.has_done() || e.has_error(); }

// One turn's stream: started first, seqs strictly increasing, exactly one terminal event, last.
void CheckTurnShape(const std::vector<v1::TurnEvent>& events) {
  REQUIRE(events.size() >= 2);
  CHECK(events.front().has_started());
  for (size_t i = 1; i < events.size(); ++i) CHECK(events[i].seq() > events[i - 1].seq());
  size_t terminals = 0;
  for (const auto& e : events) terminals += IsTerminal(e) ? 1 : 0;
  CHECK(terminals == 1);
  CHECK(IsTerminal(events.back()));
}

TEST_CASE("flashcode exec streams a turn as JSON lines and sessions list, show, delete it") {
  AgentFixture f;
  f.StartDaemon(/*with_model=*/true);

  auto exec = f.Cli({"exec", "-C", f.workspace, "--json", "--policy", "read-only",
                     "--max-output-tokens", "6", "Say hello."});
  INFO("stderr: " << exec.err);
  std::vector<nlohmann::json> lines;
  std::istringstream in(exec.out);
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    REQUIRE_MESSAGE(!j.is_discarded(), "not JSON: " << line);
    lines.push_back(j);
  }
  REQUIRE(lines.size() >= 2);
  CHECK(lines.front().contains("started"));
  CHECK(lines.front()["started"]["user_message"] == "Say hello.");
  uint64_t last_seq = 0;
  size_t terminals = 0;
  for (const auto& j : lines) {
    uint64_t seq = std::stoull(j["seq"].get<std::string>());  // proto3 JSON: 64-bit as string
    CHECK(seq > last_seq);
    last_seq = seq;
    terminals += (j.contains("done") || j.contains("error")) ? 1 : 0;
  }
  CHECK(terminals == 1);
  const auto& last = lines.back();
  REQUIRE(last.contains("done"));
  std::string finish = last["done"]["finish_reason"];
  // Random weights: an early end-of-sequence (0) or the 6-token limit (8); nothing else.
  if (finish == "FINISH_REASON_STOP") {
    CHECK(exec.exit_code == 0);
  } else {
    CHECK(finish == "FINISH_REASON_LIMIT");
    CHECK(exec.exit_code == 8);
  }
  int64_t tokens = std::stoll(last["done"]["usage"].value("completion_tokens", "0"));
  CHECK(tokens <= 6 + 1);  // the limit is checked between model calls; one call is capped at 6
  const std::string id = last["session_id"];

  auto list = f.Cli({"sessions", "list"});
  CHECK(list.exit_code == 0);
  CHECK(list.out.find(id) != std::string::npos);
  CHECK(list.out.find("Say hello.") != std::string::npos);  // the title
  auto list_other = f.Cli({"sessions", "list", "-C", f.dir.path()});
  CHECK(list_other.exit_code == 0);
  CHECK(list_other.out.find(id) == std::string::npos);

  auto show = f.Cli({"sessions", "show", id});
  CHECK_MESSAGE(show.exit_code == 0, show.err);
  CHECK(show.out.find("--- user (") != std::string::npos);
  CHECK(show.out.find("Say hello.") != std::string::npos);
  CHECK(show.out.find("--- assistant") != std::string::npos);

  CHECK(f.Cli({"exec", "--policy", "sometimes", "x"}).exit_code == 2);

  auto del = f.Cli({"sessions", "delete", id});
  CHECK_MESSAGE(del.exit_code == 0, del.err);
  auto gone = f.Cli({"sessions", "show", id});
  CHECK(gone.exit_code == 1);
  CHECK(f.Cli({"sessions", "list"}).out.find(id) == std::string::npos);
  CHECK(f.Cli({"sessions", "delete", id}).exit_code == 1);

  // Ctrl-C cancels the turn through the daemon and exits with the cancelled code (9). Plain
  // mode: the model's (random) thinking goes to stderr, then the summary line.
  {
    TestProcess interrupted(
        {testing_support::BuiltBinary("cli/flashcode"), "--socket", f.socket, "--no-start", "exec",
         "-C", f.workspace, "--max-output-tokens", "2000", "Count to a thousand."},
        {f.env, {}});
    auto deadline = std::chrono::steady_clock::now() + 90s;
    while (interrupted.Stderr().empty() && interrupted.Stdout().empty() &&
           interrupted.IsRunning() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(20ms);
    }
    REQUIRE_MESSAGE(interrupted.IsRunning(), interrupted.Stdout() << interrupted.Stderr());
    interrupted.Signal(SIGINT);
    CHECK(interrupted.Wait(15s) == 9);
    CHECK(interrupted.Stderr().find("(cancelled; ") != std::string::npos);
  }
  CHECK(f.Cli({"sessions", "list"}).out.find("Count to a thousand.") != std::string::npos);

  f.daemon->Signal(SIGTERM);
  CHECK(f.daemon->Wait(20s) == 0);
}

TEST_CASE("flashcode chat: a turn, slash commands, an unknown command, resume") {
  AgentFixture f;
  f.StartDaemon(/*with_model=*/true);
  std::string script = f.dir.path() + "/chat-input.txt";
  std::ofstream(script)
      << "hello there\n/model\n/sessions\n/undo\n/compact\n/bogus\n/exit\nnever sent\n";
  std::vector<std::string> args = {testing_support::BuiltBinary("cli/flashcode"),
                                   "--socket",
                                   f.socket,
                                   "chat",
                                   "-C",
                                   f.workspace,
                                   "--policy",
                                   "read-only",
                                   "--max-output-tokens",
                                   "4"};
  TestProcess::Options options{f.env, {}};
  options.stdin_file = script;
  auto r = Run(args, options, 180s);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.err.find("session ") != std::string::npos);
  CHECK(r.err.find("tokens") != std::string::npos);  // the turn's summary line
  CHECK(r.err.find("model: tiny") != std::string::npos);
  CHECK(r.err.find("hello there") != std::string::npos);  // /sessions lists it by its title
  CHECK(r.err.find("undo: ") != std::string::npos);       // nothing to undo: said, not fatal
  CHECK(r.err.find("compacted: ") != std::string::npos);  // one turn: nothing older to summarise
  CHECK(r.err.find("unknown command /bogus") != std::string::npos);
  auto resume_at = r.err.find("flashcode chat --resume ");
  REQUIRE(resume_at != std::string::npos);
  std::string id = r.err.substr(resume_at + 24);
  id = id.substr(0, id.find_first_of(")\n"));

  std::ofstream(script) << "/exit\n";
  args = {
      testing_support::BuiltBinary("cli/flashcode"), "--socket", f.socket, "chat", "--resume", id};
  auto resumed = Run(args, options, 60s);
  CHECK_MESSAGE(resumed.exit_code == 0, resumed.err);
  CHECK(resumed.err.find("resumed session " + id) != std::string::npos);
  args.back() = "no-such-session";
  CHECK(Run(args, options, 60s).exit_code != 0);
}

TEST_CASE("the Agent service: sessions, turns, cancel, resume, SIGKILL durability, shutdown") {
  AgentFixture f;
  f.StartDaemon(/*with_model=*/true);

  {  // Argument errors are statuses, not crashes.
    v1::CreateSessionRequest bad;
    bad.set_workspace_root(f.dir.path() + "/missing");
    v1::CreateSessionResponse resp;
    grpc::ClientContext ctx;
    CHECK(f.agent->CreateSession(&ctx, bad, &resp).error_code() ==
          grpc::StatusCode::INVALID_ARGUMENT);
  }
  CHECK(f.Get("no-such-session").error_code() == grpc::StatusCode::NOT_FOUND);
  v1::Session idle = f.Create(/*max_output_tokens=*/4);  // never runs a turn
  {  // UpdateSession changes what it is given and keeps the rest.
    v1::UpdateSessionRequest req;
    req.set_session_id(idle.id());
    req.set_title("renamed");
    req.set_policy(v1::APPROVAL_POLICY_AUTO_EDIT);
    v1::UpdateSessionResponse resp;
    grpc::ClientContext ctx;
    REQUIRE(f.agent->UpdateSession(&ctx, req, &resp).ok());
    CHECK(resp.session().title() == "renamed");
    CHECK(resp.session().policy() == v1::APPROVAL_POLICY_AUTO_EDIT);
    CHECK(resp.session().limits().max_output_tokens() == 4);
    req.set_policy(static_cast<v1::ApprovalPolicy>(42));
    grpc::ClientContext bad_ctx;
    CHECK(f.agent->UpdateSession(&bad_ctx, req, &resp).error_code() ==
          grpc::StatusCode::INVALID_ARGUMENT);
  }
  {  // An unknown approval is NOT_FOUND; a session that never changed anything has no undo.
    v1::ApproveRequest approve;
    approve.mutable_decision()->set_approval_id("no-such-approval");
    approve.mutable_decision()->set_decision(v1::ApprovalDecision::DECISION_APPROVE);
    v1::ApproveResponse approved;
    grpc::ClientContext c1;
    CHECK(f.agent->Approve(&c1, approve, &approved).error_code() == grpc::StatusCode::NOT_FOUND);
    v1::UndoRequest undo;
    undo.set_session_id(idle.id());
    v1::UndoResponse undone;
    grpc::ClientContext c2;
    CHECK(f.agent->Undo(&c2, undo, &undone).error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  }

  // A daemon's first turns prefill the whole prompt (system prompt and twelve tool
  // declarations, about 1600 tokens), seconds on a CPU; later ones continue from the engine's
  // prefix cache. This test runs three turns and asks much of each.
  // A long turn, followed live by a second client, then cancelled mid-generation: it ends
  // promptly, the follower sees the same events, a second turn meanwhile is refused.
  v1::Session longer = f.Create(/*max_output_tokens=*/2000);
  CHECK(longer.workspace_root() == std::filesystem::canonical(f.workspace).string());
  CHECK(longer.policy() == v1::APPROVAL_POLICY_READ_ONLY);
  CHECK(longer.limits().max_output_tokens() == 2000);
  CHECK(longer.limits().max_model_calls() > 0);  // defaults filled in
  std::vector<v1::TurnEvent> followed;
  grpc::Status follow_status;
  std::thread follower;
  std::chrono::steady_clock::time_point cancelled_at;
  auto cancelled = f.Turn(longer.id(), "Count to a thousand.", [&](const v1::TurnEvent& e) {
    if (!e.has_text() && !e.has_reasoning()) return false;
    if (!follower.joinable()) {
      follower = std::thread([&] { std::tie(follow_status, followed) = f.Resume(longer.id(), 0); });
      std::this_thread::sleep_for(200ms);
      auto second = f.Turn(longer.id(), "in parallel");
      CHECK(second.status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
      return false;
    }
    cancelled_at = std::chrono::steady_clock::now();
    return true;
  });
  follower.join();
  REQUIRE_MESSAGE(cancelled.status.ok(), cancelled.status.error_message());
  CheckTurnShape(cancelled.events);
  REQUIRE(cancelled.events.back().has_done());
  CHECK(cancelled.events.back().done().finish_reason() == v1::FINISH_REASON_CANCELLED);
  CHECK(cancelled.ended - cancelled_at < 3s);
  CHECK(follow_status.ok());
  REQUIRE(followed.size() == cancelled.events.size());
  for (size_t i = 0; i < followed.size(); ++i) {
    CHECK(followed[i].SerializeAsString() == cancelled.events[i].SerializeAsString());
  }
  f.WaitUntilIdle(longer.id());
  v1::GetSessionResponse got;
  REQUIRE(f.Get(longer.id(), &got).ok());
  CHECK(got.session().turn_count() == 1);
  CHECK_FALSE(got.session().turn_running());
  CHECK(got.session().last_event_seq() == cancelled.events.back().seq());
  REQUIRE(got.messages_size() >= 1);
  CHECK(got.messages(0).role() == v1::Message::ROLE_USER);
  CHECK(got.messages(0).content() == "Count to a thousand.");

  // ResumeSession replays exactly what was streamed; after_seq skips what the client has.
  auto [replay_status, replay] = f.Resume(longer.id(), 0);
  CHECK(replay_status.ok());
  REQUIRE(replay.size() == cancelled.events.size());
  for (size_t i = 0; i < replay.size(); ++i) {
    CHECK(replay[i].SerializeAsString() == cancelled.events[i].SerializeAsString());
  }
  auto [tail_status, tail] = f.Resume(longer.id(), cancelled.events[0].seq());
  CHECK(tail_status.ok());
  CHECK(tail.size() == cancelled.events.size() - 1);
  CHECK(f.Resume("no-such-session", 0).first.error_code() == grpc::StatusCode::NOT_FOUND);

  {  // CancelTurn when nothing runs is OK with was_running = false.
    v1::CancelTurnRequest req;
    req.set_session_id(longer.id());
    v1::CancelTurnResponse resp;
    grpc::ClientContext ctx;
    CHECK(f.agent->CancelTurn(&ctx, req, &resp).ok());
    CHECK_FALSE(resp.was_running());
  }

  // SIGKILL mid-turn: after a restart, every event the client saw is replayed unchanged, and
  // the interrupted turn ends with a stored ABORTED error.
  std::vector<v1::TurnEvent> seen;
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + 60s);
    auto stream = f.agent->Turn(&ctx);
    v1::TurnRequest start;
    start.mutable_start()->set_session_id(longer.id());
    start.mutable_start()->set_user_message("Keep counting.");
    stream->Write(start);
    v1::TurnEvent e;
    while (seen.size() < 4 && stream->Read(&e)) seen.push_back(e);
    f.daemon->Signal(SIGKILL);
    while (stream->Read(&e)) seen.push_back(e);
    (void)stream->Finish();
  }
  REQUIRE(seen.size() >= 4);
  CHECK(f.daemon->Wait(10s) == 128 + SIGKILL);
  f.StartDaemon(/*with_model=*/true);
  auto [after_kill_status, after_kill] = f.Resume(longer.id(), cancelled.events.back().seq());
  CHECK(after_kill_status.ok());
  // The daemon may have stored an event or two that it had no time to send before the kill.
  REQUIRE(after_kill.size() >= seen.size() + 1);
  for (size_t i = 0; i < seen.size(); ++i) {
    CHECK(after_kill[i].SerializeAsString() == seen[i].SerializeAsString());
  }
  for (size_t i = seen.size(); i + 1 < after_kill.size(); ++i)
    CHECK_FALSE(IsTerminal(after_kill[i]));
  REQUIRE(after_kill.back().has_error());
  CHECK(after_kill.back().error().code() == static_cast<int>(grpc::StatusCode::ABORTED));

  // Compact runs on the agent's worker, not a gRPC thread, and its deadline cancels the summary
  // (1024 random tokens at most from the tiny model): the session is free again right after.
  {
    v1::CompactRequest req;
    req.set_session_id(longer.id());
    v1::CompactResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + 200ms);
    grpc::Status s = f.agent->Compact(&ctx, req, &resp);
    MESSAGE("Compact with a 200 ms deadline: " << s.error_code() << " " << s.error_message());
    if (s.ok()) {
      CHECK(resp.tokens_after() < resp.tokens_before());  // the model was quick after all
    } else {
      CHECK(s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED);
    }
    f.WaitUntilIdle(longer.id());
    v1::GetSessionResponse got_after;
    REQUIRE(f.Get(longer.id(), &got_after).ok());
    REQUIRE(got_after.messages_size() > 0);
    // A summary the server stored just as the client's deadline passed is possible, so only a
    // successful call must have compacted.
    if (s.ok()) CHECK(got_after.messages(0).role() == v1::Message::ROLE_SUMMARY);
    req.set_session_id("no-such-session");
    grpc::ClientContext c2;
    CHECK(f.agent->Compact(&c2, req, &resp).error_code() == grpc::StatusCode::NOT_FOUND);
  }

  // SIGTERM during a turn: the stream ends with UNAVAILABLE and the daemon exits 0.
  {
    std::thread killer;
    auto interrupted = f.Turn(longer.id(), "Once more.", [&](const v1::TurnEvent& e) {
      if ((e.has_text() || e.has_reasoning()) && !killer.joinable()) {
        killer = std::thread([&] { f.daemon->Signal(SIGTERM); });
      }
      return false;
    });
    if (killer.joinable()) killer.join();
    CHECK(interrupted.status.error_code() == grpc::StatusCode::UNAVAILABLE);
    CHECK(f.daemon->Wait(20s) == 0);
  }

  // Without a model, stored sessions can still be listed, shown, replayed and deleted; turns
  // and new sessions are refused with FAILED_PRECONDITION.
  f.StartDaemon(/*with_model=*/false);
  {
    v1::ListSessionsRequest req;
    req.set_page_size(1);
    v1::ListSessionsResponse page1, page2;
    grpc::ClientContext c1, c2;
    REQUIRE(f.agent->ListSessions(&c1, req, &page1).ok());
    REQUIRE(page1.sessions_size() == 1);
    CHECK(page1.sessions(0).id() == longer.id());  // newest (last updated) first
    REQUIRE_FALSE(page1.next_page_token().empty());
    req.set_page_token(page1.next_page_token());
    REQUIRE(f.agent->ListSessions(&c2, req, &page2).ok());
    REQUIRE(page2.sessions_size() == 1);
    CHECK(page2.sessions(0).id() == idle.id());
    CHECK(page2.next_page_token().empty());
    grpc::ClientContext c3;
    v1::StatusResponse status;
    REQUIRE(v1::Admin::NewStub(f.channel)->Status(&c3, {}, &status).ok());
    CHECK(status.sessions() == 2);
    CHECK(status.active_sessions() == 0);
  }
  auto [idle_replay_status, idle_replay] = f.Resume(longer.id(), 0);
  CHECK(idle_replay_status.ok());
  size_t stored_terminals = 0;
  for (const auto& e : idle_replay) stored_terminals += IsTerminal(e) ? 1 : 0;
  CHECK(stored_terminals == 3);  // every turn ended: cancelled, killed (aborted), SIGTERM
  CHECK(idle_replay.size() >= replay.size() + after_kill.size() + 2);
  auto refused = f.Turn(longer.id(), "hello");
  CHECK(refused.status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(refused.status.error_message().find("no model loaded") != std::string::npos);
  {
    v1::CreateSessionRequest req;
    req.set_workspace_root(f.workspace);
    v1::CreateSessionResponse resp;
    grpc::ClientContext ctx;
    CHECK(f.agent->CreateSession(&ctx, req, &resp).error_code() ==
          grpc::StatusCode::FAILED_PRECONDITION);
  }
  {
    v1::DeleteSessionRequest req;
    req.set_session_id(longer.id());
    v1::DeleteSessionResponse resp;
    grpc::ClientContext ctx;
    CHECK(f.agent->DeleteSession(&ctx, req, &resp).ok());
  }
  CHECK(f.Get(longer.id()).error_code() == grpc::StatusCode::NOT_FOUND);
  CHECK(f.Get(idle.id()).ok());
  f.daemon->Signal(SIGTERM);
  CHECK(f.daemon->Wait(20s) == 0);
}

}  // namespace
