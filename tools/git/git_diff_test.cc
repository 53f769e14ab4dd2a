#include "tools/git/git_diff.h"

#include <doctest/doctest.h>

#include <filesystem>

#include "tools/git/git_status.h"
#include "tools/git/temp_repo_for_test.h"

namespace tools {
namespace {

using base::StatusCode;

const std::string kLong =
    "line one of a file long enough for rename detection\n"
    "line two of a file long enough for rename detection\n"
    "line three of a file long enough for rename detection\n";

TEST_CASE("status lists staged, modified, deleted, renamed and untracked paths") {
  TempRepo t;
  t.Write("a.txt", "a\n");
  t.Write("b.txt", "b\n");
  t.Write("long.txt", kLong);
  t.Write(".gitignore", "*.log\n");
  t.CommitFiles({"a.txt", "b.txt", "long.txt", ".gitignore"}, "first");
  t.Write("a.txt", "a changed\n");
  std::filesystem::remove(t.dir() / "b.txt");
  t.Write("new.txt", "new\n");
  t.Write("staged.txt", "s\n");
  t.Write("debug.log", "ignored\n");
  std::filesystem::rename(t.dir() / "long.txt", t.dir() / "moved.txt");
  git_index* index = nullptr;
  REQUIRE(git_repository_index(&index, t.repo().raw()) == 0);
  git_index_add_bypath(index, "staged.txt");
  git_index_add_bypath(index, "moved.txt");
  git_index_remove_bypath(index, "long.txt");
  git_index_write(index);
  git_index_free(index);

  auto entries = GetStatus(t.repo()).value();
  std::vector<StatusEntry> want = {{"a.txt", "", ' ', 'M'},
                                   {"b.txt", "", ' ', 'D'},
                                   {"moved.txt", "long.txt", 'R', ' '},
                                   {"new.txt", "", '?', '?'},
                                   {"staged.txt", "", 'A', ' '}};
  CHECK(entries == want);
  CHECK(FormatStatus(entries).find("R  long.txt -> moved.txt\n") != std::string::npos);
  auto with_ignored = GetStatus(t.repo(), true).value();
  CHECK(with_ignored.size() == want.size() + 1);
}

TEST_CASE("diff between workdir, index, HEAD and revisions, both directions") {
  TempRepo t;
  t.Write("f.txt", "one\ntwo\n");
  std::string first = t.CommitFiles({"f.txt"}, "first");
  t.Write("f.txt", "one\nTWO\n");
  std::string second = t.CommitFiles({"f.txt"}, "second");
  t.Write("f.txt", "one\nTWO\nthree\n");
  t.Write("untracked.txt", "u\n");

  DiffResult head_to_work = Diff(t.repo(), {}).value();
  REQUIRE(head_to_work.files.size() == 2);
  CHECK(head_to_work.files[0] == DiffFile{'M', "f.txt", "f.txt", 1, 0, false});
  CHECK(head_to_work.files[1].status == 'A');
  CHECK(head_to_work.patch.find("+three") != std::string::npos);

  DiffResult commits = Diff(t.repo(), {.from = first, .to = second}).value();
  REQUIRE(commits.files.size() == 1);
  CHECK(commits.patch.find("-two\n+TWO") != std::string::npos);
  DiffResult reversed = Diff(t.repo(), {.from = second, .to = first}).value();
  CHECK(reversed.patch.find("-TWO\n+two") != std::string::npos);

  DiffResult work_to_head =
      Diff(t.repo(), {.from = "workdir", .to = "HEAD", .include_untracked = false}).value();
  REQUIRE(work_to_head.files.size() == 1);
  CHECK(work_to_head.patch.find("-three") != std::string::npos);

  CHECK(Diff(t.repo(), {.from = "index", .to = "HEAD"}).value().files.empty());
  CHECK(Diff(t.repo(), {.from = "index", .to = "index"}).status().code() ==
        StatusCode::kInvalidArgument);
  CHECK(Diff(t.repo(), {.from = "nope", .to = "HEAD"}).status().code() == StatusCode::kNotFound);
  DiffResult limited = Diff(t.repo(), {.paths = {"untracked.txt"}}).value();
  CHECK(limited.files.size() == 1);
  DiffResult capped = Diff(t.repo(), {.max_patch_bytes = 10}).value();
  CHECK(capped.truncated);
}

TEST_CASE("renames are detected between commits and in the work tree") {
  TempRepo t;
  t.Write("old_name.txt", kLong);
  std::string first = t.CommitFiles({"old_name.txt"}, "first");
  std::filesystem::rename(t.dir() / "old_name.txt", t.dir() / "new_name.txt");
  DiffResult work = Diff(t.repo(), {}).value();
  REQUIRE(work.files.size() == 1);
  CHECK(work.files[0] == DiffFile{'R', "old_name.txt", "new_name.txt", 0, 0, false});
  std::string second = t.CommitFiles({"old_name.txt", "new_name.txt"}, "rename");
  DiffResult commits = Diff(t.repo(), {.from = first, .to = second}).value();
  REQUIRE(commits.files.size() == 1);
  CHECK(commits.files[0].status == 'R');
  CHECK(commits.patch.find("rename from old_name.txt") != std::string::npos);
}

TEST_CASE("an unborn HEAD diffs as the empty tree") {
  TempRepo t;
  t.Write("x.txt", "x\n");
  DiffResult d = Diff(t.repo(), {}).value();
  REQUIRE(d.files.size() == 1);
  CHECK(d.files[0].status == 'A');
}

}  // namespace
}  // namespace tools
