#include "agent/review_context.h"

#include <doctest/doctest.h>

#include "agent/review_prompt.h"
#include "tools/files/temp_dir_for_test.h"

namespace agent {
namespace {

TEST_CASE("a hunk's repository context lists the definitions its added lines use") {
  tools::TempDir dir;
  dir.Write("net/header.c",
            "int parse_header(const char *buf, unsigned long len, int strict) {\n"
            "  return 0;\n}\n");
  // Four definitions of `reset`: too generic to say which one the change calls.
  for (const char* f : {"a.c", "b.c", "c.c", "d.c"}) {
    dir.Write(std::string("generic/") + f, "void reset(void) {}\n");
  }
  dir.Write("main.c",
            "static int local_helper(int x) {\n  return x;\n}\n"
            "int main(void) {\n  return 0;\n}\n");
  auto index = tools::RepoIndex::Open(dir.path(), ":memory:");
  REQUIRE(index.ok());
  REQUIRE((*index)->Refresh().ok());

  tools::Hunk hunk;
  hunk.header = "@@ -4,2 +4,5 @@";
  hunk.new_start = 1;
  hunk.new_lines = 9;
  hunk.lines = {{' ', 4, 4, "int main(void) {"},
                {'+', -1, 5, "  int ok = parse_header(buf, n, 1);"},
                {'+', -1, 6, "  reset();"},
                {'+', -1, 7, "  ok += local_helper(ok); /* unknown_name */"},
                {' ', 5, 8, "  return 0;"}};
  std::string context = DefinitionsUsedBy(**index, "main.c", hunk);
  CHECK(context ==
        "net/header.c:1: function int parse_header(const char *buf, unsigned long len, int "
        "strict)\n");
  // local_helper is defined inside the hunk's lines (1..9): the model sees it already.
  CHECK(context.find("local_helper") == std::string::npos);
  CHECK(context.find("reset") == std::string::npos);

  hunk.new_start = 4;  // now local_helper (line 1) lies outside the hunk
  hunk.new_lines = 5;
  context = DefinitionsUsedBy(**index, "main.c", hunk);
  CHECK(context.find("main.c:1: function static int local_helper(int x)\n") != std::string::npos);
  CHECK(DefinitionsUsedBy(**index, "main.c", hunk, 1) == context.substr(0, context.find('\n') + 1));

  // The prompt shows the context, and drops it first when the context window is tight.
  ReviewPromptInput input;
  input.file_path = "main.c";
  input.hunk = &hunk;
  input.repo_context = context;
  std::string text = RenderReviewRequest(input, 0, 100);
  CHECK(
      text.find("Definitions elsewhere in the repository that the change uses:\nnet/header.c:1:") !=
      std::string::npos);
  CHECK(RenderReviewRequest(input, 0, 100, false).find("net/header.c") == std::string::npos);
}

}  // namespace
}  // namespace agent
