// ReviewPrompt: the prompt that asks the model to review one diff hunk. The system message
// says what to report and the answer format (one JSON object per line, or NONE; parsed by
// review_parser.h); the user message names the file and shows the lines around the hunk and
// the hunk itself, every new-side line with its number, so the model can point at lines.
// Repository context (definitions elsewhere in the repository that the change uses) comes
// first, so the model can tell a wrong call from a right one.
// The repository text and the reviewer guidance are tokenized as plain text (a diff that
// contains "<｜User｜>" cannot inject chat markup). The prompt is fitted to the context: the
// repository context goes first, then the surrounding lines shrink, then the hunk is cut. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "tools/git/diff_hunks.h"

namespace inference {
class Tokenizer;
}

namespace agent {

struct ReviewPromptInput {
  std::string file_path;              // new-side path
  const tools::Hunk* hunk = nullptr;  // borrowed for the call
  std::string_view new_file_text;     // the whole new file ("" when unknown)
  std::string_view instructions;      // the caller's extra guidance ("" for none)
  int context_lines = 20;             // lines shown before and after the hunk, at most
  std::string_view repo_context;      // definitions the change uses, one per line ("" for none)
};

// The user message for `input` with at most `context_lines` around and `max_hunk_lines` hunk
// lines (the rest is cut with a note).
std::string RenderReviewRequest(const ReviewPromptInput& input, int context_lines,
                                size_t max_hunk_lines, bool with_repo_context = true);

// The prompt's tokens, ending where the model answers (no thinking), such that the prompt plus
// `max_tokens` fits `context_length`. InvalidArgument when even the instructions with a few
// hunk lines do not fit.
base::StatusOr<std::vector<int32_t>> BuildReviewPrompt(const inference::Tokenizer& tokenizer,
                                                       const ReviewPromptInput& input,
                                                       int64_t context_length, int32_t max_tokens);

}  // namespace agent
