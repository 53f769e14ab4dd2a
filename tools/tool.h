// Tool: one action the model can take in a workspace (read a file, search, run a command),
// described by a name, a description and a JSON schema of its arguments, and run with
// arguments as JSON text.
//
// Two kinds of failure (conventions §2): a ToolResult with is_error = true goes back to the
// model, which can fix its call (bad path, missing search text, non-zero exit); a non-OK
// Status ends the turn (sandbox unavailable, cancelled). Each tool chooses explicitly;
// ResultForStatus is the shared rule for errors coming from the libraries.
// Implementations are immutable after construction; Run is thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/cancel_token.h"
#include "base/status.h"

namespace tools {

struct ToolLimits {
  size_t max_output_bytes = 32 * 1024;                 // cap on ToolResult::output
  std::chrono::milliseconds default_timeout{120'000};  // for commands without timeout_ms
  std::chrono::milliseconds max_timeout{600'000};      // timeout_ms is clamped to this
};

struct ToolContext {
  std::string workspace_root;  // absolute; every path argument resolves beneath it
  // Fired by the client's Cancel or disconnect; shared with the canceller. May be null.
  std::shared_ptr<base::CancelToken> cancel;
  ToolLimits limits;
  // Live output of a running command (the shell tool), in order, on the thread running the
  // tool and before Run returns; the result still carries the (capped) output. May be empty.
  std::function<void(std::string_view text)> on_output;
};

struct ToolResult {
  bool is_error = false;
  std::string output;  // what the model reads; at most limits.max_output_bytes (+ a notice)
  bool truncated = false;

  static ToolResult Ok(std::string output) { return {false, std::move(output), false}; }
  static ToolResult Error(std::string output) { return {true, std::move(output), false}; }
  bool operator==(const ToolResult&) const = default;
};

class Tool {
 public:
  virtual ~Tool() = default;
  virtual std::string_view name() const = 0;
  virtual std::string_view description() const = 0;
  // JSON schema ("type": "object") of the arguments object.
  virtual const nlohmann::json& parameters() const = 0;
  // True when the tool never changes the workspace (approval policies rely on this).
  virtual bool IsReadOnly() const = 0;
  virtual base::StatusOr<ToolResult> Run(std::string_view args_json,
                                         const ToolContext& context) const = 0;
};

// The shared rule for library errors: Cancelled, Unavailable, Internal and DataLoss end the turn
// (returned as the Status); everything else (not found, permission denied, invalid argument,
// conflicts, ...) becomes an is_error ToolResult that tells the model what to fix.
base::StatusOr<ToolResult> ResultForStatus(const base::Status& status);

// Replaces invalid UTF-8 in `output` (U+FFFD), then cuts it to `max_bytes` (at a character
// boundary) and appends a notice when it was longer. Every BasicTool result passes here.
ToolResult CapOutput(ToolResult result, size_t max_bytes);

}  // namespace tools
