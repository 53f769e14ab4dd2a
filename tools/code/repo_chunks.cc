#include "tools/code/repo_chunks.h"

#include <algorithm>
#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

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
                                                   const RepoChunksOptions& options,
                                                   const base::CancelToken* cancel) {
  FC_ASSIGN_OR_RETURN(std::vector<StoredFile> files, index.Files());
  std::vector<std::string> paths;
  std::unordered_map<std::string, std::string> languages;
  for (StoredFile& f : files) {
    languages[f.path] = f.language;
    paths.push_back(std::move(f.path));
  }
  const std::vector<StableFile> order = OrderByStability(index.root(), std::move(paths));

  // Files are chunked in parallel into per-file slots, then concatenated in order.
  std::vector<std::vector<Chunk>> per_file(order.size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    SyntaxParser parser;
    std::string content;
    for (size_t i = next++; i < order.size(); i = next++) {
      if (cancel != nullptr && cancel->IsCancelled()) return;
      if (!ReadFile(index.root() / order[i].path, content)) continue;  // deleted meanwhile
      per_file[i] = ChunkFile(order[i].path, content, LanguageByName(languages.at(order[i].path)),
                              parser, counter, options.chunker);
    }
  };
  int threads = options.threads > 0
                    ? options.threads
                    : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::thread> workers;
  for (int t = 1; t < threads; ++t) workers.emplace_back(work);
  work();
  for (std::thread& w : workers) w.join();
  if (cancel != nullptr && cancel->IsCancelled()) return base::Cancelled("chunking cancelled");
  std::vector<Chunk> chunks;
  for (std::vector<Chunk>& file_chunks : per_file) {
    for (Chunk& c : file_chunks) chunks.push_back(std::move(c));
  }
  return chunks;
}

}  // namespace tools
