#include "tools/code/index_watcher.h"

#include "base/log.h"

namespace tools {

base::StatusOr<std::unique_ptr<IndexWatcher>> IndexWatcher::Start(RepoIndex& index,
                                                                  OnUpdated on_updated) {
  auto self = std::unique_ptr<IndexWatcher>(new IndexWatcher());
  auto on_change = [&index, on_updated](const std::vector<std::string>& paths) {
    bool rules_changed = false;
    for (const std::string& p : paths) {
      if (p == ".gitignore" || p.ends_with("/.gitignore") || p.ends_with("/")) {
        rules_changed = true;
      }
    }
    if (rules_changed) {
      auto stats = index.Refresh();
      if (!stats.ok()) base::Logger("tools")->warn("index refresh: {}", stats.status().ToString());
    } else {
      for (const std::string& p : paths) {
        auto stats = index.UpdateFile(p);
        if (!stats.ok()) {
          base::Logger("tools")->warn("index update {}: {}", p, stats.status().ToString());
        }
      }
    }
    if (on_updated) on_updated(paths);
  };
  FC_ASSIGN_OR_RETURN(self->watcher_, FileWatcher::Start(index.root(), std::move(on_change)));
  return self;
}

}  // namespace tools
