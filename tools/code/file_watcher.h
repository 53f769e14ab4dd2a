// FileWatcher: reports which files of a work tree changed, using Linux inotify on every
// directory that .gitignore does not exclude (new directories are watched as they appear).
//
// Events are collected and delivered in batches once the tree has been quiet for `debounce`,
// so an editor's write-rename-chmod sequence becomes one notification. Deleted and renamed-away
// files are reported too (the callback checks whether a path still exists). Paths are relative
// to the root, ignored paths are dropped; a changed .gitignore is itself reported. A directory
// renamed away is reported as its path with a trailing '/' (its files are not listed: they
// are gone from where they were); one that appears is reported as the files found in it.
// When the kernel's event queue overflowed, "/" is reported: rescan the whole tree.
//
// Thread-safe. Owns one thread, on which `on_change` runs; the destructor stops and joins it,
// so everything `on_change` uses must outlive the watcher.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "tools/code/gitignore.h"

namespace tools {

class FileWatcher {
 public:
  using OnChange = std::function<void(const std::vector<std::string>& paths)>;

  // Starts watching. Errors: Unavailable when inotify cannot be set up or the root cannot be
  // watched. Directories beyond the inotify watch limit are logged and left unwatched.
  static base::StatusOr<std::unique_ptr<FileWatcher>> Start(
      std::filesystem::path root, OnChange on_change,
      std::chrono::milliseconds debounce = std::chrono::milliseconds(30));
  ~FileWatcher();
  FileWatcher(const FileWatcher&) = delete;
  FileWatcher& operator=(const FileWatcher&) = delete;

  // Number of directories currently watched.
  size_t WatchedDirectories() const { return watch_count_.load(); }

 private:
  FileWatcher(std::filesystem::path root, OnChange on_change, std::chrono::milliseconds debounce,
              int inotify_fd, int stop_fd);
  // Watches `dir` (relative, "" or ending in '/') and the non-ignored directories below it;
  // appends the files found below it to `found` when not null. Watcher thread only.
  void WatchTree(const std::string& dir, std::vector<std::string>* found);
  void Run();

  const std::filesystem::path root_;
  const OnChange on_change_;
  const std::chrono::milliseconds debounce_;
  const int inotify_fd_;
  const int stop_fd_;  // eventfd written by the destructor
  Gitignore ignore_;   // watcher thread only (and Start, before the thread exists)
  std::unordered_map<int, std::string> dirs_;  // watch descriptor -> directory; watcher thread
  std::atomic<size_t> watch_count_{0};
  std::thread thread_;
};

}  // namespace tools
