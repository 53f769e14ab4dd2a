#include "tools/git/history.h"

#include <doctest/doctest.h>

#include "tools/git/blame.h"
#include "tools/git/branches.h"
#include "tools/git/temp_repo_for_test.h"

namespace tools {
namespace {

using base::StatusCode;

TEST_CASE("log newest first, limited by paths and count, show one commit") {
  TempRepo t;
  t.Write("a.txt", "1\n");
  std::string c1 = t.CommitFiles({"a.txt"}, "add a\n\nwith a body");
  t.Write("b.txt", "1\n");
  std::string c2 = t.CommitFiles({"b.txt"}, "add b");
  t.Write("a.txt", "2\n");
  std::string c3 = t.CommitFiles({"a.txt"}, "change a");

  auto all = Log(t.repo(), {}).value();
  REQUIRE(all.size() == 3);
  CHECK(all[0].id == c3);
  CHECK(all[2].id == c1);
  CHECK(all[2].summary == "add a");
  CHECK(all[0].parents == std::vector<std::string>{c2});
  CHECK(all[0].author_name == "Test Author");
  auto a_only = Log(t.repo(), {.paths = {"a.txt"}}).value();
  REQUIRE(a_only.size() == 2);
  CHECK(a_only[0].id == c3);
  CHECK(a_only[1].id == c1);
  CHECK(Log(t.repo(), {.max_count = 1}).value().size() == 1);
  CHECK(Log(t.repo(), {.skip = 2}).value()[0].id == c1);
  CHECK(Log(t.repo(), {.revision = c2}).value().size() == 2);

  ShowResult shown = Show(t.repo(), "HEAD~1").value();
  CHECK(shown.commit.id == c2);
  REQUIRE(shown.diff.files.size() == 1);
  CHECK(shown.diff.files[0] == DiffFile{'A', "b.txt", "b.txt", 1, 0, false});
  ShowResult root = Show(t.repo(), c1).value();
  CHECK(root.diff.files.size() == 1);
  CHECK(FormatCommit(root.commit).find("    with a body\n") != std::string::npos);
  CHECK(Show(t.repo(), "deadbeef").status().code() == StatusCode::kNotFound);
}

TEST_CASE("blame attributes each line to the commit that last changed it") {
  TempRepo t;
  t.Write("f.txt", "keep\nold\n");
  std::string c1 = t.CommitFiles({"f.txt"}, "first");
  t.Write("f.txt", "keep\nnew\nmore\n");
  std::string c2 = t.CommitFiles({"f.txt"}, "second");
  auto lines = Blame(t.repo(), "f.txt", {}).value();
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].commit_id == c1);
  CHECK(lines[0].text == "keep");
  CHECK(lines[1].commit_id == c2);
  CHECK(lines[2].author == "Test Author");
  auto range = Blame(t.repo(), "f.txt", {.first_line = 2, .last_line = 2}).value();
  REQUIRE(range.size() == 1);
  CHECK(range[0].text == "new");
  auto older = Blame(t.repo(), "f.txt", {.revision = c1}).value();
  CHECK(older.size() == 2);
  CHECK(Blame(t.repo(), "missing.txt", {}).status().code() == StatusCode::kNotFound);
}

TEST_CASE("branches: create, list, switch, and merge-base") {
  TempRepo t;
  t.Write("f.txt", "base\n");
  std::string base = t.CommitFiles({"f.txt"}, "base");
  std::string main_branch = CurrentBranch(t.repo()).value();
  REQUIRE(CreateBranch(t.repo(), "feature").ok());
  CHECK(CreateBranch(t.repo(), "feature").code() == StatusCode::kAlreadyExists);
  CHECK(CreateBranch(t.repo(), "bad..name").code() == StatusCode::kInvalidArgument);
  REQUIRE(SwitchBranch(t.repo(), "feature").ok());
  CHECK(CurrentBranch(t.repo()).value() == "feature");
  t.Write("f.txt", "feature\n");
  std::string on_feature = t.CommitFiles({"f.txt"}, "feature work");
  REQUIRE(SwitchBranch(t.repo(), main_branch).ok());
  CHECK(t.Read("f.txt") == "base\n");
  t.Write("g.txt", "main\n");
  std::string on_main = t.CommitFiles({"g.txt"}, "main work");
  CHECK(MergeBase(t.repo(), on_main, "feature").value() == base);

  auto branches = ListBranches(t.repo()).value();
  REQUIRE(branches.size() == 2);
  CHECK(branches[0] == BranchInfo{"feature", on_feature, false});
  CHECK(branches[1] == BranchInfo{main_branch, on_main, true});

  // A local change the switch would overwrite: refused, nothing changes.
  t.Write("f.txt", "uncommitted\n");
  CHECK(SwitchBranch(t.repo(), "feature").code() == StatusCode::kFailedPrecondition);
  CHECK(CurrentBranch(t.repo()).value() == main_branch);
  CHECK(t.Read("f.txt") == "uncommitted\n");
  CHECK(Commit(t.repo(), {"nothing", {}, false}).status().code() ==
        StatusCode::kFailedPrecondition);
  CHECK(!Commit(t.repo(), {"all tracked", {}, true}).value().empty());
}

}  // namespace
}  // namespace tools
