// Bubblewrap on Linux: a read-only view of the whole file system, the workspace bound
// read-write at its own path, a private /tmp and a private (empty, writable) home so dotfiles
// with credentials cannot be read, fresh pid/ipc/uts/cgroup namespaces (and net unless the
// policy allows network), no capabilities, a new session (no TIOCSTI into our terminal), and
// the sandbox dies with its parent.
#include <utility>

#include "tools/shell/sandbox.h"

namespace tools {
namespace {

class BubblewrapSandbox final : public Sandbox {
 public:
  BubblewrapSandbox(std::string bwrap_path, bool use_user_namespace)
      : bwrap_path_(std::move(bwrap_path)), use_user_namespace_(use_user_namespace) {}

  std::string_view name() const override {
    return use_user_namespace_ ? "bwrap" : "bwrap (no user namespace)";
  }
  bool IsIsolated() const override { return true; }

  std::vector<std::string> Wrap(const SandboxRequest& request) const override {
    std::vector<std::string> argv = {bwrap_path_,
                                     "--die-with-parent",
                                     "--new-session",
                                     "--unshare-pid",
                                     "--unshare-ipc",
                                     "--unshare-uts",
                                     "--unshare-cgroup-try",
                                     "--cap-drop",
                                     "ALL"};
    if (use_user_namespace_) argv.push_back("--unshare-user");
    if (!request.allow_network) argv.push_back("--unshare-net");
    for (const char* arg :
         {"--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"}) {
      argv.push_back(arg);
    }
    // Mounts apply in order: the home is hidden first, then the workspace is bound back even
    // when it lies inside the home or /tmp.
    if (!request.home.empty() && request.home != "/" && request.home != request.workspace) {
      argv.insert(argv.end(), {"--tmpfs", request.home});
    }
    argv.insert(argv.end(), {"--bind", request.workspace, request.workspace, "--chdir",
                             request.cwd.empty() ? request.workspace : request.cwd, "/bin/sh", "-c",
                             request.command});
    return argv;
  }

 private:
  std::string bwrap_path_;
  bool use_user_namespace_;
};

}  // namespace

std::unique_ptr<Sandbox> NewBubblewrapSandbox(std::string bwrap_path, bool use_user_namespace) {
  return std::make_unique<BubblewrapSandbox>(std::move(bwrap_path), use_user_namespace);
}

}  // namespace tools
