// ChatEncoder: a conversation (messages, tools, reasoning mode) -> the DeepSeek-V4 prompt text.
//
// DeepSeek ships no Jinja template for V4; its Python encoder (encoding/encoding_dsv4.py) is
// the spec and this is a re-implementation checked byte for byte against its test vectors
// (tests/data/encoding). The prompt contains special tokens as text; tokenize it with
// SpecialTokens::kParse, and everything user-controlled inside it is plain text that happens to
// sit between markers. Rules worth knowing (design/v4-architecture.md §8.2):
//   - tool results (role kTool) are merged into the next user turn as <tool_result> blocks,
//     ordered like the calls of the preceding assistant turn;
//   - in thinking modes, reasoning of turns before the last user message is dropped, unless a
//     message carries tools (then all reasoning stays);
//   - the prompt ends with "<｜Assistant｜><think>" (thinking) or "<｜Assistant｜></think>" when
//     the last message is from the user, ready for generation.
// Stateless; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"

namespace inference {

enum class ChatRole {
  kSystem,
  kUser,
  kAssistant,
  kTool,            // a tool result; tool_call_id says which call
  kDeveloper,       // DeepSeek's internal search agent: a user turn that can carry tools
  kLatestReminder,  // "<｜latest_reminder｜>" line (date, locale) after the system prompt
};

enum class ReasoningMode {
  kNonThink,   // answer directly: generation starts after "</think>"
  kThinkHigh,  // reason first: generation starts after "<think>"
  kThinkMax,   // as kThinkHigh, with DeepSeek's "Reasoning Effort: Absolute maximum" preamble
};

struct ChatToolCall {
  std::string id;  // optional; used to order the tool results that answer it
  std::string name;
  std::string arguments;  // a JSON object as text (OpenAI style); string values become
                          // string="true" DSML parameters, other values JSON ones
  bool operator==(const ChatToolCall&) const = default;
};

struct ChatMessage {
  ChatMessage() = default;
  explicit ChatMessage(ChatRole role, std::string content = "")
      : role(role), content(std::move(content)) {}

  ChatRole role = ChatRole::kUser;
  std::string content;
  std::string reasoning_content;         // assistant: text inside <think>...</think>
  std::vector<ChatToolCall> tool_calls;  // assistant
  std::string tool_call_id;              // tool
  // system/developer: OpenAI-style tool list [{"type": "function", "function": {...}}], or
  // null. ordered_json keeps the schema's key order, which the prompt reproduces.
  nlohmann::ordered_json tools;
  nlohmann::ordered_json response_format;  // system/developer: a JSON schema, or null
  std::string task;     // user: "", or a quick-instruction task (action, query, authority, ...)
  bool wo_eos = false;  // assistant: leave the turn open (no EOS), e.g. to continue it
};

struct ChatOptions {
  ReasoningMode mode = ReasoningMode::kThinkHigh;
  bool drop_thinking = true;  // drop reasoning of earlier turns (DeepSeek's default)
  bool add_bos = true;        // start with <｜begin▁of▁sentence｜>
};

// The prompt for `messages`. InvalidArgument for what DeepSeek's encoder rejects: an unknown
// task, a developer message without content, tool-call arguments that are JSON but not an
// object, a tools list whose entries lack "function".
base::StatusOr<std::string> EncodeChat(const std::vector<ChatMessage>& messages,
                                       const ChatOptions& options);

// Same, attaching `tools` (OpenAI-style list) to the first system message, or to a new empty
// system message in front when there is none.
base::StatusOr<std::string> EncodeChat(std::vector<ChatMessage> messages,
                                       const nlohmann::ordered_json& tools,
                                       const ChatOptions& options);

// Messages from OpenAI-style JSON (role, content, reasoning_content, tool_calls with
// function.name/arguments, tool_call_id, tools, response_format, task, wo_eos). Unknown keys are
// ignored. InvalidArgument on an unknown role or a field of the wrong type.
base::StatusOr<std::vector<ChatMessage>> ChatMessagesFromJson(const nlohmann::ordered_json& json);

}  // namespace inference
