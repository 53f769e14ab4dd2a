#include "tools/code/repo_map.h"

#include <doctest/doctest.h>

#include <numeric>

#include "tools/code/tag_extractor.h"

namespace tools {
namespace {

// A small Python project: core.py is used everywhere, util.py only by leaf.py, and leaf.py
// by nobody. Symbols come from the real extractor.
RepoMapBuilder MakeProject() {
  TagQuerySet queries;
  TagExtractor extractor(queries);
  const LanguageInfo& python = *LanguageByName("python");
  const std::vector<std::pair<std::string, std::string>> files = {
      {"core.py",
       "class Engine:\n    def run(self, job):\n        return job\n\n"
       "    def stop(self):\n        pass\n\ndef make_engine():\n    return Engine()\n"},
      {"a.py", "def job_a():\n    e = make_engine()\n    e.run(1)\n    Engine()\n"},
      {"b.py", "def job_b():\n    make_engine().run(2)\n"},
      {"c.py", "def job_c():\n    Engine().run(3)\n    Engine().stop()\n"},
      {"util.py", "def format_x(x):\n    return str(x)\n\ndef parse_x(s):\n    return s\n"},
      {"leaf.py", "def helper():\n    return format_x(1) + parse_x('2')\n"},
  };
  RepoMapBuilder builder;
  for (const auto& [path, text] : files) {
    auto symbols = extractor.Extract(python, text);
    REQUIRE(symbols.ok());
    builder.AddFile(path, *symbols);
  }
  return builder;
}

size_t Position(const std::vector<RankedFile>& ranked, const std::string& path) {
  for (size_t i = 0; i < ranked.size(); ++i) {
    if (ranked[i].path == path) return i;
  }
  FAIL("missing " << path);
  return 0;
}

TEST_CASE("PageRank puts the most referenced file first and sums to one") {
  RepoMapBuilder builder = MakeProject();
  auto ranked = builder.RankFiles({});
  REQUIRE(ranked.size() == 6);
  CHECK(ranked[0].path == "core.py");
  double total = std::accumulate(ranked.begin(), ranked.end(), 0.0,
                                 [](double s, const RankedFile& f) { return s + f.rank; });
  CHECK(total == doctest::Approx(1.0).epsilon(1e-6));
  CHECK(Position(ranked, "util.py") > Position(ranked, "core.py"));
}

TEST_CASE("personalisation towards a file ranks what it uses first") {
  RepoMapBuilder builder = MakeProject();
  RepoMapRequest request;
  request.focus_files = {"leaf.py"};
  auto ranked = builder.RankFiles(request);
  CHECK(Position(ranked, "util.py") < Position(ranked, "core.py"));

  RepoMapRequest by_name;
  by_name.focus_identifiers = {"helper"};
  CHECK(builder.RankFiles(by_name)[0].path == "leaf.py");
}

TEST_CASE("the rendered map fits the budget, shows signatures nested, and grows with it") {
  RepoMapBuilder builder = MakeProject();
  CharEstimateTokenCounter counter;
  size_t previous_symbols = 0;
  for (size_t budget : {0, 10, 25, 50, 100, 400}) {
    RepoMapRequest request;
    request.token_budget = budget;
    RepoMap map = builder.Build(request, counter);
    CHECK(map.tokens <= budget);
    CHECK(map.tokens == counter.Count(map.text));
    CHECK(map.symbols_shown >= previous_symbols);
    previous_symbols = map.symbols_shown;
  }
  RepoMapRequest all;
  all.token_budget = 400;
  RepoMap map = builder.Build(all, counter);
  MESSAGE("full map:\n", map.text);
  CHECK(map.symbols_shown == 10);  // every definition fits
  CHECK(map.files_shown == 6);
  CHECK(map.text.starts_with("core.py:\n"));
  CHECK(map.text.find("core.py:\n  class Engine:\n    def run(self, job):\n") != std::string::npos);
  CHECK(map.text.find("return job") == std::string::npos);  // signatures only
  CHECK(map.text == builder.Build(all, counter).text);      // deterministic

  RepoMapRequest small;
  small.token_budget = 20;
  RepoMap top = builder.Build(small, counter);
  CHECK(top.symbols_shown > 0);
  CHECK(top.text.find("core.py:") != std::string::npos);  // the best symbols come first
}

TEST_CASE("focus files are left out of the map by default") {
  RepoMapBuilder builder = MakeProject();
  CharEstimateTokenCounter counter;
  RepoMapRequest request;
  request.focus_files = {"leaf.py"};
  request.token_budget = 400;
  RepoMap map = builder.Build(request, counter);
  CHECK(map.text.find("leaf.py") == std::string::npos);
  CHECK(map.text.starts_with("util.py:\n"));
  request.exclude_focus_files = false;
  CHECK(builder.Build(request, counter).text.find("leaf.py:") != std::string::npos);
}

TEST_CASE("an empty project gives an empty map") {
  RepoMapBuilder builder;
  CharEstimateTokenCounter counter;
  RepoMap map = builder.Build({}, counter);
  CHECK(map.text.empty());
  CHECK(map.files.empty());
}

}  // namespace
}  // namespace tools
