// GitHistory: when each file of HEAD was last changed, from one walk of the history.
//
// The chunker orders files most-stable first (oldest last change first), so the repository
// prefix whose KV cache is reused changes as late as possible. The walk goes newest commit
// first, diffing each commit's tree against its first parent (libgit2 skips identical
// subtrees by id, so a diff costs what changed, not the tree size), and stops as soon as every
// path of HEAD has been seen. Thread-compatible; opens its own repository handle.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/status.h"

namespace tools {

struct FileHistory {
  int64_t last_commit_unix_seconds = 0;
  std::string head_blob_id;  // hex id of the file's blob in HEAD
};

struct GitHistoryOptions {
  // After this many commits the walk stops; the paths not yet seen get the time of the oldest
  // commit examined (they changed no later than that).
  size_t max_commits = 50000;
};

// Every path (relative to the work tree root) in HEAD with its last commit time.
// Errors: NotFound when `work_tree` is not in a git repository or HEAD has no commit.
base::StatusOr<std::unordered_map<std::string, FileHistory>> LastCommitTimes(
    const std::filesystem::path& work_tree, GitHistoryOptions options = {});

// The id git would give a blob with this content (to tell if the work tree file equals HEAD's).
std::string GitBlobId(std::string_view content);

}  // namespace tools
