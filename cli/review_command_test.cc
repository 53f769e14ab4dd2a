#include "cli/review_command.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace cli {
namespace {

namespace v1 = flashcode::v1;

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST_CASE("a review that failed midway still writes its report, marked partial") {
  auto dir = std::filesystem::temp_directory_path() / ("review-cmd-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  ReviewReport report;
  report.base = "main";
  report.head = "HEAD";
  v1::Finding f;
  f.set_file_path("a.c");
  f.set_start_line(3);
  f.set_end_line(3);
  f.set_severity(v1::SEVERITY_ERROR);
  f.set_rule("null-deref");
  f.set_message("p may be null");
  report.findings.push_back(f);
  report.failure = "engine error";

  ReviewOptions options;
  options.format = "sarif";
  options.output = (dir / "review.sarif").string();
  std::ostringstream out;
  std::string error;
  REQUIRE(WriteReviewReport(report, options, out, error));
  CHECK(out.str().empty());  // to the file only
  auto sarif = nlohmann::json::parse(ReadAll(options.output));
  CHECK(sarif["runs"][0]["results"].size() == 1);
  CHECK(sarif["runs"][0]["invocations"][0]["executionSuccessful"] == false);

  options.format = "markdown";
  options.output = "-";
  REQUIRE(WriteReviewReport(report, options, out, error));
  CHECK(out.str().find("**Partial review**") != std::string::npos);

  options.output = (dir / "missing" / "r.md").string();
  CHECK_FALSE(WriteReviewReport(report, options, out, error));
  CHECK(error.find("cannot write") != std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace cli
