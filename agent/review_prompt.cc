#include "agent/review_prompt.h"

#include <algorithm>

#include "inference/tokenizer/chat_encoder.h"
#include "inference/tokenizer/tokenizer.h"

namespace agent {
namespace {

// Kept short on purpose: small models and small contexts (the 512-token demo model) must still
// have room for the code.
constexpr std::string_view kSystemPrompt =
    "You review one change to a file. Report only real problems in the added lines (marked +): "
    "bugs, crashes, security holes, resource leaks, clear mistakes. No praise, no summaries.\n"
    "Answer with one JSON object per line and nothing else:\n"
    "{\"line\": 12, \"end_line\": 13, \"severity\": \"warning\", \"rule\": \"null-deref\", "
    "\"message\": \"...\", \"suggestion\": \"replacement lines\", \"confidence\": 0.8}\n"
    "severity is info, warning or error; line numbers are the new file's, as shown; suggestion "
    "is optional. If nothing is wrong, answer NONE.";

// The new file's lines, split once (no trailing empty line for a final newline).
std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    lines.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return lines;
}

void AppendNumbered(std::string& out, int number, char mark, std::string_view content) {
  std::string n = number > 0 ? std::to_string(number) : "";
  out += std::string(n.size() < 6 ? 6 - n.size() : 0, ' ') + n + ' ' + mark + ' ';
  out += content;
  out += '\n';
}

}  // namespace

std::string RenderReviewRequest(const ReviewPromptInput& input, int context_lines,
                                size_t max_hunk_lines, bool with_repo_context) {
  const tools::Hunk& hunk = *input.hunk;
  std::string out = "File: " + input.file_path + "\n";
  if (!input.instructions.empty()) {
    out += "Reviewer guidance: ";
    out += input.instructions;
    out += "\n";
  }
  if (with_repo_context && !input.repo_context.empty()) {
    out += "Definitions elsewhere in the repository that the change uses:\n";
    out += input.repo_context;
    if (input.repo_context.back() != '\n') out += '\n';
  }
  std::vector<std::string_view> lines = SplitLines(input.new_file_text);
  const int first = hunk.new_start, last = hunk.new_start + hunk.new_lines - 1;
  auto context = [&](int from, int to) {  // 1-based inclusive, clipped to the file
    from = std::max(from, 1);
    to = std::min(to, static_cast<int>(lines.size()));
    for (int n = from; n <= to; ++n) AppendNumbered(out, n, ' ', lines[n - 1]);
  };
  if (context_lines > 0 && !lines.empty()) {
    out += "Before the change:\n";
    context(first - context_lines, first - 1);
  }
  out += "The change (" + hunk.header + "):\n";
  size_t shown = 0;
  for (const tools::HunkLine& line : hunk.lines) {
    if (shown == max_hunk_lines) {
      out += "... (" + std::to_string(hunk.lines.size() - shown) + " more lines not shown)\n";
      break;
    }
    AppendNumbered(out, line.origin == '-' ? 0 : line.new_line, line.origin, line.content);
    ++shown;
  }
  if (context_lines > 0 && !lines.empty() && last < static_cast<int>(lines.size())) {
    out += "After the change:\n";
    context(last + 1, last + context_lines);
  }
  return out;
}

base::StatusOr<std::vector<int32_t>> BuildReviewPrompt(const inference::Tokenizer& tokenizer,
                                                       const ReviewPromptInput& input,
                                                       int64_t context_length, int32_t max_tokens) {
  // The user text goes through the chat encoder as a placeholder that no text contains, so the
  // markup around it can be tokenized with special tokens and the text itself without.
  std::string placeholder = "\x02review\x03";
  const std::string full =
      RenderReviewRequest(input, input.context_lines, input.hunk->lines.size());
  while (full.find(placeholder) != std::string::npos) placeholder.insert(1, "~");
  std::vector<inference::ChatMessage> chat;
  chat.emplace_back(inference::ChatRole::kSystem, std::string(kSystemPrompt));
  chat.emplace_back(inference::ChatRole::kUser, placeholder);
  inference::ChatOptions options;
  options.mode = inference::ReasoningMode::kNonThink;
  FC_ASSIGN_OR_RETURN(std::string encoded, inference::EncodeChat(chat, options));
  const size_t at = encoded.find(placeholder);
  if (at == std::string::npos) return base::Internal("review prompt lost its placeholder");
  const std::string_view head(encoded.data(), at);
  const std::string_view tail(encoded.data() + at + placeholder.size(),
                              encoded.size() - at - placeholder.size());

  inference::BpeCache cache;
  std::vector<int32_t> markup_head, markup_tail;
  tokenizer.EncodeAppend(head, inference::SpecialTokens::kParse, cache, &markup_head);
  tokenizer.EncodeAppend(tail, inference::SpecialTokens::kParse, cache, &markup_tail);
  const int64_t budget =
      context_length - max_tokens - static_cast<int64_t>(markup_head.size() + markup_tail.size());
  // Without the repository context first, then fewer context lines, then fewer hunk lines:
  // the change matters most.
  bool repo_context = !input.repo_context.empty();
  int context_lines = input.context_lines;
  size_t hunk_lines = input.hunk->lines.size();
  constexpr size_t kMinHunkLines = 3;
  while (true) {
    std::vector<int32_t> body;
    std::string text =
        repo_context == !input.repo_context.empty() && context_lines == input.context_lines &&
                hunk_lines == input.hunk->lines.size()
            ? full
            : RenderReviewRequest(input, context_lines, hunk_lines, repo_context);
    tokenizer.EncodeAppend(text, inference::SpecialTokens::kAsText, cache, &body);
    if (static_cast<int64_t>(body.size()) <= budget) {
      std::vector<int32_t> prompt = std::move(markup_head);
      prompt.insert(prompt.end(), body.begin(), body.end());
      prompt.insert(prompt.end(), markup_tail.begin(), markup_tail.end());
      return prompt;
    }
    if (repo_context) {
      repo_context = false;
    } else if (context_lines > 0) {
      context_lines /= 2;
    } else if (hunk_lines > kMinHunkLines) {
      hunk_lines = std::max(kMinHunkLines, hunk_lines / 2);
    } else {
      return base::InvalidArgument(
          "the review prompt for " + input.file_path + " needs " +
          std::to_string(body.size() + markup_head.size() + markup_tail.size()) +
          " tokens, more than the context of " + std::to_string(context_length) + " minus " +
          std::to_string(max_tokens) + " output tokens allows");
    }
  }
}

}  // namespace agent
