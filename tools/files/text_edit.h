// ReplaceExact / EditFile: the edit_file tool's contract. The model names the exact text to
// replace; the edit is refused when that text is missing or (unless replace_all) not unique,
// so an edit never lands in the wrong place. Stateless; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "tools/files/workspace.h"

namespace tools {

struct EditRequest {
  std::string search;        // exact text to find (must be non-empty)
  std::string replacement;   // text to put in its place
  bool replace_all = false;  // replace every occurrence instead of requiring exactly one
};

// Returns `content` with the edit applied and the number of replacements made. NotFound when
// the search text does not occur, FailedPrecondition when it occurs more than once and
// replace_all is false, InvalidArgument for an empty search text.
base::StatusOr<std::pair<std::string, int>> ReplaceExact(std::string_view content,
                                                         const EditRequest& edit);

// Reads `path`, applies ReplaceExact, writes atomically. Returns the number of replacements.
base::StatusOr<int> EditFile(const Workspace& workspace, std::string_view path,
                             const EditRequest& edit);

}  // namespace tools
