// The unsandboxed fallback: the command runs as the daemon's user with full access. Shell
// only picks it when the configuration explicitly allows unsandboxed commands.
#include "tools/shell/sandbox.h"

namespace tools {
namespace {

class Unsandboxed final : public Sandbox {
 public:
  std::string_view name() const override { return "none"; }
  bool IsIsolated() const override { return false; }
  std::vector<std::string> Wrap(const SandboxRequest& request) const override {
    return {"/bin/sh", "-c", request.command};
  }
};

}  // namespace

std::unique_ptr<Sandbox> NewUnsandboxed() { return std::make_unique<Unsandboxed>(); }

}  // namespace tools
