// RepoWalker: lists the regular files of a work tree that .gitignore does not exclude, pruning
// ignored directories (so node_modules/ or build/ cost one check, not a descent). Symbolic
// links are not followed. Thread-compatible (it uses the caller's Gitignore).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "base/cancel_token.h"
#include "base/status.h"
#include "tools/code/gitignore.h"

namespace tools {

struct WalkedFile {
  std::string path;  // relative to the root, '/'-separated
  uint64_t size = 0;
  int64_t mtime_ns = 0;
};

// Files under `root`, sorted by path. Unreadable directories are skipped, not errors.
// Errors: NotFound when root is not a directory; Cancelled when `cancel` fired (may be null).
base::StatusOr<std::vector<WalkedFile>> WalkRepo(const std::filesystem::path& root,
                                                 Gitignore& ignore,
                                                 const base::CancelToken* cancel);

// The directories WalkRepo descends into (the root as ""), for the file watcher.
std::vector<std::string> WalkRepoDirs(const std::filesystem::path& root, Gitignore& ignore);

}  // namespace tools
