// Durability: a daemon killed with SIGKILL in the middle of a turn loses no event it had
// already handed to a client. The turn runs in a child process (this test binary re-executed
// on a helper test case); the parent reads the seqs the child's sink saw, kills it, reopens
// the store and compares.
#include <doctest/doctest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <set>
#include <thread>

#include "agent/agent.h"
#include "agent/agent_test_harness.h"

extern char** environ;

namespace agent {
namespace {

using testing::AgentHarness;
using testing::EventLog;
using testing::Script;

constexpr char kHelperName[] = "agent: kill -9 helper (runs in the child process)";

// The child: runs a long turn and prints "SEQ <n>" for every event its sink receives.
TEST_CASE(kHelperName* doctest::skip()) {
  const char* state = std::getenv("FLASHCODE_KILL_TEST_STATE");
  const char* session = std::getenv("FLASHCODE_KILL_TEST_SESSION");
  if (state == nullptr || session == nullptr) return;
  base::SystemClock clock;
  testing::ScriptedEngine engine(Script{std::string(3000, 'z')});
  engine.set_chunk_delay(std::chrono::milliseconds(5));
  tools::ToolRegistry registry;
  auto store = SessionStore::Open(state, clock);
  REQUIRE(store.ok());
  Agent agent(engine, inference::testing::V3Tokenizer(), registry, clock, std::move(store).value(),
              {});
  auto turn = agent.StartTurn(session, "stream a lot", [](const Event& e) {
    std::string line = "SEQ " + std::to_string(e.seq) + "\n";
    (void)!write(STDOUT_FILENO, line.data(), line.size());
  });
  REQUIRE(turn.ok());
  std::this_thread::sleep_for(std::chrono::seconds(20));  // the parent kills us long before
}

TEST_CASE("agent: kill -9 in the middle of a turn loses no streamed event") {
  AgentHarness h(Script{{"back again"}});
  SessionInfo session = h.NewSession(ApprovalMode::kAsk);

  // Everything the child needs is prepared before fork (only exec follows it there).
  std::vector<std::string> env_strings = {"FLASHCODE_KILL_TEST_STATE=" + h.state_dir(),
                                          "FLASHCODE_KILL_TEST_SESSION=" + session.id};
  for (char** e = environ; *e != nullptr; ++e) env_strings.push_back(*e);
  std::vector<char*> envp;
  for (std::string& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::string arg0 = "flashcode_agent_test";
  std::string arg1 = std::string("--test-case=") + kHelperName;
  std::string arg2 = "--no-skip";
  char* argv[] = {arg0.data(), arg1.data(), arg2.data(), nullptr};
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    execve("/proc/self/exe", argv, envp.data());
    _exit(127);
  }
  close(fds[1]);

  // Read the child's seqs for at most 10 s; kill it once 30 events went out.
  std::set<uint64_t> seen;
  std::string buffer;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (seen.size() < 30 && std::chrono::steady_clock::now() < deadline) {
    pollfd pfd{fds[0], POLLIN, 0};
    if (poll(&pfd, 1, 100) <= 0) continue;
    char chunk[4096];
    ssize_t n = read(fds[0], chunk, sizeof chunk);
    if (n <= 0) break;
    buffer.append(chunk, static_cast<size_t>(n));
    size_t nl;
    while ((nl = buffer.find('\n')) != std::string::npos) {
      std::string line = buffer.substr(0, nl);
      buffer.erase(0, nl + 1);
      if (line.starts_with("SEQ ")) seen.insert(std::stoull(line.substr(4)));
    }
  }
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  close(fds[0]);
  REQUIRE_MESSAGE(seen.size() >= 30, "the child streamed only " << seen.size() << " events");
  CHECK(WIFSIGNALED(status));

  // A restarted daemon: every streamed event is there, and the cut turn is closed.
  h.Restart();
  std::vector<Event> replay;
  REQUIRE(h.agent().Attach(session.id, 0, [&](const Event& e) { replay.push_back(e); }).ok());
  MESSAGE("streamed before the kill: " << seen.size() << ", stored: " << replay.size());
  REQUIRE(replay.size() > seen.size());
  std::set<uint64_t> stored;
  for (size_t i = 0; i < replay.size(); ++i) {
    CHECK(replay[i].seq == i + 1);
    stored.insert(replay[i].seq);
  }
  for (uint64_t seq : seen) CHECK(stored.count(seq) == 1);
  auto* closed = std::get_if<StreamError>(&replay.back().payload);
  REQUIRE(closed != nullptr);
  CHECK(closed->code == static_cast<int32_t>(base::StatusCode::kAborted));
  CHECK(replay.back().turn_id == "t1");
  for (size_t i = 0; i + 1 < replay.size(); ++i) CHECK_FALSE(replay[i].IsTerminal());

  // The session goes on.
  EventLog log;
  Event end = h.RunTurn(session.id, "are you back?", log);
  REQUIRE(std::holds_alternative<TurnDone>(end.payload));
  CHECK(log.Text() == "back again");
  CHECK(h.Prompt(0).find("stream a lot") != std::string::npos);
}

}  // namespace
}  // namespace agent
