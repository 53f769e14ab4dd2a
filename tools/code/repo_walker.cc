#include "tools/code/repo_walker.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>

namespace tools {
namespace {

// Plain readdir + fstatat: std::filesystem's iterator costs an extra stat per entry and
// reports permission problems as exceptions.
template <typename OnFile>
void Walk(const std::filesystem::path& root, Gitignore& ignore, const base::CancelToken* cancel,
          std::vector<std::string>* dirs, OnFile on_file) {
  std::vector<std::string> pending = {""};
  while (!pending.empty()) {
    if (cancel != nullptr && cancel->IsCancelled()) return;
    std::string dir = std::move(pending.back());
    pending.pop_back();
    if (dirs != nullptr) dirs->push_back(dir);
    std::string abs = (root / dir).string();
    DIR* d = opendir(abs.c_str());
    if (d == nullptr) continue;
    int fd = dirfd(d);
    while (dirent* e = readdir(d)) {
      std::string_view name = e->d_name;
      if (name == "." || name == "..") continue;
      struct stat st;
      if (fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
      std::string rel = dir + std::string(name);
      if (S_ISDIR(st.st_mode)) {
        if (!ignore.MatchesRules(rel, true)) pending.push_back(rel + "/");
      } else if (S_ISREG(st.st_mode)) {
        if (!ignore.MatchesRules(rel, false)) {
          on_file(WalkedFile{
              std::move(rel), static_cast<uint64_t>(st.st_size),
              static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec});
        }
      }
    }
    closedir(d);
  }
}

}  // namespace

base::StatusOr<std::vector<WalkedFile>> WalkRepo(const std::filesystem::path& root,
                                                 Gitignore& ignore,
                                                 const base::CancelToken* cancel) {
  struct stat st;
  if (stat(root.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return base::NotFound("not a directory: " + root.string());
  }
  std::vector<WalkedFile> files;
  Walk(root, ignore, cancel, nullptr, [&files](WalkedFile f) { files.push_back(std::move(f)); });
  if (cancel != nullptr && cancel->IsCancelled()) return base::Cancelled("walk cancelled");
  std::sort(files.begin(), files.end(),
            [](const WalkedFile& a, const WalkedFile& b) { return a.path < b.path; });
  return files;
}

std::vector<std::string> WalkRepoDirs(const std::filesystem::path& root, Gitignore& ignore) {
  std::vector<std::string> dirs;
  Walk(root, ignore, nullptr, &dirs, [](WalkedFile) {});
  return dirs;
}

}  // namespace tools
