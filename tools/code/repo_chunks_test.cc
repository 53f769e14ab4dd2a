#include "tools/code/repo_chunks.h"

#include <doctest/doctest.h>

#include "tools/code/git_history.h"
#include "tools/code/repo_index.h"
#include "tools/code/test_git_repo.h"

namespace tools {
namespace {

TEST_CASE("last commit times come from one history walk") {
  TestGitRepo repo;
  repo.Write("old.py", "def old(): pass\n");
  repo.Write("mid.py", "def mid(): pass\n");
  repo.Commit({"old.py", "mid.py"}, 1'600'000'000);
  repo.Write("new.py", "def new(): pass\n");
  repo.Commit({"new.py"}, 1'600'000'100);
  repo.Write("mid.py", "def mid2(): pass\n");
  repo.Commit({"mid.py"}, 1'600'000'200);
  auto times = LastCommitTimes(repo.root());
  REQUIRE_MESSAGE(times.ok(), times.status().ToString());
  REQUIRE(times->size() == 3);
  CHECK(times->at("old.py").last_commit_unix_seconds == 1'600'000'000);
  CHECK(times->at("new.py").last_commit_unix_seconds == 1'600'000'100);
  CHECK(times->at("mid.py").last_commit_unix_seconds == 1'600'000'200);
  CHECK(times->at("old.py").head_blob_id == GitBlobId("def old(): pass\n"));

  GitHistoryOptions shallow;
  shallow.max_commits = 1;  // only the newest commit: the others get its time as a bound
  auto bounded = LastCommitTimes(repo.root(), shallow);
  REQUIRE(bounded.ok());
  CHECK(bounded->at("old.py").last_commit_unix_seconds == 1'600'000'200);
}

TEST_CASE("outside a repository there is no history") {
  auto times = LastCommitTimes("/proc");
  CHECK(times.status().code() == base::StatusCode::kNotFound);
}

TEST_CASE("files are ordered most stable first, and the chunk list is deterministic") {
  TestGitRepo repo;
  repo.Write("b_old.py", "def b(): pass\n");
  repo.Write("a_old.py", "def a(): pass\n");
  repo.Commit({"a_old.py", "b_old.py"}, 1'600'000'000);
  repo.Write("recent.py", "def r(): pass\n");
  repo.Write("edited.py", "def e(): pass\n");
  repo.Commit({"recent.py", "edited.py"}, 1'600'000'500);
  repo.Write("edited.py", "def e(): return 1\n");  // uncommitted change
  repo.Write("untracked.py", "def u(): pass\n");

  std::vector<StableFile> order = OrderByStability(
      repo.root(), {"untracked.py", "edited.py", "recent.py", "b_old.py", "a_old.py"});
  std::vector<std::string> paths;
  for (const StableFile& f : order) paths.push_back(f.path);
  CHECK(paths ==
        std::vector<std::string>{"a_old.py", "b_old.py", "recent.py", "edited.py", "untracked.py"});
  CHECK(order[0].committed);
  CHECK(order[0].last_commit_unix_seconds == 1'600'000'000);
  CHECK_FALSE(order[3].committed);

  auto index = RepoIndex::Open(repo.root(), ":memory:");
  REQUIRE(index.ok());
  REQUIRE((*index)->Refresh().ok());
  CharEstimateTokenCounter counter;
  auto chunks = ChunkRepository(**index, counter, {});
  REQUIRE(chunks.ok());
  std::vector<std::string> chunk_paths;
  for (const Chunk& c : *chunks) chunk_paths.push_back(c.path);
  CHECK(chunk_paths == paths);  // one small chunk per file, in stability order
  RepoChunksOptions serial;
  serial.threads = 1;  // the same list whatever the parallelism
  auto again = ChunkRepository(**index, counter, serial);
  REQUIRE(again.ok());
  CHECK(*again == *chunks);
}

}  // namespace
}  // namespace tools
