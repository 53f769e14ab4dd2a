#include "tools/files/workspace.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace tools {
namespace {

// glibc 2.36 has no wrapper for openat2.
int CallOpenat2(int dirfd, const char* path, int flags, mode_t mode) {
  open_how how{};
  how.flags = static_cast<uint64_t>(flags) | O_CLOEXEC;
  if (flags & (O_CREAT | O_TMPFILE)) how.mode = mode;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  long fd;
  do {
    fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
  } while (fd < 0 && (errno == EINTR || errno == EAGAIN));
  return static_cast<int>(fd);
}

// Splits "a/b/c" into its non-empty components (empty and "." components dropped).
std::vector<std::string> Components(std::string_view path) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    std::string_view part = path.substr(i, j - i);
    if (!part.empty() && part != ".") parts.emplace_back(part);
    i = j + 1;
  }
  return parts;
}

}  // namespace

base::Status ErrnoStatus(int err, std::string_view what, std::string_view path) {
  std::string msg = std::string(what) + " '" + std::string(path) + "': " + std::strerror(err);
  switch (err) {
    case ENOENT:
      return base::NotFound(std::move(msg));
    case EXDEV:
    case ELOOP:
      return base::PermissionDenied(std::string(what) + " '" + std::string(path) +
                                    "': path leads outside the workspace");
    case EACCES:
    case EPERM:
    case EROFS:
      return base::PermissionDenied(std::move(msg));
    case EEXIST:
      return base::AlreadyExists(std::move(msg));
    case ENOTDIR:
    case EISDIR:
    case ENAMETOOLONG:
    case EINVAL:
      return base::InvalidArgument(std::move(msg));
    case ENOSPC:
    case EDQUOT:
    case EMFILE:
    case ENFILE:
      return base::ResourceExhausted(std::move(msg));
    case ENOSYS:
      return base::Unavailable(std::move(msg) + " (openat2 needs Linux 5.6 or newer)");
    default:
      return base::Internal(std::move(msg));
  }
}

base::StatusOr<std::unique_ptr<Workspace>> Workspace::Open(const std::string& root) {
  char resolved[PATH_MAX];
  if (::realpath(root.c_str(), resolved) == nullptr) {
    return ErrnoStatus(errno, "cannot open workspace", root);
  }
  int fd = ::open(resolved, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "cannot open workspace", root);
  std::string canonical(resolved);
  if (canonical.size() > 1 && canonical.back() == '/') canonical.pop_back();
  return std::unique_ptr<Workspace>(new Workspace(std::move(canonical), UniqueFd(fd)));
}

base::StatusOr<std::string> Workspace::RelativePath(std::string_view path) const {
  if (path.find('\0') != std::string_view::npos) {
    return base::InvalidArgument("path contains a NUL byte");
  }
  if (!path.empty() && path.front() == '/') {
    std::string_view root = root_;
    if (root == "/") return std::string(path.substr(1));
    if (path.substr(0, root.size()) != root ||
        (path.size() > root.size() && path[root.size()] != '/')) {
      return base::PermissionDenied("path '" + std::string(path) + "' is outside the workspace " +
                                    root_);
    }
    path.remove_prefix(root.size());
    while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  }
  if (path.empty()) return std::string(".");
  return std::string(path);
}

base::StatusOr<UniqueFd> Workspace::OpenBeneath(std::string_view path, int flags,
                                                mode_t mode) const {
  FC_ASSIGN_OR_RETURN(std::string rel, RelativePath(path));
  int fd = CallOpenat2(root_fd_.get(), rel.c_str(), flags, mode);
  if (fd < 0) return ErrnoStatus(errno, "cannot open", path);
  return UniqueFd(fd);
}

base::StatusOr<Workspace::ParentDir> Workspace::OpenParent(std::string_view path,
                                                           bool create_parents) const {
  FC_ASSIGN_OR_RETURN(std::string rel, RelativePath(path));
  std::vector<std::string> parts = Components(rel);
  if (parts.empty() || parts.back() == "..") {
    return base::InvalidArgument("'" + std::string(path) + "' does not name a file");
  }
  std::string name = parts.back();
  parts.pop_back();
  // Walk the parents one component at a time so missing ones can be created; each step is
  // itself an openat2 beneath the root, so a symlinked parent cannot lead out.
  UniqueFd dir(CallOpenat2(root_fd_.get(), ".", O_PATH | O_DIRECTORY, 0));
  if (!dir.valid()) return ErrnoStatus(errno, "cannot open", root_);
  std::string prefix;
  for (const std::string& part : parts) {
    prefix += (prefix.empty() ? "" : "/") + part;
    int fd = CallOpenat2(root_fd_.get(), prefix.c_str(), O_PATH | O_DIRECTORY, 0);
    if (fd < 0 && errno == ENOENT && create_parents && part != "..") {
      if (::mkdirat(dir.get(), part.c_str(), 0777) != 0 && errno != EEXIST) {
        return ErrnoStatus(errno, "cannot create directory", prefix);
      }
      fd = CallOpenat2(root_fd_.get(), prefix.c_str(), O_PATH | O_DIRECTORY, 0);
    }
    if (fd < 0) return ErrnoStatus(errno, "cannot open directory", prefix);
    dir = UniqueFd(fd);
  }
  return ParentDir{std::move(dir), std::move(name)};
}

base::StatusOr<std::string> Workspace::RelativePathOf(int fd) const {
  char buf[PATH_MAX];
  std::string link = "/proc/self/fd/" + std::to_string(fd);
  ssize_t n = ::readlink(link.c_str(), buf, sizeof(buf) - 1);
  if (n < 0) return ErrnoStatus(errno, "cannot resolve", link);
  std::string abs(buf, static_cast<size_t>(n));
  if (abs == root_) return std::string(".");
  std::string prefix = root_ == "/" ? "/" : root_ + "/";
  if (abs.compare(0, prefix.size(), prefix) != 0) {
    return base::PermissionDenied("'" + abs + "' is outside the workspace");
  }
  return abs.substr(prefix.size());
}

}  // namespace tools
