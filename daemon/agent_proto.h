// Field-by-field translation between agent.proto messages and the agent core's plain structs
// (agent/event.h, agent/session_store.h, agent/message.h), for the AgentService and its
// reactors. No logic beyond mapping enums and filling fields. Stateless; thread-safe.
#pragma once

#include <optional>

#include "agent/agent.h"
#include "flashcode/v1/agent.pb.h"

namespace flashcoded {

void ToProto(const agent::SessionInfo& info, flashcode::v1::Session* out);
void ToProto(const agent::Message& message, flashcode::v1::Message* out);
void ToProto(const agent::Event& event, flashcode::v1::TurnEvent* out);

// UNSPECIFIED maps to nullopt (the configured default / unchanged).
std::optional<agent::ApprovalMode> FromProto(flashcode::v1::ApprovalPolicy policy);
std::optional<agent::ReasoningEffort> FromProto(flashcode::v1::ReasoningEffort effort);
// UNSPECIFIED is a denial: an answer that says nothing must not approve.
agent::ApprovalAnswer FromProto(const flashcode::v1::ApprovalDecision& decision);
agent::NewSession FromProto(const flashcode::v1::CreateSessionRequest& request);
agent::SessionUpdate FromProto(const flashcode::v1::UpdateSessionRequest& request);

}  // namespace flashcoded
