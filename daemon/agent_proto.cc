#include "daemon/agent_proto.h"

#include <type_traits>

#include "base/utf8.h"

namespace flashcoded {
namespace {

namespace v1 = flashcode::v1;

// proto3 strings must be valid UTF-8 or the client drops the whole event. Model text comes out
// of the streaming detokenizer whole, but paths in error messages and the model's call
// arguments can carry any bytes: those go through base::ValidUtf8 (bad bytes -> U+FFFD).

void ToProto(const agent::ToolCall& call, v1::ToolCall* out) {
  out->set_id(call.id);
  out->set_name(call.name);
  out->set_arguments_json(base::ValidUtf8(call.arguments_json));
}

void ToProto(const agent::Usage& usage, v1::Usage* out) {
  out->set_prompt_tokens(usage.prompt_tokens);
  out->set_completion_tokens(usage.completion_tokens);
  out->set_reasoning_tokens(usage.reasoning_tokens);
}

// The numbers of both enums are the wire numbers (see agent/event.h), so a cast is the mapping;
// the switch only rejects values the wire does not know.
v1::FinishReason ToProto(agent::TurnFinish finish) {
  switch (finish) {
    case agent::TurnFinish::kStop:
    case agent::TurnFinish::kLength:
    case agent::TurnFinish::kCancelled:
    case agent::TurnFinish::kLimit:
      return static_cast<v1::FinishReason>(finish);
  }
  return v1::FINISH_REASON_UNSPECIFIED;
}

// Fills the TurnEvent oneof member that matches one payload alternative.
struct PayloadWriter {
  v1::TurnEvent* out;
  void operator()(const agent::TurnStarted& p) const {
    out->mutable_started()->set_user_message(p.user_message);
    out->mutable_started()->set_snapshot_ref(p.snapshot_ref);
  }
  void operator()(const agent::TextDelta& p) const { out->mutable_text()->set_text(p.text); }
  void operator()(const agent::ReasoningDelta& p) const {
    out->mutable_reasoning()->set_text(p.text);
  }
  void operator()(const agent::ToolCallStarted& p) const {
    ToProto(p.call, out->mutable_tool_started()->mutable_call());
    out->mutable_tool_started()->set_mutating(p.mutating);
  }
  void operator()(const agent::ToolCallOutput& p) const {
    out->mutable_tool_output()->set_call_id(p.call_id);
    out->mutable_tool_output()->set_text(p.text);
  }
  void operator()(const agent::ToolCallFinished& p) const {
    auto* f = out->mutable_tool_finished();
    f->set_call_id(p.call_id);
    f->set_is_error(p.is_error);
    f->set_output(p.output);
    f->set_truncated(p.truncated);
    f->set_exit_code(p.exit_code);
    f->set_duration_ms(p.duration_ms);
  }
  void operator()(const agent::ApprovalRequested& p) const {
    auto* a = out->mutable_approval_requested();
    a->set_approval_id(p.approval_id);
    ToProto(p.call, a->mutable_call());
    a->set_reason(base::ValidUtf8(p.reason));
  }
  void operator()(const agent::ApprovalResolved& p) const {
    out->mutable_approval_resolved()->set_approval_id(p.approval_id);
    out->mutable_approval_resolved()->set_decision(
        static_cast<v1::ApprovalDecision::Decision>(p.decision));
  }
  void operator()(const agent::ContextCompacted& p) const {
    out->mutable_compacted()->set_tokens_before(p.tokens_before);
    out->mutable_compacted()->set_tokens_after(p.tokens_after);
  }
  void operator()(const agent::TurnDone& p) const {
    auto* d = out->mutable_done();
    d->set_finish_reason(ToProto(p.finish));
    ToProto(p.usage, d->mutable_usage());
    d->mutable_timings()->set_total_ms(p.total_ms);
    d->set_model_calls(p.model_calls);
  }
  void operator()(const agent::StreamError& p) const {
    out->mutable_error()->set_code(p.code);
    out->mutable_error()->set_message(base::ValidUtf8(p.message));
  }
};

}  // namespace

void ToProto(const agent::SessionInfo& info, v1::Session* out) {
  out->set_id(info.id);
  out->set_title(info.title);
  out->set_workspace_root(info.workspace_root);
  out->set_model(info.model);
  out->set_policy(static_cast<v1::ApprovalPolicy>(info.policy));
  out->set_reasoning(static_cast<v1::ReasoningEffort>(info.reasoning));
  out->set_created_unix_ms(info.created_unix_ms);
  out->set_updated_unix_ms(info.updated_unix_ms);
  out->set_turn_count(info.turn_count);
  out->set_turn_running(info.turn_running);
  ToProto(info.usage, out->mutable_usage());
  out->set_last_event_seq(info.last_event_seq);
  out->mutable_limits()->set_max_model_calls(info.limits.max_model_calls);
  out->mutable_limits()->set_max_output_tokens(info.limits.max_output_tokens);
  out->mutable_limits()->set_max_wall_ms(info.limits.max_wall_ms);
}

void ToProto(const agent::Message& message, v1::Message* out) {
  out->set_role(static_cast<v1::Message::Role>(message.role));
  out->set_content(message.content);
  out->set_reasoning(message.reasoning);
  for (const auto& call : message.tool_calls) ToProto(call, out->add_tool_calls());
  out->set_tool_call_id(message.tool_call_id);
  out->set_is_error(message.is_error);
  out->set_created_unix_ms(message.created_unix_ms);
  out->set_turn_id(message.turn_id);
}

void ToProto(const agent::Event& event, v1::TurnEvent* out) {
  out->set_seq(event.seq);
  out->set_session_id(event.session_id);
  out->set_turn_id(event.turn_id);
  out->set_time_unix_ms(event.time_unix_ms);
  std::visit(PayloadWriter{out}, event.payload);
}

std::optional<agent::ApprovalMode> FromProto(v1::ApprovalPolicy policy) {
  switch (policy) {
    case v1::APPROVAL_POLICY_READ_ONLY:
      return agent::ApprovalMode::kReadOnly;
    case v1::APPROVAL_POLICY_ASK:
      return agent::ApprovalMode::kAsk;
    case v1::APPROVAL_POLICY_AUTO_EDIT:
      return agent::ApprovalMode::kAutoEdit;
    case v1::APPROVAL_POLICY_FULL_AUTO:
      return agent::ApprovalMode::kFullAuto;
    default:
      return std::nullopt;
  }
}

std::optional<agent::ReasoningEffort> FromProto(v1::ReasoningEffort effort) {
  switch (effort) {
    case v1::REASONING_EFFORT_NONE:
      return agent::ReasoningEffort::kNone;
    case v1::REASONING_EFFORT_HIGH:
      return agent::ReasoningEffort::kHigh;
    case v1::REASONING_EFFORT_MAX:
      return agent::ReasoningEffort::kMax;
    default:
      return std::nullopt;
  }
}

agent::ApprovalAnswer FromProto(const v1::ApprovalDecision& decision) {
  agent::ApprovalAnswer answer;
  switch (decision.decision()) {
    case v1::ApprovalDecision::DECISION_APPROVE:
      answer.decision = agent::Decision::kApprove;
      break;
    case v1::ApprovalDecision::DECISION_APPROVE_FOR_SESSION:
      answer.decision = agent::Decision::kApproveForSession;
      break;
    default:
      answer.decision = agent::Decision::kDeny;
      break;
  }
  answer.reason = decision.reason();
  return answer;
}

agent::NewSession FromProto(const v1::CreateSessionRequest& request) {
  agent::NewSession session;
  session.workspace_root = request.workspace_root();
  session.model = request.model();
  session.policy = FromProto(request.policy());
  session.reasoning = FromProto(request.reasoning()).value_or(agent::ReasoningEffort::kDefault);
  session.title = request.title();
  session.limits.max_model_calls = request.limits().max_model_calls();
  session.limits.max_output_tokens = request.limits().max_output_tokens();
  session.limits.max_wall_ms = request.limits().max_wall_ms();
  return session;
}

agent::SessionUpdate FromProto(const v1::UpdateSessionRequest& request) {
  agent::SessionUpdate update;
  update.session_id = request.session_id();
  update.model = request.model();
  update.policy = FromProto(request.policy());
  update.reasoning = FromProto(request.reasoning());
  update.title = request.title();
  return update;
}

}  // namespace flashcoded
