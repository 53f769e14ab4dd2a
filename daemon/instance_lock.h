// InstanceLock: guarantees one flashcoded per socket. Holds an exclusive flock on
// "<socket>.lock" (with our pid written in it) for the life of the daemon; the kernel releases
// it when the process dies, so a crashed daemon never blocks the next one, and a socket file
// left behind by it can be removed safely once we hold the lock. Thread-compatible.
#pragma once

#include <memory>
#include <string>

#include "base/status.h"

namespace flashcoded {

class InstanceLock {
 public:
  // Takes the lock. Errors: AlreadyExists ("another flashcoded (pid N) serves S"),
  // PermissionDenied / Internal for file-system failures.
  static base::StatusOr<std::unique_ptr<InstanceLock>> Acquire(const std::string& socket_path);
  ~InstanceLock();
  InstanceLock(const InstanceLock&) = delete;
  InstanceLock& operator=(const InstanceLock&) = delete;

 private:
  InstanceLock(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
};

}  // namespace flashcoded
