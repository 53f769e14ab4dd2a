// Shell: runs one command line for the agent inside the workspace, under the best sandbox this
// machine offers, with a cleaned environment, a time limit that kills the whole process tree,
// capped output, and cancellation.
//
// Create() probes at start-up by running `true` under bubblewrap, first with a user namespace,
// then without one (containers often forbid user namespaces; as root, or with a setuid bwrap,
// the other namespaces still work). If neither runs, the shell is unavailable and Run refuses
// with Unavailable, unless the policy explicitly allows unsandboxed commands.
// Process-count limit: RLIMIT_NPROC is set for the command, and where a writable cgroup v1
// pids hierarchy exists the command also runs in its own pids cgroup (PidsCgroup) — the only
// limit that binds uid 0, which Linux exempts from RLIMIT_NPROC. A daemon running as root
// without that hierarchy has no fork-bomb limit beyond the time limit (see sandbox_test.cc).
// Created once by the composition root; immutable afterwards, so Run is thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "base/cancel_token.h"
#include "base/status.h"
#include "tools/shell/process_runner.h"
#include "tools/shell/sandbox.h"

namespace tools {

struct ShellPolicy {
  bool allow_network = false;
  bool allow_unsandboxed = false;  // run without isolation when bubblewrap cannot run
  std::string bwrap_path = "/usr/bin/bwrap";
  uint64_t max_processes = 512;  // RLIMIT_NPROC (see above)
  std::chrono::milliseconds default_timeout{120'000};
  std::chrono::milliseconds max_timeout{600'000};
  size_t max_output_bytes = 32 * 1024;  // per stream, head and tail kept
  uint64_t kill_after_output_bytes = 64ull * 1024 * 1024;
  LiveOutputOptions live_output;  // how CommandRequest::on_output is batched and capped
};

struct CommandRequest {
  std::string command;
  std::string workspace;  // absolute, canonical
  std::string cwd;        // absolute inside the workspace; empty: the workspace root
  std::optional<std::chrono::milliseconds> timeout;  // capped at policy.max_timeout
  OutputCallback on_output;  // live output while it runs (see ProcessSpec); empty: none
};

class Shell {
 public:
  // Probes the sandbox as described above. Never fails: an unusable sandbox is reported by
  // IsAvailable() and by Run.
  static std::unique_ptr<Shell> Create(const ShellPolicy& policy);
  // For tests and other platforms: a shell over a given sandbox (null: unavailable, `reason`).
  Shell(ShellPolicy policy, std::unique_ptr<Sandbox> sandbox, std::string reason);
  Shell(const Shell&) = delete;
  Shell& operator=(const Shell&) = delete;

  bool IsAvailable() const { return sandbox_ != nullptr; }
  // The sandbox in use ("bwrap", "bwrap (no user namespace)", "none"), or why there is none.
  std::string Describe() const;
  const ShellPolicy& policy() const { return policy_; }

  // Runs `request`. Unavailable when there is no usable sandbox; InvalidArgument for an empty
  // command; otherwise the process result (non-zero exits, timeouts and kills are results).
  base::StatusOr<ProcessResult> Run(const CommandRequest& request, base::CancelToken* cancel) const;

 private:
  ShellPolicy policy_;
  std::unique_ptr<Sandbox> sandbox_;
  std::string reason_;  // why the sandbox is unavailable, or notes from the probe
};

}  // namespace tools
