#include "tools/basic_tool.h"

#include <cassert>

namespace tools {

BasicTool::BasicTool(std::string name, std::string description, std::string_view schema_json,
                     bool read_only)
    : name_(std::move(name)),
      description_(std::move(description)),
      parameters_(nlohmann::json::parse(schema_json, nullptr, false)),
      read_only_(read_only) {
  assert(parameters_.is_object() && "tool schema must be a JSON object");
}

base::StatusOr<ToolResult> BasicTool::Run(std::string_view args_json,
                                          const ToolContext& context) const {
  if (context.cancel && context.cancel->IsCancelled()) return base::Cancelled("turn cancelled");
  auto args = ToolArgs::Parse(args_json);
  if (!args.ok()) return ResultForStatus(args.status());
  auto workspace = Workspace::Open(context.workspace_root);
  if (!workspace.ok()) {
    // A missing workspace is the caller's misconfiguration, not something the model can fix.
    return base::FailedPrecondition("workspace: " + workspace.status().ToString());
  }
  auto result = Execute(*args, **workspace, context);
  if (!result.ok()) return ResultForStatus(result.status());
  return CapOutput(std::move(result).value(), context.limits.max_output_bytes);
}

}  // namespace tools
