#include "tools/search/searcher.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include "tools/git/temp_repo_for_test.h"

namespace tools {
namespace {

using base::StatusCode;

struct Fixture {
  TempRepo repo;
  TempDir outside;
  std::unique_ptr<Workspace> ws;
  std::unique_ptr<IgnoreRules> ignore;
  Fixture() {
    repo.Write(".gitignore", "build/\n*.log\n");
    repo.Write("src/main.cc", "int main() {\n  Foo();\n  return 0;\n}\n");
    repo.Write("src/foo.cc", "void Foo() {}\nvoid foo_helper() {}\n");
    repo.Write("src/sub/.gitignore", "generated.cc\n");
    repo.Write("src/sub/generated.cc", "Foo generated\n");
    repo.Write("build/out.cc", "Foo in build\n");
    repo.Write("run.log", "Foo in log\n");
    repo.Write("data.bin", std::string("Foo\0binary", 10));
    outside.Write("secret.cc", "Foo outside\n");
    ::symlink(outside.path().c_str(), (repo.dir() / "link_out").c_str());
    ws = std::move(Workspace::Open(repo.path()).value());
    ignore = GitIgnoreRulesFor(ws->root());
  }
  SearchResult Run(SearchOptions options) {
    return Search(*ws, ignore.get(), options, nullptr).value();
  }
};

std::vector<std::string> Locations(const SearchResult& r) {
  std::vector<std::string> out;
  for (const SearchMatch& m : r.matches) out.push_back(m.path + ":" + std::to_string(m.line));
  return out;
}

TEST_CASE("literal search respects .gitignore at every level, skips binaries and symlinks") {
  Fixture f;
  SearchResult r = f.Run({.pattern = "Foo"});
  CHECK(Locations(r) == std::vector<std::string>{"src/foo.cc:1", "src/main.cc:2"});
  CHECK_FALSE(r.truncated);
  SearchResult ci = f.Run({.pattern = "foo", .case_insensitive = true});
  CHECK(Locations(ci) == std::vector<std::string>{"src/foo.cc:1", "src/foo.cc:2", "src/main.cc:2"});
  // Regex metacharacters are literal unless regex is set.
  CHECK(f.Run({.pattern = "Foo();"}).matches.size() == 1);
  CHECK(f.Run({.pattern = "Foo();", .regex = true}).matches.empty());  // () is a group here
  CHECK(f.Run({.pattern = "F.o\\(\\)", .regex = true}).matches.size() == 2);
  SearchResult no_ignore = Search(*f.ws, nullptr, {.pattern = "Foo"}, nullptr).value();
  CHECK(no_ignore.matches.size() == 5);  // build/, run.log, generated.cc too; never bin or link
}

TEST_CASE("search and the code index agree on ignores: deep negation, node_modules, a subfolder workspace") {
  TempRepo repo;
  repo.Write(".gitignore", "*.gen\n");
  repo.Write("lib/.gitignore", "!keep.gen\n");  // re-includes one file below lib/
  repo.Write("lib/keep.gen", "needle kept\n");
  repo.Write("lib/drop.gen", "needle dropped\n");
  repo.Write("lib/node_modules/pkg/index.js", "needle in a dependency\n");
  repo.Write("lib/src/a.cc", "needle in source\n");
  auto ws = std::move(Workspace::Open(repo.path() + "/lib").value());
  std::unique_ptr<IgnoreRules> ignore = GitIgnoreRulesFor(ws->root());
  SearchResult r = Search(*ws, ignore.get(), {.pattern = "needle"}, nullptr).value();
  // The root's *.gen applies to the lib/ workspace; lib/.gitignore's negation wins for keep.gen.
  CHECK(Locations(r) == std::vector<std::string>{"keep.gen:1", "src/a.cc:1"});
}

TEST_CASE("regex search with context lines, and a path limit") {
  Fixture f;
  SearchResult r = f.Run({.pattern = "^\\s+return \\d+;$", .regex = true, .context_lines = 1});
  REQUIRE(r.matches.size() == 1);
  CHECK(r.matches[0] == SearchMatch{"src/main.cc", 3, "  return 0;", {"  Foo();"}, {"}"}});
  CHECK(FormatSearchResult(r) ==
        "src/main.cc-2-  Foo();\nsrc/main.cc:3:  return 0;\nsrc/main.cc-4-}\n");
  CHECK(f.Run({.pattern = "Foo", .path = "src/foo.cc"}).matches.size() == 1);
  CHECK(Search(*f.ws, f.ignore.get(), {.pattern = "(", .regex = true}, nullptr).status().code() ==
        StatusCode::kInvalidArgument);
  CHECK(Search(*f.ws, f.ignore.get(), {.pattern = "x", .path = "link_out"}, nullptr)
            .status()
            .code() == StatusCode::kPermissionDenied);
}

TEST_CASE("caps on matches and bytes stop the search and say so") {
  Fixture f;
  std::string many;
  for (int i = 0; i < 500; ++i) many += "needle " + std::to_string(i) + "\n";
  f.repo.Write("many.txt", many);
  SearchResult by_count = f.Run({.pattern = "needle", .max_matches = 10});
  CHECK(by_count.matches.size() == 10);
  CHECK(by_count.truncated);
  SearchResult by_bytes = f.Run({.pattern = "needle", .max_bytes = 100});
  CHECK(by_bytes.matches.size() == 12);  // ten 8-byte lines and two 9-byte ones: 98 bytes
  CHECK(by_bytes.truncated);
  CHECK(FormatSearchResult(by_bytes).find("[results truncated") != std::string::npos);
  base::CancelToken cancel;
  cancel.Cancel();
  CHECK(Search(*f.ws, f.ignore.get(), {.pattern = "needle"}, &cancel).status().code() ==
        StatusCode::kCancelled);
}

}  // namespace
}  // namespace tools
