// Review: the code-review pipeline behind `flashcode review` and the Review RPC, independent of
// gRPC. For each hunk that adds lines: a prompt (review_prompt.h) -> one bounded generation on
// the Engine (batch priority, greedy, at most max_tokens_per_hunk tokens, so even random text
// stops) -> the answer parsed (review_parser.h) -> every finding checked before it is emitted:
//   - its lines must overlap the hunk's new lines and touch at least one added line (findings
//     on untouched code are noise); a range reaching outside the hunk is clamped and loses its
//     suggestion (which would replace lines the model did not see);
//   - at least min_severity and min_confidence;
//   - not a duplicate (same lines and rule, or the same message, in the same file);
//   - at most max_findings_per_file per file and max_findings in all.
// What was dropped, and model output that was not a finding, is counted, never fatal.
// RunReview blocks the calling thread (a worker, never a gRPC or engine thread). Thread-compatible.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "agent/review_finding.h"
#include "base/cancel_token.h"
#include "base/status.h"
#include "inference/engine.h"
#include "tools/git/diff_hunks.h"

namespace inference {
class Tokenizer;
}

namespace agent {

struct ReviewOptions {
  Severity min_severity = Severity::kInfo;
  float min_confidence = 0.0f;
  size_t max_findings = 50;
  size_t max_findings_per_file = 10;
  size_t max_hunks = 200;  // hunks beyond are skipped (counted)
  int32_t max_tokens_per_hunk = 256;
  int context_lines = 20;
  std::vector<std::string> paths;  // globs on the new path ("src/*", "*.cc", "docs/"); empty: all
  std::string instructions;        // extra reviewer guidance, shown to the model as text
  // Repository context for a hunk: definitions elsewhere in the repository that its added
  // lines use, one per line ("" for none). Empty function: the hunk and its file only.
  std::function<std::string(const std::string& path, const tools::Hunk& hunk)> repo_context;
  std::shared_ptr<const base::CancelToken> cancel;  // may be null
  std::string log_label;                            // "review=<id>"
};

struct ReviewProgress {
  size_t hunks_done = 0;
  size_t hunks_total = 0;
  std::string file_path;  // the file being reviewed now
};

struct ReviewSummary {
  size_t files_reviewed = 0;
  size_t hunks_reviewed = 0;
  size_t hunks_skipped = 0;     // over max_hunks, or too large for the context
  size_t findings = 0;          // emitted
  size_t malformed_lines = 0;   // model output lines that were not findings
  size_t dropped_findings = 0;  // out of range, below the thresholds, duplicates, over a cap
  inference::Usage usage;       // summed over the hunks
  std::string text;             // a short markdown verdict
};

struct ReviewCallbacks {
  std::function<void(const ReviewProgress&)> on_progress;  // before each hunk; may be empty
  std::function<void(const ReviewFinding&)> on_finding;    // as findings pass the checks
};

// The file's new-side content for context ("" or an error: reviewed without context).
using NewFileReader = std::function<base::StatusOr<std::string>(const std::string& path)>;

// Whether `path` matches one of `globs` (fnmatch, '*' crossing '/'; "dir/" or "dir" also
// matches everything under dir). An empty list matches everything.
bool PathSelected(const std::string& path, const std::vector<std::string>& globs);

// Reviews `files`. Cancelled when options.cancel fires (findings already emitted stay);
// the engine's status when a generation fails (kError) or Submit refuses it for another
// reason than the prompt's size.
base::StatusOr<ReviewSummary> RunReview(inference::Engine& engine,
                                        const inference::Tokenizer& tokenizer,
                                        const std::vector<tools::FileHunks>& files,
                                        const NewFileReader& read_new_file,
                                        const ReviewOptions& options,
                                        const ReviewCallbacks& callbacks);

}  // namespace agent
