#include "agent/prompt_builder.h"

#include <ctime>
#include <fstream>
#include <iterator>

#include "base/log.h"

namespace agent {

WorkspaceContext LoadWorkspaceContext(const std::string& root, const RepoMapSource& repo_map,
                                      const PromptOptions& options, int64_t unix_ms) {
  WorkspaceContext context;
  context.root = root;
  std::ifstream in(root + "/AGENTS.md", std::ios::binary);
  if (in) {
    std::string text(options.agents_md_max_bytes + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<size_t>(in.gcount()));
    if (text.size() > options.agents_md_max_bytes) {
      text.resize(options.agents_md_max_bytes);
      text += "\n[AGENTS.md truncated]";
    }
    context.agents_md = std::move(text);
  }
  if (repo_map && options.repo_map_tokens > 0) {
    auto map = repo_map(root, options.repo_map_tokens);
    if (map.ok()) {
      context.repo_map = std::move(map).value();
    } else {
      base::Logger("agent")->warn("repo map for {} left out: {}", root, map.status().ToString());
    }
  }
  std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char date[16];
  std::strftime(date, sizeof date, "%Y-%m-%d", &utc);
  context.date = date;
  return context;
}

inference::ReasoningMode ModeFor(ReasoningEffort effort) {
  switch (effort) {
    case ReasoningEffort::kNone:
      return inference::ReasoningMode::kNonThink;
    case ReasoningEffort::kMax:
      return inference::ReasoningMode::kThinkMax;
    default:
      return inference::ReasoningMode::kThinkHigh;
  }
}

nlohmann::ordered_json ToolDeclarations(const tools::ToolRegistry& registry) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const tools::Tool* tool : registry.List()) {
    nlohmann::ordered_json fn;
    fn["name"] = tool->name();
    fn["description"] = tool->description();
    // Parse from text so the schema keeps its key order in the prompt.
    fn["parameters"] = nlohmann::ordered_json::parse(tool->parameters().dump());
    list.push_back({{"type", "function"}, {"function", std::move(fn)}});
  }
  return list;
}

std::string SystemPrompt(const WorkspaceContext& context, const std::string& summary) {
  std::string out =
      "You are flashcode, a coding assistant working in the user's repository through tools. "
      "Read before you edit, keep changes small and focused, run the project's checks when "
      "you change code, and say plainly what you did and what is left. Never discard the "
      "user's uncommitted work.\n\n## Workspace\nRoot: " +
      context.root + "\nDate: " + context.date + "\n";
  if (!context.agents_md.empty()) {
    out += "\n## Repository instructions (AGENTS.md)\n" + context.agents_md + "\n";
  }
  if (!context.repo_map.empty()) {
    out += "\n## Repository map (most relevant files and symbols)\n" + context.repo_map + "\n";
  }
  if (!summary.empty()) {
    out += "\n## Summary of the earlier conversation\n" + summary + "\n";
  }
  return out;
}

base::StatusOr<Prompt> BuildPrompt(const std::vector<Message>& messages,
                                   const WorkspaceContext& context,
                                   const nlohmann::ordered_json& tools, ReasoningEffort effort,
                                   const inference::Tokenizer& tokenizer) {
  std::string summary;
  std::vector<inference::ChatMessage> chat;
  chat.emplace_back(inference::ChatRole::kSystem);  // filled in below, once the summary is known
  for (const Message& m : messages) {
    switch (m.role) {
      case Role::kSummary:
        summary += (summary.empty() ? "" : "\n\n") + m.content;
        break;
      case Role::kSystem:
      case Role::kUser:
        chat.emplace_back(inference::ChatRole::kUser, m.content);
        break;
      case Role::kAssistant: {
        inference::ChatMessage a(inference::ChatRole::kAssistant, m.content);
        a.reasoning_content = m.reasoning;
        for (const ToolCall& c : m.tool_calls)
          a.tool_calls.push_back({c.id, c.name, c.arguments_json});
        chat.push_back(std::move(a));
        break;
      }
      case Role::kTool: {
        inference::ChatMessage t(inference::ChatRole::kTool,
                                 m.is_error ? "[error] " + m.content : m.content);
        t.tool_call_id = m.tool_call_id;
        chat.push_back(std::move(t));
        break;
      }
    }
  }
  chat.front().content = SystemPrompt(context, summary);
  inference::ChatOptions options;
  options.mode = ModeFor(effort);
  FC_ASSIGN_OR_RETURN(std::string text, inference::EncodeChat(std::move(chat), tools, options));
  Prompt prompt;
  prompt.tokens = tokenizer.Encode(text, inference::SpecialTokens::kParse);
  prompt.text = std::move(text);
  prompt.starts_in_reasoning = options.mode != inference::ReasoningMode::kNonThink;
  return prompt;
}

}  // namespace agent
