// `flashcode chat`: the interactive terminal agent. Reads a message per line, streams the
// turn (the answer on stdout; thinking, tool calls and the summary on stderr), asks before
// mutating calls when the policy says so (y: yes, n: no, a: always for this session), and
// understands slash commands:
//   /undo      restore the workspace as it was before the last changing turn
//   /compact   summarise older turns to free context
//   /model [NAME]  show or set the session's model
//   /sessions  list the sessions of this workspace
//   /exit      leave (so does end of input, Ctrl-D)
// Ctrl-C cancels the running turn, not the program. `--resume ID` continues a stored session.
// Returns the process exit code (exit_codes.h). Thread-compatible.
#pragma once

#include <iosfwd>
#include <string>

#include "cli/daemon_connection.h"

namespace cli {

struct ChatOptions {
  std::string workspace;           // absolute
  std::string resume_id;           // continue this session instead of creating one
  std::string policy = "ask";      // for a new session: read-only | ask | auto-edit | full-auto
  uint64_t max_output_tokens = 0;  // per turn; 0: the daemon's default
};

int RunChat(const ConnectionOptions& connection, const ChatOptions& options, std::istream& in,
            std::ostream& out, std::ostream& err);

}  // namespace cli
