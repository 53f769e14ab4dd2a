// IgnoreRules: which workspace paths a search skips. GitIgnoreRulesFor uses the same matcher as
// the code index (tools/code/gitignore.h: .gitignore files at every level, .git/info/exclude,
// and the always-skipped folders such as node_modules), so a search and the index agree on
// what belongs to the workspace. Rules are read from the root of the repository that contains
// the workspace, so a parent directory's .gitignore applies to a workspace below it; outside a
// repository the workspace root is the root. `.git` directories are always skipped.
// Thread-compatible (the matcher caches parsed ignore files).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace tools {

class IgnoreRules {
 public:
  virtual ~IgnoreRules() = default;
  // `path` is relative to the workspace root; `is_dir` for directories.
  virtual bool IsIgnored(std::string_view path, bool is_dir) const = 0;
};

// Rules for the repository that contains `workspace_root` (or for the workspace alone when it
// is not inside a repository).
std::unique_ptr<IgnoreRules> GitIgnoreRulesFor(const std::string& workspace_root);

}  // namespace tools
