#include "agent/prompt_builder.h"

#include <cassert>
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

namespace {

// Untrusted text (the user's messages, tool results, file contents the model quoted) must not
// become special tokens: a file that contains "<｜User｜>" or "<｜end▁of▁sentence｜>" would
// otherwise rewrite the conversation. Each such text goes through the encoder as a unique
// placeholder; the prompt's markup is then tokenized with special tokens parsed and the texts,
// put back in place, as plain text.
class UntrustedTexts {
 public:
  // The placeholder prefix is grown until no text contains it.
  UntrustedTexts(const std::vector<Message>& messages, const WorkspaceContext& context) {
    auto avoid = [this](const std::string& text) {
      while (text.find(nonce_) != std::string::npos) nonce_ += "~";
    };
    for (const Message& m : messages) avoid(m.content);
    avoid(context.agents_md);
    avoid(context.repo_map);
  }
  std::string Hold(std::string text) {
    texts_.push_back(std::move(text));
    return nonce_ + std::to_string(texts_.size() - 1) + "\x03";
  }
  // Tokens (and text) of `encoded` with every placeholder replaced by its text.
  void Tokenize(const std::string& encoded, const inference::Tokenizer& tokenizer, Prompt* out) {
    inference::BpeCache cache;
    size_t pos = 0;
    while (true) {
      size_t at = encoded.find(nonce_, pos);
      size_t end = at == std::string::npos ? std::string::npos : encoded.find('\x03', at);
      std::string_view markup(encoded.data() + pos,
                              (at == std::string::npos ? encoded.size() : at) - pos);
      tokenizer.EncodeAppend(markup, inference::SpecialTokens::kParse, cache, &out->tokens);
      out->text += markup;
      if (at == std::string::npos || end == std::string::npos) break;
      size_t index = 0;
      for (size_t i = at + nonce_.size(); i < end; ++i) index = index * 10 + (encoded[i] - '0');
      // Placeholders are ours and the encoder copies them verbatim, so index is in range.
      assert(index < texts_.size());
      if (index >= texts_.size()) break;
      tokenizer.EncodeAppend(texts_[index], inference::SpecialTokens::kAsText, cache, &out->tokens);
      out->text += texts_[index];
      pos = end + 1;
    }
  }

 private:
  std::string nonce_ =
      "\x02"
      "fc";
  std::vector<std::string> texts_;
};

}  // namespace

base::StatusOr<Prompt> BuildPrompt(const std::vector<Message>& messages,
                                   const WorkspaceContext& context,
                                   const nlohmann::ordered_json& tools, ReasoningEffort effort,
                                   const inference::Tokenizer& tokenizer) {
  UntrustedTexts untrusted(messages, context);
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
        chat.emplace_back(inference::ChatRole::kUser, untrusted.Hold(m.content));
        break;
      case Role::kAssistant: {
        // The model's own text is kept as it wrote it (its tool-call markup is rendered from
        // the parsed calls, not from this text).
        inference::ChatMessage a(inference::ChatRole::kAssistant, untrusted.Hold(m.content));
        a.reasoning_content = m.reasoning;
        for (const ToolCall& c : m.tool_calls) {
          a.tool_calls.push_back({c.id, c.name, c.arguments_json});
        }
        chat.push_back(std::move(a));
        break;
      }
      case Role::kTool: {
        inference::ChatMessage t(inference::ChatRole::kTool,
                                 untrusted.Hold(m.is_error ? "[error] " + m.content : m.content));
        t.tool_call_id = m.tool_call_id;
        chat.push_back(std::move(t));
        break;
      }
    }
  }
  // The system prompt holds AGENTS.md, the repo map and the summary: repository text too.
  chat.front().content = untrusted.Hold(SystemPrompt(context, summary));
  inference::ChatOptions options;
  options.mode = ModeFor(effort);
  FC_ASSIGN_OR_RETURN(std::string encoded, inference::EncodeChat(std::move(chat), tools, options));
  Prompt prompt;
  untrusted.Tokenize(encoded, tokenizer, &prompt);
  prompt.starts_in_reasoning = options.mode != inference::ReasoningMode::kNonThink;
  return prompt;
}

}  // namespace agent
