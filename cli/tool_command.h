// `flashcode tool NAME --args JSON` and `flashcode tool --list`: run one built-in tool
// directly in a workspace, without a daemon or a model — for scripts, debugging and tests.
// Exit codes (exit_codes.h): 0 the tool succeeded, 1 the tool reported an error (or could not
// run, e.g. no sandbox), 2 bad usage (unknown tool, arguments that are not a JSON object).
#pragma once

#include <iosfwd>
#include <string>

namespace cli {

// Runs tool `name` with `args_json` in `workspace` (empty: the current directory) and prints
// its output to `out` (problems to `err`). With `list`, prints every tool instead: name,
// read-only or mutating, description, and its argument schema.
int RunToolCommand(const std::string& name, const std::string& args_json,
                   const std::string& workspace, bool list, std::ostream& out, std::ostream& err);

}  // namespace cli
