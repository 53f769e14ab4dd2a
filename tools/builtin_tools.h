// The built-in tools and the function that registers them all. Each factory returns a new,
// independent tool; the shell tool takes ownership of the Shell (created, and its sandbox
// probed, by the composition root with Shell::Create). Names: read_file, write_file,
// edit_file, apply_patch, list_dir, search, git_status, git_diff, git_log, git_show, git_blame,
// shell.
#pragma once

#include <memory>

#include "base/status.h"
#include "tools/shell/shell.h"
#include "tools/tool.h"
#include "tools/tool_registry.h"

namespace tools {

std::unique_ptr<Tool> NewReadFileTool();
std::unique_ptr<Tool> NewWriteFileTool();
std::unique_ptr<Tool> NewListDirTool();
std::unique_ptr<Tool> NewEditFileTool();
std::unique_ptr<Tool> NewApplyPatchTool();
std::unique_ptr<Tool> NewSearchTool();
std::unique_ptr<Tool> NewGitStatusTool();
std::unique_ptr<Tool> NewGitDiffTool();
std::unique_ptr<Tool> NewGitLogTool();
std::unique_ptr<Tool> NewGitShowTool();
std::unique_ptr<Tool> NewGitBlameTool();
std::unique_ptr<Tool> NewShellTool(std::unique_ptr<Shell> shell);

// Registers every tool above. AlreadyExists if one of the names is taken.
base::Status RegisterBuiltinTools(ToolRegistry& registry, std::unique_ptr<Shell> shell);

}  // namespace tools
