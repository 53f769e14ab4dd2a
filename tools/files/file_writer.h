// WriteFileAtomic / RemoveFile: change files beneath the workspace so that a reader never sees a
// half-written file: the new content goes to a temporary beside the target, is fsynced, given
// the old file's mode, and renamed over it. Stateless functions; thread-safe (two writers of
// the same file race, and the last rename wins).
#pragma once

#include <string_view>

#include "base/status.h"
#include "tools/files/workspace.h"

namespace tools {

struct WriteOptions {
  bool create_parents = true;   // create missing parent directories
  bool must_not_exist = false;  // AlreadyExists instead of replacing
  int mode = -1;  // permission bits to set; -1 keeps an existing file's (0644 less umask if new)
};

// Writes `content` to `path`. An existing file keeps its permission bits; a new one gets 0644
// (less the umask). A symlink at `path` that stays inside the workspace is written through;
// one that leads out is PermissionDenied.
base::Status WriteFileAtomic(const Workspace& workspace, std::string_view path,
                             std::string_view content, const WriteOptions& options = {});

// Removes the file (not a directory) at `path`. NotFound if it does not exist.
base::Status RemoveFile(const Workspace& workspace, std::string_view path);

}  // namespace tools
