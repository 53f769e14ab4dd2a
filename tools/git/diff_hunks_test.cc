#include "tools/git/diff_hunks.h"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

#include "tools/git/temp_repo_for_test.h"

namespace tools {
namespace {

using base::StatusCode;

TEST_CASE("diff hunks between two commits carry new-side line numbers") {
  TempRepo t;
  t.Write("a.py", "one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\nten\n");
  t.Write("gone.txt", "bye\n");
  t.CommitFiles({"a.py", "gone.txt"}, "first");
  t.Write("a.py", "one\ntwo\nTHREE\nfour\nfive\nsix\nseven\neight\nnine\nten\neleven\n");
  t.Write("new.txt", "hello\nworld\n");
  std::filesystem::remove(t.dir() / "gone.txt");
  t.CommitFiles({"a.py", "new.txt", "gone.txt"}, "second");

  auto files = DiffHunks(t.repo(), {.from = "HEAD~1", .to = "HEAD", .context_lines = 1});
  REQUIRE(files.ok());
  REQUIRE(files->size() == 3);
  const FileHunks& a = (*files)[0];
  CHECK(a.new_path == "a.py");
  CHECK(a.status == 'M');
  REQUIRE(a.hunks.size() == 2);
  const Hunk& first = a.hunks[0];
  CHECK(first.new_start == 2);
  CHECK(first.new_lines == 3);
  CHECK(first.header.rfind("@@ -2,3 +2,3 @@", 0) == 0);
  REQUIRE(first.lines.size() == 4);
  CHECK(first.lines[0] == HunkLine{' ', 2, 2, "two"});
  CHECK(first.lines[1] == HunkLine{'-', 3, -1, "three"});
  CHECK(first.lines[2] == HunkLine{'+', -1, 3, "THREE"});
  CHECK(first.lines[3] == HunkLine{' ', 4, 4, "four"});
  CHECK(a.hunks[1].lines.back() == HunkLine{'+', -1, 11, "eleven"});

  CHECK((*files)[1].new_path == "gone.txt");
  CHECK((*files)[1].status == 'D');
  CHECK((*files)[2].status == 'A');
  CHECK((*files)[2].hunks[0].new_start == 1);
  CHECK((*files)[2].hunks[0].lines[1] == HunkLine{'+', -1, 2, "world"});

  // The file content at either side, and the work tree.
  CHECK(ReadFileAt(t.repo(), "HEAD~1", "gone.txt").value() == "bye\n");
  CHECK(ReadFileAt(t.repo(), "HEAD", "new.txt").value() == "hello\nworld\n");
  CHECK(ReadFileAt(t.repo(), "HEAD", "gone.txt").status().code() == StatusCode::kNotFound);
  t.Write("new.txt", "changed\n");
  CHECK(ReadFileAt(t.repo(), "workdir", "new.txt").value() == "changed\n");

  // Uncommitted changes: HEAD against the work tree.
  auto uncommitted = DiffHunks(t.repo(), {.from = "HEAD", .to = "workdir"});
  REQUIRE(uncommitted.ok());
  REQUIRE(uncommitted->size() == 1);
  CHECK((*uncommitted)[0].hunks[0].lines.back() == HunkLine{'+', -1, 1, "changed"});

  CHECK(DiffHunks(t.repo(), {.from = "nope", .to = "HEAD"}).status().code() != StatusCode::kOk);
}

TEST_CASE("a unified diff text parses into the same hunks, and garbage is refused") {
  const std::string patch =
      "diff --git a/x.c b/x.c\n"
      "index 1111111..2222222 100644\n"
      "--- a/x.c\n"
      "+++ b/x.c\n"
      "@@ -1,2 +1,3 @@\n"
      " int a;\n"
      "+int b;\n"
      " int c;\n";
  auto files = HunksOfDiffText(patch);
  REQUIRE(files.ok());
  REQUIRE(files->size() == 1);
  CHECK((*files)[0].new_path == "x.c");
  REQUIRE((*files)[0].hunks.size() == 1);
  CHECK((*files)[0].hunks[0].lines[1] == HunkLine{'+', -1, 2, "int b;"});
  auto bad = HunksOfDiffText("diff --git a/x b/x\n@@ nonsense @@\n+x\n");
  CHECK(bad.status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("a diff text that deletes a file and adds an identical one keeps each hunk on its path") {
  // As `git diff --no-renames` prints a move plus an edit elsewhere: rename detection on a
  // parsed diff would merge the first two deltas while the patches keep their text order.
  const std::string patch =
      "diff --git a/a/old.txt b/a/old.txt\n"
      "deleted file mode 100644\n"
      "index 3333333..0000000\n"
      "--- a/a/old.txt\n"
      "+++ /dev/null\n"
      "@@ -1,3 +0,0 @@\n"
      "-same one\n"
      "-same two\n"
      "-same three\n"
      "diff --git a/b/moved.txt b/b/moved.txt\n"
      "new file mode 100644\n"
      "index 0000000..3333333\n"
      "--- /dev/null\n"
      "+++ b/b/moved.txt\n"
      "@@ -0,0 +1,3 @@\n"
      "+same one\n"
      "+same two\n"
      "+same three\n"
      "diff --git a/c.txt b/c.txt\n"
      "index 4444444..5555555 100644\n"
      "--- a/c.txt\n"
      "+++ b/c.txt\n"
      "@@ -1,2 +1,2 @@\n"
      " keep\n"
      "-old c\n"
      "+new c\n";
  auto files = HunksOfDiffText(patch);
  REQUIRE(files.ok());
  REQUIRE(files->size() == 3);
  CHECK((*files)[0].status == 'D');
  CHECK((*files)[0].old_path == "a/old.txt");
  CHECK((*files)[0].hunks[0].lines[0] == HunkLine{'-', 1, -1, "same one"});
  CHECK((*files)[1].status == 'A');
  CHECK((*files)[1].new_path == "b/moved.txt");
  CHECK((*files)[1].hunks[0].lines[0] == HunkLine{'+', -1, 1, "same one"});
  CHECK((*files)[2].new_path == "c.txt");
  REQUIRE((*files)[2].hunks.size() == 1);
  CHECK((*files)[2].hunks[0].lines[2] == HunkLine{'+', -1, 2, "new c"});
}

TEST_CASE("the work tree side reads only regular files inside the tree, up to a size") {
  namespace fs = std::filesystem;
  TempRepo t;
  TempDir outside;
  outside.Write("secret.txt", "secret\n");
  t.Write("sub/ok.txt", "fine\n");
  CHECK(ReadFileAt(t.repo(), "workdir", "sub/ok.txt").value() == "fine\n");
  CHECK(ReadFileAt(t.repo(), "workdir", "sub/../sub/ok.txt").status().code() ==
        StatusCode::kInvalidArgument);
  const std::string escape = "../" + fs::path(outside.path()).filename().string() + "/secret.txt";
  CHECK(ReadFileAt(t.repo(), "workdir", escape).status().code() == StatusCode::kInvalidArgument);
  CHECK(ReadFileAt(t.repo(), "workdir", outside.path() + "/secret.txt").status().code() ==
        StatusCode::kInvalidArgument);
  // Symlinks out of the tree, as the file or as a directory on the way, and special files.
  fs::create_symlink(fs::path(outside.path()) / "secret.txt", t.dir() / "link.txt");
  fs::create_directory_symlink(outside.path(), t.dir() / "linkdir");
  fs::create_symlink("/dev/zero", t.dir() / "zero");
  REQUIRE(::mkfifo((t.dir() / "fifo").c_str(), 0600) == 0);
  for (const char* bad : {"link.txt", "linkdir/secret.txt", "zero", "fifo"}) {
    CAPTURE(bad);
    auto read = ReadFileAt(t.repo(), "workdir", bad);
    CHECK(!read.ok());
  }
  t.Write("big.log", std::string(kMaxReadBytes + 1, 'x'));
  CHECK(ReadFileAt(t.repo(), "workdir", "big.log").status().code() ==
        StatusCode::kResourceExhausted);
  t.CommitFiles({"big.log"}, "big");
  CHECK(ReadFileAt(t.repo(), "HEAD", "big.log").status().code() == StatusCode::kResourceExhausted);
}

TEST_CASE("diff hunks leave out files over the size, line and total limits and name them") {
  TempRepo t;
  t.Write("small.txt", "one\n");
  t.CommitFiles({"small.txt"}, "first");
  t.Write("small.txt", "one\ntwo\n");
  t.Write("huge.log", std::string((1 << 20) + 10, 'x') + "\n");  // untracked, over 1 MiB
  std::string many;
  for (int i = 0; i < 20001; ++i) many += "l\n";
  t.Write("many.txt", many);  // small, but over 20000 lines
  std::vector<std::string> too_large;
  auto files = DiffHunks(t.repo(), {.from = "HEAD", .to = "workdir"}, {}, &too_large);
  REQUIRE(files.ok());
  REQUIRE(files->size() == 1);
  CHECK((*files)[0].new_path == "small.txt");
  std::sort(too_large.begin(), too_large.end());
  CHECK(too_large == std::vector<std::string>{"huge.log", "many.txt"});

  // The total: once the patches held reach it, later files are left out.
  t.Write("z1.txt", "a\n");
  t.Write("z2.txt", "b\n");
  too_large.clear();
  auto bounded = DiffHunks(t.repo(), {.from = "HEAD", .to = "workdir"},
                           {.max_file_lines = 10, .max_total_bytes = 120}, &too_large);
  REQUIRE(bounded.ok());
  CHECK(bounded->size() < 3);
  CHECK(bounded->size() + too_large.size() == 5);
}

}  // namespace
}  // namespace tools
