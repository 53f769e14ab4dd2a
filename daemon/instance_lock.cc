#include "daemon/instance_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace flashcoded {

base::StatusOr<std::unique_ptr<InstanceLock>> InstanceLock::Acquire(
    const std::string& socket_path) {
  std::string path = socket_path + ".lock";
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return base::PermissionDenied("cannot open lock file " + path + ": " + std::strerror(errno));
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    char buf[32] = {};
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    close(fd);
    if (err == EWOULDBLOCK) {
      std::string pid = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "unknown";
      while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
      return base::AlreadyExists("another flashcoded (pid " + pid + ") is already serving " +
                                 socket_path);
    }
    return base::Internal("cannot lock " + path + ": " + std::strerror(err));
  }
  std::string pid = std::to_string(getpid()) + "\n";
  if (ftruncate(fd, 0) != 0 || pwrite(fd, pid.data(), pid.size(), 0) != ssize_t(pid.size())) {
    close(fd);
    return base::Internal("cannot write pid to " + path + ": " + std::strerror(errno));
  }
  return std::unique_ptr<InstanceLock>(new InstanceLock(fd, path));
}

InstanceLock::~InstanceLock() {
  // Truncate rather than unlink: unlinking would let a racing daemon lock a fresh inode while
  // a third one still sees ours.
  if (ftruncate(fd_, 0) != 0) {
    // Nothing useful to do; the flock is released by close regardless.
  }
  close(fd_);
}

}  // namespace flashcoded
