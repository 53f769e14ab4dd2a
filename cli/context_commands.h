// CLI commands over the daemon's Context service: `flashcode index [DIR]` (re)indexes a
// workspace, `flashcode symbols QUERY` searches its definitions, `flashcode repo-map` prints
// the ranked outline the agent sees. Each returns the process exit code (exit_codes.h).
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "cli/daemon_connection.h"

namespace cli {

int RunIndex(const ConnectionOptions& options, const std::string& workspace, bool status_only,
             std::ostream& out, std::ostream& err);
int RunSymbols(const ConnectionOptions& options, const std::string& workspace,
               const std::string& query, unsigned limit, std::ostream& out, std::ostream& err);
int RunRepoMap(const ConnectionOptions& options, const std::string& workspace, unsigned budget,
               const std::vector<std::string>& focus, std::ostream& out, std::ostream& err);

// The absolute form of `dir` ("" means the current directory).
std::string AbsoluteWorkspace(const std::string& dir);

}  // namespace cli
