#include "tools/code/gitignore.h"

#include <doctest/doctest.h>
#include <sys/wait.h>

#include <cstdio>
#include <set>

#include "tools/code/test_git_repo.h"

namespace tools {
namespace {

TEST_CASE("glob matching follows gitignore rules for *, ?, [] and **") {
  CHECK(GlobMatch("*.o", "main.o"));
  CHECK_FALSE(GlobMatch("*.o", "dir/main.o"));  // '*' stops at '/'
  CHECK(GlobMatch("a?c", "abc"));
  CHECK_FALSE(GlobMatch("a?c", "a/c"));
  CHECK(GlobMatch("[a-c]x", "bx"));
  CHECK_FALSE(GlobMatch("[!a-c]x", "bx"));
  CHECK(GlobMatch("**/foo", "foo"));
  CHECK(GlobMatch("**/foo", "a/b/foo"));
  CHECK(GlobMatch("a/**/b", "a/b"));
  CHECK(GlobMatch("a/**/b", "a/x/y/b"));
  CHECK_FALSE(GlobMatch("a/**/b", "a/x/y/c"));
  CHECK(GlobMatch("a/**", "a/x/y"));
  CHECK(GlobMatch("\\#x", "#x"));
  CHECK(GlobMatch("[ab", "[ab"));  // unterminated bracket is literal
}

// Paths under `root` that the git CLI reports as ignored (git itself is the oracle; libgit2
// 1.5 disagrees with git on negations in deeper .gitignore files).
std::set<std::string> GitCheckIgnore(const std::filesystem::path& root,
                                     const std::vector<std::string>& paths) {
  std::filesystem::path list = root / ".git" / "paths-to-check";
  std::ofstream out(list);
  for (const std::string& p : paths) out << p << "\n";
  out.close();
  std::string command =
      "timeout 20 git -C '" + root.string() + "' check-ignore --stdin < '" + list.string() + "'";
  std::set<std::string> ignored;
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char line[4096];
  while (fgets(line, sizeof line, pipe) != nullptr) {
    std::string s(line);
    if (!s.empty() && s.back() == '\n') s.pop_back();
    ignored.insert(s);
  }
  int rc = pclose(pipe);
  REQUIRE(WEXITSTATUS(rc) <= 1);  // 1 = nothing ignored; 124 = timed out
  return ignored;
}

TEST_CASE("ignore decisions agree with git on a repository with nested rules") {
  TestGitRepo repo;
  repo.Write(".gitignore",
             "# build outputs\n"
             "*.o\n"
             "build/\n"
             "/root_only.txt\n"
             "docs/**/*.tmp\n"
             "!keep.o\n"
             "logs\n"
             "\\#hash\n"
             "trailing.txt   \n"
             "[Tt]emp*\n"
             "**/cache/data\n"
             "assets/**/\n"
             "*.swp\n"
             "!important.swp\n"
             "nested/deep/\n"
             "q?.txt\n");
  repo.Write("src/.gitignore", "generated/\n!important.o\n*.gen.*\n/anchored.c\nsub/*.c\n");
  repo.Write(".git/info/exclude", "secret.txt\n");
  const std::vector<std::string> files = {"main.c",
                                          "main.o",
                                          "keep.o",
                                          "build/out.bin",
                                          "src/build/x.c",
                                          "root_only.txt",
                                          "src/root_only.txt",
                                          "docs/a/b/c.tmp",
                                          "docs/c.tmp",
                                          "docs/ok.md",
                                          "logs/today.log",
                                          "src/logs",
                                          "#hash",
                                          "trailing.txt",
                                          "Temp1.c",
                                          "temp/x.c",
                                          "src/generated/g.c",
                                          "src/important.o",
                                          "src/a.gen.c",
                                          "lib/a.gen.c",
                                          "secret.txt",
                                          "src/secret.txt",
                                          "src/deep/main.o",
                                          "src/deep/important.o",
                                          "x/cache/data",
                                          "cache/data",
                                          "cache/other",
                                          "assets/img/a.png",
                                          "assets/a.png",
                                          "a.swp",
                                          "important.swp",
                                          "nested/deep/f.c",
                                          "x/nested/deep/f.c",
                                          "q1.txt",
                                          "q12.txt",
                                          "src/anchored.c",
                                          "src/x/anchored.c",
                                          "src/sub/a.c",
                                          "src/sub/deeper/a.c",
                                          "anchored.c"};
  for (const std::string& f : files) repo.Write(f, "x\n");

  std::set<std::string> git_ignored = GitCheckIgnore(repo.root(), files);
  CHECK(git_ignored.size() > 10);
  Gitignore ours(repo.root());
  for (const std::string& f : files) {
    CHECK_MESSAGE(ours.IsIgnored(f, false) == (git_ignored.count(f) == 1), "path ", f);
  }
  CHECK(ours.IsIgnored(".git/config", false));
  CHECK(ours.IsIgnored("web/node_modules/react/index.js", false));  // beyond git: always
  CHECK_FALSE(ours.IsIgnored("node_modules", false));               // a file of that name
}

TEST_CASE("a negated rule cannot re-include a file inside an ignored directory") {
  TestGitRepo repo;
  repo.Write(".gitignore", "out/\n!out/keep.txt\n");
  Gitignore ours(repo.root());
  CHECK(ours.IsIgnored("out/keep.txt", false));
  CHECK(ours.MatchesRules("out", true));
}

TEST_CASE("invalidate picks up an edited .gitignore") {
  TestGitRepo repo;
  repo.Write(".gitignore", "*.log\n");
  Gitignore ours(repo.root());
  CHECK(ours.IsIgnored("a.log", false));
  CHECK_FALSE(ours.IsIgnored("a.txt", false));
  repo.Write(".gitignore", "*.txt\n");
  ours.Invalidate("");
  CHECK_FALSE(ours.IsIgnored("a.log", false));
  CHECK(ours.IsIgnored("a.txt", false));
}

}  // namespace
}  // namespace tools
