#include "daemon/workspace_indexes.h"

#include <xxhash.h>

#include <filesystem>

#include "base/log.h"
#include "base/xdg_paths.h"

namespace flashcoded {
namespace {

base::StatusOr<std::string> Canonical(const std::string& root) {
  if (root.empty() || root[0] != '/') {
    return base::InvalidArgument("workspace_root must be an absolute path, got '" + root + "'");
  }
  std::error_code ec;
  std::filesystem::path p = std::filesystem::canonical(root, ec);
  if (ec || !std::filesystem::is_directory(p, ec)) {
    return base::InvalidArgument("workspace_root " + root + " is not a directory");
  }
  return p.string();
}

}  // namespace

std::string WorkspaceIndexes::DbPath(const std::string& canonical_root) const {
  char name[32];
  std::snprintf(
      name, sizeof name, "%016llx.sqlite",
      static_cast<unsigned long long>(XXH3_64bits(canonical_root.data(), canonical_root.size())));
  return cache_dir_ + "/index/" + name;
}

base::StatusOr<tools::RepoIndex*> WorkspaceIndexes::Get(const std::string& workspace_root,
                                                        bool create) {
  FC_ASSIGN_OR_RETURN(std::string root, Canonical(workspace_root));
  std::lock_guard<std::mutex> lock(mu_);
  // A query would wait on the index's lock for the whole first build: say so at once instead.
  if (auto b = first_builds_.find(root); !create && b != first_builds_.end() && !b->second->done) {
    return base::Unavailable("workspace " + root + " is being indexed");
  }
  if (auto it = indexes_.find(root); it != indexes_.end()) return it->second.get();
  std::string db = DbPath(root);
  std::error_code ec;
  if (!create && !std::filesystem::exists(db, ec)) {
    return base::NotFound("workspace " + root + " has not been indexed; call Context.Reindex");
  }
  FC_RETURN_IF_ERROR(base::MakeDirs(cache_dir_ + "/index", 0700, false));
  tools::RepoIndexOptions options;
  options.threads = threads_;
  FC_ASSIGN_OR_RETURN(auto index, tools::RepoIndex::Open(root, db, options));
  tools::RepoIndex* raw = index.get();
  indexes_.emplace(root, std::move(index));
  return raw;
}

WorkspaceIndexes::~WorkspaceIndexes() {
  shutdown_.Cancel();
  std::vector<std::thread> builders;
  {
    std::lock_guard<std::mutex> lock(mu_);
    builders.swap(builders_);
  }
  for (std::thread& t : builders) t.join();
}

base::StatusOr<tools::RepoIndex*> WorkspaceIndexes::GetForPrompt(const std::string& workspace_root,
                                                                 std::chrono::milliseconds budget) {
  FC_ASSIGN_OR_RETURN(std::string root, Canonical(workspace_root));
  std::shared_ptr<FirstBuild> build;
  bool start = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = first_builds_.find(root);
    // A build that failed is tried again: the cause (a busy database, a file vanishing
    // mid-walk) is often gone by the next turn, and a stuck error would cost every later turn
    // its repo map until the daemon restarts.
    const bool failed = it != first_builds_.end() && it->second->done && !it->second->status.ok();
    if (it != first_builds_.end() && !failed) {
      build = it->second;
    } else if (refreshed_.count(root) == 0) {
      // Never refreshed by this daemon: a stored index may be stale (files changed while no
      // daemon watched) or half-built (a daemon killed mid-build). The refresh re-parses only
      // what changed, so for a stored index it is usually quick.
      build = std::make_shared<FirstBuild>();
      build->started = std::chrono::steady_clock::now();
      first_builds_.insert_or_assign(root, build);
      start = true;
    }
  }
  if (build == nullptr) return Get(root, /*create=*/false);
  if (start) {
    std::error_code ec;
    const bool stored = std::filesystem::exists(DbPath(root), ec);
    base::StatusOr<tools::RepoIndex*> index = Get(root, /*create=*/true);
    std::lock_guard<std::mutex> lock(mu_);
    if (!index.ok()) {
      build->done = true;
      build->status = index.status();
      build_done_.notify_all();
    } else {
      base::Logger("daemon")->info(
          "workspace {}: {}", root,
          stored ? "bringing its stored index up to date" : "never indexed; indexing it now");
      builders_.emplace_back([this, index = *index, root, build] {
        base::StatusOr<tools::IndexStats> stats = index->Refresh(&shutdown_);
        std::lock_guard<std::mutex> lock(mu_);
        build->done = true;
        build->status = stats.status();
        if (stats.ok()) {
          refreshed_[root] = clock_.UnixMillis();
          base::Logger("daemon")->info("workspace {}: indexed {} files ({} parsed) in {:.1f} s",
                                       root, stats->files_seen, stats->files_parsed,
                                       stats->seconds);
        } else {
          base::Logger("daemon")->warn("workspace {}: indexing failed: {}", root,
                                       stats.status().ToString());
        }
        build_done_.notify_all();
      });
    }
  }
  std::unique_lock<std::mutex> lock(mu_);
  if (!build_done_.wait_for(lock, budget, [&] { return build->done; })) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - build->started)
                        .count();
    base::Logger("daemon")->info(
        "workspace {}: still indexing after {} ms; going on without a repo map for now", root, ms);
    return base::Unavailable("workspace " + root + " is still being indexed (" +
                             std::to_string(ms) + " ms so far); its map comes with a later turn");
  }
  if (!build->status.ok()) return build->status;
  lock.unlock();
  return Get(root, /*create=*/false);
}

int64_t WorkspaceIndexes::LastRefreshed(const std::string& workspace_root) const {
  auto root = Canonical(workspace_root);
  if (!root.ok()) return 0;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = refreshed_.find(*root);
  return it == refreshed_.end() ? 0 : it->second;
}

void WorkspaceIndexes::MarkRefreshed(const std::string& workspace_root, int64_t unix_ms) {
  auto root = Canonical(workspace_root);
  if (!root.ok()) return;
  std::lock_guard<std::mutex> lock(mu_);
  refreshed_[*root] = unix_ms;
}

}  // namespace flashcoded
