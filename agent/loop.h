// Loop: runs one agent turn from the user's message to its terminal event.
//
// Each round renders the session's messages in the DSV4 chat format with the tool
// declarations (PromptBuilder), compacts older turns into a summary first when the prompt
// nears the context limit (a model call; a ContextCompacted event tells the client), streams
// one generation (ModelCall: text and reasoning deltas go out as they come, DSML tool calls are
// parsed as they stream), stores the assistant message, and runs each tool call through the
// Policy, the ApprovalBroker, a git snapshot when the call may mutate the workspace, and the
// tool itself. Results (and errors the model can fix: unknown tool, malformed call, refused or
// denied call, a tool's is_error result) go back to the model in the next round. The turn ends
// with TurnDone on a final answer, a limit (model calls, output tokens, wall time) or a cancel;
// a system failure (engine error, sandbox unavailable, store failing) ends it with StreamError.
//
// Every event is stored (SessionStore::AppendEvent) before the sink sees it. RunTurn runs on
// the calling thread, which must be the turn's own worker (it blocks on the engine, tools and
// approvals). A Loop is immutable after construction and may run turns of different sessions
// concurrently; it borrows everything in LoopDeps, which must outlive it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "agent/approval_broker.h"
#include "agent/event.h"
#include "agent/policy.h"
#include "agent/prompt_builder.h"
#include "agent/session_store.h"
#include "base/cancel_token.h"
#include "base/clock.h"
#include "base/status.h"
#include "inference/engine.h"
#include "inference/tokenizer/tokenizer.h"
#include "tools/tool.h"
#include "tools/tool_registry.h"

namespace agent {

struct LoopDeps {
  inference::Engine& engine;
  const inference::Tokenizer& tokenizer;  // the engine's tokenizer (prompt ids, EOS)
  const tools::ToolRegistry& tools;
  SessionStore& store;
  ApprovalBroker& approvals;
  const base::Clock& clock;  // the engine's clock too: request deadlines are on it
};

struct LoopOptions {
  std::vector<PolicyRule> rules;  // per-tool allow/ask/deny from the config
  PromptOptions prompt;
  RepoMapSource repo_map;  // may be empty: no repo map in the prompt
  // Compact when the prompt exceeds this fraction of Engine::ContextLength().
  double compact_at_fraction = 0.75;
  int32_t summary_max_tokens = 1024;
  tools::ToolLimits tool_limits;
};

struct TurnInput {
  SessionInfo session;  // as stored when the turn started (policy, limits, reasoning)
  std::string turn_id;  // from SessionStore::BeginTurn
  std::string user_message;
  std::shared_ptr<base::CancelToken> cancel;  // fired by CancelTurn / client disconnect
  EventSink sink;
};

struct CompactResult {
  uint64_t tokens_before = 0;
  uint64_t tokens_after = 0;
  size_t messages_compacted = 0;  // 0: nothing old enough to compact
};

class Loop {
 public:
  Loop(LoopDeps deps, LoopOptions options);
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  // Runs the turn to exactly one terminal event (see above). Never fails: failures become the
  // StreamError event (or, when even the store fails, an unstored StreamError with seq 0).
  void RunTurn(const TurnInput& input);

  // Summarises every message before the session's last user message into one summary (a
  // model call, non-thinking) and hides them from later prompts. Emits nothing.
  base::StatusOr<CompactResult> Compact(const SessionInfo& session, const std::string& turn_id,
                                        std::shared_ptr<base::CancelToken> cancel);

 private:
  struct Turn;
  struct CallOutcome;

  base::Status Emit(Turn& turn, EventPayload payload);
  // The turn's body; returns how it finished, or the system failure.
  base::StatusOr<TurnFinish> Run(Turn& turn);
  base::StatusOr<Prompt> PromptFor(const Turn& turn);
  base::Status AnswerDanglingCalls(Turn& turn);
  // Runs one parsed call: policy, approval, snapshot, tool. A non-OK Status is a system
  // failure or Cancelled; model-fixable errors are is_error outcomes.
  base::StatusOr<CallOutcome> RunCall(Turn& turn, const ToolCall& call);
  base::StatusOr<bool> Approve(Turn& turn, const ToolCall& call, const std::string& reason,
                               std::string* denial);
  base::Status Snapshot(Turn& turn, bool destructive);

  LoopDeps deps_;
  const LoopOptions options_;
  const nlohmann::ordered_json tool_declarations_;
};

}  // namespace agent
