#include "tools/files/text_edit.h"

#include <doctest/doctest.h>

#include "tools/files/temp_dir_for_test.h"

namespace tools {
namespace {

using base::StatusCode;

TEST_CASE("edit_file replaces a unique exact match") {
  TempDir dir;
  dir.Write("m.py", "def f():\n    return 1\n\ndef g():\n    return 1\n");
  auto ws = std::move(Workspace::Open(dir.path()).value());
  CHECK(EditFile(*ws, "m.py", {"def g():\n    return 1", "def g():\n    return 2"}).value() == 1);
  CHECK(dir.Read("m.py") == "def f():\n    return 1\n\ndef g():\n    return 2\n");
}

TEST_CASE("edit_file refuses missing and ambiguous search text and leaves the file alone") {
  TempDir dir;
  const std::string original = "x = 1\nx = 1\n";
  dir.Write("m.py", original);
  auto ws = std::move(Workspace::Open(dir.path()).value());
  CHECK(EditFile(*ws, "m.py", {"y = 1", "y = 2"}).status().code() == StatusCode::kNotFound);
  auto ambiguous = EditFile(*ws, "m.py", {"x = 1", "x = 2"});
  CHECK(ambiguous.status().code() == StatusCode::kFailedPrecondition);
  CHECK(ambiguous.status().message().find("2 times") != std::string::npos);
  CHECK(EditFile(*ws, "m.py", {"", "z"}).status().code() == StatusCode::kInvalidArgument);
  CHECK(dir.Read("m.py") == original);
  CHECK(EditFile(*ws, "m.py", {"x = 1", "x = 2", true}).value() == 2);
  CHECK(dir.Read("m.py") == "x = 2\nx = 2\n");
}

TEST_CASE("ReplaceExact does not rescan replaced text") {
  auto out = ReplaceExact("aaa", {"a", "aa", true}).value();
  CHECK(out == std::make_pair(std::string("aaaaaa"), 3));
}

}  // namespace
}  // namespace tools
