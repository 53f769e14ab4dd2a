// Gitignore: decides which paths of a work tree git would ignore, following gitignore(5):
// per-directory .gitignore files (deeper ones take precedence), .git/info/exclude, negation,
// directory-only patterns, anchoring, `*`, `?`, `[...]` and `**`. The user's global
// core.excludesFile is not read (per-user, not per-repo).
//
// Beyond git: a few directories are always ignored, even without a rule, because they are
// never hand-written source and can be huge — `.git`, `.hg`, `.svn`, `node_modules`,
// `__pycache__`, `.venv`, `.tox`, `.mypy_cache`, `.pytest_cache`.
//
// Our own matcher rather than libgit2's git_ignore_path_is_ignored: it also serves trees that
// are not git repositories (an unpacked source tarball), and walking the tree needs only the
// one-level check `MatchesRules` while libgit2 re-resolves every ancestor per call.
//
// Thread-compatible: it caches parsed .gitignore files; callers serialize access.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tools {

// The rules of one ignore file, relative to the directory that holds it.
class IgnoreFile {
 public:
  // `content` is the file's text. `dir` is the directory holding it relative to the root,
  // empty or ending in '/'.
  static IgnoreFile Parse(std::string dir, std::string_view content);

  // Decision of the last rule matching `path` (relative to the root and inside dir):
  // true = ignored, false = re-included by a negated rule, nullopt = no rule matches.
  std::optional<bool> Match(std::string_view path, bool is_dir) const;

  bool empty() const { return rules_.empty(); }

 private:
  struct Rule {
    std::string pattern;
    bool negated = false;
    bool dir_only = false;
    bool anchored = false;  // contains a '/': matched against the whole relative path
  };
  std::string dir_;
  std::vector<Rule> rules_;
};

// gitignore-style glob match of `text` against `pattern` ('/'-separated paths).
bool GlobMatch(std::string_view pattern, std::string_view text);

class Gitignore {
 public:
  explicit Gitignore(std::filesystem::path root);
  Gitignore(const Gitignore&) = delete;
  Gitignore& operator=(const Gitignore&) = delete;

  // Whether `path` (relative to the root) is ignored by the rules that apply to it, assuming
  // its parent directories are not ignored (the case while walking down the tree).
  bool MatchesRules(std::string_view path, bool is_dir);

  // Whether `path` is ignored, itself or through an ignored ancestor directory.
  bool IsIgnored(std::string_view path, bool is_dir);

  // Forgets the cached rules of `dir` (relative, empty or ending in '/'), e.g. after its
  // .gitignore changed. An empty dir forgets everything.
  void Invalidate(std::string_view dir);

 private:
  const IgnoreFile& RulesOf(const std::string& dir);

  std::filesystem::path root_;
  std::optional<IgnoreFile> info_exclude_;
  std::map<std::string, IgnoreFile, std::less<>> cache_;
};

}  // namespace tools
