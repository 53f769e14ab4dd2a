// RepoIndex: the symbol index of one repository — every source file's definitions and
// references, persisted in SQLite (SymbolStore) and kept current.
//
// Refresh walks the work tree (respecting .gitignore, skipping binary, generated and oversized
// files), recognises unchanged files by size+mtime and already-parsed content by hash, and
// parses the rest on a pool of threads; a restart therefore re-parses only what changed.
// UpdateFile re-indexes one path (what the file watcher calls on every edit).
//
// Thread-safe: one mutex serializes Refresh, UpdateFile and the queries (SQLite is one
// connection); Refresh parses in parallel internally.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/cancel_token.h"
#include "base/status.h"
#include "base/thread_annotations.h"
#include "tools/code/gitignore.h"
#include "tools/code/source_filter.h"
#include "tools/code/symbol.h"
#include "tools/code/symbol_store.h"

namespace tools {

class TagExtractor;
class TagQuerySet;

struct RepoIndexOptions {
  int threads = 0;  // parser threads; 0 = one per hardware thread
  SourceFilterOptions filter;
};

struct IndexStats {
  size_t files_seen = 0;       // regular files not ignored by .gitignore
  size_t files_unchanged = 0;  // same size and mtime as stored: not even read
  size_t files_reused = 0;     // read, but their content hash was already parsed
  size_t files_parsed = 0;
  size_t files_skipped = 0;  // too large, binary, generated, or no grammar
  size_t files_removed = 0;  // gone from the tree since the last refresh
  uint64_t bytes_seen = 0;   // total size of the files seen
  uint64_t bytes_parsed = 0;
  double seconds = 0;
};

class RepoIndex {
 public:
  // Opens the index of the work tree at `root`, stored in the SQLite file `db_path`
  // (":memory:" for none). Does not index anything yet; call Refresh.
  static base::StatusOr<std::unique_ptr<RepoIndex>> Open(std::filesystem::path root,
                                                         const std::filesystem::path& db_path,
                                                         RepoIndexOptions options = {});
  ~RepoIndex();
  RepoIndex(const RepoIndex&) = delete;
  RepoIndex& operator=(const RepoIndex&) = delete;

  // Brings the whole index up to date with the work tree. Cancelled if `cancel` fires (the
  // index then holds whatever was committed so far, which is consistent per file).
  base::StatusOr<IndexStats> Refresh(const base::CancelToken* cancel = nullptr);

  // Re-indexes the file at `path` (relative to the root): parses it if its content changed,
  // drops it when it was deleted, became ignored, or is skipped.
  base::StatusOr<IndexStats> UpdateFile(std::string_view path);

  // Tells the index that the .gitignore of `dir` (relative, "" or ending in '/') changed.
  void IgnoreRulesChanged(std::string_view dir);

  const std::filesystem::path& root() const { return root_; }

  base::StatusOr<std::vector<StoredFile>> Files();
  // NotFound when `path` is not indexed.
  base::StatusOr<FileSymbols> SymbolsOf(std::string_view path);
  base::StatusOr<std::vector<DefinitionSite>> FindDefinitions(std::string_view name);
  // Every indexed file with its symbols, in path order.
  base::Status ForEachFile(const std::function<void(const StoredFile&, FileSymbols&&)>& fn);

 private:
  RepoIndex(std::filesystem::path root, std::unique_ptr<SymbolStore> store,
            std::unique_ptr<TagQuerySet> queries, RepoIndexOptions options);
  base::Status RefreshLocked(const base::CancelToken* cancel, IndexStats& stats) REQUIRES(mu_);

  const std::filesystem::path root_;
  const RepoIndexOptions options_;
  std::unique_ptr<TagQuerySet> queries_;  // thread-safe, shared by the parser threads
  std::mutex mu_;
  std::unique_ptr<SymbolStore> store_ GUARDED_BY(mu_);
  Gitignore ignore_ GUARDED_BY(mu_);
  std::unique_ptr<TagExtractor> extractor_ GUARDED_BY(mu_);  // for UpdateFile
};

}  // namespace tools
