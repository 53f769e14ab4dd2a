// `flashcode exec` and `flashcode sessions list|show|delete`: the headless agent over the
// daemon's Agent service.
//
// exec creates a session in the workspace, runs one turn with the task, and streams it. Plain
// mode: the answer's text to stdout; the model's thinking, tool calls and the summary line to
// stderr. --json: one TurnEvent per line on stdout in the proto3 JSON mapping (field names as
// in agent.proto, so 64-bit integers are strings; the oneof member present names the event:
// "started", "text", "reasoning", "tool_started", "done", "error", ...). There is no terminal
// to ask, so approvals under "ask" and "auto-edit" are answered by --approve (all: approve;
// none, the default: deny). SIGINT sends CancelTurn and the command exits with kExitCancelled
// once the daemon confirms; a second SIGINT kills it.
// Exit codes: 0 final answer; kExitLimit (8) a limit ended the turn (output tokens, model
// calls, wall time); kExitCancelled (9) the turn was cancelled; 1 the turn failed (an error
// event) or an RPC failed; the connection codes of cli/exit_codes.h otherwise.
// Each Run* function is called once from main; thread-compatible.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "cli/daemon_connection.h"

namespace cli {

struct ExecOptions {
  std::string task;
  std::string workspace;         // absolute
  std::string policy = "ask";    // read-only | ask | auto-edit | full-auto
  std::string approve = "none";  // all | none: how "ask" approvals are answered
  bool json = false;
  uint64_t max_output_tokens = 0;  // 0: the daemon's default
  uint32_t max_model_calls = 0;
  uint32_t max_seconds = 0;
};

int RunExec(const ConnectionOptions& connection, const ExecOptions& options, std::ostream& out,
            std::ostream& err);

// Lists sessions (of `workspace`, or all when empty), newest first, one per line:
// id, turns, last update (UTC), workspace, title. With `json`, one Session object per line.
int RunSessionsList(const ConnectionOptions& connection, const std::string& workspace, bool json,
                    std::ostream& out, std::ostream& err);
// Prints a session's metadata and its messages in order.
int RunSessionsShow(const ConnectionOptions& connection, const std::string& session_id, bool json,
                    std::ostream& out, std::ostream& err);
int RunSessionsDelete(const ConnectionOptions& connection, const std::string& session_id,
                      std::ostream& out, std::ostream& err);

}  // namespace cli
