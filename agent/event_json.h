// How the SessionStore writes an event's payload and a message's tool calls to disk: a kind
// name ("text", "tool_finished", ...) plus a JSON object. Decoding validates: a corrupt row
// is a DataLoss Status, never a crash. Stateless; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "agent/event.h"
#include "agent/message.h"
#include "base/status.h"

namespace agent {

struct EncodedPayload {
  std::string kind;
  std::string json;
};

EncodedPayload EncodePayload(const EventPayload& payload);
base::StatusOr<EventPayload> DecodePayload(const std::string& kind, const std::string& json);

std::string EncodeToolCalls(const std::vector<ToolCall>& calls);
base::StatusOr<std::vector<ToolCall>> DecodeToolCalls(const std::string& json);

}  // namespace agent
