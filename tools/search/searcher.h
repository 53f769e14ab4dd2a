// Search: grep over the workspace for the search tool. Walks the tree beneath a path without
// following symlinks, skips .git, ignored paths and binary files, matches line by line
// (literal or PCRE2), and stops at caps on matches and on bytes returned. Optional context
// lines around each match. Stateless; thread-compatible (the IgnoreRules it is given is not
// thread-safe).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/cancel_token.h"
#include "base/status.h"
#include "tools/files/workspace.h"
#include "tools/search/ignore_rules.h"

namespace tools {

struct SearchOptions {
  std::string pattern;
  bool regex = false;
  bool case_insensitive = false;
  std::string path = ".";  // a directory or a file, relative to the workspace
  size_t max_matches = 200;
  size_t max_bytes = 64 * 1024;             // matched and context text returned, in total
  int context_lines = 0;                    // lines before and after each match
  size_t max_line_chars = 400;              // longer lines are shortened, with "..."
  size_t max_file_bytes = 8 * 1024 * 1024;  // larger files are skipped
};

struct SearchMatch {
  std::string path;  // relative to the workspace
  size_t line = 0;   // 1-based
  std::string text;
  std::vector<std::string> before;  // up to context_lines lines before
  std::vector<std::string> after;
  bool operator==(const SearchMatch&) const = default;
};

struct SearchResult {
  std::vector<SearchMatch> matches;  // in path order, then line order
  size_t files_searched = 0;
  bool truncated = false;  // a cap stopped the search early
};

// InvalidArgument for a bad pattern; NotFound/PermissionDenied for a bad path; Cancelled when
// `cancel` fires (checked between files). `ignore` may be null (nothing ignored).
base::StatusOr<SearchResult> Search(const Workspace& workspace, const IgnoreRules* ignore,
                                    const SearchOptions& options, base::CancelToken* cancel);

// grep-like text: "path:line:text", context lines as "path-line-text", groups split by "--".
std::string FormatSearchResult(const SearchResult& result);

}  // namespace tools
