#include "tools/code/index_watcher.h"

#include <doctest/doctest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "tools/code/test_git_repo.h"

namespace tools {
namespace {

// Collects watcher batches so a test can wait (with a timeout) for a path to be processed.
class Batches {
 public:
  void Add(const std::vector<std::string>& paths) {
    std::lock_guard<std::mutex> lock(mu_);
    seen_.insert(seen_.end(), paths.begin(), paths.end());
    cv_.notify_all();
  }
  bool WaitFor(const std::string& path) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(5),
                        [&] { return std::find(seen_.begin(), seen_.end(), path) != seen_.end(); });
  }
  bool Saw(const std::string& path) {
    std::lock_guard<std::mutex> lock(mu_);
    return std::find(seen_.begin(), seen_.end(), path) != seen_.end();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> seen_;
};

TEST_CASE("the index follows edits, new directories and deletions through inotify") {
  TestGitRepo repo;
  repo.Write(".gitignore", "out/\n");
  repo.Write("src/a.py", "def first():\n    pass\n");
  repo.Write("out/skip.py", "def hidden(): pass\n");
  auto index = RepoIndex::Open(repo.root(), ":memory:");
  REQUIRE(index.ok());
  REQUIRE((*index)->Refresh().ok());
  Batches batches;
  auto watcher = IndexWatcher::Start(**index, [&](const auto& p) { batches.Add(p); });
  REQUIRE_MESSAGE(watcher.ok(), watcher.status().ToString());

  repo.Write("src/a.py", "def second():\n    pass\n");
  REQUIRE(batches.WaitFor("src/a.py"));
  CHECK((*index)->FindDefinitions("second")->size() == 1);
  CHECK((*index)->FindDefinitions("first")->empty());

  repo.Write("src/new/deep/b.go", "package b\nfunc Fresh() {}\n");
  REQUIRE(batches.WaitFor("src/new/deep/b.go"));
  CHECK((*index)->FindDefinitions("Fresh")->size() == 1);

  repo.Remove("src/a.py");
  REQUIRE(batches.WaitFor("src/a.py"));
  // The deletion arrives after the edit batch; wait until the symbol is gone.
  for (int i = 0; i < 100 && !(*index)->FindDefinitions("second")->empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK((*index)->FindDefinitions("second")->empty());

  // A directory renamed away takes its files out of the index.
  std::filesystem::rename(repo.root() / "src/new", repo.root() / "out/new");
  REQUIRE(batches.WaitFor("src/new/"));
  CHECK((*index)->FindDefinitions("Fresh")->empty());

  repo.Write("out/skip2.py", "def hidden2(): pass\n");
  repo.Write("src/marker.py", "def marker(): pass\n");
  REQUIRE(batches.WaitFor("src/marker.py"));
  CHECK_FALSE(batches.Saw("out/skip2.py"));
}

}  // namespace
}  // namespace tools
