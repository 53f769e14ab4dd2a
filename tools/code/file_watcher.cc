#include "tools/code/file_watcher.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

#include "base/log.h"
#include "tools/code/repo_walker.h"

namespace tools {
namespace {

constexpr uint32_t kMask = IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO |
                           IN_DELETE_SELF | IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK;

}  // namespace

FileWatcher::FileWatcher(std::filesystem::path root, OnChange on_change,
                         std::chrono::milliseconds debounce, int inotify_fd, int stop_fd)
    : root_(std::move(root)),
      on_change_(std::move(on_change)),
      debounce_(debounce),
      inotify_fd_(inotify_fd),
      stop_fd_(stop_fd),
      ignore_(root_) {}

base::StatusOr<std::unique_ptr<FileWatcher>> FileWatcher::Start(
    std::filesystem::path root, OnChange on_change, std::chrono::milliseconds debounce) {
  int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return base::Unavailable(std::string("inotify_init1: ") + std::strerror(errno));
  int stop = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (stop < 0) {
    close(fd);
    return base::Unavailable(std::string("eventfd: ") + std::strerror(errno));
  }
  auto watcher = std::unique_ptr<FileWatcher>(
      new FileWatcher(std::move(root), std::move(on_change), debounce, fd, stop));
  watcher->WatchTree("", nullptr);
  if (watcher->dirs_.empty()) {
    return base::Unavailable("cannot watch " + watcher->root_.string());
  }
  watcher->thread_ = std::thread([w = watcher.get()] { w->Run(); });
  return watcher;
}

FileWatcher::~FileWatcher() {
  if (thread_.joinable()) {
    uint64_t one = 1;
    (void)!write(stop_fd_, &one, sizeof one);
    thread_.join();
  }
  close(inotify_fd_);
  close(stop_fd_);
}

void FileWatcher::WatchTree(const std::string& dir, std::vector<std::string>* found) {
  std::vector<std::string> pending = {dir};
  while (!pending.empty()) {
    std::string d = std::move(pending.back());
    pending.pop_back();
    int wd = inotify_add_watch(inotify_fd_, (root_ / d).c_str(), kMask);
    if (wd < 0) {
      if (errno == ENOSPC) {
        base::Logger("tools")->warn("file watcher: inotify watch limit reached at {}", d);
        return;
      }
      continue;
    }
    if (dirs_.emplace(wd, d).second) ++watch_count_;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(root_ / d, ec)) {
      std::string rel = d + entry.path().filename().string();
      std::error_code type_ec;
      if (entry.is_symlink(type_ec)) continue;
      if (entry.is_directory(type_ec)) {
        if (!ignore_.MatchesRules(rel, true)) pending.push_back(rel + "/");
      } else if (found != nullptr && !ignore_.MatchesRules(rel, false)) {
        found->push_back(rel);
      }
    }
  }
}

void FileWatcher::Run() {
  std::set<std::string> changed;
  alignas(inotify_event) char buf[64 * 1024];
  while (true) {
    pollfd fds[2] = {{inotify_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    // Wait forever while nothing is pending; otherwise wait for the quiet period to end.
    int timeout = changed.empty() ? -1 : static_cast<int>(debounce_.count());
    int n = poll(fds, 2, timeout);
    if (n < 0 && errno != EINTR) return;
    if (fds[1].revents & POLLIN) return;
    if (n == 0) {
      std::vector<std::string> batch(changed.begin(), changed.end());
      changed.clear();
      on_change_(batch);
      continue;
    }
    if (!(fds[0].revents & POLLIN)) continue;
    ssize_t len;
    while ((len = read(inotify_fd_, buf, sizeof buf)) > 0) {
      for (char* p = buf; p < buf + len;) {
        auto* ev = reinterpret_cast<inotify_event*>(p);
        p += sizeof(inotify_event) + ev->len;
        if (ev->mask & IN_Q_OVERFLOW) {
          changed.insert("/");  // events were lost: the receiver must rescan everything
          continue;
        }
        if (ev->mask & IN_IGNORED) {
          if (dirs_.erase(ev->wd)) --watch_count_;
          continue;
        }
        auto it = dirs_.find(ev->wd);
        if (it == dirs_.end() || ev->len == 0) continue;
        std::string rel = it->second + ev->name;
        bool is_dir = ev->mask & IN_ISDIR;
        if (std::string_view(ev->name) == ".gitignore") ignore_.Invalidate(it->second);
        if (ignore_.MatchesRules(rel, is_dir)) continue;
        if (is_dir) {
          if (ev->mask & (IN_CREATE | IN_MOVED_TO)) {
            std::vector<std::string> found;
            WatchTree(rel + "/", &found);  // files may land before the watch exists
            changed.insert(found.begin(), found.end());
          }
          if (ev->mask & IN_MOVED_FROM) changed.insert(rel + "/");
          continue;  // a deleted directory's files were reported one by one
        }
        changed.insert(rel);
      }
    }
  }
}

}  // namespace tools
