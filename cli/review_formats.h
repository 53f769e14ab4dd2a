// Review output formats: a finished review (findings and the daemon's `done`) rendered as
//   - markdown: a human summary, findings grouped by file, suggestions as code blocks;
//   - SARIF 2.1.0: one run of tool "flashcode" with a rule per rule id, results at
//     %SRCROOT%-relative locations, fixes for suggestions and partialFingerprints (path, rule
//     and message, not lines, so GitHub code scanning keeps an alert across line shifts);
//   - github: the body of GitHub's "create a review for a pull request" call (event COMMENT,
//     one comment per finding on the RIGHT side, suggestions as ```suggestion blocks).
// Findings come from a model that read attacker-controlled diff text, so in markdown and GitHub
// bodies their text is neutralised: no raw HTML (< > & escaped), no @mentions (a zero-width
// space after '@'), no newlines in list items, paths and rules in safe code spans and
// suggestions in fences longer than any backtick run inside.
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "flashcode/v1/review.pb.h"

namespace cli {

struct ReviewReport {
  std::vector<flashcode::v1::Finding> findings;
  flashcode::v1::ReviewDone done;
  std::string base;  // what was compared, for the markdown header ("HEAD~1", "diff")
  std::string head;  // "working tree" when uncommitted changes were reviewed
  // Non-empty when the review failed midway: why. The findings so far stand and the report is
  // marked partial (markdown and GitHub text, SARIF invocation).
  std::string failure;
};

std::string FormatMarkdown(const ReviewReport& report);
std::string FormatSarif(const ReviewReport& report);
std::string FormatGithubReview(const ReviewReport& report);

// The severity a name gives ("info", "warning", "error"); nullopt otherwise.
std::optional<flashcode::v1::Severity> SeverityFromName(std::string_view name);
// Whether a finding is at least `threshold` (SEVERITY_UNSPECIFIED: never).
bool HasFindingAtLeast(const ReviewReport& report, flashcode::v1::Severity threshold);

}  // namespace cli
