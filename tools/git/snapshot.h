// Snapshots: the agent's undo. SaveSnapshot records the whole work tree — tracked files as
// they are now (modified or not), staged files, and untracked files that are not ignored — as a
// commit under refs/flashcode/snapshots/<id>, without touching the user's index, HEAD or
// branches (it builds the tree in a private in-memory index). RestoreSnapshot makes the work
// tree match a snapshot again: changed and deleted files are rewritten, and files created
// since (not ignored) are removed; ignored files, the index, HEAD and branches are left alone.
// Writes go through tools::Workspace, so a symlink planted in the tree cannot redirect them.
// Stateless; thread-compatible like the Repository.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "tools/git/repository.h"

namespace tools {

inline constexpr char kSnapshotRefPrefix[] = "refs/flashcode/snapshots/";

struct SnapshotInfo {
  std::string id;     // the snapshot commit's id
  std::string ref;    // kSnapshotRefPrefix + id
  std::string label;  // the message given at save time
  int64_t time = 0;   // Unix seconds
  bool operator==(const SnapshotInfo&) const = default;
};

base::StatusOr<SnapshotInfo> SaveSnapshot(const Repository& repo, const std::string& label);

// Newest first.
base::StatusOr<std::vector<SnapshotInfo>> ListSnapshots(const Repository& repo);

struct RestoreReport {
  std::vector<std::string> written;  // files rewritten from the snapshot
  std::vector<std::string> removed;  // files created after the snapshot, now deleted
  bool operator==(const RestoreReport&) const = default;
};

// `snapshot` is a snapshot id (or unique prefix) or a full ref name. NotFound if unknown.
base::StatusOr<RestoreReport> RestoreSnapshot(const Repository& repo, const std::string& snapshot);

// Deletes a snapshot's ref (the objects go with the next gc).
base::Status DropSnapshot(const Repository& repo, const std::string& snapshot);

}  // namespace tools
