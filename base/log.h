// Named spdlog loggers, one per module ("daemon", "agent", "tools", "engine", "cli").
//
// Modules call base::Logger("engine") and log at boundaries only (see conventions.md §14).
// Only main.cc configures sinks and levels, through ConfigureLogging; until then (and in tests)
// loggers write nowhere. Thread-safe.
#pragma once

#include <spdlog/spdlog.h>

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"

namespace base {

// Returns the logger for `module`, creating it with the current sinks on first use.
// The returned pointer lives for the rest of the process.
spdlog::logger* Logger(const std::string& module);

struct LogOptions {
  std::string level = "info";                 // trace, debug, info, warn, error, off
  std::string file;                           // empty: stderr
  bool also_stderr = false;                   // with a file, mirror to stderr too
  std::vector<spdlog::sink_ptr> extra_sinks;  // e.g. the daemon's in-memory log for clients
};

// Replaces the sinks and level of every logger, existing and future. Only main() calls this.
// Errors: PermissionDenied / NotFound when the log file cannot be opened (its directory must
// exist), InvalidArgument for an unknown level.
Status ConfigureLogging(const LogOptions& options);

}  // namespace base
