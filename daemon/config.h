// DaemonConfig: everything flashcoded needs to start, from defaults, then the TOML file
// (~/.config/flashcode/config.toml or --config), then command-line flags (applied by main.cc).
// Plain data; thread-compatible.
// The daemon folder uses namespace `flashcoded`: `daemon` is taken by ::daemon() in <unistd.h>.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace flashcoded {

// One [[agent.rules]] entry: what the agent may do with `tool` when the call matches `pattern`.
struct AgentRuleConfig {
  std::string tool;     // a tool name, or "*"
  std::string pattern;  // glob over the call's subject (the shell command, the file path)
  std::string action;   // "allow", "ask" or "deny" (checked by main.cc's agent::ParseAction)
};

struct DaemonConfig {
  // Unix socket path. Default: <RuntimeDir>/flashcoded.sock, its directory created 0700.
  std::string socket_path;
  // Optional TCP listener "host:port". Empty: off. Requires a token (token or token_file).
  std::string tcp_address;
  std::string tcp_token;       // the bearer token itself (prefer token_file)
  std::string tcp_token_file;  // a file holding the token; must not be readable by others
  std::string log_level = "info";
  std::string log_file;          // default: <StateDir>/flashcoded.log
  uint32_t max_message_mb = 64;  // larger requests get RESOURCE_EXHAUSTED
  std::string model_path;        // checkpoint directory; empty: no model loaded
  int64_t context_limit = 0;     // tokens; 0: the model's own limit
  std::string agent_policy;      // [agent] policy: default for new sessions; empty: "ask"
  std::vector<AgentRuleConfig> agent_rules;  // [[agent.rules]], in order
};

// The defaults, with paths resolved from the XDG environment.
DaemonConfig DefaultConfig();

// Overlays the TOML file at `path` onto `config`. A missing file is OK only when
// `must_exist` is false. Unknown keys are an error (a typo must not be silently ignored).
// Errors: InvalidArgument with file, line and key; NotFound when must_exist and absent.
base::Status LoadConfigFile(const std::string& path, bool must_exist, DaemonConfig& config);

// Final checks after flags are applied; reads tcp_token_file into tcp_token.
// Errors: InvalidArgument (TCP without token, bad address, bad level), PermissionDenied
// (token file readable by group/others).
base::Status FinalizeConfig(DaemonConfig& config);

}  // namespace flashcoded
