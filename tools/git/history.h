// History: log (optionally limited to paths), show (one commit with its diff), and merge-base.
// Stateless; thread-compatible like the Repository.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "tools/git/git_diff.h"
#include "tools/git/repository.h"

namespace tools {

struct CommitInfo {
  std::string id;
  std::vector<std::string> parents;
  std::string author_name;
  std::string author_email;
  int64_t time = 0;     // author time, Unix seconds
  std::string summary;  // first line of the message
  std::string message;
  bool operator==(const CommitInfo&) const = default;
};

struct LogOptions {
  std::string revision = "HEAD";
  std::vector<std::string> paths = {};  // only commits that change these (against the first parent)
  size_t max_count = 50;
  size_t skip = 0;
};

// Newest first (time order, then topological). An unborn HEAD gives an empty log.
base::StatusOr<std::vector<CommitInfo>> Log(const Repository& repo, const LogOptions& options);

struct ShowResult {
  CommitInfo commit;
  DiffResult diff;  // against the first parent (the empty tree for a root commit)
};
base::StatusOr<ShowResult> Show(const Repository& repo, const std::string& revision,
                                size_t max_patch_bytes = 256 * 1024);

// The best common ancestor of two revisions. NotFound when they share no history.
base::StatusOr<std::string> MergeBase(const Repository& repo, const std::string& a,
                                      const std::string& b);

// "commit <id>\nAuthor: ...\nDate: ...\n\n    message" as git prints it.
std::string FormatCommit(const CommitInfo& commit);

}  // namespace tools
