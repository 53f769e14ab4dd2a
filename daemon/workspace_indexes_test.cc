#include "daemon/workspace_indexes.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

namespace flashcoded {
namespace {

using namespace std::chrono_literals;

struct TempTree {
  TempTree() {
    char tmpl[] = "/tmp/fc_wsindex_XXXXXX";
    root = mkdtemp(tmpl);
  }
  ~TempTree() { std::filesystem::remove_all(root); }
  std::string root;
};

TEST_CASE("a first index that outlasts its budget goes on in the background") {
  TempTree cache, repo;
  // Enough files that one parser thread needs far longer than a zero budget.
  for (int i = 0; i < 400; ++i) {
    std::ofstream(repo.root + "/m" + std::to_string(i) + ".py")
        << "def f" << i << "(x):\n    return x + " << i << "\n";
  }
  base::FakeClock clock;
  WorkspaceIndexes indexes(cache.root, 1, clock);
  auto first = indexes.GetForPrompt(repo.root, 0ms);
  CHECK(first.status().code() == base::StatusCode::kUnavailable);
  CHECK(first.status().ToString().find("still being indexed") != std::string::npos);
  CHECK(indexes.LastRefreshed(repo.root) == 0);
  // Meanwhile other users of the index (Context RPCs) hear that it is being built.
  auto busy = indexes.Get(repo.root, /*create=*/false);
  if (!busy.ok()) CHECK(busy.status().code() == base::StatusCode::kUnavailable);
  // A later turn waits for the same build (none is started twice) and gets the whole index.
  auto later = indexes.GetForPrompt(repo.root, 30s);
  REQUIRE_MESSAGE(later.ok(), later.status().ToString());
  auto files = (*later)->Files();
  REQUIRE(files.ok());
  CHECK(files->size() == 400);
  CHECK(indexes.LastRefreshed(repo.root) == clock.UnixMillis());
  auto same = indexes.GetForPrompt(repo.root, 0ms);
  REQUIRE(same.ok());
  CHECK(*same == *later);
}

TEST_CASE("a daemon going down stops a first index that is still running") {
  TempTree cache, repo;
  for (int i = 0; i < 400; ++i) {
    std::ofstream(repo.root + "/m" + std::to_string(i) + ".py") << "def g(): pass\n";
  }
  base::FakeClock clock;
  const auto start = std::chrono::steady_clock::now();
  {
    WorkspaceIndexes indexes(cache.root, 1, clock);
    CHECK_FALSE(indexes.GetForPrompt(repo.root, 0ms).ok());
  }  // the destructor cancels and joins the builder
  CHECK(std::chrono::steady_clock::now() - start < 10s);
  // The next daemon finds the half-built index on disk and completes it.
  WorkspaceIndexes next(cache.root, 1, clock);
  auto index = next.GetForPrompt(repo.root, 30s);
  REQUIRE_MESSAGE(index.ok(), index.status().ToString());
  CHECK((*index)->Files()->size() == 400);
}

TEST_CASE("a stored index catches up with edits made while no daemon ran") {
  TempTree cache, repo;
  std::ofstream(repo.root + "/a.py") << "def old_name(): pass\n";
  base::FakeClock clock;
  {
    WorkspaceIndexes indexes(cache.root, 1, clock);
    REQUIRE(indexes.GetForPrompt(repo.root, 30s).ok());
  }
  std::ofstream(repo.root + "/a.py") << "def new_name(): pass\n";  // no daemon watching
  std::ofstream(repo.root + "/b.py") << "def added(): pass\n";
  WorkspaceIndexes indexes(cache.root, 1, clock);
  auto index = indexes.GetForPrompt(repo.root, 30s);
  REQUIRE_MESSAGE(index.ok(), index.status().ToString());
  CHECK((*index)->FindDefinitions("new_name")->size() == 1);
  CHECK((*index)->FindDefinitions("old_name")->empty());
  CHECK((*index)->Files()->size() == 2);
}

TEST_CASE("a first index that failed is tried again on the next turn") {
  TempTree cache, repo;
  std::ofstream(repo.root + "/a.py") << "def f(): pass\n";
  std::ofstream(cache.root + "/index") << "a file where the index folder should be";
  base::FakeClock clock;
  WorkspaceIndexes indexes(cache.root, 1, clock);
  auto failed = indexes.GetForPrompt(repo.root, 30s);
  REQUIRE_FALSE(failed.ok());
  std::filesystem::remove(cache.root + "/index");  // the cause goes away
  auto retried = indexes.GetForPrompt(repo.root, 30s);
  REQUIRE_MESSAGE(retried.ok(), retried.status().ToString());
  CHECK((*retried)->Files()->size() == 1);
}

}  // namespace
}  // namespace flashcoded
