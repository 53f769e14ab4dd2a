#include "tools/files/patch_applier.h"

#include <doctest/doctest.h>

#include "tools/files/temp_dir_for_test.h"
#include "tools/files/unified_diff.h"

namespace tools {
namespace {

using base::StatusCode;

const char kMultiFileDiff[] =
    "diff --git a/src/lib.c b/src/lib.c\n"
    "--- a/src/lib.c\n"
    "+++ b/src/lib.c\n"
    "@@ -1,4 +1,4 @@\n"
    " int one() { return 1; }\n"
    "-int two() { return 3; }\n"
    "+int two() { return 2; }\n"
    " int three() { return 3; }\n"
    " int four() { return 4; }\n"
    "--- /dev/null\n"
    "+++ b/NEW.md\n"
    "@@ -0,0 +1,2 @@\n"
    "+# New\n"
    "+text\n"
    "--- a/old.txt\n"
    "+++ /dev/null\n"
    "@@ -1 +0,0 @@\n"
    "-bye\n";

TEST_CASE("ParseUnifiedDiff reads file sections and hunks") {
  auto patches = ParseUnifiedDiff(kMultiFileDiff).value();
  REQUIRE(patches.size() == 3);
  CHECK(patches[0].old_path == "src/lib.c");
  CHECK(patches[0].hunks[0].lines.size() == 5);
  CHECK(patches[1].old_path.empty());
  CHECK(patches[1].new_path == "NEW.md");
  CHECK(patches[2].new_path.empty());
  CHECK(ParseUnifiedDiff("just prose").status().code() == StatusCode::kInvalidArgument);
  CHECK(ParseUnifiedDiff("--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n a\n").status().code() ==
        StatusCode::kInvalidArgument);
}

TEST_CASE("apply_patch modifies, creates and deletes files together") {
  TempDir dir;
  dir.Write("src/lib.c",
            "int one() { return 1; }\nint two() { return 3; }\nint three() { return 3; }\n"
            "int four() { return 4; }\n");
  dir.Write("old.txt", "bye\n");
  auto ws = std::move(Workspace::Open(dir.path()).value());
  auto done = ApplyPatch(*ws, kMultiFileDiff).value();
  std::vector<PatchedFile> want = {
      {"src/lib.c", "modified"}, {"NEW.md", "created"}, {"old.txt", "deleted"}};
  CHECK(done == want);
  CHECK(dir.Read("src/lib.c").find("int two() { return 2; }") != std::string::npos);
  CHECK(dir.Read("NEW.md") == "# New\ntext\n");
  CHECK_FALSE(dir.Exists("old.txt"));
}

TEST_CASE("a conflict in any file changes nothing and says where") {
  TempDir dir;
  const std::string lib =
      "int one() { return 1; }\nint two() { return 3; }\n"
      "int three() { return 3; }\nint four() { return 4; }\n";
  dir.Write("src/lib.c", lib);
  dir.Write("old.txt", "something else\n");  // the deletion hunk will not match
  auto ws = std::move(Workspace::Open(dir.path()).value());
  auto result = ApplyPatch(*ws, kMultiFileDiff);
  REQUIRE(result.status().code() == StatusCode::kFailedPrecondition);
  MESSAGE(result.status().message());
  CHECK(result.status().message().find("old.txt") != std::string::npos);
  CHECK(result.status().message().find("'something else'") != std::string::npos);
  CHECK(dir.Read("src/lib.c") == lib);
  CHECK_FALSE(dir.Exists("NEW.md"));
  CHECK(dir.Read("old.txt") == "something else\n");
}

TEST_CASE("hunks apply at an offset and respect missing final newlines") {
  std::string content = "a\nb\nc\nd\ne";
  auto patches = ParseUnifiedDiff(
                     "--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n c\n-d\n+D\n@@ -5 +5 @@\n-e\n"
                     "\\ No newline at end of file\n+E\n")
                     .value();
  CHECK(ApplyHunks(content, patches[0]).value() == "a\nb\nc\nD\nE\n");
  auto keep = ParseUnifiedDiff(
                  "--- a/f\n+++ b/f\n@@ -5 +5 @@\n-e\n\\ No newline at end of file\n"
                  "+E\n\\ No newline at end of file\n")
                  .value();
  CHECK(ApplyHunks(content, keep[0]).value() == "a\nb\nc\nd\nE");
}

TEST_CASE("CRLF files keep their line endings") {
  auto patches = ParseUnifiedDiff("--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-b\n+B\n").value();
  CHECK(ApplyHunks("a\r\nb\r\n", patches[0]).value() == "a\r\nB\r\n");
  CHECK(ApplyHunks("a\nb\n", patches[0]).value() == "a\nB\n");
}

TEST_CASE("apply_patch refuses paths outside the workspace") {
  TempDir dir, outside;
  outside.Write("t.txt", "x\n");
  auto ws = std::move(Workspace::Open(dir.path()).value());
  std::string diff = "--- a/../" + std::filesystem::path(outside.path()).filename().string() +
                     "/t.txt\n+++ b/../" +
                     std::filesystem::path(outside.path()).filename().string() +
                     "/t.txt\n@@ -1 +1 @@\n-x\n+y\n";
  CHECK(ApplyPatch(*ws, diff).status().code() == StatusCode::kPermissionDenied);
  CHECK(outside.Read("t.txt") == "x\n");
}

}  // namespace
}  // namespace tools
