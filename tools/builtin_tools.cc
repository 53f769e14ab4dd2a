#include "tools/builtin_tools.h"

namespace tools {

base::Status RegisterBuiltinTools(ToolRegistry& registry, std::unique_ptr<Shell> shell) {
  std::unique_ptr<Tool> all[] = {
      NewReadFileTool(),   NewWriteFileTool(), NewListDirTool(),   NewEditFileTool(),
      NewApplyPatchTool(), NewSearchTool(),    NewGitStatusTool(), NewGitDiffTool(),
      NewGitLogTool(),     NewGitShowTool(),   NewGitBlameTool(),  NewShellTool(std::move(shell))};
  for (auto& tool : all) FC_RETURN_IF_ERROR(registry.Register(std::move(tool)));
  return base::Status::Ok();
}

}  // namespace tools
