#include "agent/event_json.h"

#include <nlohmann/json.hpp>

namespace agent {
namespace {

using nlohmann::json;

// Tool output and model text may hold invalid UTF-8; replace it rather than throw.
std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

json CallJson(const ToolCall& c) {
  return {{"id", c.id}, {"name", c.name}, {"arguments", c.arguments_json}};
}
ToolCall CallFrom(const json& j) {
  return {j.at("id").get<std::string>(), j.at("name").get<std::string>(),
          j.at("arguments").get<std::string>()};
}
json UsageJson(const Usage& u) {
  return {{"prompt", u.prompt_tokens},
          {"completion", u.completion_tokens},
          {"reasoning", u.reasoning_tokens}};
}
Usage UsageFrom(const json& j) {
  return {j.at("prompt").get<int64_t>(), j.at("completion").get<int64_t>(),
          j.at("reasoning").get<int64_t>()};
}

struct Encoder {
  EncodedPayload operator()(const TurnStarted& e) const {
    return {"started", Dump(json{{"user_message", e.user_message}, {"snapshot", e.snapshot_ref}})};
  }
  EncodedPayload operator()(const TextDelta& e) const {
    return {"text", Dump(json{{"t", e.text}})};
  }
  EncodedPayload operator()(const ReasoningDelta& e) const {
    return {"reasoning", Dump(json{{"t", e.text}})};
  }
  EncodedPayload operator()(const ToolCallStarted& e) const {
    return {"tool_started", Dump(json{{"call", CallJson(e.call)}, {"mutating", e.mutating}})};
  }
  EncodedPayload operator()(const ToolCallOutput& e) const {
    return {"tool_output", Dump(json{{"call_id", e.call_id}, {"t", e.text}})};
  }
  EncodedPayload operator()(const ToolCallFinished& e) const {
    return {"tool_finished", Dump(json{{"call_id", e.call_id},
                                       {"is_error", e.is_error},
                                       {"output", e.output},
                                       {"truncated", e.truncated},
                                       {"exit_code", e.exit_code},
                                       {"duration_ms", e.duration_ms}})};
  }
  EncodedPayload operator()(const ApprovalRequested& e) const {
    return {"approval_requested",
            Dump(json{{"id", e.approval_id}, {"call", CallJson(e.call)}, {"reason", e.reason}})};
  }
  EncodedPayload operator()(const ApprovalResolved& e) const {
    return {"approval_resolved",
            Dump(json{{"id", e.approval_id}, {"decision", static_cast<int>(e.decision)}})};
  }
  EncodedPayload operator()(const ContextCompacted& e) const {
    return {"compacted", Dump(json{{"before", e.tokens_before}, {"after", e.tokens_after}})};
  }
  EncodedPayload operator()(const TurnDone& e) const {
    return {"done", Dump(json{{"finish", static_cast<int>(e.finish)},
                              {"usage", UsageJson(e.usage)},
                              {"total_ms", e.total_ms},
                              {"model_calls", e.model_calls}})};
  }
  EncodedPayload operator()(const StreamError& e) const {
    return {"error", Dump(json{{"code", e.code}, {"message", e.message}})};
  }
};

EventPayload DecodeOrThrow(const std::string& kind, const json& j) {
  if (kind == "started") {
    return TurnStarted{j.at("user_message").get<std::string>(),
                       j.at("snapshot").get<std::string>()};
  }
  if (kind == "text") return TextDelta{j.at("t").get<std::string>()};
  if (kind == "reasoning") return ReasoningDelta{j.at("t").get<std::string>()};
  if (kind == "tool_started") {
    return ToolCallStarted{CallFrom(j.at("call")), j.at("mutating").get<bool>()};
  }
  if (kind == "tool_output") {
    return ToolCallOutput{j.at("call_id").get<std::string>(), j.at("t").get<std::string>()};
  }
  if (kind == "tool_finished") {
    return ToolCallFinished{j.at("call_id").get<std::string>(), j.at("is_error").get<bool>(),
                            j.at("output").get<std::string>(),  j.at("truncated").get<bool>(),
                            j.at("exit_code").get<int32_t>(),   j.at("duration_ms").get<int64_t>()};
  }
  if (kind == "approval_requested") {
    return ApprovalRequested{j.at("id").get<std::string>(), CallFrom(j.at("call")),
                             j.at("reason").get<std::string>()};
  }
  if (kind == "approval_resolved") {
    return ApprovalResolved{j.at("id").get<std::string>(),
                            static_cast<Decision>(j.at("decision").get<int>())};
  }
  if (kind == "compacted") {
    return ContextCompacted{j.at("before").get<uint64_t>(), j.at("after").get<uint64_t>()};
  }
  if (kind == "done") {
    return TurnDone{static_cast<TurnFinish>(j.at("finish").get<int>()), UsageFrom(j.at("usage")),
                    j.at("total_ms").get<int64_t>(), j.at("model_calls").get<uint32_t>()};
  }
  if (kind == "error") {
    return StreamError{j.at("code").get<int32_t>(), j.at("message").get<std::string>()};
  }
  throw std::invalid_argument("unknown event kind '" + kind + "'");
}

}  // namespace

EncodedPayload EncodePayload(const EventPayload& payload) { return std::visit(Encoder{}, payload); }

// nlohmann's typed accessors throw on a missing key or wrong type; the exception stays inside
// this function and becomes a Status.
base::StatusOr<EventPayload> DecodePayload(const std::string& kind, const std::string& text) {
  try {
    return DecodeOrThrow(kind, json::parse(text));
  } catch (const std::exception& e) {
    return base::DataLoss("stored event of kind '" + kind + "' is corrupt: " + e.what());
  }
}

std::string EncodeToolCalls(const std::vector<ToolCall>& calls) {
  json out = json::array();
  for (const ToolCall& c : calls) out.push_back(CallJson(c));
  return Dump(out);
}

base::StatusOr<std::vector<ToolCall>> DecodeToolCalls(const std::string& text) {
  try {
    std::vector<ToolCall> calls;
    for (const json& j : json::parse(text)) calls.push_back(CallFrom(j));
    return calls;
  } catch (const std::exception& e) {
    return base::DataLoss(std::string("stored tool calls are corrupt: ") + e.what());
  }
}

}  // namespace agent
