#include "tools/search/searcher.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>

#include "tools/files/file_reader.h"
#include "tools/search/line_matcher.h"

namespace tools {
namespace {

struct Walk {
  const IgnoreRules* ignore;
  const SearchOptions& options;
  const LineMatcher& matcher;
  base::CancelToken* cancel;
  SearchResult result;
  size_t bytes = 0;
  bool stop = false;

  std::string Shorten(std::string_view line) const {
    if (line.size() <= options.max_line_chars) return std::string(line);
    return std::string(line.substr(0, options.max_line_chars)) + "...";
  }

  void SearchFile(int fd, const std::string& path) {
    auto data = ReadAll(fd, path, options.max_file_bytes);
    if (!data.ok() || LooksBinary(*data)) return;
    ++result.files_searched;
    std::vector<std::string_view> lines;
    for (size_t pos = 0; pos < data->size();) {
      size_t end = data->find('\n', pos);
      if (end == std::string::npos) end = data->size();
      lines.emplace_back(data->data() + pos, end - pos);
      pos = end + 1;
    }
    size_t context = static_cast<size_t>(std::max(0, options.context_lines));
    for (size_t i = 0; i < lines.size() && !stop; ++i) {
      if (!matcher.Matches(lines[i])) continue;
      SearchMatch match{path, i + 1, Shorten(lines[i]), {}, {}};
      size_t cost = match.text.size();
      for (size_t k = i >= context ? i - context : 0; k < i; ++k) {
        match.before.push_back(Shorten(lines[k]));
        cost += match.before.back().size();
      }
      for (size_t k = i + 1; k < lines.size() && k <= i + context; ++k) {
        match.after.push_back(Shorten(lines[k]));
        cost += match.after.back().size();
      }
      if (result.matches.size() >= options.max_matches || bytes + cost > options.max_bytes) {
        result.truncated = true;
        stop = true;
        return;
      }
      bytes += cost;
      result.matches.push_back(std::move(match));
    }
  }

  // `fd` is an open directory; `prefix` its workspace-relative path ("" for the root).
  void SearchDirectory(int fd, const std::string& prefix) {
    DIR* dir = ::fdopendir(fd);
    if (dir == nullptr) {
      ::close(fd);
      return;
    }
    std::vector<std::pair<std::string, unsigned char>> entries;
    while (dirent* e = ::readdir(dir)) {
      std::string_view name = e->d_name;
      if (name == "." || name == ".." || name == ".git") continue;
      entries.emplace_back(std::string(name), e->d_type);
    }
    std::sort(entries.begin(), entries.end());
    for (auto& [name, type] : entries) {
      if (stop || (cancel != nullptr && cancel->IsCancelled())) break;
      if (type == DT_UNKNOWN) {
        struct stat st;
        if (::fstatat(::dirfd(dir), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
        type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_LNK;
      }
      if (type != DT_DIR && type != DT_REG) continue;  // symlinks are never followed
      std::string path = prefix.empty() ? name : prefix + "/" + name;
      if (ignore != nullptr && ignore->IsIgnored(path, type == DT_DIR)) continue;
      int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
      int child =
          ::openat(::dirfd(dir), name.c_str(), type == DT_DIR ? flags | O_DIRECTORY : flags);
      if (child < 0) continue;
      if (type == DT_DIR) {
        SearchDirectory(child, path);  // takes ownership of `child`
      } else {
        UniqueFd owned(child);
        SearchFile(child, path);
      }
    }
    ::closedir(dir);
  }
};

}  // namespace

base::StatusOr<SearchResult> Search(const Workspace& workspace, const IgnoreRules* ignore,
                                    const SearchOptions& options, base::CancelToken* cancel) {
  FC_ASSIGN_OR_RETURN(
      auto matcher, LineMatcher::Compile(options.pattern, options.regex, options.case_insensitive));
  FC_ASSIGN_OR_RETURN(UniqueFd start,
                      workspace.OpenBeneath(options.path, O_RDONLY | O_NOCTTY | O_NONBLOCK));
  FC_ASSIGN_OR_RETURN(std::string rel, workspace.RelativePathOf(start.get()));
  if (rel == ".") rel.clear();
  Walk walk{ignore, options, *matcher, cancel, {}, 0, false};
  struct stat st;
  if (::fstat(start.get(), &st) != 0) return ErrnoStatus(errno, "cannot stat", options.path);
  if (S_ISDIR(st.st_mode)) {
    walk.SearchDirectory(start.Release(), rel);
  } else {
    walk.SearchFile(start.get(), rel);
  }
  if (cancel != nullptr && cancel->IsCancelled()) return base::Cancelled("search cancelled");
  return std::move(walk.result);
}

std::string FormatSearchResult(const SearchResult& result) {
  std::string out;
  bool grouped = false;
  for (const SearchMatch& m : result.matches) {
    if (!m.before.empty() || !m.after.empty()) {
      if (grouped) out += "--\n";
      grouped = true;
    }
    for (size_t k = 0; k < m.before.size(); ++k) {
      out += m.path + "-" + std::to_string(m.line - m.before.size() + k) + "-" + m.before[k] + "\n";
    }
    out += m.path + ":" + std::to_string(m.line) + ":" + m.text + "\n";
    for (size_t k = 0; k < m.after.size(); ++k) {
      out += m.path + "-" + std::to_string(m.line + 1 + k) + "-" + m.after[k] + "\n";
    }
  }
  if (result.truncated) out += "[results truncated: narrow the pattern or the path]\n";
  return out;
}

}  // namespace tools
