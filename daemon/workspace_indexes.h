// WorkspaceIndexes: the daemon's open code indexes, one per workspace root, each persisted in
// the cache directory (<cache>/index/<hash of the root>.sqlite) so a restarted daemon re-parses
// only what changed. Indexes open lazily, on the first request that names a workspace.
// Thread-safe; the RepoIndex objects it hands out are thread-safe and live as long as this.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "base/status.h"
#include "base/thread_annotations.h"
#include "tools/code/repo_index.h"

namespace flashcoded {

class WorkspaceIndexes {
 public:
  // `cache_dir` is created on demand. `threads` is the parser thread count (0: all cores).
  WorkspaceIndexes(std::string cache_dir, int threads)
      : cache_dir_(std::move(cache_dir)), threads_(threads) {}
  WorkspaceIndexes(const WorkspaceIndexes&) = delete;
  WorkspaceIndexes& operator=(const WorkspaceIndexes&) = delete;

  // The index of `workspace_root` (an absolute path to a directory), opened if needed.
  // With `create` false, NotFound unless it is open or was indexed before.
  // Errors: InvalidArgument (not absolute, not a directory), NotFound, Internal (SQLite).
  base::StatusOr<tools::RepoIndex*> Get(const std::string& workspace_root, bool create);

  // When the index of `workspace_root` was last refreshed (Unix ms), or 0.
  int64_t LastRefreshed(const std::string& workspace_root) const;
  void MarkRefreshed(const std::string& workspace_root, int64_t unix_ms);

 private:
  std::string DbPath(const std::string& canonical_root) const;

  const std::string cache_dir_;
  const int threads_;
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<tools::RepoIndex>> indexes_ GUARDED_BY(mu_);
  std::map<std::string, int64_t> refreshed_ GUARDED_BY(mu_);
};

}  // namespace flashcoded
