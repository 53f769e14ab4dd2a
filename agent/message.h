// Message and ToolCall: one stored message of a session's conversation, mirroring agent.proto's
// Message. The SessionStore keeps them; the PromptBuilder renders them into the DSV4 chat
// format. Plain value types: thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace agent {

struct ToolCall {
  std::string id;              // "call_<turn>_<n>", unique within the session
  std::string name;            // e.g. "read_file"
  std::string arguments_json;  // a JSON object
  bool operator==(const ToolCall&) const = default;
};

enum class Role : int {
  kSystem = 1,
  kUser = 2,
  kAssistant = 3,
  kTool = 4,
  kSummary = 5,  // compacted older turns, rendered as context for the model
};

struct Message {
  Message() = default;
  Message(Role r, std::string text) : role(r), content(std::move(text)) {}

  Role role = Role::kUser;
  std::string content;
  std::string reasoning;             // assistant only
  std::vector<ToolCall> tool_calls;  // assistant only
  std::string tool_call_id;          // tool only
  bool is_error = false;             // tool only
  int64_t created_unix_ms = 0;
  std::string turn_id;
  bool operator==(const Message&) const = default;
};

}  // namespace agent
