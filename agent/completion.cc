#include "agent/completion.h"

#include <algorithm>

#include "inference/tokenizer/tokenizer.h"

namespace agent {

base::StatusOr<inference::Request> BuildCompletionRequest(const inference::Tokenizer& tokenizer,
                                                          const CompletionInput& input,
                                                          int64_t context_length) {
  const inference::SpecialIds& ids = tokenizer.special_ids();
  if (ids.fim_begin < 0 || ids.fim_hole < 0 || ids.fim_end < 0) {
    return base::FailedPrecondition("the model's tokenizer has no fill-in-the-middle tokens");
  }
  if (input.max_tokens <= 0) return base::InvalidArgument("max_tokens must be positive");
  const int64_t fixed = (ids.bos >= 0 ? 1 : 0) + 3;  // bos, fim_begin, fim_hole, fim_end
  int64_t budget = context_length - input.max_tokens - fixed;
  if (budget < 1) {
    return base::InvalidArgument("max_tokens " + std::to_string(input.max_tokens) +
                                 " leaves no room for a prompt in a context of " +
                                 std::to_string(context_length) + " tokens");
  }
  using inference::SpecialTokens;
  std::string header = input.file_path.empty() ? "" : "# " + input.file_path + "\n";
  std::vector<int32_t> prefix = tokenizer.Encode(header + input.prefix, SpecialTokens::kAsText);
  std::vector<int32_t> suffix = tokenizer.Encode(input.suffix, SpecialTokens::kAsText);
  // The cursor's surroundings matter most: give the prefix up to three quarters of the budget,
  // the suffix what remains, and only then the snippets.
  int64_t prefix_keep = std::min<int64_t>(prefix.size(), std::max<int64_t>(budget * 3 / 4, budget - int64_t(suffix.size())));
  int64_t suffix_keep = std::min<int64_t>(suffix.size(), budget - prefix_keep);
  prefix.erase(prefix.begin(), prefix.end() - prefix_keep);
  suffix.resize(suffix_keep);
  int64_t room = budget - prefix_keep - suffix_keep;
  std::vector<int32_t> context;
  for (const CompletionSnippet& s : input.snippets) {
    std::vector<int32_t> t = tokenizer.Encode("# " + s.path + "\n" + s.text + "\n", SpecialTokens::kAsText);
    if (int64_t(t.size()) > room) continue;  // whole snippets or none: half a file misleads
    room -= t.size();
    context.insert(context.end(), t.begin(), t.end());
  }

  inference::Request request;
  if (ids.bos >= 0) request.prompt.push_back(ids.bos);
  request.prompt.push_back(ids.fim_begin);
  request.prompt.insert(request.prompt.end(), context.begin(), context.end());
  request.prompt.insert(request.prompt.end(), prefix.begin(), prefix.end());
  request.prompt.push_back(ids.fim_hole);
  request.prompt.insert(request.prompt.end(), suffix.begin(), suffix.end());
  request.prompt.push_back(ids.fim_end);
  request.max_tokens = input.max_tokens;
  request.sampling.temperature = input.temperature;
  request.priority = inference::Priority::kInteractive;
  for (int32_t stop : {ids.eos, ids.eot, ids.fim_begin, ids.fim_hole, ids.fim_end}) {
    if (stop >= 0) request.stop_token_ids.push_back(stop);
  }
  request.stop_strings = input.stop;
  if (input.single_line) request.stop_strings.push_back("\n");
  return request;
}

}  // namespace agent
