#include "tools/code/gitignore.h"

#include <algorithm>
#include <array>
#include <fstream>
#include <sstream>

namespace tools {
namespace {

constexpr std::array<std::string_view, 9> kAlwaysIgnoredDirs = {
    ".git",  ".hg",  ".svn",        "node_modules", "__pycache__",
    ".venv", ".tox", ".mypy_cache", ".pytest_cache"};

// Matches a bracket expression starting at pattern[p] == '['. Returns the index just past
// it and sets *matched, or npos when the bracket is unterminated (then '[' is a literal).
size_t MatchBracket(std::string_view pattern, size_t p, char c, bool* matched) {
  size_t i = p + 1;
  bool negate = false;
  if (i < pattern.size() && (pattern[i] == '!' || pattern[i] == '^')) {
    negate = true;
    ++i;
  }
  bool found = false;
  bool first = true;
  while (i < pattern.size() && (first || pattern[i] != ']')) {
    first = false;
    char lo = pattern[i];
    if (lo == '\\' && i + 1 < pattern.size()) lo = pattern[++i];
    char hi = lo;
    if (i + 2 < pattern.size() && pattern[i + 1] == '-' && pattern[i + 2] != ']') {
      hi = pattern[i + 2];
      if (hi == '\\' && i + 3 < pattern.size()) hi = pattern[++i + 2];
      i += 2;
    }
    if (lo <= c && c <= hi) found = true;
    ++i;
  }
  if (i >= pattern.size()) return std::string_view::npos;
  *matched = found != negate;
  return i + 1;
}

bool Match(std::string_view pat, size_t p, std::string_view text, size_t t) {
  while (p < pat.size()) {
    char pc = pat[p];
    if (pc == '*') {
      bool double_star = p + 1 < pat.size() && pat[p + 1] == '*';
      bool at_boundary =
          (p == 0 || pat[p - 1] == '/') && (p + 2 >= pat.size() || pat[p + 2] == '/');
      if (double_star && at_boundary) {
        if (p + 2 >= pat.size()) return true;  // trailing "/**": everything below
        // "**/": zero or more whole directories.
        if (Match(pat, p + 3, text, t)) return true;
        for (size_t i = t; i < text.size(); ++i) {
          if (text[i] == '/' && Match(pat, p + 3, text, i + 1)) return true;
        }
        return false;
      }
      while (p < pat.size() && pat[p] == '*') ++p;  // other "**" act like "*"
      for (size_t i = t;; ++i) {
        if (Match(pat, p, text, i)) return true;
        if (i >= text.size() || text[i] == '/') return false;
      }
    }
    if (t >= text.size()) return false;
    char c = text[t];
    if (pc == '?') {
      if (c == '/') return false;
    } else if (pc == '[') {
      bool matched = false;
      size_t next = MatchBracket(pat, p, c, &matched);
      if (next != std::string_view::npos) {
        if (!matched || c == '/') return false;
        p = next;
        ++t;
        continue;
      }
      if (c != '[') return false;
    } else if (pc == '\\' && p + 1 < pat.size()) {
      if (pat[++p] != c) return false;
    } else if (pc != c) {
      return false;
    }
    ++p;
    ++t;
  }
  return t == text.size();
}

std::string ReadSmallFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string ParentDir(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? "" : std::string(path.substr(0, slash + 1));
}

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view text) {
  return Match(pattern, 0, text, 0);
}

IgnoreFile IgnoreFile::Parse(std::string dir, std::string_view content) {
  IgnoreFile file;
  file.dir_ = std::move(dir);
  while (!content.empty()) {
    size_t nl = content.find('\n');
    std::string_view line = content.substr(0, nl);
    content.remove_prefix(nl == std::string_view::npos ? content.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    // Trailing spaces are dropped unless escaped with a backslash.
    while (!line.empty() && line.back() == ' ' &&
           !(line.size() >= 2 && line[line.size() - 2] == '\\')) {
      line.remove_suffix(1);
    }
    if (line.empty() || line[0] == '#') continue;
    Rule rule;
    if (line[0] == '!') {
      rule.negated = true;
      line.remove_prefix(1);
    }
    if (!line.empty() && line.back() == '/') {
      rule.dir_only = true;
      line.remove_suffix(1);
    }
    if (line.empty()) continue;
    rule.anchored = line.find('/') != std::string_view::npos;
    if (line[0] == '/') line.remove_prefix(1);
    rule.pattern = std::string(line);
    file.rules_.push_back(std::move(rule));
  }
  return file;
}

std::optional<bool> IgnoreFile::Match(std::string_view path, bool is_dir) const {
  if (!path.starts_with(dir_)) return std::nullopt;
  std::string_view relative = path.substr(dir_.size());
  std::string_view base = relative.substr(relative.rfind('/') + 1);
  for (auto it = rules_.rbegin(); it != rules_.rend(); ++it) {
    if (it->dir_only && !is_dir) continue;
    if (GlobMatch(it->pattern, it->anchored ? relative : base)) return !it->negated;
  }
  return std::nullopt;
}

Gitignore::Gitignore(std::filesystem::path root) : root_(std::move(root)) {}

const IgnoreFile& Gitignore::RulesOf(const std::string& dir) {
  auto it = cache_.find(dir);
  if (it == cache_.end()) {
    std::string content = ReadSmallFile(root_ / (dir + ".gitignore"));
    it = cache_.emplace(dir, IgnoreFile::Parse(dir, content)).first;
  }
  return it->second;
}

bool Gitignore::MatchesRules(std::string_view path, bool is_dir) {
  std::string_view base = path.substr(path.rfind('/') + 1);
  if (is_dir && std::find(kAlwaysIgnoredDirs.begin(), kAlwaysIgnoredDirs.end(), base) !=
                    kAlwaysIgnoredDirs.end()) {
    return true;
  }
  // Deeper .gitignore files take precedence over shallower ones, then info/exclude.
  std::string dir = ParentDir(path);
  while (true) {
    const IgnoreFile& rules = RulesOf(dir);
    if (auto decision = rules.Match(path, is_dir)) return *decision;
    if (dir.empty()) break;
    dir = ParentDir(std::string_view(dir).substr(0, dir.size() - 1));
  }
  if (!info_exclude_) {
    info_exclude_ = IgnoreFile::Parse("", ReadSmallFile(root_ / ".git" / "info" / "exclude"));
  }
  return info_exclude_->Match(path, is_dir).value_or(false);
}

bool Gitignore::IsIgnored(std::string_view path, bool is_dir) {
  for (size_t slash = path.find('/'); slash != std::string_view::npos;
       slash = path.find('/', slash + 1)) {
    if (MatchesRules(path.substr(0, slash), true)) return true;
  }
  return MatchesRules(path, is_dir);
}

void Gitignore::Invalidate(std::string_view dir) {
  if (dir.empty()) {
    cache_.clear();
    info_exclude_.reset();
    return;
  }
  auto it = cache_.find(dir);
  if (it != cache_.end()) cache_.erase(it);
}

}  // namespace tools
