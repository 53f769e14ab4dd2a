// DefinitionsUsedBy: the repository context a reviewer of one hunk needs — the definitions,
// elsewhere in the repository, of the names its added lines use. A call to a function whose
// signature the model cannot see is where review findings go wrong (wrong argument order,
// an ignored error return), so each identifier of the added lines is looked up in the code
// index and its definition listed as "path:line: kind signature". Names with more than a few
// definitions (get, init, size) say nothing specific and are skipped, as are definitions
// inside the hunk itself. Thread-safe as the index is.
#pragma once

#include <cstddef>
#include <string>

#include "tools/code/repo_index.h"
#include "tools/git/diff_hunks.h"

namespace agent {

// One definition per line, at most `max_definitions`, in the order the names first appear in
// the added lines; "" when none is found or the index fails (the review goes on without).
std::string DefinitionsUsedBy(tools::RepoIndex& index, const std::string& path,
                              const tools::Hunk& hunk, size_t max_definitions = 12);

}  // namespace agent
