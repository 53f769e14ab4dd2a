#include "inference/tokenizer/chat_encoder.h"

#include <algorithm>
#include <map>
#include <optional>

#include "inference/tokenizer/python_json.h"

namespace inference {
namespace {

using nlohmann::ordered_json;

constexpr char kBos[] = "<｜begin▁of▁sentence｜>";
constexpr char kEos[] = "<｜end▁of▁sentence｜>";
constexpr char kThinkBegin[] = "<think>";
constexpr char kThinkEnd[] = "</think>";
constexpr char kUserMarker[] = "<｜User｜>";
constexpr char kAssistantMarker[] = "<｜Assistant｜>";
constexpr char kLatestReminderMarker[] = "<｜latest_reminder｜>";
constexpr char kDsml[] = "｜DSML｜";

// The prompt texts below are the model's training format (they appear verbatim in the
// reference outputs), so they must stay byte for byte as they are.
constexpr char kReasoningEffortMax[] =
    "Reasoning Effort: Absolute maximum with no shortcuts permitted.\n"
    "You MUST be very thorough in your thinking and comprehensively decompose the problem to "
    "resolve the root cause, rigorously stress-testing your logic against all potential paths, "
    "edge cases, and adversarial scenarios.\n"
    "Explicitly write out your entire deliberation process, documenting every intermediate step, "
    "considered alternative, and rejected hypothesis to ensure absolutely no assumption is left "
    "unchecked.\n\n";

constexpr char kToolsHeader[] =
    "## Tools\n\n"
    "You have access to a set of tools to help answer the user's question. You can invoke tools "
    "by writing a \"<｜DSML｜tool_calls>\" block like the following:\n\n"
    "<｜DSML｜tool_calls>\n"
    "<｜DSML｜invoke name=\"$TOOL_NAME\">\n"
    "<｜DSML｜parameter name=\"$PARAMETER_NAME\" string=\"true|false\">$PARAMETER_VALUE"
    "</｜DSML｜parameter>\n"
    "...\n"
    "</｜DSML｜invoke>\n"
    "<｜DSML｜invoke name=\"$TOOL_NAME2\">\n"
    "...\n"
    "</｜DSML｜invoke>\n"
    "</｜DSML｜tool_calls>\n\n"
    "String parameters should be specified as is and set `string=\"true\"`. For all other types "
    "(numbers, booleans, arrays, objects), pass the value in JSON format and set "
    "`string=\"false\"`.\n\n"
    "If thinking_mode is enabled (triggered by <think>), you MUST output your complete reasoning "
    "inside <think>...</think> BEFORE any tool calls or final response.\n\n"
    "Otherwise, output directly after </think> with tool calls or final response.\n\n"
    "### Available Tool Schemas\n\n";
constexpr char kToolsFooter[] =
    "\n\nYou MUST strictly follow the above defined tool name and parameter schemas to invoke "
    "tool calls.\n";
constexpr char kResponseFormatHeader[] =
    "## Response Format:\n\nYou MUST strictly adhere to the following schema to reply:\n";

const std::map<std::string, std::string, std::less<>>& TaskTokens() {
  static const std::map<std::string, std::string, std::less<>> tokens = {
      {"action", "<｜action｜>"}, {"query", "<｜query｜>"}, {"authority", "<｜authority｜>"},
      {"domain", "<｜domain｜>"}, {"title", "<｜title｜>"}, {"read_url", "<｜read_url｜>"}};
  return tokens;
}

// A user turn after tool messages were merged in: its parts, joined by blank lines.
struct Block {
  bool is_tool_result = false;
  std::string text;  // the user text or the tool output
  std::string tool_use_id;
};

// A message as the renderer sees it (after merging and dropping).
struct Turn {
  ChatRole role;
  const ChatMessage* source = nullptr;  // content, tools, tool calls, task flags
  std::vector<Block> blocks;            // user turns only
  std::string task;
  bool wo_eos = false;
  bool keep_reasoning = true;  // false once drop-thinking removed it
};

bool IsUserLike(ChatRole role) { return role == ChatRole::kUser || role == ChatRole::kDeveloper; }

// Tool messages become tool_result blocks of a user turn; consecutive user messages share a
// turn unless the earlier one carries a task (encoding_dsv4.merge_tool_messages).
std::vector<Turn> MergeToolMessages(const std::vector<ChatMessage>& messages) {
  std::vector<Turn> turns;
  for (const ChatMessage& m : messages) {
    const bool after_user = !turns.empty() && turns.back().role == ChatRole::kUser;
    if (m.role == ChatRole::kTool) {
      Block block{true, m.content, m.tool_call_id};
      if (after_user) {
        turns.back().blocks.push_back(std::move(block));
      } else {
        turns.push_back(Turn{ChatRole::kUser, &m, {std::move(block)}, "", false, true});
      }
    } else if (m.role == ChatRole::kUser) {
      Block block{false, m.content, ""};
      if (after_user && turns.back().task.empty()) {
        turns.back().blocks.push_back(std::move(block));
      } else {
        turns.push_back(Turn{ChatRole::kUser, &m, {std::move(block)}, m.task, m.wo_eos, true});
      }
    } else {
      turns.push_back(Turn{m.role, &m, {}, m.task, m.wo_eos, true});
    }
  }
  return turns;
}

// Orders each user turn's tool results like the calls of the latest assistant turn with calls.
void SortToolResults(std::vector<Turn>* turns) {
  std::map<std::string, size_t> order;
  for (Turn& turn : *turns) {
    if (turn.role == ChatRole::kAssistant && !turn.source->tool_calls.empty()) {
      order.clear();
      for (size_t k = 0; k < turn.source->tool_calls.size(); ++k) {
        const std::string& id = turn.source->tool_calls[k].id;
        if (!id.empty()) order[id] = k;
      }
    } else if (turn.role == ChatRole::kUser && !order.empty()) {
      std::vector<Block> results;
      for (const Block& b : turn.blocks) {
        if (b.is_tool_result) results.push_back(b);
      }
      if (results.size() < 2) continue;
      auto rank = [&order](const Block& b) {
        auto it = order.find(b.tool_use_id);
        return it == order.end() ? size_t{0} : it->second;
      };
      std::stable_sort(results.begin(), results.end(),
                       [&rank](const Block& a, const Block& b) { return rank(a) < rank(b); });
      size_t next = 0;
      for (Block& b : turn.blocks) {
        if (b.is_tool_result) b = results[next++];
      }
    }
  }
}

int LastUserIndex(const std::vector<Turn>& turns) {
  for (int k = static_cast<int>(turns.size()) - 1; k >= 0; --k) {
    if (IsUserLike(turns[k].role)) return k;
  }
  return -1;
}

// Before the last user turn: assistant turns lose their reasoning, developer turns go.
std::vector<Turn> DropThinking(std::vector<Turn> turns) {
  const int last_user = LastUserIndex(turns);
  std::vector<Turn> kept;
  for (int k = 0; k < static_cast<int>(turns.size()); ++k) {
    Turn& t = turns[k];
    const bool always_kept = t.role == ChatRole::kUser || t.role == ChatRole::kSystem ||
                             t.role == ChatRole::kTool || t.role == ChatRole::kLatestReminder;
    if (always_kept || k >= last_user) {
      kept.push_back(std::move(t));
    } else if (t.role == ChatRole::kAssistant) {
      t.keep_reasoning = false;
      kept.push_back(std::move(t));
    }
  }
  return kept;
}

base::StatusOr<std::string> RenderTools(const ordered_json& tools) {
  std::string out = kToolsHeader;
  bool first = true;
  for (const ordered_json& tool : tools) {
    if (!tool.is_object() || !tool.contains("function")) {
      return base::InvalidArgument("tool entry without \"function\": " + tool.dump());
    }
    if (!first) out += "\n";
    first = false;
    AppendPythonJson(tool["function"], &out);
  }
  return out + kToolsFooter;
}

bool HasTools(const ChatMessage& m) {
  return (m.tools.is_array() && !m.tools.empty()) || (m.tools.is_object() && !m.tools.empty());
}

// "\n\n## Tools..." and "\n\n## Response Format..." for a system or developer message.
base::Status AppendToolsAndFormat(const ChatMessage& m, std::string* out) {
  if (HasTools(m)) {
    FC_ASSIGN_OR_RETURN(std::string tools, RenderTools(m.tools));
    *out += "\n\n" + tools;
  }
  if (!m.response_format.is_null() && !m.response_format.empty()) {
    *out += "\n\n";
    *out += kResponseFormatHeader;
    AppendPythonJson(m.response_format, out);
  }
  return base::Status::Ok();
}

// DSML parameters of one call (encoding_dsv4.encode_arguments_to_dsml).
base::StatusOr<std::string> EncodeArguments(const ChatToolCall& call) {
  ordered_json args = ordered_json::parse(call.arguments, nullptr, false);
  if (args.is_discarded()) {
    // Not JSON: passed through as one string parameter named "arguments".
    args = ordered_json::object();
    args["arguments"] = call.arguments;
  }
  if (!args.is_object()) {
    return base::InvalidArgument("arguments of tool call '" + call.name +
                                 "' are JSON but not an object");
  }
  std::string out;
  bool first = true;
  for (const auto& [key, value] : args.items()) {
    if (!first) out += "\n";
    first = false;
    const bool is_string = value.is_string();
    out += "<";
    out += kDsml;
    out += "parameter name=\"" + key + "\" string=\"" + (is_string ? "true" : "false") + "\">";
    if (is_string) {
      out += value.get_ref<const std::string&>();
    } else {
      AppendPythonJson(value, &out);
    }
    out += "</";
    out += kDsml;
    out += "parameter>";
  }
  return out;
}

base::StatusOr<std::string> RenderToolCalls(const std::vector<ChatToolCall>& calls) {
  const std::string dsml = kDsml;
  std::string out = "\n\n<" + dsml + "tool_calls>\n";
  for (size_t k = 0; k < calls.size(); ++k) {
    FC_ASSIGN_OR_RETURN(std::string args, EncodeArguments(calls[k]));
    if (k > 0) out += "\n";
    out +=
        "<" + dsml + "invoke name=\"" + calls[k].name + "\">\n" + args + "\n</" + dsml + "invoke>";
  }
  return out + "\n</" + dsml + "tool_calls>";
}

}  // namespace

base::StatusOr<std::string> EncodeChat(const std::vector<ChatMessage>& messages,
                                       const ChatOptions& options) {
  for (const ChatMessage& m : messages) {
    if (!m.task.empty() && TaskTokens().count(m.task) == 0) {
      return base::InvalidArgument("unknown task '" + m.task + "'");
    }
    if (m.role == ChatRole::kDeveloper && m.content.empty()) {
      return base::InvalidArgument("developer message without content");
    }
  }
  const bool thinking = options.mode != ReasoningMode::kNonThink;
  const bool any_tools = std::any_of(messages.begin(), messages.end(), HasTools);
  const bool drop = options.drop_thinking && !any_tools;

  std::vector<Turn> turns = MergeToolMessages(messages);
  SortToolResults(&turns);
  if (thinking && drop) turns = DropThinking(std::move(turns));
  const int last_user = LastUserIndex(turns);

  std::string prompt = options.add_bos ? kBos : "";
  for (int k = 0; k < static_cast<int>(turns.size()); ++k) {
    const Turn& turn = turns[k];
    const ChatMessage& m = *turn.source;
    if (k == 0 && options.mode == ReasoningMode::kThinkMax) prompt += kReasoningEffortMax;
    switch (turn.role) {
      case ChatRole::kSystem:
        prompt += m.content;
        FC_RETURN_IF_ERROR(AppendToolsAndFormat(m, &prompt));
        break;
      case ChatRole::kDeveloper:
        prompt += kUserMarker + m.content;
        FC_RETURN_IF_ERROR(AppendToolsAndFormat(m, &prompt));
        break;
      case ChatRole::kUser:
        prompt += kUserMarker;
        for (size_t b = 0; b < turn.blocks.size(); ++b) {
          if (b > 0) prompt += "\n\n";
          const Block& block = turn.blocks[b];
          prompt +=
              block.is_tool_result ? "<tool_result>" + block.text + "</tool_result>" : block.text;
        }
        break;
      case ChatRole::kLatestReminder:
        prompt += kLatestReminderMarker + m.content;
        break;
      case ChatRole::kTool:  // merged into user turns above
        return base::Internal("tool message survived merging");
      case ChatRole::kAssistant: {
        const bool after_task = k > 0 && !turns[k - 1].task.empty();
        if (thinking && !after_task && (!drop || k > last_user)) {
          prompt += (turn.keep_reasoning ? m.reasoning_content : "") + kThinkEnd;
        }
        prompt += m.content;
        if (!m.tool_calls.empty()) {
          FC_ASSIGN_OR_RETURN(std::string calls, RenderToolCalls(m.tool_calls));
          prompt += calls;
        }
        if (!turn.wo_eos) prompt += kEos;
        break;
      }
    }
    // What opens the next assistant turn: nothing when another kind of message follows.
    const bool next_opens_turn = k + 1 == static_cast<int>(turns.size()) ||
                                 turns[k + 1].role == ChatRole::kAssistant ||
                                 turns[k + 1].role == ChatRole::kLatestReminder;
    if (!next_opens_turn) continue;
    if (!turn.task.empty()) {
      const std::string& task_token = TaskTokens().find(turn.task)->second;
      if (turn.task != "action") {
        prompt += task_token;
      } else {
        prompt += kAssistantMarker;
        prompt += thinking ? kThinkBegin : kThinkEnd;
        prompt += task_token;
      }
    } else if (IsUserLike(turn.role)) {
      prompt += kAssistantMarker;
      const bool open_thinking = thinking && (!drop || k >= last_user);
      prompt += open_thinking ? kThinkBegin : kThinkEnd;
    }
  }
  return prompt;
}

base::StatusOr<std::string> EncodeChat(std::vector<ChatMessage> messages,
                                       const nlohmann::ordered_json& tools,
                                       const ChatOptions& options) {
  if (tools.is_array() && !tools.empty()) {
    auto system = std::find_if(messages.begin(), messages.end(),
                               [](const ChatMessage& m) { return m.role == ChatRole::kSystem; });
    if (system == messages.end()) {
      system = messages.insert(messages.begin(), ChatMessage(ChatRole::kSystem));
    }
    system->tools = tools;
  }
  return EncodeChat(messages, options);
}

namespace {

base::Status ReadString(const ordered_json& json, const char* key, std::string* out) {
  auto it = json.find(key);
  if (it == json.end() || it->is_null()) return base::Status::Ok();
  if (!it->is_string())
    return base::InvalidArgument(std::string("\"") + key + "\" is not a string");
  *out = it->get<std::string>();
  return base::Status::Ok();
}

base::StatusOr<ChatRole> ParseRole(const std::string& role) {
  if (role == "system") return ChatRole::kSystem;
  if (role == "user") return ChatRole::kUser;
  if (role == "assistant") return ChatRole::kAssistant;
  if (role == "tool") return ChatRole::kTool;
  if (role == "developer") return ChatRole::kDeveloper;
  if (role == "latest_reminder") return ChatRole::kLatestReminder;
  return base::InvalidArgument("unknown role '" + role + "'");
}

base::StatusOr<ChatToolCall> ParseToolCall(const ordered_json& json) {
  if (!json.is_object()) return base::InvalidArgument("tool call is not an object");
  ChatToolCall call;
  FC_RETURN_IF_ERROR(ReadString(json, "id", &call.id));
  const ordered_json& function = json.contains("function") ? json["function"] : json;
  if (!function.is_object()) return base::InvalidArgument("tool call function is not an object");
  FC_RETURN_IF_ERROR(ReadString(function, "name", &call.name));
  auto args = function.find("arguments");
  if (args != function.end() && !args->is_null()) {
    // OpenAI sends a JSON string; an object is accepted and written the way Python would.
    call.arguments = args->is_string() ? args->get<std::string>() : PythonJsonDumps(*args);
  }
  return call;
}

}  // namespace

base::StatusOr<std::vector<ChatMessage>> ChatMessagesFromJson(const ordered_json& json) {
  if (!json.is_array()) return base::InvalidArgument("messages are not a JSON array");
  std::vector<ChatMessage> messages;
  for (size_t k = 0; k < json.size(); ++k) {
    const ordered_json& item = json[k];
    const std::string where = "message " + std::to_string(k);
    if (!item.is_object()) return base::InvalidArgument(where + " is not an object");
    ChatMessage m;
    std::string role;
    base::Status status = ReadString(item, "role", &role);
    if (!status.ok()) return status.WithContext(where);
    auto parsed_role = ParseRole(role);
    if (!parsed_role.ok()) return parsed_role.status().WithContext(where);
    m.role = *parsed_role;
    for (auto [key, field] :
         {std::pair{"content", &m.content}, std::pair{"reasoning_content", &m.reasoning_content},
          std::pair{"tool_call_id", &m.tool_call_id}, std::pair{"task", &m.task}}) {
      status = ReadString(item, key, field);
      if (!status.ok()) return status.WithContext(where);
    }
    if (auto calls = item.find("tool_calls"); calls != item.end() && !calls->is_null()) {
      if (!calls->is_array()) return base::InvalidArgument(where + ": tool_calls is not an array");
      for (const ordered_json& call_json : *calls) {
        auto call = ParseToolCall(call_json);
        if (!call.ok()) return call.status().WithContext(where);
        m.tool_calls.push_back(std::move(*call));
      }
    }
    if (auto tools = item.find("tools"); tools != item.end() && !tools->is_null()) {
      if (!tools->is_array()) return base::InvalidArgument(where + ": tools is not an array");
      m.tools = *tools;
    }
    if (auto format = item.find("response_format"); format != item.end()) {
      m.response_format = *format;
    }
    if (auto wo_eos = item.find("wo_eos"); wo_eos != item.end() && wo_eos->is_boolean()) {
      m.wo_eos = wo_eos->get<bool>();
    }
    messages.push_back(std::move(m));
  }
  return messages;
}

}  // namespace inference
