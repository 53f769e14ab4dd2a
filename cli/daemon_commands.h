// The CLI commands that talk to the daemon about itself: `flashcode status` and
// `flashcode daemon start|stop|restart|logs`. Each returns the process exit code (exit_codes.h)
// and writes its result to `out`, problems to `err`.
#pragma once

#include <iosfwd>

#include "cli/daemon_connection.h"

namespace cli {

int RunStatus(const ConnectionOptions& options, bool json, std::ostream& out, std::ostream& err);
int RunDaemonStart(const ConnectionOptions& options, std::ostream& out, std::ostream& err);
int RunDaemonStop(const ConnectionOptions& options, std::ostream& out, std::ostream& err);
int RunDaemonRestart(const ConnectionOptions& options, std::ostream& out, std::ostream& err);
// Prints the last `tail` lines; with `follow`, keeps printing until the daemon stops or the
// user interrupts.
int RunDaemonLogs(const ConnectionOptions& options, unsigned tail, bool follow, std::ostream& out,
                  std::ostream& err);

}  // namespace cli
