// Loop::Turn and Loop::CallOutcome: the state of one running turn, private to loop.cc and
// loop_tool_calls.cc (not part of the agent's interface). Owned by the turn's worker thread.
#pragma once

#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "agent/loop.h"
#include "tools/git/repository.h"

namespace agent {

struct Loop::CallOutcome {
  bool ran = false;  // the tool ran (ToolCallStarted/Finished were emitted by RunCall)
  tools::ToolResult result;
  static CallOutcome Refused(std::string why) { return {false, tools::ToolResult::Error(why)}; }
  static CallOutcome Malformed(const std::string& error) {
    return {false, tools::ToolResult::Error("malformed tool call, nothing ran: " + error +
                                            ". Write the call again in the DSML format.")};
  }
};

struct Loop::Turn {
  Turn(const TurnInput& in, std::chrono::steady_clock::time_point start)
      : input(in), started(start) {}

  const TurnInput& input;
  const std::chrono::steady_clock::time_point started;
  WorkspaceContext context;
  Usage usage;
  uint32_t model_calls = 0;
  int next_call = 0;
  bool undo_snapshot_taken = false;
  std::unique_ptr<tools::Repository> repo;  // opened on first need; one per worker
  std::set<std::pair<std::string, std::string>> approved_for_session;  // (tool, arguments)

  std::string NextCallId() { return "call_" + input.turn_id + "_" + std::to_string(++next_call); }

  // Stores the tool message answering `call`.
  base::Status AnswerCall(SessionStore& store, const ToolCall& call,
                          const tools::ToolResult& result) const {
    Message m{Role::kTool, result.output};
    m.tool_call_id = call.id;
    m.is_error = result.is_error;
    m.turn_id = input.turn_id;
    return store.AppendMessage(input.session.id, m);
  }
  // Answers calls[from..] that will not run, so the stored conversation stays well-formed.
  base::Status AnswerUnrun(SessionStore& store, const std::vector<ToolCall>& calls, size_t from,
                           const std::string& why) const {
    for (size_t i = from; i < calls.size(); ++i) {
      FC_RETURN_IF_ERROR(AnswerCall(store, calls[i], tools::ToolResult::Error(why)));
    }
    return base::Status::Ok();
  }
};

}  // namespace agent
