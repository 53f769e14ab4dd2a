// DiffHunks: a diff split into files and hunks, each line with its line numbers, for tools
// that comment on particular lines (code review). The diff comes either from two sides of a
// repository (as Diff in git_diff.h: revisions, the index or the work tree) or from a unified
// diff text (git format). Binary files and pure mode changes have no hunks and are left out;
// a deleted file is kept (its hunks have only removed lines). Stateless; thread-compatible like
// the Repository.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "tools/git/git_diff.h"
#include "tools/git/repository.h"

namespace tools {

struct HunkLine {
  char origin = ' ';    // ' ' context, '+' added, '-' removed
  int old_line = -1;    // 1-based in the old file; -1 for an added line
  int new_line = -1;    // 1-based in the new file; -1 for a removed line
  std::string content;  // without the trailing newline
  bool operator==(const HunkLine&) const = default;
};

struct Hunk {
  std::string header;  // "@@ -10,4 +10,6 @@ fn name"
  int old_start = 0;
  int old_lines = 0;
  int new_start = 0;  // first new-side line the hunk covers (0 for an emptied file)
  int new_lines = 0;  // new-side lines covered (context and added)
  std::vector<HunkLine> lines;
  bool operator==(const Hunk&) const = default;
};

struct FileHunks {
  char status = 'M';     // as DiffFile::status
  std::string old_path;  // relative to the repository root
  std::string new_path;
  std::vector<Hunk> hunks;
  bool operator==(const FileHunks&) const = default;
};

// Bounds on what DiffHunks holds in memory: a diff against the work tree may include an
// untracked multi-gigabyte log. A file over a bound is left out whole and its path reported.
struct HunkLimits {
  int64_t max_file_bytes = 1 << 20;       // either side of a file; larger ones are not loaded
  size_t max_file_patch_bytes = 1 << 20;  // a file's patch text
  size_t max_file_lines = 20000;          // a file's patch lines (context, added, removed)
  size_t max_total_bytes = 64u << 20;     // all patches together; files beyond are left out
};

// The hunks between two sides of `repo` (spec.max_patch_bytes and spec.max_file_bytes are
// ignored: `limits` decide). The paths of files left out for a limit are appended to
// `too_large` when it is not null. Errors as Diff.
base::StatusOr<std::vector<FileHunks>> DiffHunks(const Repository& repo, const DiffSpec& spec,
                                                 const HunkLimits& limits = {},
                                                 std::vector<std::string>* too_large = nullptr);

// The hunks of a unified diff text. InvalidArgument when libgit2 cannot parse it.
base::StatusOr<std::vector<FileHunks>> HunksOfDiffText(std::string_view diff_text);

// Files larger than this are not read by ReadFileAt (ResourceExhausted).
inline constexpr uint64_t kMaxReadBytes = 4u << 20;

// The content of `path` on one side: "workdir" reads the file under the work tree, "index" the
// staged blob, anything else the blob in that revision's tree. NotFound when it is not there.
// In the work tree only a regular file inside it is read: an absolute path, a ".." component
// or a directory symlink leading out is InvalidArgument, as is a symlink, FIFO or device as the
// file itself. Over kMaxReadBytes (either side): ResourceExhausted.
base::StatusOr<std::string> ReadFileAt(const Repository& repo, const std::string& side,
                                       const std::string& path);

}  // namespace tools
