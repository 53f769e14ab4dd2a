// Completion prompts: turns an editor's "complete at the cursor" into an engine Request, in
// the fill-in-the-middle format of DeepSeek's tokenizer:
//   <bos><fim_begin>{context snippets}{prefix}<fim_hole>{suffix}<fim_end>
// The model then writes the middle. Prefix and suffix are tokenised as text (a file containing
// "<｜fim▁hole｜>" cannot inject control tokens) and trimmed to the context: the prefix keeps
// its end (the lines nearest the cursor), the suffix its start, snippets go first when space
// runs out. Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "inference/request.h"

namespace inference {
class Tokenizer;
}

namespace agent {

struct CompletionSnippet {
  std::string path;  // shown to the model as a comment line before the text
  std::string text;
};

struct CompletionInput {
  std::string file_path;  // relative path of the edited file (shown to the model)
  std::string prefix;
  std::string suffix;
  std::vector<CompletionSnippet> snippets;
  int32_t max_tokens = 128;
  float temperature = 0;  // completions are greedy unless asked otherwise
  std::vector<std::string> stop;
  bool single_line = false;
};

// Builds the request (prompt, stop tokens and strings, interactive priority). Errors:
// FailedPrecondition when the tokenizer has no FIM tokens; InvalidArgument when even the
// cursor's own line cannot fit in `context_length` - max_tokens.
base::StatusOr<inference::Request> BuildCompletionRequest(const inference::Tokenizer& tokenizer,
                                                          const CompletionInput& input,
                                                          int64_t context_length);

}  // namespace agent
