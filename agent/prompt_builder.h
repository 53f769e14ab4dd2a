// PromptBuilder: a session's stored messages plus what the model should know about the
// workspace -> the DSV4 chat prompt (text and token ids) with the tool declarations.
//
// The system prompt carries, in this order: how to behave, workspace facts (root, date), the
// repository's AGENTS.md instructions (capped), the repo map (from the RepoMapSource, under a
// token budget), and the summary of compacted older turns. Tool results go back as DSV4
// <tool_result> blocks; a failed call's result is marked as an error. Only the chat markup is
// tokenized with special tokens parsed: user messages, tool results and repository text are
// tokenized as plain text, so "<｜User｜>" inside a file cannot start a turn.
// Free functions; thread-safe (they borrow the tokenizer and registry for the call).
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "agent/message.h"
#include "agent/session_store.h"
#include "base/status.h"
#include "inference/tokenizer/chat_encoder.h"
#include "inference/tokenizer/tokenizer.h"
#include "tools/tool_registry.h"

namespace agent {

// The repo map of a workspace within `token_budget` tokens ("" when there is none). The daemon
// supplies one over its persistent index (tools::BuildRepoMap); errors leave the map out.
using RepoMapSource = std::function<base::StatusOr<std::string>(const std::string& workspace_root,
                                                                size_t token_budget)>;

struct PromptOptions {
  size_t repo_map_tokens = 1024;
  size_t agents_md_max_bytes = 16 * 1024;
};

struct WorkspaceContext {
  std::string root;
  std::string agents_md;  // AGENTS.md at the root, capped; "" when absent
  std::string repo_map;   // "" when there is none
  std::string date;       // "2026-11-22" (UTC), so the model knows "today"
};

// Reads AGENTS.md and asks `repo_map` (may be empty) for the map. Never fails: a missing or
// unreadable AGENTS.md or a failing map source is left out (and logged).
WorkspaceContext LoadWorkspaceContext(const std::string& root, const RepoMapSource& repo_map,
                                      const PromptOptions& options, int64_t unix_ms);

struct Prompt {
  std::string text;
  std::vector<int32_t> tokens;
  bool starts_in_reasoning = false;  // the prompt ends with "<think>"
};

inference::ReasoningMode ModeFor(ReasoningEffort effort);

// The OpenAI-style tool list of every tool in `registry`, sorted by name.
nlohmann::ordered_json ToolDeclarations(const tools::ToolRegistry& registry);

// The system prompt text for `context`, with `summary` (may be empty) at the end.
std::string SystemPrompt(const WorkspaceContext& context, const std::string& summary);

// Renders and tokenizes. Summary messages go into the system prompt; InvalidArgument when the
// chat encoder rejects the conversation (e.g. tool-call arguments that are not an object).
base::StatusOr<Prompt> BuildPrompt(const std::vector<Message>& messages,
                                   const WorkspaceContext& context,
                                   const nlohmann::ordered_json& tools, ReasoningEffort effort,
                                   const inference::Tokenizer& tokenizer);

}  // namespace agent
