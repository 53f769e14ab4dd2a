// AgentHarness: what the agent's tests share — a real git workspace, a real SessionStore, the
// real built-in tools (shell unsandboxed when bubblewrap cannot run here), the V3 tokenizer,
// and a ScriptedEngine replaying the model's outputs; plus an EventLog sink that tests wait on.
// Test-only; the EventLog is thread-safe, the harness thread-compatible.
#pragma once

#include <doctest/doctest.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "agent/agent.h"
#include "agent/scripted_engine_test_util.h"
#include "base/clock.h"
#include "inference/tokenizer/test_support.h"
#include "tools/builtin_tools.h"
#include "tools/git/temp_repo_for_test.h"

namespace agent::testing {

using Script = std::vector<ScriptedOutput>;

// One DSML invoke with string parameters.
inline std::string Invoke(const std::string& name,
                          const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out = "<｜DSML｜invoke name=\"" + name + "\">\n";
  for (const auto& [key, value] : params) {
    out += "<｜DSML｜parameter name=\"" + key + "\" string=\"true\">" + value +
           "</｜DSML｜parameter>\n";
  }
  return out + "</｜DSML｜invoke>\n";
}
inline std::string Calls(const std::string& preamble, const std::vector<std::string>& invokes) {
  std::string out = preamble + "\n\n<｜DSML｜tool_calls>\n";
  for (const std::string& i : invokes) out += i;
  return out + "</｜DSML｜tool_calls>";
}

class EventLog {
 public:
  EventSink Sink() {
    return [this](const Event& e) {
      std::lock_guard<std::mutex> lock(mu_);
      events_.push_back(e);
      cv_.notify_all();
    };
  }
  // Waits (up to 10 s) until an event satisfies `pred`; returns it, or fails the test.
  template <typename T>
  T WaitFor() {
    std::unique_lock<std::mutex> lock(mu_);
    const T* found = nullptr;
    bool ok = cv_.wait_for(lock, std::chrono::seconds(10), [&] {
      for (const Event& e : events_) {
        if ((found = std::get_if<T>(&e.payload)) != nullptr) return true;
      }
      return false;
    });
    REQUIRE_MESSAGE(ok, "timed out waiting for an event");
    return *found;
  }
  Event WaitForTerminal() {
    std::unique_lock<std::mutex> lock(mu_);
    bool ok = cv_.wait_for(lock, std::chrono::seconds(10),
                           [&] { return !events_.empty() && events_.back().IsTerminal(); });
    REQUIRE_MESSAGE(ok, "timed out waiting for the turn to end");
    return events_.back();
  }
  std::vector<Event> events() const {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }
  template <typename T>
  std::vector<T> All() const {
    std::vector<T> out;
    for (const Event& e : events()) {
      if (auto* p = std::get_if<T>(&e.payload)) out.push_back(*p);
    }
    return out;
  }
  std::string Text() const {
    std::string out;
    for (const TextDelta& d : All<TextDelta>()) out += d.text;
    return out;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Event> events_;
};

class AgentHarness {
 public:
  // `sandbox`: false gives a shell whose sandbox is unavailable (every command refused).
  explicit AgentHarness(std::vector<ScriptedOutput> script, AgentOptions options = {},
                        bool sandbox = true)
      : engine_(std::make_unique<ScriptedEngine>(std::move(script))), options_(std::move(options)) {
    tools::ShellPolicy shell;
    shell.allow_unsandboxed = true;
    REQUIRE(tools::RegisterBuiltinTools(
                registry_, sandbox ? tools::Shell::Create(shell)
                                   : std::make_unique<tools::Shell>(shell, nullptr, "no sandbox"))
                .ok());
    repo_.Write("a.txt", "hello\n");
    repo_.CommitFiles({"a.txt"}, "initial");
    Restart();
  }
  ~AgentHarness() { agent_.reset(); }

  // A new Agent (and store connection) over the same state directory, as after a restart.
  void Restart(std::vector<ScriptedOutput> script = {}) {
    agent_.reset();
    if (!script.empty()) engine_ = std::make_unique<ScriptedEngine>(std::move(script));
    auto store = SessionStore::Open(state_.path(), clock_);
    REQUIRE_MESSAGE(store.ok(), store.status().ToString());
    agent_ = std::make_unique<Agent>(*engine_, inference::testing::V3Tokenizer(), registry_, clock_,
                                     std::move(store).value(), options_);
  }

  SessionInfo NewSession(ApprovalMode mode, SessionLimits limits = {0, 0, 0}) {
    agent::NewSession request;
    request.workspace_root = repo_.path();
    request.policy = mode;
    request.reasoning = ReasoningEffort::kNone;
    request.limits = limits;
    auto session = agent_->CreateSession(request);
    REQUIRE_MESSAGE(session.ok(), session.status().ToString());
    return *session;
  }

  // Starts a turn and waits for its terminal event.
  Event RunTurn(const std::string& session_id, const std::string& message, EventLog& log) {
    auto turn = agent_->StartTurn(session_id, message, log.Sink());
    REQUIRE_MESSAGE(turn.ok(), turn.status().ToString());
    Event end = log.WaitForTerminal();
    agent_->WaitForTurn(session_id);
    return end;
  }

  std::string Prompt(size_t i) const {
    auto prompts = engine_->prompts();
    REQUIRE(i < prompts.size());
    return inference::testing::V3Tokenizer().Decode(prompts[i]);
  }

  const std::string& state_dir() const { return state_.path(); }
  Agent& agent() { return *agent_; }
  ScriptedEngine& engine() { return *engine_; }
  tools::TempRepo& repo() { return repo_; }

 private:
  tools::TempRepo repo_;
  tools::TempDir state_;
  base::SystemClock clock_;
  tools::ToolRegistry registry_;
  std::unique_ptr<ScriptedEngine> engine_;
  AgentOptions options_;
  std::unique_ptr<Agent> agent_;
};

}  // namespace agent::testing
