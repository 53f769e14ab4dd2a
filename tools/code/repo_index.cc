#include "tools/code/repo_index.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "base/log.h"
#include "tools/code/language.h"
#include "tools/code/repo_walker.h"
#include "tools/code/tag_extractor.h"
#include "tools/code/tag_query_set.h"

namespace tools {
namespace {

constexpr size_t kFilesPerTransaction = 512;
constexpr size_t kMaxQueuedResults = 256;  // bounds memory while SQLite catches up

base::StatusOr<std::string> ReadWholeFile(const std::filesystem::path& path, uint64_t limit) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return base::NotFound("cannot open " + path.string());
  std::string out;
  char buf[65536];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) {
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > limit) break;
  }
  close(fd);
  if (n < 0) return base::Unavailable("cannot read " + path.string());
  return out;
}

// What one file needs: whether to skip it, and if not its language and content hash.
struct Analysis {
  SkipReason skip = SkipReason::kNone;
  const LanguageInfo* language = nullptr;
  uint64_t hash = 0;
  std::string content;
};

base::StatusOr<Analysis> Analyze(const std::filesystem::path& abs, std::string_view rel,
                                 uint64_t size, const SourceFilterOptions& filter) {
  Analysis a;
  a.skip = ClassifyByName(rel, size, filter);
  if (a.skip != SkipReason::kNone) return a;
  // A file with an extension no grammar claims ("README.md") is skipped without reading it;
  // only extension-less files can still be claimed by a shebang.
  std::string_view base = rel.substr(rel.rfind('/') + 1);
  if (base.find('.', 1) != std::string_view::npos && DetectLanguage(rel, "") == nullptr) {
    a.skip = SkipReason::kNoGrammar;
    return a;
  }
  FC_ASSIGN_OR_RETURN(a.content, ReadWholeFile(abs, filter.max_file_bytes));
  if (a.content.size() > filter.max_file_bytes) {
    a.skip = SkipReason::kTooLarge;  // it grew since it was listed
    return a;
  }
  a.skip = ClassifyByContent(a.content);
  if (a.skip != SkipReason::kNone) return a;
  a.language = DetectLanguage(rel, std::string_view(a.content).substr(0, 2048));
  if (a.language == nullptr) {
    a.skip = SkipReason::kNoGrammar;
    return a;
  }
  a.hash = ContentHash(a.language->name, a.content);
  return a;
}

// One parsed (or recognised) file travelling from a parser thread to the writer.
struct Result {
  WalkedFile file;
  Analysis analysis;
  bool parse = false;  // symbols hold a fresh parse to store
  FileSymbols symbols;
};

class ResultQueue {
 public:
  void Push(Result r) {
    std::unique_lock<std::mutex> lock(mu_);
    not_full_.wait(lock, [this] { return items_.size() < kMaxQueuedResults; });
    items_.push_back(std::move(r));
    not_empty_.notify_one();
  }
  // False once every producer finished and the queue is drained.
  bool Pop(Result& r) {
    std::unique_lock<std::mutex> lock(mu_);
    not_empty_.wait(lock, [this] { return !items_.empty() || producers_ == 0; });
    if (items_.empty()) return false;
    r = std::move(items_.front());
    items_.pop_front();
    not_full_.notify_one();
    return true;
  }
  void SetProducers(int n) {
    std::lock_guard<std::mutex> lock(mu_);
    producers_ = n;
  }
  void ProducerDone() {
    std::lock_guard<std::mutex> lock(mu_);
    --producers_;
    not_empty_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable not_full_, not_empty_;
  std::deque<Result> items_ GUARDED_BY(mu_);
  int producers_ GUARDED_BY(mu_) = 0;
};

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

RepoIndex::RepoIndex(std::filesystem::path root, std::unique_ptr<SymbolStore> store,
                     std::unique_ptr<TagQuerySet> queries, RepoIndexOptions options)
    : root_(std::move(root)),
      options_(options),
      queries_(std::move(queries)),
      store_(std::move(store)),
      ignore_(root_),
      extractor_(std::make_unique<TagExtractor>(*queries_)) {}

RepoIndex::~RepoIndex() = default;

base::StatusOr<std::unique_ptr<RepoIndex>> RepoIndex::Open(std::filesystem::path root,
                                                           const std::filesystem::path& db_path,
                                                           RepoIndexOptions options) {
  std::error_code ec;
  if (!std::filesystem::is_directory(root, ec)) {
    return base::NotFound("not a directory: " + root.string());
  }
  FC_ASSIGN_OR_RETURN(auto store, SymbolStore::Open(db_path));
  auto queries = std::make_unique<TagQuerySet>();
  return std::unique_ptr<RepoIndex>(
      new RepoIndex(std::move(root), std::move(store), std::move(queries), options));
}

base::StatusOr<IndexStats> RepoIndex::Refresh(const base::CancelToken* cancel) {
  std::lock_guard<std::mutex> lock(mu_);
  auto start = std::chrono::steady_clock::now();
  IndexStats stats;
  base::Status status = RefreshLocked(cancel, stats);
  stats.seconds = SecondsSince(start);
  if (!status.ok()) return status;
  base::Logger("tools")->debug("index refresh: {} files, {} parsed, {} reused in {:.3f} s",
                               stats.files_seen, stats.files_parsed, stats.files_reused,
                               stats.seconds);
  return stats;
}

base::Status RepoIndex::RefreshLocked(const base::CancelToken* cancel, IndexStats& stats) {
  ignore_.Invalidate("");  // .gitignore files may have changed while we were not watching
  FC_ASSIGN_OR_RETURN(std::vector<WalkedFile> walked, WalkRepo(root_, ignore_, cancel));
  FC_ASSIGN_OR_RETURN(std::vector<StoredFile> stored_list, store_->Files());
  std::unordered_map<std::string, StoredFile> stored;
  for (StoredFile& f : stored_list) stored.emplace(f.path, std::move(f));
  FC_ASSIGN_OR_RETURN(const std::unordered_set<uint64_t> known_blobs, store_->BlobHashes());

  std::vector<WalkedFile> work;
  std::unordered_set<std::string> present;
  for (WalkedFile& f : walked) {
    ++stats.files_seen;
    stats.bytes_seen += f.size;
    auto it = stored.find(f.path);
    if (it != stored.end() && it->second.size == f.size && it->second.mtime_ns == f.mtime_ns) {
      ++stats.files_unchanged;
      present.insert(f.path);
      continue;
    }
    work.push_back(std::move(f));
  }

  ResultQueue queue;
  std::atomic<size_t> next{0};
  int threads =
      options_.threads > 0 ? options_.threads : std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<int>(std::min<size_t>(threads, std::max<size_t>(work.size(), 1)));
  queue.SetProducers(threads);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      TagExtractor extractor(*queries_);
      for (size_t i = next++; i < work.size(); i = next++) {
        if (cancel != nullptr && cancel->IsCancelled()) break;
        Result r{work[i], {}, false, {}};
        auto analysis = Analyze(root_ / r.file.path, r.file.path, r.file.size, options_.filter);
        if (!analysis.ok()) {
          r.analysis.skip = SkipReason::kBinary;  // unreadable: treat as not indexable
        } else {
          r.analysis = std::move(analysis).value();
        }
        if (r.analysis.skip == SkipReason::kNone && !known_blobs.count(r.analysis.hash)) {
          auto symbols = extractor.Extract(*r.analysis.language, r.analysis.content);
          if (symbols.ok()) {
            r.symbols = std::move(symbols).value();
            r.parse = true;
          } else {
            base::Logger("tools")->warn("index: {}: {}", r.file.path, symbols.status().ToString());
            r.analysis.skip = SkipReason::kTooLarge;  // e.g. the parse time limit
          }
        }
        r.analysis.content.clear();  // the writer needs only the symbols
        queue.Push(std::move(r));
      }
      queue.ProducerDone();
    });
  }

  // This thread is the only SQLite writer; batches keep the number of commits small.
  base::Status status;
  size_t in_transaction = 0;
  Result r;
  while (queue.Pop(r)) {
    if (!status.ok()) continue;  // drain so the workers can finish
    if (in_transaction == 0) status = store_->Begin();
    if (!status.ok()) continue;
    if (r.analysis.skip != SkipReason::kNone) {
      ++stats.files_skipped;
    } else {
      present.insert(r.file.path);
      if (r.parse) {
        ++stats.files_parsed;
        stats.bytes_parsed += r.file.size;
        status = store_->PutBlob(r.analysis.hash, r.symbols);
      } else {
        ++stats.files_reused;
      }
      if (status.ok()) {
        status =
            store_->PutFile(StoredFile{r.file.path, r.analysis.hash, r.file.size, r.file.mtime_ns,
                                       std::string(r.analysis.language->name)});
      }
    }
    if (status.ok() && ++in_transaction >= kFilesPerTransaction) {
      status = store_->Commit();
      in_transaction = 0;
    }
  }
  for (std::thread& w : workers) w.join();
  if (status.ok() && in_transaction == 0) status = store_->Begin();
  if (!status.ok()) {
    (void)store_->Commit();
    return status;
  }
  if (cancel == nullptr || !cancel->IsCancelled()) {
    for (const auto& [path, file] : stored) {
      if (present.count(path)) continue;
      ++stats.files_removed;
      FC_RETURN_IF_ERROR(store_->RemoveFile(path));
    }
  }
  FC_RETURN_IF_ERROR(store_->DropUnreferencedBlobs());
  FC_RETURN_IF_ERROR(store_->Commit());
  if (cancel != nullptr && cancel->IsCancelled()) return base::Cancelled("index refresh cancelled");
  // Compile the queries of the languages present now, so that the first edit after a warm
  // restart does not pay for it (up to ~0.1 s for C++).
  FC_ASSIGN_OR_RETURN(std::vector<StoredFile> now, store_->Files());
  std::unordered_set<std::string> languages;
  for (const StoredFile& f : now) languages.insert(f.language);
  for (const std::string& name : languages) {
    if (const LanguageInfo* language = LanguageByName(name)) queries_->For(*language);
  }
  return base::Status::Ok();
}

base::StatusOr<IndexStats> RepoIndex::UpdateFile(std::string_view path) {
  std::lock_guard<std::mutex> lock(mu_);
  auto start = std::chrono::steady_clock::now();
  IndexStats stats;
  std::string rel(path);
  FC_ASSIGN_OR_RETURN(std::optional<StoredFile> old, store_->File(rel));
  auto drop = [&]() -> base::Status {
    if (!old) return base::Status::Ok();
    ++stats.files_removed;
    FC_RETURN_IF_ERROR(store_->RemoveFile(rel));
    return store_->DropBlobIfUnreferenced(old->hash);
  };
  if (std::string_view(rel).substr(rel.rfind('/') + 1) == ".gitignore") {
    ignore_.Invalidate(rel.substr(0, rel.rfind('/') + 1));
  }
  struct stat st;
  std::filesystem::path abs = root_ / rel;
  if (lstat(abs.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || ignore_.IsIgnored(rel, false)) {
    FC_RETURN_IF_ERROR(drop());
    stats.seconds = SecondsSince(start);
    return stats;
  }
  stats.files_seen = 1;
  stats.bytes_seen = static_cast<uint64_t>(st.st_size);
  auto analysis = Analyze(abs, rel, static_cast<uint64_t>(st.st_size), options_.filter);
  if (!analysis.ok() || analysis->skip != SkipReason::kNone) {
    stats.files_skipped = 1;
    FC_RETURN_IF_ERROR(drop());
    stats.seconds = SecondsSince(start);
    return stats;
  }
  StoredFile file{rel, analysis->hash, static_cast<uint64_t>(st.st_size),
                  static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec,
                  std::string(analysis->language->name)};
  FC_RETURN_IF_ERROR(store_->Begin());
  base::Status status;
  if (old && old->hash == file.hash) {
    ++stats.files_unchanged;
  } else {
    auto symbols = extractor_->Extract(*analysis->language, analysis->content);
    if (symbols.ok()) {
      ++stats.files_parsed;
      stats.bytes_parsed = file.size;
      status = store_->PutBlob(file.hash, *symbols);
    } else {
      status = symbols.status();
    }
  }
  if (status.ok()) status = store_->PutFile(file);
  if (status.ok() && old && old->hash != file.hash) {
    status = store_->DropBlobIfUnreferenced(old->hash);
  }
  base::Status commit = store_->Commit();
  FC_RETURN_IF_ERROR(status);
  FC_RETURN_IF_ERROR(commit);
  stats.seconds = SecondsSince(start);
  return stats;
}

void RepoIndex::IgnoreRulesChanged(std::string_view dir) {
  std::lock_guard<std::mutex> lock(mu_);
  ignore_.Invalidate(dir);
}

base::StatusOr<std::vector<StoredFile>> RepoIndex::Files() {
  std::lock_guard<std::mutex> lock(mu_);
  return store_->Files();
}

base::StatusOr<FileSymbols> RepoIndex::SymbolsOf(std::string_view path) {
  std::lock_guard<std::mutex> lock(mu_);
  FC_ASSIGN_OR_RETURN(std::optional<StoredFile> file, store_->File(path));
  if (!file) return base::NotFound("not indexed: " + std::string(path));
  return store_->Symbols(file->hash);
}

base::StatusOr<std::vector<DefinitionSite>> RepoIndex::FindDefinitions(std::string_view name) {
  std::lock_guard<std::mutex> lock(mu_);
  return store_->FindDefinitions(name);
}

base::Status RepoIndex::ForEachFile(
    const std::function<void(const StoredFile&, FileSymbols&&)>& fn) {
  std::lock_guard<std::mutex> lock(mu_);
  return store_->ForEachFile(fn);
}

}  // namespace tools
