// PidsCgroup: a fresh cgroup with a `pids.max` limit that one command (and everything it
// starts) joins before exec. It is the process-count limit that also holds for uid 0, which
// Linux exempts from RLIMIT_NPROC. Only the cgroup v1 "pids" hierarchy is used (a cgroup v2
// child needs a delegated subtree, which this code does not look for); where that hierarchy is
// absent or read-only, Create fails and Shell relies on RLIMIT_NPROC alone.
// The destructor kills anything still inside and removes the directory. Thread-compatible;
// each command gets its own.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "base/status.h"

namespace tools {

class PidsCgroup {
 public:
  // Creates <pids hierarchy>/<this process's cgroup>/flashcode-<pid>-<stamp> with pids.max =
  // `max_pids`. Unavailable when there is no writable pids hierarchy.
  static base::StatusOr<std::unique_ptr<PidsCgroup>> Create(uint64_t max_pids);
  ~PidsCgroup();
  PidsCgroup(const PidsCgroup&) = delete;
  PidsCgroup& operator=(const PidsCgroup&) = delete;

  // The cgroup.procs file a child writes "0" to in order to join.
  std::string procs_path() const { return dir_ + "/cgroup.procs"; }
  const std::string& dir() const { return dir_; }

 private:
  explicit PidsCgroup(std::string dir) : dir_(std::move(dir)) {}
  std::string dir_;
};

}  // namespace tools
