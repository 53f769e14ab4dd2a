// Diff: the difference between any two of the work tree, the index, HEAD and any revision,
// with rename detection (also between a deleted tracked file and a new untracked one), as a
// per-file summary and a unified patch. Stateless; thread-compatible like the Repository.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "tools/git/repository.h"

namespace tools {

struct DiffSpec {
  // Each side: "workdir", "index", or a revision ("HEAD", "main", "abc123", "HEAD~2").
  // An unborn HEAD counts as the empty tree.
  std::string from = "HEAD";
  std::string to = "workdir";
  std::vector<std::string> paths = {};  // pathspecs limiting the diff; empty: everything
  int context_lines = 3;
  bool include_untracked = true;  // with a workdir side, new untracked files count as added
  size_t max_patch_bytes = 256 * 1024;
  // A file larger than this on either side counts as binary, so its content is never loaded
  // (0: libgit2's default, 512 MiB).
  int64_t max_file_bytes = 0;
};

struct DiffFile {
  char status = 'M';  // 'A', 'D', 'M', 'R' (renamed), 'C', 'T' (type change)
  std::string old_path;
  std::string new_path;
  size_t additions = 0;
  size_t deletions = 0;
  bool binary = false;
  bool operator==(const DiffFile&) const = default;
};

struct DiffResult {
  std::vector<DiffFile> files;
  std::string patch;       // unified diff, cut at max_patch_bytes
  bool truncated = false;  // the patch was cut
};

// InvalidArgument when both sides are the index or both the work tree, or a revision does not
// resolve.
base::StatusOr<DiffResult> Diff(const Repository& repo, const DiffSpec& spec);

// The libgit2 diff behind Diff (before rename detection), for callers that walk its hunks.
base::StatusOr<GitPtr<git_diff>> MakeDiff(const Repository& repo, const DiffSpec& spec);

// Builds a DiffResult from a finished libgit2 diff (shared with Show).
base::StatusOr<DiffResult> SummarizeDiff(git_diff* diff, size_t max_patch_bytes);

}  // namespace tools
