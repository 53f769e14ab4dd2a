#include "agent/review.h"

#include <fnmatch.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <tuple>

#include "agent/model_call.h"
#include "agent/review_parser.h"
#include "agent/review_prompt.h"
#include "base/log.h"
#include "inference/tokenizer/tokenizer.h"

namespace agent {
namespace {

// "  The  Value is NULL. " -> "the value is null": duplicates often differ only so.
std::string NormalizedMessage(const std::string& message) {
  std::string out;
  for (char c : message) {
    unsigned char u = static_cast<unsigned char>(c);
    if (std::isspace(u)) {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else if (std::isalnum(u) || u >= 0x80) {
      out += static_cast<char>(std::tolower(u));
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// Applies the checks of review.h to the findings of one file, in order; counts what it drops.
class FindingFilter {
 public:
  FindingFilter(const ReviewOptions& options, ReviewSummary& summary)
      : options_(options), summary_(summary) {}

  // The finding to emit (lines clamped, path set), or nullopt when it is dropped.
  std::optional<ReviewFinding> Check(ReviewFinding f, const std::string& path,
                                     const tools::Hunk& hunk) {
    f.file_path = path;
    const int first = hunk.new_start, last = hunk.new_start + hunk.new_lines - 1;
    if (f.end_line < first || f.start_line > last) return Drop();
    if (f.start_line < first || f.end_line > last) {
      f.start_line = std::max(f.start_line, first);
      f.end_line = std::min(f.end_line, last);
      f.suggestion.clear();
    }
    bool touches_added = std::any_of(hunk.lines.begin(), hunk.lines.end(), [&](const auto& l) {
      return l.origin == '+' && l.new_line >= f.start_line && l.new_line <= f.end_line;
    });
    if (!touches_added) return Drop();
    if (f.severity < options_.min_severity || f.confidence < options_.min_confidence) {
      return Drop();
    }
    if (!seen_lines_.insert({f.file_path, f.start_line, f.end_line, f.rule}).second) return Drop();
    if (!seen_messages_.insert({f.file_path, NormalizedMessage(f.message)}).second) return Drop();
    if (++per_file_[f.file_path] > options_.max_findings_per_file) return Drop();
    if (summary_.findings >= options_.max_findings) return Drop();
    ++summary_.findings;
    return f;
  }

 private:
  std::optional<ReviewFinding> Drop() {
    ++summary_.dropped_findings;
    return std::nullopt;
  }

  const ReviewOptions& options_;
  ReviewSummary& summary_;
  std::set<std::tuple<std::string, int, int, std::string>> seen_lines_;
  std::set<std::pair<std::string, std::string>> seen_messages_;
  std::map<std::string, size_t> per_file_;
};

// Whether the file's text is the hunk's new side: every context and added line is at its
// new_line. Reviewing a diff text (--diff), the file is read from the work tree, which may be
// another version; its lines around the hunk would then show the model the wrong code.
bool FileMatchesHunk(std::string_view file_text, const tools::Hunk& hunk) {
  if (file_text.empty()) return false;
  // The lines the hunk needs, located by walking the text once up to the last of them.
  const int last = hunk.new_start + hunk.new_lines - 1;
  std::vector<std::string_view> lines;
  size_t pos = 0;
  while (pos < file_text.size() && static_cast<int>(lines.size()) < last) {
    size_t nl = file_text.find('\n', pos);
    if (nl == std::string_view::npos) nl = file_text.size();
    std::string_view line = file_text.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);  // as the diff strips it
    lines.push_back(line);
    pos = nl + 1;
  }
  for (const tools::HunkLine& l : hunk.lines) {
    if (l.origin == '-') continue;
    if (l.new_line < 1 || l.new_line > static_cast<int>(lines.size())) return false;
    std::string_view content = l.content;
    if (lines[l.new_line - 1] != content) return false;
  }
  return true;
}

bool AddsLines(const tools::Hunk& hunk) {
  return std::any_of(hunk.lines.begin(), hunk.lines.end(),
                     [](const tools::HunkLine& l) { return l.origin == '+'; });
}

std::string SummaryText(const ReviewSummary& s, const std::array<size_t, 4>& by_severity) {
  std::string text = "Reviewed " + std::to_string(s.hunks_reviewed) + " hunk" +
                     (s.hunks_reviewed == 1 ? "" : "s") + " in " +
                     std::to_string(s.files_reviewed) + " file" +
                     (s.files_reviewed == 1 ? "" : "s") + ": ";
  if (s.findings == 0) {
    text += "no findings.";
  } else {
    text += std::to_string(s.findings) + " finding" + (s.findings == 1 ? "" : "s") + " (" +
            std::to_string(by_severity[3]) + " error, " + std::to_string(by_severity[2]) +
            " warning, " + std::to_string(by_severity[1]) + " info).";
  }
  if (s.hunks_skipped > 0) {
    text += " " + std::to_string(s.hunks_skipped) + " hunks were not reviewed (limits).";
  }
  if (s.malformed_lines > 0 || s.dropped_findings > 0) {
    text += " Ignored " + std::to_string(s.malformed_lines) + " malformed model output lines and " +
            std::to_string(s.dropped_findings) +
            " findings off the changed lines, duplicated, "
            "over a cap or below the thresholds.";
  }
  return text;
}

}  // namespace

bool PathSelected(const std::string& path, const std::vector<std::string>& globs) {
  if (globs.empty()) return true;
  for (const std::string& g : globs) {
    if (g.empty()) continue;
    if (fnmatch(g.c_str(), path.c_str(), 0) == 0) return true;
    std::string dir = g.back() == '/' ? g : g + "/";
    if (path.rfind(dir, 0) == 0) return true;
  }
  return false;
}

base::StatusOr<ReviewSummary> RunReview(inference::Engine& engine,
                                        const inference::Tokenizer& tokenizer,
                                        const std::vector<tools::FileHunks>& files,
                                        const NewFileReader& read_new_file,
                                        const ReviewOptions& options,
                                        const ReviewCallbacks& callbacks) {
  auto* log = base::Logger("agent");
  ReviewSummary summary;
  // The work list: hunks that add lines, in selected files that still exist.
  std::vector<std::pair<const tools::FileHunks*, const tools::Hunk*>> work;
  for (const tools::FileHunks& file : files) {
    if (file.status == 'D' || !PathSelected(file.new_path, options.paths)) continue;
    for (const tools::Hunk& hunk : file.hunks) {
      if (AddsLines(hunk)) work.emplace_back(&file, &hunk);
    }
  }
  if (work.size() > options.max_hunks) {
    summary.hunks_skipped = work.size() - options.max_hunks;
    work.resize(options.max_hunks);
  }
  FindingFilter filter(options, summary);
  std::array<size_t, 4> by_severity{};
  const tools::FileHunks* current_file = nullptr;
  std::string file_text;
  std::set<std::string> files_reviewed;
  for (size_t i = 0; i < work.size(); ++i) {
    if (options.cancel && options.cancel->IsCancelled()) return base::Cancelled("review cancelled");
    if (summary.findings >= options.max_findings) {  // nothing more could be reported
      summary.hunks_skipped += work.size() - i;
      break;
    }
    const auto& [file, hunk] = work[i];
    if (callbacks.on_progress) callbacks.on_progress({i, work.size(), file->new_path});
    if (file != current_file) {
      current_file = file;
      auto text = read_new_file ? read_new_file(file->new_path)
                                : base::StatusOr<std::string>(std::string());
      file_text = text.ok() ? std::move(text).value() : "";
    }
    ReviewPromptInput input;
    input.file_path = file->new_path;
    input.hunk = hunk;
    // A file that is not this hunk's new side gives no context (the hunk alone is reviewed).
    const bool file_matches = FileMatchesHunk(file_text, *hunk);
    if (!file_matches && !file_text.empty()) {
      log->debug("{} {}: the file does not match {}; reviewed without file context",
                 options.log_label, file->new_path, hunk->header);
    }
    input.new_file_text = file_matches ? std::string_view(file_text) : std::string_view();
    input.instructions = options.instructions;
    input.context_lines = options.context_lines;
    const std::string repo_context =
        options.repo_context ? options.repo_context(file->new_path, *hunk) : std::string();
    input.repo_context = repo_context;
    const int32_t max_tokens = std::max<int32_t>(1, options.max_tokens_per_hunk);
    auto prompt = BuildReviewPrompt(tokenizer, input, engine.ContextLength(), max_tokens);
    if (!prompt.ok()) {  // too large for the context: counted, the review goes on
      log->warn("{} skipped a hunk of {}: {}", options.log_label, file->new_path,
                prompt.status().message());
      ++summary.hunks_skipped;
      continue;
    }
    inference::Request request;
    request.prompt = std::move(prompt).value();
    request.max_tokens = max_tokens;
    request.sampling.temperature = 0;  // reviews should not change between runs
    request.priority = inference::Priority::kBatch;
    request.cancel = options.cancel;
    request.log_label = options.log_label;
    if (tokenizer.special_ids().eos >= 0) {
      request.stop_token_ids.push_back(tokenizer.special_ids().eos);
    }
    FC_ASSIGN_OR_RETURN(ModelCallResult result, RunModelCall(engine, std::move(request),
                                                             /*starts_in_reasoning=*/false, {}));
    summary.usage.prompt_tokens += result.usage.prompt_tokens;
    summary.usage.completion_tokens += result.usage.completion_tokens;
    summary.usage.preemptions += result.usage.preemptions;
    if (result.reason == inference::FinishReason::kCancelled) {
      return base::Cancelled("review cancelled");
    }
    if (result.reason == inference::FinishReason::kError) return result.status;
    ParsedReview parsed = ParseReviewOutput(result.text);
    summary.malformed_lines += static_cast<size_t>(parsed.malformed_lines);
    if (parsed.malformed_lines > 0) {
      log->debug("{} {}: {} malformed review lines", options.log_label, file->new_path,
                 parsed.malformed_lines);
    }
    ++summary.hunks_reviewed;
    files_reviewed.insert(file->new_path);
    for (ReviewFinding& f : parsed.findings) {
      auto kept = filter.Check(std::move(f), file->new_path, *hunk);
      if (!kept) continue;
      ++by_severity[static_cast<int>(kept->severity)];
      if (callbacks.on_finding) callbacks.on_finding(*kept);
    }
  }
  summary.files_reviewed = files_reviewed.size();
  if (callbacks.on_progress && !work.empty()) {
    callbacks.on_progress({work.size(), work.size(), ""});
  }
  summary.text = SummaryText(summary, by_severity);
  log->info("{} reviewed {} hunks in {} files: {} findings, {} malformed lines, {} dropped",
            options.log_label, summary.hunks_reviewed, summary.files_reviewed, summary.findings,
            summary.malformed_lines, summary.dropped_findings);
  return summary;
}

}  // namespace agent
