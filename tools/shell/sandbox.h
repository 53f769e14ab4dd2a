// Sandbox: turns "run this shell command in this workspace" into the argv that does so under
// a platform's isolation. Platforms are files, not #ifdefs: sandbox_linux.cc (bubblewrap) and
// sandbox_none.cc (no isolation, only when the configuration allows it). Shell owns one.
// Implementations are immutable after construction, so thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tools {

struct SandboxRequest {
  std::string command;    // run with /bin/sh -c
  std::string workspace;  // absolute; the only writable tree
  std::string cwd;        // absolute, inside the workspace
  std::string home;       // the user's home directory, hidden inside the sandbox ("" if none)
  bool allow_network = false;
};

class Sandbox {
 public:
  virtual ~Sandbox() = default;
  // "bwrap", "bwrap (no user namespace)", "none": shown to users and in logs.
  virtual std::string_view name() const = 0;
  // Whether this sandbox actually isolates (false only for the unsandboxed fallback).
  virtual bool IsIsolated() const = 0;
  // The argv (argv[0] absolute) that runs `request.command` as described above.
  virtual std::vector<std::string> Wrap(const SandboxRequest& request) const = 0;
};

// Bubblewrap at `bwrap_path`. `use_user_namespace` adds --unshare-user; without it bwrap must
// be able to create the other namespaces itself (setuid or run as root).
std::unique_ptr<Sandbox> NewBubblewrapSandbox(std::string bwrap_path, bool use_user_namespace);

// Runs the command directly with /bin/sh in the workspace: no isolation at all.
std::unique_ptr<Sandbox> NewUnsandboxed();

}  // namespace tools
