// ReviewParser: the text a model answered for one hunk -> candidate findings. The review prompt
// asks for one JSON object per line ({"line", "end_line", "severity", "rule", "message",
// "suggestion", "confidence"}) or NONE. Models (and the random demo model) drift from that, so
// the parser is forgiving where the meaning is clear (prose around an object, code fences,
// "start_line" for "line", a missing end line) and counts every other non-empty line as
// malformed instead of failing. Line numbers are not checked here (ReviewPipeline does that
// against the hunk). Pure functions; thread-safe.
#pragma once

#include <string_view>
#include <vector>

#include "agent/review_finding.h"

namespace agent {

struct ParsedReview {
  std::vector<ReviewFinding> findings;  // file_path empty; lines as the model gave them
  int malformed_lines = 0;              // lines that were neither a finding nor NONE
};

ParsedReview ParseReviewOutput(std::string_view text);

}  // namespace agent
