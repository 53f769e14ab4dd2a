// `flashcode review`: reviews a diff through the daemon and writes the findings as markdown,
// SARIF 2.1.0 or a GitHub pull-request review (cli/review_formats.h), to stdout or atomically
// to --output. Progress goes to stderr. What is compared:
//   neither --base nor --head   uncommitted changes: HEAD against the working tree;
//   --base B                    B against the working tree;
//   --base B --head H           B against H (CI: --base origin/main --head HEAD);
//   --head H                    H against its merge-base with origin/HEAD;
//   --diff FILE                 a unified diff ("-": stdin) instead of revisions.
// Exit codes: 0 reviewed (no finding at or above --fail-on), kExitFindings (10) when one is,
// 1 when the review failed (a failure midway still writes the report, marked partial, with the
// findings made before), 2 bad usage, the daemon connection codes otherwise.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "cli/daemon_connection.h"
#include "cli/review_formats.h"

namespace cli {

struct ReviewOptions {
  std::string workspace;  // absolute
  std::string base;
  std::string head;
  std::string diff_file;
  std::string format = "markdown";  // markdown, sarif, github
  std::string output;               // "" or "-": stdout
  std::string fail_on = "never";    // info, warning, error, never
  std::string min_severity = "info";
  uint32_t max_findings = 50;
  uint32_t max_findings_per_file = 10;
  uint32_t max_hunks = 200;
  uint32_t max_tokens_per_hunk = 256;
  float min_confidence = 0;
  std::vector<std::string> paths;
  std::string instructions;
  bool quiet = false;  // no progress on stderr
};

// Writes `report` in options.format to options.output (atomically) or, for "" or "-", to
// `out`. False with `error` set when the file cannot be written.
bool WriteReviewReport(const ReviewReport& report, const ReviewOptions& options, std::ostream& out,
                       std::string& error);

int RunReview(const ConnectionOptions& connection, const ReviewOptions& options, std::istream& in,
              std::ostream& out, std::ostream& err);

}  // namespace cli
