// Branches and commits: list, create and switch local branches; commit staged (or given)
// paths. Stateless; thread-compatible like the Repository.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "tools/git/repository.h"

namespace tools {

struct BranchInfo {
  std::string name;       // "main"
  std::string target_id;  // the commit it points at
  bool is_head = false;
  bool operator==(const BranchInfo&) const = default;
};

// Local branches sorted by name.
base::StatusOr<std::vector<BranchInfo>> ListBranches(const Repository& repo);

// Creates `name` at `start` (a revision). AlreadyExists unless `force`; InvalidArgument for a
// bad name.
base::Status CreateBranch(const Repository& repo, const std::string& name,
                          const std::string& start = "HEAD", bool force = false);

// Checks out `name` safely (local changes that would be overwritten make it fail with
// FailedPrecondition, and nothing changes) and points HEAD at it.
base::Status SwitchBranch(const Repository& repo, const std::string& name);

// The name of the current branch; "" when HEAD is detached. Unborn branches have a name too.
base::StatusOr<std::string> CurrentBranch(const Repository& repo);

struct CommitRequest {
  std::string message;
  std::vector<std::string> paths;  // staged first (added, or removed when deleted); may be empty
  bool all_tracked = false;        // also stage every modified or deleted tracked file (-a)
};

// Commits the index (after staging as requested) on HEAD and returns the new commit id.
// FailedPrecondition when there is nothing to commit.
base::StatusOr<std::string> Commit(const Repository& repo, const CommitRequest& request);

}  // namespace tools
