// SessionStore: every agent session on disk, in one SQLite database (WAL) under a directory the
// daemon chooses (the XDG state directory): session metadata, messages, turns with their undo
// snapshots, approvals, token counts, and every streamed event with its per-session seq.
//
// Durability: each method commits before it returns, so an event the Loop hands to a client
// after AppendEvent survives `kill -9` of the daemon (see SqliteDb::Open for the exact
// guarantee). Compaction never deletes: compacted messages are only hidden from the prompt.
// Owned by the Agent. Thread-safe: one connection behind a mutex (writes are small and short).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "agent/event.h"
#include "agent/message.h"
#include "agent/policy.h"
#include "agent/sqlite_db.h"
#include "base/clock.h"
#include "base/status.h"
#include "base/thread_annotations.h"

namespace agent {

enum class ReasoningEffort : int {  // numbers match agent.proto
  kDefault = 0,
  kNone = 1,
  kHigh = 2,
  kMax = 3,
};

struct SessionLimits {
  uint32_t max_model_calls = 50;          // per turn
  uint64_t max_output_tokens = 32768;     // per turn, over all model calls
  uint32_t max_wall_ms = 30 * 60 * 1000;  // per turn
  bool operator==(const SessionLimits&) const = default;
};

struct SessionInfo {
  std::string id;
  std::string title;
  std::string workspace_root;
  std::string model;
  ApprovalMode policy = ApprovalMode::kAsk;
  ReasoningEffort reasoning = ReasoningEffort::kDefault;
  int64_t created_unix_ms = 0;
  int64_t updated_unix_ms = 0;
  uint32_t turn_count = 0;
  Usage usage;
  uint64_t last_event_seq = 0;
  SessionLimits limits;
  bool turn_running = false;  // not stored: filled in by the Agent
  bool operator==(const SessionInfo&) const = default;
};

struct TurnSnapshot {
  std::string turn_id;
  std::string snapshot_ref;
};

class SessionStore {
 public:
  // Opens or creates `<dir>/sessions.db` (creating `dir`). `clock` is borrowed and must outlive
  // the store. PermissionDenied/Internal when the database cannot be opened.
  static base::StatusOr<std::unique_ptr<SessionStore>> Open(const std::string& dir,
                                                            const base::Clock& clock);
  SessionStore(const SessionStore&) = delete;
  SessionStore& operator=(const SessionStore&) = delete;

  // Stores a new session from `info` (id, times and counters are assigned); returns it.
  base::StatusOr<SessionInfo> Create(SessionInfo info);
  // NotFound for unknown ids.
  base::StatusOr<SessionInfo> Get(const std::string& id);
  // Sessions newest (last updated) first; `workspace_root` empty means all. `offset` pages.
  base::StatusOr<std::vector<SessionInfo>> List(const std::string& workspace_root, size_t limit,
                                                size_t offset);
  // Writes title, model, policy, reasoning and limits. NotFound for unknown ids.
  base::Status Update(const SessionInfo& info);
  // Deletes the session and all its rows. NotFound for unknown ids.
  base::Status Delete(const std::string& id);

  // Starts a turn: bumps turn_count and returns the new turn id ("t<n>").
  base::StatusOr<std::string> BeginTurn(const std::string& session_id);
  // Records the undo snapshot taken before `turn_id` first changed the workspace.
  base::Status SetTurnSnapshot(const std::string& session_id, const std::string& turn_id,
                               const std::string& snapshot_ref);
  // The newest turn with an undo snapshot not yet undone; nullopt when none.
  base::StatusOr<std::optional<TurnSnapshot>> LastSnapshot(const std::string& session_id);
  // Marks a turn's snapshot as undone (so the next undo goes one turn further back).
  base::Status MarkUndone(const std::string& session_id, const std::string& turn_id);

  base::Status AppendMessage(const std::string& session_id, const Message& message);
  // The messages the prompt is built from (compacted ones replaced by their summary), in order;
  // with `include_compacted`, the whole history.
  base::StatusOr<std::vector<Message>> Messages(const std::string& session_id,
                                                bool include_compacted = false);
  // Hides the oldest `count` visible messages and puts `summary` (role kSummary) first.
  base::Status Compact(const std::string& session_id, size_t count, const Message& summary);

  // Stores `event` with the next seq and the current time; returns it as stored. The event is
  // durable when this returns.
  base::StatusOr<Event> AppendEvent(Event event);
  // Stored events of the session with seq > after_seq, in order.
  base::StatusOr<std::vector<Event>> EventsAfter(const std::string& session_id, uint64_t after_seq);

  base::Status RecordApproval(const std::string& session_id, const std::string& approval_id,
                              const ToolCall& call, Decision decision, const std::string& reason);
  // Calls approved "for the session" (identical future calls need no approval).
  base::StatusOr<std::vector<ToolCall>> SessionApprovals(const std::string& session_id);

  base::Status AddUsage(const std::string& session_id, const Usage& usage);

  // Turns whose last stored event is not terminal: the daemon stopped (or was killed) while
  // they ran. The Agent closes them at start-up. (session id, turn id) pairs.
  base::StatusOr<std::vector<std::pair<std::string, std::string>>> UnfinishedTurns();

 private:
  SessionStore(std::unique_ptr<SqliteDb> db, const base::Clock& clock);
  base::Status Migrate() REQUIRES(mu_);
  base::StatusOr<SessionInfo> GetLocked(const std::string& id) REQUIRES(mu_);
  base::Status Touch(const std::string& id) REQUIRES(mu_);

  const base::Clock& clock_;
  std::mutex mu_;
  std::unique_ptr<SqliteDb> db_ GUARDED_BY(mu_);
  std::mt19937_64 ids_ GUARDED_BY(mu_);  // session ids: random, so they stay unique across
                                         // restarts and stores
};

}  // namespace agent
