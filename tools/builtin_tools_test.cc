#include "tools/builtin_tools.h"

#include <doctest/doctest.h>

#include "tools/git/temp_repo_for_test.h"

namespace tools {
namespace {

using base::StatusCode;
using namespace std::chrono_literals;

struct Fixture {
  TempRepo repo;
  ToolRegistry registry;
  ToolContext context;
  explicit Fixture(std::unique_ptr<Shell> shell = nullptr) {
    if (!shell) shell = Shell::Create({});
    REQUIRE(RegisterBuiltinTools(registry, std::move(shell)).ok());
    context.workspace_root = repo.path();
    context.cancel = std::make_shared<base::CancelToken>();
    context.limits.default_timeout = 10s;  // every shell call in these tests has a time limit
  }
  base::StatusOr<ToolResult> Call(const std::string& name, const std::string& args) {
    const Tool* tool = registry.Find(name);
    REQUIRE(tool != nullptr);
    return tool->Run(args, context);
  }
  ToolResult Ok(const std::string& name, const std::string& args) {
    auto r = Call(name, args);
    REQUIRE(r.ok());
    return *r;
  }
};

TEST_CASE("the registry holds the twelve tools with object schemas") {
  Fixture f;
  std::vector<std::string> names;
  for (const Tool* t : f.registry.List()) {
    names.push_back(std::string(t->name()));
    CHECK(t->parameters()["type"] == "object");
    CHECK(!t->description().empty());
  }
  std::vector<std::string> want = {"apply_patch", "edit_file", "git_blame",  "git_diff",
                                   "git_log",     "git_show",  "git_status", "list_dir",
                                   "read_file",   "search",    "shell",      "write_file"};
  CHECK(names == want);
  CHECK(f.registry.Find("read_file")->IsReadOnly());
  CHECK_FALSE(f.registry.Find("shell")->IsReadOnly());
  CHECK_FALSE(f.registry.Find("apply_patch")->IsReadOnly());
  CHECK(f.registry.Register(NewReadFileTool()).code() == StatusCode::kAlreadyExists);
  CHECK(f.registry.Find("nope") == nullptr);
}

TEST_CASE("file tools: model mistakes come back as is_error results") {
  Fixture f;
  f.repo.Write("a.txt", "one\ntwo\nthree\n");
  CHECK(f.Ok("read_file", R"({"path":"a.txt","start_line":2,"end_line":2})") ==
        ToolResult::Ok("     2\ttwo\n[showing lines 2-2 of 3]\n"));
  ToolResult outside = f.Ok("read_file", R"({"path":"../../etc/passwd"})");
  CHECK(outside.is_error);
  CHECK(outside.output.find("permission_denied") != std::string::npos);
  CHECK(f.Ok("read_file", R"({"path":"missing.txt"})").is_error);
  CHECK(f.Ok("read_file", R"({"path":"a.txt","start_line":"x"})").is_error);
  CHECK(f.Ok("read_file", "not json").is_error);
  CHECK(f.Ok("read_file", "{}").output.find("missing required argument 'path'") !=
        std::string::npos);

  CHECK_FALSE(f.Ok("write_file", R"({"path":"dir/b.txt","content":"hello\n"})").is_error);
  CHECK(f.repo.Read("dir/b.txt") == "hello\n");
  CHECK(f.Ok("write_file", R"({"path":"/etc/evil","content":"x"})").is_error);

  ToolResult missing =
      f.Ok("edit_file", R"({"path":"a.txt","old_string":"four","new_string":"4"})");
  CHECK(missing.is_error);
  CHECK(f.repo.Read("a.txt") == "one\ntwo\nthree\n");
  CHECK_FALSE(
      f.Ok("edit_file", R"({"path":"a.txt","old_string":"two","new_string":"2"})").is_error);
  CHECK(f.repo.Read("a.txt") == "one\n2\nthree\n");

  ToolResult conflict =
      f.Ok("apply_patch",
           R"({"patch":"--- a/a.txt\n+++ b/a.txt\n@@ -1,2 +1,2 @@\n one\n-two\n+TWO\n"})");
  CHECK(conflict.is_error);
  CHECK(conflict.output.find("hunk 1 of 'a.txt'") != std::string::npos);
  CHECK(f.Ok("apply_patch",
             R"({"patch":"--- a/a.txt\n+++ b/a.txt\n@@ -1,2 +1,2 @@\n one\n-2\n+II\n"})")
            .output == "modified: a.txt\n");
  CHECK(f.repo.Read("a.txt") == "one\nII\nthree\n");
  CHECK(f.Ok("list_dir", "{}").output.find("d dir/\n") != std::string::npos);
  CHECK(f.Ok("search", R"({"pattern":"thr"})").output == "a.txt:3:three\n");
}

TEST_CASE("output is capped with a notice") {
  Fixture f;
  f.context.limits.max_output_bytes = 100;
  std::string big(5000, 'x');
  f.repo.Write("big.txt", big + "\n");
  ToolResult r = f.Ok("read_file", R"({"path":"big.txt"})");
  CHECK(r.truncated);
  CHECK(r.output.size() < 200);
  CHECK(r.output.find("[output truncated") != std::string::npos);
}

TEST_CASE("tool output is valid UTF-8 whatever the file holds") {
  Fixture f;
  f.repo.Write("latin1.txt", "caf\xE9 cr\xE8me\n");
  ToolResult r = f.Ok("read_file", R"({"path":"latin1.txt"})");
  CHECK(r.output.find("caf\xEF\xBF\xBD cr\xEF\xBF\xBDme") != std::string::npos);
}

TEST_CASE("git tools read the workspace repository") {
  Fixture f;
  f.repo.Write("f.txt", "first\n");
  std::string c1 = f.repo.CommitFiles({"f.txt"}, "add f");
  f.repo.Write("f.txt", "first\nsecond\n");
  std::string c2 = f.repo.CommitFiles({"f.txt"}, "extend f");
  f.repo.Write("f.txt", "changed\n");
  f.repo.Write("new.txt", "n\n");
  std::string status = f.Ok("git_status", "{}").output;
  CHECK(status.find(" M f.txt\n") != std::string::npos);
  CHECK(status.find("?? new.txt\n") != std::string::npos);
  std::string diff = f.Ok("git_diff", "{}").output;
  CHECK(diff.find("M f.txt +1 -2\n") != std::string::npos);
  CHECK(diff.find("+changed") != std::string::npos);
  CHECK(
      f.Ok("git_diff", R"({"from":")" + c1 + R"(","to":")" + c2 + R"("})").output.find("+second") !=
      std::string::npos);
  std::string log = f.Ok("git_log", R"({"max_count":5})").output;
  CHECK(log.find(c2.substr(0, 12)) == 0);
  CHECK(log.find("Test Author: add f") != std::string::npos);
  CHECK(f.Ok("git_show", R"({"revision":"HEAD~1"})").output.find("    add f\n") !=
        std::string::npos);
  std::string blame = f.Ok("git_blame", R"({"path":"f.txt"})").output;
  CHECK(blame.find(c1.substr(0, 8) + " (Test Author") == 0);
  CHECK(blame.find(c2.substr(0, 8)) != std::string::npos);
  CHECK(f.Ok("git_show", R"({"revision":"no-such-rev"})").is_error);
  CHECK(f.Ok("git_blame", R"({"path":"../x"})").is_error);
}

TEST_CASE("git_status in a workspace below the repository root shows workspace paths only") {
  Fixture f;
  f.repo.Write("app/main.cc", "int main() {}\n");
  f.repo.Write("docs/guide.md", "guide\n");
  f.repo.CommitFiles({"app/main.cc", "docs/guide.md"}, "init");
  f.repo.Write("app/main.cc", "int main() { return 1; }\n");
  f.repo.Write("app/new.cc", "\n");
  f.repo.Write("docs/guide.md", "changed\n");
  f.context.workspace_root = f.repo.path() + "/app";
  std::string status = f.Ok("git_status", "{}").output;
  CHECK(status.find(" M main.cc\n") != std::string::npos);
  CHECK(status.find("?? new.cc\n") != std::string::npos);
  CHECK(status.find("guide.md") == std::string::npos);
  CHECK(status.find("(1 more changed paths outside the workspace)") != std::string::npos);
}

TEST_CASE("shell: exit codes and timeouts go to the model, no sandbox and cancel end the turn") {
  Fixture f;
  const Tool* shell = f.registry.Find("shell");
  auto* probe = Shell::Create({}).release();
  bool sandboxed = probe->IsAvailable();
  delete probe;
  if (sandboxed) {
    ToolResult ok = f.Ok("shell", R"({"command":"echo hi; echo warn >&2"})");
    CHECK(ok == ToolResult::Ok("exit code: 0\nstdout:\nhi\nstderr:\nwarn\n"));
    ToolResult failed = f.Ok("shell", R"({"command":"exit 7"})");
    CHECK(failed.is_error);
    CHECK(failed.output == "exit code: 7\n");
    ToolResult slow = f.Ok("shell", R"({"command":"sleep 100","timeout_ms":200})");
    CHECK(slow.is_error);
    CHECK(slow.output.find("timed out after 200 ms") != std::string::npos);
    f.context.cancel->Cancel();
    CHECK(shell->Run(R"({"command":"sleep 100"})", f.context).status().code() ==
          StatusCode::kCancelled);
  } else {
    MESSAGE("sandbox unavailable here; only the refusal is checked");
  }
  Fixture none(std::make_unique<Shell>(ShellPolicy{}, nullptr, "no bwrap in this test"));
  auto refused = none.Call("shell", R"({"command":"true"})");
  CHECK(refused.status().code() == StatusCode::kUnavailable);
}

}  // namespace
}  // namespace tools
