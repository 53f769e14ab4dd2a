// Unified diffs: parsing the text the model (or `git diff`) writes, and applying one file's
// hunks to that file's content. Each hunk must match exactly (context and removed lines); it
// may sit at a different line than its header says (the file moved on), and then the nearest
// exact match is used, as patch(1) does with fuzz 0. A hunk that matches nowhere is a conflict
// whose message shows what was expected and what the file holds. Stateless; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace tools {

struct DiffLine {
  char kind = ' ';   // ' ' context, '-' removed, '+' added
  std::string text;  // without the newline
  bool operator==(const DiffLine&) const = default;
};

struct Hunk {
  int64_t old_start = 0, old_count = 0, new_start = 0, new_count = 0;
  std::vector<DiffLine> lines;
  bool old_ends_without_newline = false;  // "\ No newline at end of file" after an old line
  bool new_ends_without_newline = false;
  bool operator==(const Hunk&) const = default;
};

struct FilePatch {
  std::string old_path;  // empty for a new file (/dev/null)
  std::string new_path;  // empty for a deleted file
  std::vector<Hunk> hunks;
  bool operator==(const FilePatch&) const = default;
};

// Parses every file section of `diff`. "a/" and "b/" prefixes are stripped. InvalidArgument
// (with the line number) for a malformed header or a hunk whose line counts do not add up.
base::StatusOr<std::vector<FilePatch>> ParseUnifiedDiff(std::string_view diff);

// Applies `patch`'s hunks to `content`. FailedPrecondition describing the first conflict.
base::StatusOr<std::string> ApplyHunks(std::string_view content, const FilePatch& patch);

}  // namespace tools
