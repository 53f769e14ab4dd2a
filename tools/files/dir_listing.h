// ListDirectory: the entries of one directory beneath the workspace, sorted by name, for the
// list_dir tool. Symlinks are reported as links and never followed. Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "tools/files/workspace.h"

namespace tools {

struct DirEntry {
  std::string name;
  char type = '?';    // 'f' file, 'd' directory, 'l' symlink, '?' other
  uint64_t size = 0;  // bytes, for files
  bool operator==(const DirEntry&) const = default;
};

struct DirListing {
  std::vector<DirEntry> entries;  // sorted by name; "." and ".." are left out
  bool truncated = false;         // more than max_entries entries existed
};

// Lists `path` (the workspace root for "" or "."). NotFound, PermissionDenied (outside the
// workspace), InvalidArgument (not a directory).
base::StatusOr<DirListing> ListDirectory(const Workspace& workspace, std::string_view path,
                                         size_t max_entries = 1000);

}  // namespace tools
