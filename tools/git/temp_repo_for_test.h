// TempRepo: a real git repository in a fresh temporary directory, for tests of tools/git and
// the git tools. Files are written with plain file I/O; commits go through tools::Commit.
// Thread-compatible.
#pragma once

#include <git2.h>

#include <memory>
#include <string>
#include <vector>

#include "tools/files/temp_dir_for_test.h"
#include "tools/git/branches.h"
#include "tools/git/repository.h"

namespace tools {

class TempRepo {
 public:
  TempRepo() {
    git_libgit2_init();
    git_repository* raw = nullptr;
    git_repository_init(&raw, dir_.path().c_str(), 0);
    git_config* cfg = nullptr;
    if (raw != nullptr && git_repository_config(&cfg, raw) == 0) {
      git_config_set_string(cfg, "user.name", "Test Author");
      git_config_set_string(cfg, "user.email", "test@example.com");
      git_config_free(cfg);
    }
    git_repository_free(raw);
    repo_ = std::move(Repository::Open(dir_.path()).value());
  }
  ~TempRepo() {
    repo_.reset();
    git_libgit2_shutdown();
  }

  const std::string& path() const { return dir_.path(); }
  const TempDir& dir() const { return dir_; }
  Repository& repo() { return *repo_; }
  std::string Write(const std::string& rel, const std::string& content) {
    return dir_.Write(rel, content);
  }
  std::string Read(const std::string& rel) const { return dir_.Read(rel); }
  bool Exists(const std::string& rel) const { return dir_.Exists(rel); }
  // Stages `paths` and commits; returns the commit id.
  std::string CommitFiles(const std::vector<std::string>& paths, const std::string& message) {
    return Commit(*repo_, {message, paths, false}).value();
  }

 private:
  TempDir dir_;
  std::unique_ptr<Repository> repo_;
};

}  // namespace tools
