// Agent: the agent core's one entry point for the daemon — sessions, turns, approvals, cancel,
// undo, compaction — over a SessionStore (SQLite, under the state directory), one Loop, and a
// worker thread per running turn.
//
// How the daemon drives it (daemon/agent_service.cc translates proto <-> these structs):
//   - main.cc builds the Engine, Tokenizer, ToolRegistry and Clock, opens the store with
//     SessionStore::Open(<XDG state>/agent, clock), and constructs one Agent, which it owns.
//     LoopOptions carries the config's per-tool rules ([agent.rules]: shell = "git status*"
//     -> PolicyRule{"shell", "git status*", kAllow}) and a RepoMapSource over the daemon's
//     persistent index (tools::BuildRepoMap). Destroy the Agent before the Engine.
//   - CreateSession/ListSessions/GetSession(+Messages)/UpdateSession/DeleteSession map 1:1 to
//     the RPCs; they are quick (one SQLite transaction) and may run on a gRPC thread.
//   - Turn: on `start`, call StartTurn(session_id, message, sink). It returns at once with the
//     turn id (FailedPrecondition when a turn already runs); the turn runs on its own worker
//     thread and calls `sink` for every event, in seq order, after the event is stored. The
//     sink must only queue (the reactor writes); it receives exactly one terminal event
//     (TurnDone or StreamError). On `approval` messages call Approve(approval_id, answer); on
//     `cancel` or stream close call CancelTurn(session_id): the worker wakes (engine request,
//     running tool process and approval wait are all cancelled) and ends with TurnDone
//     (finish kCancelled).
//   - ResumeSession: Attach(session_id, after_seq, sink) replays stored events with
//     seq > after_seq and, when a turn runs, follows it live with no gap or duplicate; it
//     returns whether the sink will receive a terminal event later (false: replay was all).
//   - Approve RPC: Approve(approval_id, answer) from any client. CancelTurn RPC: CancelTurn.
//   - Undo and Compact: FailedPrecondition while a turn runs; Undo restores the snapshot taken
//     before the last mutating turn (untracked files included); Compact summarises old turns.
//     The Compact RPC uses StartCompact: the summary is a model call, so it runs on a worker
//     like a turn and answers through a callback, never holding a gRPC thread.
// Thread-safe: every method may be called from any thread. Borrows the engine, tokenizer,
// tools and clock, which must outlive it; the destructor cancels and joins running turns.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "agent/approval_broker.h"
#include "agent/event.h"
#include "agent/loop.h"
#include "agent/session_store.h"
#include "base/status.h"
#include "base/thread_annotations.h"

namespace agent {

struct AgentOptions {
  LoopOptions loop;
  ApprovalMode default_policy = ApprovalMode::kAsk;  // for sessions created without one
  SessionLimits default_limits;                      // for limits left at 0
};

// CreateSession's input: what the client chose. Zero limits take the defaults.
struct NewSession {
  std::string workspace_root;  // an existing directory (made canonical)
  std::string model;
  std::optional<ApprovalMode> policy;
  ReasoningEffort reasoning = ReasoningEffort::kDefault;
  std::string title;
  SessionLimits limits{0, 0, 0};
};

struct SessionUpdate {
  std::string session_id;
  std::string model;                   // empty: unchanged
  std::optional<ApprovalMode> policy;  // unset: unchanged
  std::optional<ReasoningEffort> reasoning;
  std::string title;  // empty: unchanged
};

struct UndoResult {
  std::string restored_snapshot_ref;
  std::vector<std::string> changed_paths;  // rewritten or removed
};

class Agent {
 public:
  // Closes turns a previous daemon left unfinished (killed mid-turn) with a stored
  // StreamError (code kAborted), so every stored turn ends with a terminal event.
  Agent(inference::Engine& engine, const inference::Tokenizer& tokenizer,
        const tools::ToolRegistry& tools, const base::Clock& clock,
        std::unique_ptr<SessionStore> store, AgentOptions options);
  ~Agent();
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  // InvalidArgument when the workspace is not an absolute path to a directory.
  base::StatusOr<SessionInfo> CreateSession(const NewSession& request);
  base::StatusOr<std::vector<SessionInfo>> ListSessions(const std::string& workspace_root,
                                                        size_t limit, size_t offset);
  base::StatusOr<SessionInfo> GetSession(const std::string& session_id);
  base::StatusOr<std::vector<Message>> Messages(const std::string& session_id,
                                                bool include_compacted = false);
  base::StatusOr<SessionInfo> UpdateSession(const SessionUpdate& update);
  // Cancels a running turn (and waits for it), then deletes. NotFound if unknown.
  base::Status DeleteSession(const std::string& session_id);

  // Starts a turn on a new worker; returns its id. NotFound, FailedPrecondition (one runs),
  // InvalidArgument (empty message or over 1 MiB).
  base::StatusOr<std::string> StartTurn(const std::string& session_id,
                                        const std::string& user_message, EventSink sink);
  // NotFound when the approval is unknown or already answered.
  base::Status Approve(const std::string& approval_id, ApprovalAnswer answer);
  // Returns whether a turn was running.
  bool CancelTurn(const std::string& session_id);
  // See the header comment. NotFound for unknown sessions.
  base::StatusOr<bool> Attach(const std::string& session_id, uint64_t after_seq, EventSink sink);
  // FailedPrecondition when a turn runs or there is nothing to undo.
  base::StatusOr<UndoResult> Undo(const std::string& session_id);
  // Claims the session as a turn would (FailedPrecondition when one runs, NotFound) and
  // summarises its older turns on a worker thread, which then calls `done` with the result
  // (Cancelled when `cancel` fired, or CancelTurn was called for the session). `cancel` may be
  // null. `done` runs once, after the session is free again, and must return quickly.
  using CompactDone = std::function<void(base::StatusOr<CompactResult>)>;
  base::Status StartCompact(const std::string& session_id,
                            std::shared_ptr<base::CancelToken> cancel, CompactDone done);
  // StartCompact, waiting for the result on the calling thread.
  base::StatusOr<CompactResult> Compact(const std::string& session_id);

  // Blocks until the session has no running turn (tests, shutdown paths).
  void WaitForTurn(const std::string& session_id);

 private:
  struct RunningTurn;
  void Worker(std::shared_ptr<RunningTurn> running, TurnInput input);
  // Marks `session_id` idle if `running` is still its turn.
  void ReleaseSession(const std::string& session_id, const std::shared_ptr<RunningTurn>& running);
  bool IsRunning(const std::string& session_id) const;

  const base::Clock& clock_;
  const std::unique_ptr<SessionStore> store_;
  const AgentOptions options_;
  ApprovalBroker approvals_;
  Loop loop_;

  mutable std::mutex mu_;
  std::condition_variable turn_ended_;
  std::map<std::string, std::shared_ptr<RunningTurn>> running_ GUARDED_BY(mu_);
  std::vector<std::thread> finished_ GUARDED_BY(mu_);  // workers that ended, to join
  int live_workers_ GUARDED_BY(mu_) = 0;               // worker threads not yet in finished_
};

}  // namespace agent
