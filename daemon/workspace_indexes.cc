#include "daemon/workspace_indexes.h"

#include <xxhash.h>

#include <filesystem>

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
