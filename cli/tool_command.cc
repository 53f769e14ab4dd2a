#include "cli/tool_command.h"

#include <unistd.h>

#include <climits>
#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/exit_codes.h"
#include "tools/builtin_tools.h"

namespace cli {

int RunToolCommand(const std::string& name, const std::string& args_json,
                   const std::string& workspace, bool list, std::ostream& out, std::ostream& err) {
  tools::ToolRegistry registry;
  base::Status registered =
      tools::RegisterBuiltinTools(registry, tools::Shell::Create(tools::ShellPolicy{}));
  if (!registered.ok()) {
    err << "flashcode tool: " << registered.ToString() << "\n";
    return kExitError;
  }
  if (list) {
    for (const tools::Tool* tool : registry.List()) {
      out << tool->name() << (tool->IsReadOnly() ? " (read-only)" : " (mutating)") << "\n  "
          << tool->description() << "\n  arguments: " << tool->parameters().dump() << "\n";
    }
    return kExitOk;
  }
  const tools::Tool* tool = registry.Find(name);
  if (tool == nullptr) {
    err << "flashcode tool: unknown tool '" << name << "' (see flashcode tool --list)\n";
    return kExitUsage;
  }
  // Arguments that are not a JSON object are a command-line mistake here, not a tool error.
  std::string args = args_json.empty() ? "{}" : args_json;
  nlohmann::json parsed = nlohmann::json::parse(args, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    err << "flashcode tool: --args must be a JSON object, e.g. '{\"path\":\"README.md\"}'\n";
    return kExitUsage;
  }
  tools::ToolContext context;
  context.workspace_root = workspace;
  if (context.workspace_root.empty()) {
    char cwd[PATH_MAX];
    if (::getcwd(cwd, sizeof(cwd)) == nullptr) {
      err << "flashcode tool: cannot determine the current directory\n";
      return kExitError;
    }
    context.workspace_root = cwd;
  }
  context.cancel = std::make_shared<base::CancelToken>();
  auto result = tool->Run(args, context);
  if (!result.ok()) {
    err << "flashcode tool " << name << ": " << result.status().ToString() << "\n";
    return kExitError;
  }
  (result->is_error ? err : out) << result->output;
  if (!result->output.empty() && result->output.back() != '\n')
    (result->is_error ? err : out) << "\n";
  return result->is_error ? kExitError : kExitOk;
}

}  // namespace cli
