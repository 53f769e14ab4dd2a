// shell: one command line under the sandbox (tools/shell). A non-zero exit or a timeout is an
// is_error result the model can react to; an unusable sandbox or a cancelled turn ends the turn.
#include "tools/basic_tool.h"
#include "tools/builtin_tools.h"

namespace tools {
namespace {

class ShellTool final : public BasicTool {
 public:
  explicit ShellTool(std::unique_ptr<Shell> shell)
      : BasicTool("shell",
                  "Run a shell command (/bin/sh -c) in the workspace, in a sandbox: the "
                  "workspace is writable, the rest of the file system read-only, /tmp private, "
                  "no network unless allowed. Output is capped; the command is killed at its "
                  "time limit.",
                  R"({"type":"object","properties":{
                    "command":{"type":"string"},
                    "timeout_ms":{"type":"integer","minimum":1}},
                    "required":["command"],"additionalProperties":false})",
                  /*read_only=*/false),
        shell_(std::move(shell)) {}

 protected:
  base::StatusOr<ToolResult> Execute(const ToolArgs& args, const Workspace& workspace,
                                     const ToolContext& context) const override {
    FC_ASSIGN_OR_RETURN(std::string command, args.String("command"));
    FC_ASSIGN_OR_RETURN(int64_t timeout_ms,
                        args.Int("timeout_ms", context.limits.default_timeout.count()));
    if (timeout_ms <= 0) return base::InvalidArgument("timeout_ms must be positive");
    auto timeout = std::min(std::chrono::milliseconds(timeout_ms), context.limits.max_timeout);
    auto run = shell_->Run({command, workspace.root(), "", timeout, context.on_output},
                           context.cancel.get());
    if (!run.ok()) {
      // The sandbox being unavailable ends the turn; a bad command is for the model.
      if (run.status().code() == base::StatusCode::kUnavailable) return run.status();
      return ResultForStatus(run.status());
    }
    const ProcessResult& r = *run;
    if (r.cancelled) return base::Cancelled("shell command cancelled");
    std::string out = "exit code: " + std::to_string(r.exit_code) + "\n";
    if (r.timed_out) {
      out += "[timed out after " + std::to_string(timeout.count()) +
             " ms; the command and everything it started were killed]\n";
    }
    if (r.output_limit_killed) {
      out += "[killed after writing " + std::to_string(r.stdout_bytes + r.stderr_bytes) +
             " bytes of output]\n";
    }
    if (!r.stdout_text.empty())
      out += "stdout:\n" + r.stdout_text + (r.stdout_text.back() == '\n' ? "" : "\n");
    if (!r.stderr_text.empty())
      out += "stderr:\n" + r.stderr_text + (r.stderr_text.back() == '\n' ? "" : "\n");
    ToolResult result = ToolResult::Ok(std::move(out));
    result.is_error = r.exit_code != 0 || r.timed_out || r.output_limit_killed;
    result.truncated = r.stdout_truncated || r.stderr_truncated;
    return result;
  }

 private:
  std::unique_ptr<Shell> shell_;
};

}  // namespace

std::unique_ptr<Tool> NewShellTool(std::unique_ptr<Shell> shell) {
  return std::make_unique<ShellTool>(std::move(shell));
}

}  // namespace tools
