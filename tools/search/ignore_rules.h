// IgnoreRules: which workspace paths a search skips. GitIgnoreRules asks libgit2
// (git_ignore_path_is_ignored: .gitignore files at every level, .git/info/exclude and the
// global excludes file) for the repository that contains the workspace; outside a repository
// nothing is ignored, as ripgrep does. `.git` directories are always skipped by the searcher.
// Thread-compatible (libgit2 repository objects are not shared between threads).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace tools {

class Repository;

class IgnoreRules {
 public:
  virtual ~IgnoreRules() = default;
  // `path` is relative to the workspace root; `is_dir` for directories.
  virtual bool IsIgnored(std::string_view path, bool is_dir) const = 0;
};

// Rules for the repository that contains `workspace_root`; rules that ignore nothing when the
// workspace is not inside a repository.
std::unique_ptr<IgnoreRules> GitIgnoreRulesFor(const std::string& workspace_root);

}  // namespace tools
