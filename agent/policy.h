// Policy: decides, for one tool call, whether it runs, asks the client, or is refused — the same
// rules for every client, enforced in the daemon rather than in the prompt.
//
// Order of evaluation (first that applies wins):
//   1. a config rule that denies the call (per tool, glob over the call's subject);
//   2. a read-only tool is allowed; under kReadOnly every mutating call is refused unless a
//      config rule allows it explicitly (e.g. shell "git status*");
//   3. a config rule that allows or asks;
//   4. the mode: kAsk asks for every mutating call, kAutoEdit allows the file-edit tools and
//      asks for the rest (shell), kFullAuto allows everything (the sandbox still applies).
// Independently, IsDestructive marks calls that can destroy work the turn snapshot may not
// cover (git reset --hard, checkout/restore/clean over local changes, rm -r outside build
// folders): the Loop snapshots the work tree right before each of them and refuses the call
// when it cannot (fail closed).
// The subject a pattern is matched against: the command for shell, the "path" argument for file
// tools, otherwise the arguments JSON. Shell allow rules never match a command with shell
// control characters (; & | ` $ ( ) < > newline), so "git status*" cannot allow
// "git status; rm -rf ~". Immutable after construction: thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace agent {

enum class ApprovalMode : int {  // numbers match agent.proto's ApprovalPolicy
  kReadOnly = 1,
  kAsk = 2,
  kAutoEdit = 3,
  kFullAuto = 4,
};

// "read-only", "ask", "auto-edit", "full-auto" (the config spelling). InvalidArgument otherwise.
base::StatusOr<ApprovalMode> ParseApprovalMode(std::string_view text);
const char* ApprovalModeName(ApprovalMode mode);

enum class Action { kAllow, kAsk, kDeny };

// "allow", "ask", "deny" (the config spelling: [agent.rules.allow] shell = ["git status*"]).
// InvalidArgument otherwise.
base::StatusOr<Action> ParseAction(std::string_view text);

struct PolicyRule {
  std::string tool;     // tool name; "*" for every tool
  std::string pattern;  // fnmatch glob over the subject; "" or "*" matches every call
  Action action = Action::kAsk;
  bool operator==(const PolicyRule&) const = default;
};

struct Verdict {
  Action action = Action::kDeny;
  std::string reason;  // why, for the client's approval prompt or the model's refusal
  bool operator==(const Verdict&) const = default;
};

class Policy {
 public:
  Policy(ApprovalMode mode, std::vector<PolicyRule> rules)
      : mode_(mode), rules_(std::move(rules)) {}

  // `read_only` is the tool's own claim (Tool::IsReadOnly); `args_json` the call's arguments.
  Verdict Decide(std::string_view tool, bool read_only, std::string_view args_json) const;

  ApprovalMode mode() const { return mode_; }

 private:
  ApprovalMode mode_;
  std::vector<PolicyRule> rules_;
};

// True when the call can destroy uncommitted work (see above). Unparseable arguments are not
// destructive (the tool will reject them).
bool IsDestructive(std::string_view tool, std::string_view args_json);

// True for the tools that only edit files (auto-edit allows them).
bool IsFileEditTool(std::string_view tool);

}  // namespace agent
