// Blame: which commit last changed each line of a file, as of a revision (the committed
// content, never the work tree, so no file outside the repository can be read through it).
// Stateless; thread-compatible like the Repository.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "tools/git/repository.h"

namespace tools {

struct BlameLine {
  size_t line = 0;  // 1-based
  std::string commit_id;
  std::string author;
  int64_t time = 0;  // Unix seconds
  std::string text;  // the line, without its newline
  bool operator==(const BlameLine&) const = default;
};

struct BlameOptions {
  std::string revision = "HEAD";
  size_t first_line = 1;
  size_t last_line = 0;  // 0: to the end
};

// NotFound when `path` is not in the revision; InvalidArgument for a binary file or bad range.
base::StatusOr<std::vector<BlameLine>> Blame(const Repository& repo, const std::string& path,
                                             const BlameOptions& options);

}  // namespace tools
