// BasicTool: the shared frame of the built-in tools. It holds the name, description, schema
// and read-only flag, and its Run parses the JSON arguments, opens the workspace, calls
// Execute, turns library errors into results or turn-ending Statuses (ResultForStatus), and
// caps the output. Subclasses implement Execute only. Immutable; thread-safe.
#pragma once

#include <string>

#include "tools/files/workspace.h"
#include "tools/tool.h"
#include "tools/tool_args.h"

namespace tools {

class BasicTool : public Tool {
 public:
  // `schema_json` must be a valid JSON schema object (a programmer error otherwise).
  BasicTool(std::string name, std::string description, std::string_view schema_json,
            bool read_only);

  std::string_view name() const override { return name_; }
  std::string_view description() const override { return description_; }
  const nlohmann::json& parameters() const override { return parameters_; }
  bool IsReadOnly() const override { return read_only_; }
  base::StatusOr<ToolResult> Run(std::string_view args_json,
                                 const ToolContext& context) const final;

 protected:
  // A non-OK Status goes through ResultForStatus.
  virtual base::StatusOr<ToolResult> Execute(const ToolArgs& args, const Workspace& workspace,
                                             const ToolContext& context) const = 0;

 private:
  std::string name_;
  std::string description_;
  nlohmann::json parameters_;
  bool read_only_;
};

}  // namespace tools
