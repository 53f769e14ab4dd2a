#include "cli/review_formats.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

namespace cli {
namespace {

namespace v1 = flashcode::v1;

std::string SourceDir() {
  const char* env = std::getenv("FLASHCODE_SOURCE_DIR");
  if (env != nullptr && *env != '\0') return env;
  return std::filesystem::path(__FILE__).parent_path().parent_path().string();
}

v1::Finding MakeFinding(std::string path, uint32_t start, uint32_t end, v1::Severity severity,
                        std::string rule, std::string message, std::string suggestion = "") {
  v1::Finding f;
  f.set_file_path(std::move(path));
  f.set_start_line(start);
  f.set_end_line(end);
  f.set_severity(severity);
  f.set_rule(std::move(rule));
  f.set_message(std::move(message));
  f.set_suggestion(std::move(suggestion));
  f.set_confidence(0.75f);
  return f;
}

ReviewReport Sample() {
  ReviewReport r;
  r.base = "HEAD~1";
  r.head = "HEAD";
  r.findings.push_back(MakeFinding("src/a b.c", 11, 12, v1::SEVERITY_ERROR, "use-after-free",
                                   "p is read after free(p)", "  int x = *p;\n  free(p);"));
  r.findings.push_back(MakeFinding("src/a b.c", 20, 20, v1::SEVERITY_INFO, "naming",
                                   "Name `tmp` says nothing. ```"));
  r.findings.push_back(
      MakeFinding("lib/ü.py", 3, 3, v1::SEVERITY_WARNING, "use-after-free", "Again."));
  r.done.set_summary("Reviewed 3 hunks in 2 files: 3 findings.");
  r.done.set_hunks_reviewed(3);
  r.done.set_files_reviewed(2);
  return r;
}

// Runs scripts/validate_sarif on `files` (Microsoft's SARIF Multitool and the 2.1.0 schema);
// returns its exit status and output.
std::pair<int, std::string> Validate(const std::vector<std::string>& files) {
  std::string out =
      std::filesystem::temp_directory_path() / ("validate-" + std::to_string(getpid()) + ".txt");
  std::string cmd = "timeout 240 " + SourceDir() + "/scripts/validate_sarif";
  for (const auto& f : files) cmd += " '" + f + "'";
  cmd += " >'" + out + "' 2>&1";
  int rc = std::system(cmd.c_str());
  std::ifstream in(out);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  std::filesystem::remove(out);
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, text};
}

TEST_CASE("SARIF output: rules, levels, locations, fixes, fingerprints, and it validates") {
  ReviewReport report = Sample();
  auto sarif = nlohmann::json::parse(FormatSarif(report));
  CHECK(sarif["version"] == "2.1.0");
  const auto& run = sarif["runs"][0];
  CHECK(run["tool"]["driver"]["name"] == "flashcode");
  REQUIRE(run["tool"]["driver"]["rules"].size() == 2);
  CHECK(run["tool"]["driver"]["rules"][1]["id"] == "naming");
  REQUIRE(run["results"].size() == 3);
  const auto& first = run["results"][0];
  CHECK(first["level"] == "error");
  CHECK(first["message"]["text"] == "p is read after free(p).");
  const auto& loc = first["locations"][0]["physicalLocation"];
  CHECK(loc["artifactLocation"]["uri"] == "src/a%20b.c");
  CHECK(loc["artifactLocation"]["uriBaseId"] == "%SRCROOT%");
  CHECK(loc["region"]["startLine"] == 11);
  CHECK(loc["region"]["endLine"] == 12);
  CHECK(first["fixes"][0]["artifactChanges"][0]["replacements"][0]["insertedContent"]["text"] ==
        "  int x = *p;\n  free(p);\n");  // whole lines: one line end at the end
  CHECK(run["results"][1]["level"] == "note");
  CHECK(run["results"][1].count("fixes") == 0);
  CHECK(run["results"][2]["ruleIndex"] == 0);
  CHECK(run["results"][2]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] ==
        "lib/%C3%BC.py");
  CHECK(first["partialFingerprints"]["flashcodeFinding/v1"] !=
        run["results"][2]["partialFingerprints"]["flashcodeFinding/v1"]);
  // Stable: the same finding on another line keeps its fingerprint.
  ReviewReport moved = report;
  moved.findings[0].set_start_line(40);
  moved.findings[0].set_end_line(41);
  CHECK(nlohmann::json::parse(FormatSarif(moved))["runs"][0]["results"][0]["partialFingerprints"] ==
        first["partialFingerprints"]);

  // Validation, with a broken log beside it as the control that the validator does fail.
  auto dir = std::filesystem::temp_directory_path() / ("sarif-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::string good = (dir / "review.sarif").string(), empty = (dir / "empty.sarif").string();
  std::string partial = (dir / "partial.sarif").string();
  std::ofstream(good) << FormatSarif(report);
  std::ofstream(empty) << FormatSarif(ReviewReport{});
  ReviewReport failed = report;
  failed.failure = "engine stopped";
  std::ofstream(partial) << FormatSarif(failed);
  auto [rc, out] = Validate({good, empty, partial});
  CHECK_MESSAGE(rc == 0, out);
  auto broken_json = nlohmann::json::parse(FormatSarif(report));
  broken_json["runs"][0]["results"][0]["level"] = "critical";
  std::string broken = (dir / "broken.sarif").string();
  std::ofstream(broken) << broken_json.dump();
  auto [bad_rc, bad_out] = Validate({broken});
  CHECK_MESSAGE(bad_rc == 1, bad_out);
  CHECK(bad_out.find("level") != std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("markdown and GitHub review output") {
  ReviewReport report = Sample();
  std::string md = FormatMarkdown(report);
  CHECK(md.find("## flashcode review") == 0);
  CHECK(md.find("Compared `HEAD~1` with `HEAD`") != std::string::npos);
  CHECK(md.find("### `src/a b.c`") != std::string::npos);
  CHECK(md.find("- **error** L11-L12 `use-after-free`: p is read after free(p)") !=
        std::string::npos);
  CHECK(md.find("  ```\n    int x = *p;\n    free(p);\n  ```") != std::string::npos);

  auto gh = nlohmann::json::parse(FormatGithubReview(report));
  CHECK(gh["event"] == "COMMENT");
  REQUIRE(gh["comments"].size() == 3);
  const auto& c = gh["comments"][0];
  CHECK(c["path"] == "src/a b.c");
  CHECK(c["line"] == 12);
  CHECK(c["start_line"] == 11);
  CHECK(c["side"] == "RIGHT");
  CHECK(c["body"].get<std::string>().find("```suggestion\n  int x = *p;\n  free(p);\n```") !=
        std::string::npos);
  CHECK(gh["comments"][1].count("start_line") == 0);
  // A message with ``` gets a longer fence only where a suggestion is fenced; none here.
  CHECK(gh["comments"][1]["body"].get<std::string>().find("**info** `naming`") == 0);
}

TEST_CASE("--fail-on thresholds") {
  ReviewReport report = Sample();
  CHECK(HasFindingAtLeast(report, v1::SEVERITY_ERROR));
  report.findings.erase(report.findings.begin());
  CHECK_FALSE(HasFindingAtLeast(report, v1::SEVERITY_ERROR));
  CHECK(HasFindingAtLeast(report, v1::SEVERITY_WARNING));
  CHECK(HasFindingAtLeast(report, v1::SEVERITY_INFO));
  CHECK_FALSE(HasFindingAtLeast(report, v1::SEVERITY_UNSPECIFIED));  // never
  CHECK_FALSE(HasFindingAtLeast(ReviewReport{}, v1::SEVERITY_INFO));
  CHECK(SeverityFromName("warning") == v1::SEVERITY_WARNING);
  CHECK(SeverityFromName("never") == std::nullopt);
}

TEST_CASE("hostile finding text cannot mention, embed HTML, add headings or break out of code") {
  ReviewReport report;
  report.base = "main";
  report.head = "HEAD";
  report.findings.push_back(MakeFinding(
      "src/`x`\n# evil.c", 1, 2, v1::SEVERITY_ERROR, "rule`\n## Heading",
      "Ping @org/admins <img src=https://evil.example/x.png> & more\n\n# Injected heading\n- item",
      "a ```` b\n```\n@org/admins\n"));
  report.done.set_summary("Done @someone <b>bold</b>.");
  for (const std::string& text :
       {FormatMarkdown(report),
        nlohmann::json::parse(FormatGithubReview(report))["comments"][0]["body"]
                .get<std::string>() +
            nlohmann::json::parse(FormatGithubReview(report))["body"].get<std::string>()}) {
    CAPTURE(text);
    CHECK(text.find("<img") == std::string::npos);
    CHECK(text.find("<b>") == std::string::npos);
    CHECK(text.find("&lt;img src=https://evil.example/x.png&gt; &amp; more") != std::string::npos);
    CHECK(text.find("Ping @org") == std::string::npos);
    CHECK(text.find("Ping @\u200Borg/admins") != std::string::npos);
    CHECK(text.find("@\u200Bsomeone") != std::string::npos);
    CHECK(text.find("\n# Injected") == std::string::npos);
    CHECK(text.find("\n## Heading") == std::string::npos);
    CHECK(text.find("\n# evil") == std::string::npos);
    CHECK(text.find("``rule` ## Heading``: Ping") != std::string::npos);
    // The suggestion's fence is longer than its longest backtick run (4), and the block holds
    // the suggestion verbatim (a code block: no mention, no HTML) without an extra blank line.
    CHECK(text.find("`````") != std::string::npos);
  }
  const std::string md = FormatMarkdown(report);
  CHECK(md.find("### ``src/`x` # evil.c``\n") != std::string::npos);
  CHECK(md.find("  `````\n  a ```` b\n  ```\n  @\u200Borg/admins\n  `````") == std::string::npos);
  CHECK(md.find("  `````\n  a ```` b\n  ```\n  @org/admins\n  `````\n") != std::string::npos);
  const std::string gh =
      nlohmann::json::parse(FormatGithubReview(report))["comments"][0]["body"].get<std::string>();
  CHECK(gh.find("`````suggestion\na ```` b\n```\n@org/admins\n`````") != std::string::npos);
}

TEST_CASE("a suggestion ending in a newline gets no extra blank line, SARIF exactly one") {
  ReviewReport report;
  report.findings.push_back(
      MakeFinding("a.c", 3, 3, v1::SEVERITY_WARNING, "r", "m", "  return 0;\n"));
  report.findings.push_back(MakeFinding("a.c", 5, 5, v1::SEVERITY_WARNING, "r2", "m2", "x = 1;"));
  const std::string gh =
      nlohmann::json::parse(FormatGithubReview(report))["comments"][0]["body"].get<std::string>();
  CHECK(gh.find("```suggestion\n  return 0;\n```") != std::string::npos);
  CHECK(FormatMarkdown(report).find("  ```\n    return 0;\n  ```\n") != std::string::npos);
  auto sarif = nlohmann::json::parse(FormatSarif(report));
  for (int i : {0, 1}) {
    const std::string text = sarif["runs"][0]["results"][i]["fixes"][0]["artifactChanges"][0]
                                  ["replacements"][0]["insertedContent"]["text"];
    CHECK(text == (i == 0 ? "  return 0;\n" : "x = 1;\n"));
  }
}

TEST_CASE("a review that failed midway is reported as partial in every format") {
  ReviewReport report = Sample();
  report.done.Clear();  // no `done` came
  report.failure = "engine error: out of memory";
  const std::string md = FormatMarkdown(report);
  CHECK(md.find("**Partial review**: the review failed (engine error: out of memory)") !=
        std::string::npos);
  CHECK(md.find("`use-after-free`") != std::string::npos);  // the findings so far stand
  auto gh = nlohmann::json::parse(FormatGithubReview(report));
  CHECK(gh["body"].get<std::string>().find("partial, the review failed") != std::string::npos);
  CHECK(gh["comments"].size() == 3);
  auto sarif = nlohmann::json::parse(FormatSarif(report));
  CHECK(sarif["runs"][0]["invocations"][0]["executionSuccessful"] == false);
  CHECK(sarif["runs"][0]["properties"]["partial"] == true);
  CHECK(nlohmann::json::parse(FormatSarif(Sample()))["runs"][0].count("invocations") == 0);
}

}  // namespace
}  // namespace cli
