// ReviewFinding: one problem a code review reports — where (file and new-side lines), how bad,
// which rule, what to do — and the severity scale shared by the review pipeline, the daemon
// and the CLI's output formats. Plain value types; thread-compatible.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace agent {

// Ordered: a higher value is more severe (comparisons mean "at least as severe").
enum class Severity : int {
  kInfo = 1,     // style, naming, small improvements
  kWarning = 2,  // likely bug or risk
  kError = 3,    // a defect: wrong result, crash, security hole
};

// "info", "warning", "error".
std::string_view SeverityName(Severity severity);
// The severity a name spells (case-insensitive; "note" and "minor" read as info, "critical",
// "major" and "high" as error), or nullopt.
std::optional<Severity> ParseSeverity(std::string_view name);

struct ReviewFinding {
  std::string file_path;  // relative to the repository root, new side of the diff
  int start_line = 0;     // 1-based, inclusive, in the new file
  int end_line = 0;       // 1-based, inclusive
  Severity severity = Severity::kWarning;
  std::string rule;         // short id, [a-z0-9-], e.g. "null-deref"
  std::string message;      // one or two sentences
  std::string suggestion;   // replacement for lines start..end (exact text); "" for none
  float confidence = 0.5f;  // 0..1, the model's own estimate
  bool operator==(const ReviewFinding&) const = default;
};

}  // namespace agent
