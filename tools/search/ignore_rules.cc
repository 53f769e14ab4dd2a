#include "tools/search/ignore_rules.h"

#include "tools/code/gitignore.h"
#include "tools/git/repository.h"

namespace tools {
namespace {

class GitIgnoreRules final : public IgnoreRules {
 public:
  GitIgnoreRules(const std::string& root, std::string prefix)
      : matcher_(root), prefix_(std::move(prefix)) {}

  // The searcher walks down from the workspace root and never descends into an ignored
  // directory, but the workspace itself may sit below the matcher's root, so the ancestors
  // between them are checked too (IsIgnored, not MatchesRules).
  bool IsIgnored(std::string_view path, bool is_dir) const override {
    return matcher_.IsIgnored(prefix_ + std::string(path), is_dir);
  }

 private:
  mutable Gitignore matcher_;
  std::string prefix_;  // the workspace root relative to the matcher's root, '/'-terminated
};

}  // namespace

std::unique_ptr<IgnoreRules> GitIgnoreRulesFor(const std::string& workspace_root) {
  auto repo = Repository::Open(workspace_root);
  if (!repo.ok()) return std::make_unique<GitIgnoreRules>(workspace_root, "");
  std::string workdir = (*repo)->workdir();
  while (workdir.size() > 1 && workdir.back() == '/') workdir.pop_back();
  std::string prefix;
  if (workspace_root.size() > workdir.size() &&
      workspace_root.compare(0, workdir.size(), workdir) == 0 &&
      workspace_root[workdir.size()] == '/') {
    prefix = workspace_root.substr(workdir.size() + 1) + "/";
  }
  return std::make_unique<GitIgnoreRules>(workdir, std::move(prefix));
}

}  // namespace tools
