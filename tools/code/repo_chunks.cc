#include "tools/code/repo_chunks.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "base/log.h"
#include "tools/code/git_history.h"
#include "tools/code/language.h"
#include "tools/code/repo_index.h"
#include "tools/code/syntax_parser.h"

namespace tools {
namespace {

bool ReadFile(const std::filesystem::path& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

}  // namespace

std::vector<StableFile> OrderByStability(const std::filesystem::path& work_tree,
                                         std::vector<std::string> paths) {
  auto history = LastCommitTimes(work_tree);
  if (!history.ok()) {
    base::Logger("tools")->debug("no git history for chunk order: {}", history.status().ToString());
  }
  std::vector<StableFile> out;
  std::string content;
  for (std::string& path : paths) {
    if (!ReadFile(work_tree / path, content)) continue;
    StableFile f{std::move(path), 0, false};
    if (history.ok()) {
      auto it = history->find(f.path);
      if (it != history->end() && GitBlobId(content) == it->second.head_blob_id) {
        f.committed = true;
        f.last_commit_unix_seconds = it->second.last_commit_unix_seconds;
      }
    }
    out.push_back(std::move(f));
  }
  std::sort(out.begin(), out.end(), [](const StableFile& a, const StableFile& b) {
    if (a.committed != b.committed) return a.committed;
    if (a.last_commit_unix_seconds != b.last_commit_unix_seconds) {
      return a.last_commit_unix_seconds < b.last_commit_unix_seconds;
    }
    return a.path < b.path;
  });
  return out;
}

base::StatusOr<std::vector<Chunk>> ChunkRepository(RepoIndex& index, const TokenCounter& counter,
                                                   const ChunkerOptions& options,
                                                   const base::CancelToken* cancel) {
  FC_ASSIGN_OR_RETURN(std::vector<StoredFile> files, index.Files());
  std::vector<std::string> paths;
  std::unordered_map<std::string, std::string> languages;
  for (StoredFile& f : files) {
    languages[f.path] = f.language;
    paths.push_back(std::move(f.path));
  }
  SyntaxParser parser;
  std::vector<Chunk> chunks;
  std::string content;
  for (const StableFile& f : OrderByStability(index.root(), std::move(paths))) {
    if (cancel != nullptr && cancel->IsCancelled()) return base::Cancelled("chunking cancelled");
    if (!ReadFile(index.root() / f.path, content)) continue;  // deleted meanwhile
    std::vector<Chunk> file_chunks =
        ChunkFile(f.path, content, LanguageByName(languages[f.path]), parser, counter, options);
    for (Chunk& c : file_chunks) chunks.push_back(std::move(c));
  }
  return chunks;
}

}  // namespace tools
