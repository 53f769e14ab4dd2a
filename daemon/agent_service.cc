#include "daemon/agent_service.h"

#include <algorithm>
#include <string>

#include "agent/agent.h"
#include "daemon/agent_proto.h"
#include "daemon/agent_turn_reactor.h"
#include "daemon/metrics.h"
#include "daemon/rpc_util.h"

namespace flashcoded {
namespace {

namespace v1 = flashcode::v1;

constexpr uint32_t kDefaultPageSize = 50;
constexpr uint32_t kMaxPageSize = 500;

grpc::Status NoModel() {
  return grpc::Status(
      grpc::StatusCode::FAILED_PRECONDITION,
      "no model loaded: configure [model] path in config.toml or start flashcoded --model DIR");
}

// Page tokens are the offset of the next page, in decimal; anything else is refused.
bool ParsePageToken(const std::string& token, size_t& offset) {
  offset = 0;
  if (token.empty()) return true;
  if (token.size() > 9) return false;
  for (char c : token) {
    if (c < '0' || c > '9') return false;
    offset = offset * 10 + static_cast<size_t>(c - '0');
  }
  return true;
}

}  // namespace

void AgentService::Count(const char* method) {
  metrics_.Add("flashcode_rpc_total", "RPCs received, by method", "method",
               std::string("Agent.") + method);
}

grpc::ServerUnaryReactor* AgentService::CreateSession(grpc::CallbackServerContext* ctx,
                                                      const v1::CreateSessionRequest* request,
                                                      v1::CreateSessionResponse* response) {
  if (auto s = AdmitCall(gate_, ctx); !s.ok()) return FinishNow(ctx, ToGrpc(s));
  Count("CreateSession");
  if (!v1::ApprovalPolicy_IsValid(request->policy()) ||
      !v1::ReasoningEffort_IsValid(request->reasoning())) {
    return FinishNow(ctx, grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                       "unknown approval policy or reasoning effort"));
  }
  if (agent_ == nullptr) return FinishNow(ctx, NoModel());
  auto session = agent_->CreateSession(FromProto(*request));
  if (!session.ok()) return FinishNow(ctx, ToGrpc(session.status()));
  ToProto(*session, response->mutable_session());
  return FinishNow(ctx, grpc::Status::OK);
}

grpc::ServerUnaryReactor* AgentService::ListSessions(grpc::CallbackServerContext* ctx,
                                                     const v1::ListSessionsRequest* request,
                                                     v1::ListSessionsResponse* response) {
  if (auto s = AdmitCall(gate_, ctx); !s.ok()) return FinishNow(ctx, ToGrpc(s));
  Count("ListSessions");
  size_t offset = 0;
  if (!ParsePageToken(request->page_token(), offset)) {
    return FinishNow(ctx, grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "bad page_token"));
  }
  size_t page =
      request->page_size() == 0 ? kDefaultPageSize : std::min(request->page_size(), kMaxPageSize);
  // One more than a page tells whether another page follows.
  auto sessions = agent_ != nullptr
                      ? agent_->ListSessions(request->workspace_root(), page + 1, offset)
                      : store_->List(request->workspace_root(), page + 1, offset);
  if (!sessions.ok()) return FinishNow(ctx, ToGrpc(sessions.status()));
  for (size_t i = 0; i < sessions->size() && i < page; ++i) {
    ToProto((*sessions)[i], response->add_sessions());
  }
  if (sessions->size() > page) response->set_next_page_token(std::to_string(offset + page));
  return FinishNow(ctx, grpc::Status::OK);
}

grpc::ServerUnaryReactor* AgentService::GetSession(grpc::CallbackServerContext* ctx,
                                                   const v1::GetSessionRequest* request,
                                                   v1::GetSessionResponse* response) {
  if (auto s = AdmitCall(gate_, ctx); !s.ok()) return FinishNow(ctx, ToGrpc(s));
  Count("GetSession");
  const std::string& id = request->session_id();
  auto session = agent_ != nullptr ? agent_->GetSession(id) : store_->Get(id);
  if (!session.ok()) return FinishNow(ctx, ToGrpc(session.status()));
  auto messages = agent_ != nullptr ? agent_->Messages(id, /*include_compacted=*/true)
                                    : store_->Messages(id, /*include_compacted=*/true);
  if (!messages.ok()) return FinishNow(ctx, ToGrpc(messages.status()));
  ToProto(*session, response->mutable_session());
  for (const auto& m : *messages) ToProto(m, response->add_messages());
  return FinishNow(ctx, grpc::Status::OK);
}

grpc::ServerUnaryReactor* AgentService::DeleteSession(grpc::CallbackServerContext* ctx,
                                                      const v1::DeleteSessionRequest* request,
                                                      v1::DeleteSessionResponse*) {
  if (auto s = AdmitCall(gate_, ctx); !s.ok()) return FinishNow(ctx, ToGrpc(s));
  Count("DeleteSession");
  base::Status s = agent_ != nullptr ? agent_->DeleteSession(request->session_id())
                                     : store_->Delete(request->session_id());
  return FinishNow(ctx, ToGrpc(s));
}

grpc::ServerUnaryReactor* AgentService::UpdateSession(grpc::CallbackServerContext* ctx,
                                                      const v1::UpdateSessionRequest* request,
                                                      v1::UpdateSessionResponse* response) {
  if (auto s = AdmitCall(gate_, ctx); !s.ok()) return FinishNow(ctx, ToGrpc(s));
  Count("UpdateSession");
  if (!v1::ApprovalPolicy_IsValid(request->policy()) ||
      !v1::ReasoningEffort_IsValid(request->reasoning())) {
    return FinishNow(ctx, grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                       "unknown approval policy or reasoning effort"));
  }
  agent::SessionUpdate update = FromProto(*request);
  base::StatusOr<agent::SessionInfo> session = base::Internal("unreachable");
  if (agent_ != nullptr) {
    session = agent_->UpdateSession(update);
  } else {  // no turn can run, so the stored record is the whole truth
    session = store_->Get(update.session_id);
    if (session.ok()) {
      if (!update.model.empty()) session->model = update.model;
      if (update.policy) session->policy = *update.policy;
      if (update.reasoning) session->reasoning = *update.reasoning;
      if (!update.title.empty()) session->title = update.title;
      if (base::Status s = store_->Update(*session); !s.ok()) session = s;
    }
  }
  if (!session.ok()) return FinishNow(ctx, ToGrpc(session.status()));
  ToProto(*session, response->mutable_session());
  return FinishNow(ctx, grpc::Status::OK);
}

grpc::ServerBidiReactor<v1::TurnRequest, v1::TurnEvent>* AgentService::Turn(
    grpc::CallbackServerContext* ctx) {
  if (auto s = AdmitCall(gate_, ctx); !s.ok()) {
    struct Refused : grpc::ServerBidiReactor<v1::TurnRequest, v1::TurnEvent> {
      void OnDone() override { delete this; }
    };
    auto* refused = new Refused;
    refused->Finish(ToGrpc(s));
    return refused;
  }
  Count("Turn");
  auto* reactor = new TurnReactor(agent_, gate_);
  reactor->Start();
  return reactor;
}

grpc::ServerWriteReactor<v1::TurnEvent>* AgentService::ResumeSession(
    grpc::CallbackServerContext* ctx, const v1::ResumeSessionRequest* request) {
  if (auto s = AdmitCall(gate_, ctx); !s.ok()) return RefuseStream<v1::TurnEvent>(ToGrpc(s));
  Count("ResumeSession");
  auto* reactor = new ResumeReactor(agent_, store_, gate_);
  reactor->Start(request->session_id(), request->after_seq());
  return reactor;
}

grpc::ServerUnaryReactor* AgentService::Approve(grpc::CallbackServerContext* ctx,
                                                const v1::ApproveRequest* request,
                                                v1::ApproveResponse*) {
  if (auto s = AdmitCall(gate_, ctx); !s.ok()) return FinishNow(ctx, ToGrpc(s));
  Count("Approve");
  if (agent_ == nullptr) return FinishNow(ctx, NoModel());
  return FinishNow(ctx, ToGrpc(agent_->Approve(request->decision().approval_id(),
                                               FromProto(request->decision()))));
}

grpc::ServerUnaryReactor* AgentService::CancelTurn(grpc::CallbackServerContext* ctx,
                                                   const v1::CancelTurnRequest* request,
                                                   v1::CancelTurnResponse* response) {
  if (auto s = AdmitCall(gate_, ctx); !s.ok()) return FinishNow(ctx, ToGrpc(s));
  Count("CancelTurn");
  // Without a model no turn can be running: OK, was_running = false.
  response->set_was_running(agent_ != nullptr && agent_->CancelTurn(request->session_id()));
  return FinishNow(ctx, grpc::Status::OK);
}

grpc::ServerUnaryReactor* AgentService::Undo(grpc::CallbackServerContext* ctx,
                                             const v1::UndoRequest* request,
                                             v1::UndoResponse* response) {
  if (auto s = AdmitCall(gate_, ctx); !s.ok()) return FinishNow(ctx, ToGrpc(s));
  Count("Undo");
  if (agent_ == nullptr) return FinishNow(ctx, NoModel());
  auto result = agent_->Undo(request->session_id());
  if (!result.ok()) return FinishNow(ctx, ToGrpc(result.status()));
  response->set_restored_snapshot_ref(result->restored_snapshot_ref);
  for (const auto& path : result->changed_paths) response->add_changed_paths(path);
  return FinishNow(ctx, grpc::Status::OK);
}

// Compact's answer comes from the agent's worker once the summary is written: a model call
// must never hold a gRPC thread. The client's cancel or deadline cancels the summary.
class CompactReactor final : public grpc::ServerUnaryReactor {
 public:
  CompactReactor(agent::Agent& agent, const std::string& session_id,
                 v1::CompactResponse* response) {
    base::Status started = agent.StartCompact(
        session_id, cancel_, [this, response](base::StatusOr<agent::CompactResult> result) {
          if (!result.ok()) return Finish(ToGrpc(result.status()));
          response->set_tokens_before(result->tokens_before);
          response->set_tokens_after(result->tokens_after);
          Finish(grpc::Status::OK);  // the last use of `this`: OnDone may follow at once
        });
    if (!started.ok()) Finish(ToGrpc(started));
  }
  void OnCancel() override { cancel_->Cancel(); }
  void OnDone() override { delete this; }

 private:
  const std::shared_ptr<base::CancelToken> cancel_ = std::make_shared<base::CancelToken>();
};

grpc::ServerUnaryReactor* AgentService::Compact(grpc::CallbackServerContext* ctx,
                                                const v1::CompactRequest* request,
                                                v1::CompactResponse* response) {
  if (auto s = AdmitCall(gate_, ctx); !s.ok()) return FinishNow(ctx, ToGrpc(s));
  Count("Compact");
  if (agent_ == nullptr) return FinishNow(ctx, NoModel());
  return new CompactReactor(*agent_, request->session_id(), response);
}

}  // namespace flashcoded
