#include "tools/shell/pids_cgroup.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace tools {
namespace {

// The mount point of the cgroup v1 hierarchy that has the pids controller, from mountinfo.
std::string PidsMountPoint() {
  std::ifstream mountinfo("/proc/self/mountinfo");
  std::string line;
  while (std::getline(mountinfo, line)) {
    // "... <mount point> <options> - cgroup cgroup rw,pids"
    size_t dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    std::istringstream tail(line.substr(dash + 3));
    std::string fstype, source, options;
    tail >> fstype >> source >> options;
    if (fstype != "cgroup") continue;
    if (("," + options + ",").find(",pids,") == std::string::npos) continue;
    std::istringstream head(line.substr(0, dash));
    std::string field, mount_point;
    for (int i = 0; i < 5 && head >> field; ++i) {
      if (i == 4) mount_point = field;
    }
    return mount_point;
  }
  return "";
}

// This process's path in the pids hierarchy ("/" at the root), from /proc/self/cgroup.
std::string OwnPidsCgroup() {
  std::ifstream cgroup("/proc/self/cgroup");
  std::string line;
  while (std::getline(cgroup, line)) {
    size_t first = line.find(':'), second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    std::string controllers = "," + line.substr(first + 1, second - first - 1) + ",";
    if (controllers.find(",pids,") != std::string::npos) return line.substr(second + 1);
  }
  return "";
}

bool WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  out.flush();
  return static_cast<bool>(out);
}

}  // namespace

base::StatusOr<std::unique_ptr<PidsCgroup>> PidsCgroup::Create(uint64_t max_pids) {
  std::string mount = PidsMountPoint();
  std::string own = OwnPidsCgroup();
  if (mount.empty() || own.empty()) return base::Unavailable("no cgroup v1 pids hierarchy");
  std::string parent = mount + (own == "/" ? "" : own);
  auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
  for (int attempt = 0; attempt < 10; ++attempt) {
    std::string dir = parent + "/flashcode-" + std::to_string(::getpid()) + "-" +
                      std::to_string(stamp) + "-" + std::to_string(attempt);
    if (::mkdir(dir.c_str(), 0755) != 0) {
      if (errno == EEXIST) continue;
      return base::Unavailable("cannot create pids cgroup in " + parent + ": " +
                               std::strerror(errno));
    }
    std::unique_ptr<PidsCgroup> cgroup(new PidsCgroup(dir));
    if (!WriteFile(dir + "/pids.max", std::to_string(max_pids))) {
      return base::Unavailable("cannot set pids.max in " + dir);
    }
    return cgroup;
  }
  return base::Unavailable("cannot find a free pids cgroup name in " + parent);
}

PidsCgroup::~PidsCgroup() {
  // Normally empty by now (the sandbox's pid namespace died with it). Anything left, such as a
  // daemonized child of an unsandboxed command, is killed; then the directory can go.
  for (int attempt = 0; attempt < 200; ++attempt) {
    std::ifstream procs(procs_path());
    pid_t pid;
    bool any = false;
    while (procs >> pid) {
      ::kill(pid, SIGKILL);
      any = true;
    }
    if (!any && ::rmdir(dir_.c_str()) == 0) return;
    if (!any && errno == ENOENT) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace tools
