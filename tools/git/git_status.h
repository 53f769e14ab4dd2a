// GetStatus: `git status --porcelain` as data: per changed path, its state in the index
// (against HEAD) and in the work tree (against the index), with rename detection in both.
// Stateless; thread-compatible like the Repository it reads.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "tools/git/repository.h"

namespace tools {

struct StatusEntry {
  std::string path;      // the current path
  std::string old_path;  // the path before a rename, else empty
  char index = ' ';      // ' ' unchanged, 'M', 'A', 'D', 'R', 'T', 'U' (conflict), '?', '!'
  char worktree = ' ';
  bool operator==(const StatusEntry&) const = default;
};

// Entries sorted by path. Untracked files are listed one by one (directories recursed);
// ignored files only with `include_ignored`.
base::StatusOr<std::vector<StatusEntry>> GetStatus(const Repository& repo,
                                                   bool include_ignored = false);

// Porcelain-like lines: "XY path" or "XY old -> new".
std::string FormatStatus(const std::vector<StatusEntry>& entries);

}  // namespace tools
