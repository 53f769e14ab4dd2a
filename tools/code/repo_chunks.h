// RepoChunks: the whole indexed repository as an ordered list of chunks — the deterministic
// repository context prefix whose KV cache the engine snapshots and reuses.
//
// Files come most stable first: files equal to HEAD ordered by their last commit time, oldest
// first (ties by path), then files with uncommitted changes or untracked, by path. An edit
// therefore invalidates the prefix only from the edited file on, and recently touched files
// (the likeliest to change again) sit at the end. Outside a git repository every file is
// "uncommitted" and the order is by path. Thread-compatible (ChunkRepository uses its own
// worker threads internally).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "base/cancel_token.h"
#include "base/status.h"
#include "tools/code/chunker.h"

namespace tools {

class RepoIndex;

struct StableFile {
  std::string path;
  int64_t last_commit_unix_seconds = 0;  // 0 when not committed
  bool committed = false;                // the work tree file equals its blob in HEAD
  bool operator==(const StableFile&) const = default;
};

// Orders `paths` (relative to `work_tree`) most stable first, reading each file to compare it
// with HEAD. Files that cannot be read are left out.
std::vector<StableFile> OrderByStability(const std::filesystem::path& work_tree,
                                         std::vector<std::string> paths);

struct RepoChunksOptions {
  ChunkerOptions chunker;
  int threads = 0;  // files are parsed in parallel; 0 = one thread per hardware thread
};

// Chunks every file of `index` in stability order. Cancelled if `cancel` fires (may be null).
// `counter` is called from several threads at once.
base::StatusOr<std::vector<Chunk>> ChunkRepository(RepoIndex& index, const TokenCounter& counter,
                                                   const RepoChunksOptions& options,
                                                   const base::CancelToken* cancel = nullptr);

}  // namespace tools
