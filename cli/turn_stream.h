// Running one agent turn from the CLI: the Turn stream of the daemon's Agent service, with
// approvals answered by a callback and Ctrl-C turned into CancelTurn (the command keeps
// reading until the daemon confirms with the turn's terminal event; a second Ctrl-C kills
// the process). Shared by `flashcode exec` and `flashcode chat`. Thread-compatible.
#pragma once

#include <functional>
#include <iosfwd>
#include <optional>
#include <string>

#include "cli/daemon_connection.h"
#include "flashcode/v1/agent.grpc.pb.h"

namespace cli {

struct TurnOutcome {
  std::optional<flashcode::v1::TurnEvent> terminal;  // done or error; unset if none came
  grpc::Status status;                               // the stream's own status
  bool interrupted = false;                          // the user pressed Ctrl-C
};

using TurnEventHandler = std::function<void(const flashcode::v1::TurnEvent&)>;
using ApprovalHandler =
    std::function<flashcode::v1::ApprovalDecision(const flashcode::v1::ApprovalRequested&)>;

// Starts a turn of `session_id` with `message` and streams it: every event goes to
// `on_event`, approval requests to `approve` (whose decision is sent back), until the
// terminal event.
TurnOutcome StreamTurn(DaemonConnection& conn, flashcode::v1::Agent::Stub& stub,
                       const std::string& session_id, const std::string& message,
                       const TurnEventHandler& on_event, const ApprovalHandler& approve);

// What plain mode prints for a turn's events: the answer's text on `out`, the rest (thinking,
// tool calls and their live output, the summary line) on `err`. Remembers whether a tool's
// live output stopped mid-line, so the "[tool done ...]" line after it starts on its own line.
class TurnPrinter {
 public:
  TurnPrinter(std::ostream& out, std::ostream& err) : out_(out), err_(err) {}
  void Print(const flashcode::v1::TurnEvent& e);

 private:
  std::ostream& out_;
  std::ostream& err_;
  bool tool_line_open_ = false;
};

// "read-only", "ask", "auto-edit", "full-auto" -> the wire enum; false for anything else.
bool ParsePolicy(const std::string& name, flashcode::v1::ApprovalPolicy& policy);

// "stop", "length", "limit", ...
const char* FinishName(flashcode::v1::FinishReason reason);

}  // namespace cli
