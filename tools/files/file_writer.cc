#include "tools/files/file_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <string>

namespace tools {
namespace {

base::Status WriteAllAndSync(int fd, std::string_view content, std::string_view path) {
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus(errno, "cannot write", path);
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) return ErrnoStatus(errno, "cannot sync", path);
  return base::Status::Ok();
}

// Creates a fresh temporary in `dir`; the name only has to be unlikely, O_EXCL makes it safe.
base::StatusOr<std::pair<UniqueFd, std::string>> CreateTemporary(int dir, const std::string& name) {
  auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string tmp = "." + name + ".fc-tmp-" + std::to_string(::getpid()) + "-" +
                      std::to_string(stamp) + "-" + std::to_string(attempt);
    int fd = ::openat(dir, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0666);
    if (fd >= 0) return std::make_pair(UniqueFd(fd), tmp);
    if (errno != EEXIST) return ErrnoStatus(errno, "cannot create temporary for", name);
  }
  return base::Internal("cannot find a free temporary name for '" + name + "'");
}

}  // namespace

base::Status WriteFileAtomic(const Workspace& workspace, std::string_view path,
                             std::string_view content, const WriteOptions& options) {
  FC_ASSIGN_OR_RETURN(Workspace::ParentDir parent,
                      workspace.OpenParent(path, options.create_parents));
  struct stat st;
  bool exists = ::fstatat(parent.dir.get(), parent.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
  if (exists && S_ISLNK(st.st_mode)) {
    // Write through a symlink only when its target stays inside; re-resolve to the target.
    FC_ASSIGN_OR_RETURN(UniqueFd target, workspace.OpenBeneath(path, O_PATH));
    FC_ASSIGN_OR_RETURN(std::string real, workspace.RelativePathOf(target.get()));
    return WriteFileAtomic(workspace, real, content, options);
  }
  if (exists && options.must_not_exist) {
    return base::AlreadyExists("'" + std::string(path) + "' already exists");
  }
  if (exists && !S_ISREG(st.st_mode)) {
    return base::InvalidArgument("'" + std::string(path) + "' exists and is not a regular file");
  }
  FC_ASSIGN_OR_RETURN(auto tmp, CreateTemporary(parent.dir.get(), parent.name));
  auto& [fd, tmp_name] = tmp;
  base::Status status = WriteAllAndSync(fd.get(), content, path);
  int mode = options.mode >= 0 ? options.mode : exists ? static_cast<int>(st.st_mode & 07777) : -1;
  if (status.ok() && mode >= 0 && ::fchmod(fd.get(), static_cast<mode_t>(mode)) != 0) {
    status = ErrnoStatus(errno, "cannot set mode of", path);
  }
  if (status.ok()) {
    int rc =
        options.must_not_exist
            ? ::renameat2(parent.dir.get(), tmp_name.c_str(), parent.dir.get(), parent.name.c_str(),
                          RENAME_NOREPLACE)
            : ::renameat(parent.dir.get(), tmp_name.c_str(), parent.dir.get(), parent.name.c_str());
    if (rc != 0) status = ErrnoStatus(errno, "cannot replace", path);
  }
  if (!status.ok()) ::unlinkat(parent.dir.get(), tmp_name.c_str(), 0);
  return status;
}

base::Status RemoveFile(const Workspace& workspace, std::string_view path) {
  FC_ASSIGN_OR_RETURN(Workspace::ParentDir parent, workspace.OpenParent(path, false));
  if (::unlinkat(parent.dir.get(), parent.name.c_str(), 0) != 0) {
    return ErrnoStatus(errno, "cannot remove", path);
  }
  return base::Status::Ok();
}

}  // namespace tools
