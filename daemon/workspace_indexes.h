// WorkspaceIndexes: the daemon's open code indexes, one per workspace root, each persisted in
// the cache directory (<cache>/index/<hash of the root>.sqlite) so a restarted daemon re-parses
// only what changed. Indexes open lazily, on the first request that names a workspace.
// The agent's prompt and reviews ask through GetForPrompt, which brings an index this daemon
// has not refreshed yet up to date on a background thread owned here (the destructor cancels
// and joins it): a new index is built, a stored one catches up with edits made while no daemon
// watched, and one a killed daemon left half-built is completed.
// Thread-safe; the RepoIndex objects it hands out are thread-safe and live as long as this.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/cancel_token.h"
#include "base/clock.h"
#include "base/status.h"
#include "base/thread_annotations.h"
#include "tools/code/repo_index.h"

namespace flashcoded {

class WorkspaceIndexes {
 public:
  // `cache_dir` is created on demand. `threads` is the parser thread count (0: all cores).
  // `clock` (borrowed; outlives this) stamps refreshes.
  WorkspaceIndexes(std::string cache_dir, int threads, const base::Clock& clock)
      : cache_dir_(std::move(cache_dir)), threads_(threads), clock_(clock) {}
  ~WorkspaceIndexes();
  WorkspaceIndexes(const WorkspaceIndexes&) = delete;
  WorkspaceIndexes& operator=(const WorkspaceIndexes&) = delete;

  // The index of `workspace_root` (an absolute path to a directory), opened if needed.
  // With `create` false, NotFound unless it is open or was indexed before, and Unavailable
  // while GetForPrompt builds or refreshes it (queries would wait for the whole build).
  // Errors: InvalidArgument (not absolute, not a directory), NotFound, Unavailable, Internal.
  base::StatusOr<tools::RepoIndex*> Get(const std::string& workspace_root, bool create);

  // The index of `workspace_root` for the agent's repo map. The first call for a workspace
  // that this daemon has not refreshed (Context.Reindex marks one refreshed) refreshes it in
  // the background — a full build when it was never indexed — and this waits at most `budget`
  // for it: a huge repository must not hold up a turn for minutes. Unavailable while that
  // build runs (it goes on, and a later call gets the index once it is done); the build's
  // error if it failed; else as Get.
  base::StatusOr<tools::RepoIndex*> GetForPrompt(const std::string& workspace_root,
                                                 std::chrono::milliseconds budget);

  // When the index of `workspace_root` was last refreshed (Unix ms), or 0.
  int64_t LastRefreshed(const std::string& workspace_root) const;
  void MarkRefreshed(const std::string& workspace_root, int64_t unix_ms);

 private:
  std::string DbPath(const std::string& canonical_root) const;

  struct FirstBuild {
    bool done = false;
    base::Status status;
    std::chrono::steady_clock::time_point started;
  };

  const std::string cache_dir_;
  const int threads_;
  const base::Clock& clock_;
  base::CancelToken shutdown_;  // stops background builds when the daemon goes down
  mutable std::mutex mu_;
  std::condition_variable build_done_;
  std::map<std::string, std::unique_ptr<tools::RepoIndex>> indexes_ GUARDED_BY(mu_);
  std::map<std::string, int64_t> refreshed_ GUARDED_BY(mu_);
  std::map<std::string, std::shared_ptr<FirstBuild>> first_builds_ GUARDED_BY(mu_);
  std::vector<std::thread> builders_ GUARDED_BY(mu_);
};

}  // namespace flashcoded
