// IndexWatcher: keeps a RepoIndex current while files change, by feeding FileWatcher batches
// into RepoIndex::UpdateFile (and a full Refresh when a .gitignore changed or a directory was
// renamed away, since those can add or hide whole subtrees).
//
// Thread-safe. Borrows the RepoIndex, which must outlive the watcher; the updates run on the
// watcher's thread. `on_updated` (optional) runs after each batch, for tests and metrics.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "tools/code/file_watcher.h"
#include "tools/code/repo_index.h"

namespace tools {

class IndexWatcher {
 public:
  using OnUpdated = std::function<void(const std::vector<std::string>& paths)>;

  static base::StatusOr<std::unique_ptr<IndexWatcher>> Start(RepoIndex& index,
                                                             OnUpdated on_updated = nullptr);
  IndexWatcher(const IndexWatcher&) = delete;
  IndexWatcher& operator=(const IndexWatcher&) = delete;

 private:
  IndexWatcher() = default;
  std::unique_ptr<FileWatcher> watcher_;
};

}  // namespace tools
