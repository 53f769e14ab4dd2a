#include "tools/shell/shell.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "base/log.h"
#include "tools/shell/environment_filter.h"
#include "tools/shell/pids_cgroup.h"

namespace tools {
namespace {

ProcessSpec BaseSpec(const ShellPolicy& policy) {
  ProcessSpec spec;
  spec.env = SanitizedEnvironment(CurrentEnvironment());
  spec.max_output_bytes = policy.max_output_bytes;
  spec.kill_after_output_bytes = policy.kill_after_output_bytes;
  spec.max_processes = policy.max_processes;
  return spec;
}

// Runs `true` under `sandbox`; returns an empty string when it worked, else what went wrong.
std::string Probe(const ShellPolicy& policy, const Sandbox& sandbox) {
  ProcessSpec spec = BaseSpec(policy);
  spec.argv = sandbox.Wrap({"true", "/tmp", "/tmp", "", policy.allow_network});
  spec.timeout = std::chrono::seconds(10);
  spec.cwd = "/";
  auto result = RunProcess(spec, nullptr);
  if (!result.ok()) return result.status().ToString();
  if (result->exit_code == 0) return "";
  std::string why = result->stderr_text;
  while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
  return "exit " + std::to_string(result->exit_code) + (why.empty() ? "" : ": " + why);
}

}  // namespace

std::unique_ptr<Shell> Shell::Create(const ShellPolicy& policy) {
  auto* log = base::Logger("tools");
  std::string notes;
  if (::access(policy.bwrap_path.c_str(), X_OK) != 0) {
    notes = policy.bwrap_path + " is not installed";
  } else {
    for (bool user_ns : {true, false}) {
      auto sandbox = NewBubblewrapSandbox(policy.bwrap_path, user_ns);
      std::string failure = Probe(policy, *sandbox);
      if (failure.empty()) {
        log->info("shell sandbox: {}", sandbox->name());
        return std::make_unique<Shell>(policy, std::move(sandbox), notes);
      }
      notes +=
          (notes.empty() ? "" : "; ") + std::string(sandbox->name()) + " failed (" + failure + ")";
    }
  }
  if (policy.allow_unsandboxed) {
    log->warn("shell runs commands WITHOUT a sandbox: {}", notes);
    return std::make_unique<Shell>(policy, NewUnsandboxed(), notes);
  }
  log->warn("shell unavailable: {}", notes);
  return std::make_unique<Shell>(policy, nullptr, notes);
}

Shell::Shell(ShellPolicy policy, std::unique_ptr<Sandbox> sandbox, std::string reason)
    : policy_(std::move(policy)), sandbox_(std::move(sandbox)), reason_(std::move(reason)) {}

std::string Shell::Describe() const {
  if (!sandbox_) return "no sandbox available: " + reason_;
  std::string out(sandbox_->name());
  out += PidsCgroup::Create(1).ok() ? ", pids cgroup" : ", RLIMIT_NPROC only";
  if (!reason_.empty()) out += " (" + reason_ + ")";
  return out;
}

base::StatusOr<ProcessResult> Shell::Run(const CommandRequest& request,
                                         base::CancelToken* cancel) const {
  if (!sandbox_) {
    return base::Unavailable(
        "the shell sandbox (bubblewrap) cannot run on this machine and "
        "unsandboxed commands are not allowed: " +
        reason_);
  }
  if (request.command.empty()) return base::InvalidArgument("empty command");
  ProcessSpec spec = BaseSpec(policy_);
  const char* home = std::getenv("HOME");
  SandboxRequest wrapped{request.command, request.workspace,
                         request.cwd.empty() ? request.workspace : request.cwd,
                         home != nullptr ? home : "", policy_.allow_network};
  spec.argv = sandbox_->Wrap(wrapped);
  spec.cwd = sandbox_->IsIsolated() ? request.workspace : wrapped.cwd;
  spec.timeout = std::min(request.timeout.value_or(policy_.default_timeout), policy_.max_timeout);
  spec.on_output = request.on_output;
  spec.live_output = policy_.live_output;
  // Declared before the run so that it outlives the process it contains.
  std::unique_ptr<PidsCgroup> cgroup;
  if (policy_.max_processes > 0) {
    auto created = PidsCgroup::Create(policy_.max_processes);
    if (created.ok()) {
      cgroup = std::move(created).value();
      spec.join_cgroup_procs = cgroup->procs_path();
    }
  }
  return RunProcess(spec, cancel);
}

}  // namespace tools
