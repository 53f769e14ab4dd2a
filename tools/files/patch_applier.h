// ApplyPatch: the apply_patch tool. Applies a unified diff that may touch several files, all or
// nothing: every file's new content is computed in memory first, and only when all hunks of all
// files apply are the files written (atomically, one by one; if a write fails, the files already
// written are put back). Creates files from /dev/null, deletes files to /dev/null, and renames
// when the old and new paths differ. Stateless; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "tools/files/workspace.h"

namespace tools {

struct PatchedFile {
  std::string path;    // the new path (the old one for a deletion)
  std::string action;  // "modified", "created", "deleted", "renamed from <old>"
  bool operator==(const PatchedFile&) const = default;
};

// Applies `diff` beneath `workspace`. InvalidArgument for a malformed diff, FailedPrecondition
// for a conflict (the message names the file, hunk and lines), PermissionDenied for a path
// outside the workspace. On any error nothing on disk has changed.
base::StatusOr<std::vector<PatchedFile>> ApplyPatch(const Workspace& workspace,
                                                    std::string_view diff);

}  // namespace tools
