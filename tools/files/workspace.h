// Workspace: the directory tree the agent may touch, and the only way tools turn a path that
// came from the model into an open file descriptor.
//
// Every open goes through openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS) relative to a
// descriptor of the root, so the kernel itself refuses `..` that climbs out, absolute symlinks
// and relative symlinks that lead outside, and there is no check-then-use race: a symlink
// swapped in after a check cannot redirect the open. Symlinks that stay inside are followed.
// Created by the tool layer per workspace; immutable after Open, so thread-safe.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "tools/files/unique_fd.h"

namespace tools {

class Workspace {
 public:
  // Opens the workspace at `root` (resolved with realpath). NotFound if it does not exist,
  // InvalidArgument if it is not a directory.
  static base::StatusOr<std::unique_ptr<Workspace>> Open(const std::string& root);
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;

  // The canonical absolute root path (no trailing slash).
  const std::string& root() const { return root_; }
  int root_fd() const { return root_fd_.get(); }

  // Turns a model-supplied path into one relative to the root ("" or "." is the root itself).
  // Absolute paths must lie under the root; others get PermissionDenied. Purely lexical: the
  // kernel enforces the rest when the path is opened.
  base::StatusOr<std::string> RelativePath(std::string_view path) const;

  // Opens `path` beneath the root with open(2) `flags`/`mode`. PermissionDenied when the path
  // (or a symlink on it) leads outside the workspace, NotFound when it does not exist.
  base::StatusOr<UniqueFd> OpenBeneath(std::string_view path, int flags, mode_t mode = 0) const;

  // The directory that holds `path` and the last component's name, for atomic replacement
  // (write a temporary beside it, renameat over it). Creates missing parent directories when
  // `create_parents`. InvalidArgument for the root itself.
  struct ParentDir {
    UniqueFd dir;
    std::string name;
  };
  base::StatusOr<ParentDir> OpenParent(std::string_view path, bool create_parents) const;

  // The path of an open descriptor relative to the root (via /proc/self/fd), or
  // PermissionDenied if it is not inside.
  base::StatusOr<std::string> RelativePathOf(int fd) const;

 private:
  Workspace(std::string root, UniqueFd root_fd)
      : root_(std::move(root)), root_fd_(std::move(root_fd)) {}

  std::string root_;
  UniqueFd root_fd_;
};

// Maps errno from a failed file operation on `path` to a Status with a readable message.
base::Status ErrnoStatus(int err, std::string_view what, std::string_view path);

}  // namespace tools
