#include "tools/search/ignore_rules.h"

#include "tools/git/repository.h"

namespace tools {
namespace {

class NothingIgnored final : public IgnoreRules {
 public:
  bool IsIgnored(std::string_view, bool) const override { return false; }
};

class GitIgnoreRules final : public IgnoreRules {
 public:
  GitIgnoreRules(std::unique_ptr<Repository> repo, std::string prefix)
      : repo_(std::move(repo)), prefix_(std::move(prefix)) {}

  bool IsIgnored(std::string_view path, bool is_dir) const override {
    // libgit2 treats a trailing slash as "this is a directory" for dir-only patterns ("build/").
    std::string full = prefix_ + std::string(path) + (is_dir ? "/" : "");
    int ignored = 0;
    return git_ignore_path_is_ignored(&ignored, repo_->raw(), full.c_str()) == 0 && ignored == 1;
  }

 private:
  std::unique_ptr<Repository> repo_;
  std::string prefix_;  // the workspace root relative to the work tree, with a trailing '/'
};

}  // namespace

std::unique_ptr<IgnoreRules> GitIgnoreRulesFor(const std::string& workspace_root) {
  auto repo = Repository::Open(workspace_root);
  if (!repo.ok()) return std::make_unique<NothingIgnored>();
  std::string workdir = (*repo)->workdir();
  std::string prefix;
  if (workspace_root.size() > workdir.size() &&
      workspace_root.compare(0, workdir.size(), workdir) == 0) {
    prefix = workspace_root.substr(workdir.size() + 1) + "/";
  }
  return std::make_unique<GitIgnoreRules>(std::move(repo).value(), std::move(prefix));
}

}  // namespace tools
