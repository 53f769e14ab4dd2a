// AgentService: the Agent RPCs of flashcode.v1 (agent.proto) over the agent core's one entry
// point, agent::Agent. Handlers admit the call through the CallGate, translate proto <-> the
// agent's structs (daemon/agent_proto.h) and map Status to gRPC codes; the turn logic lives in
// agent/. Turn and ResumeSession stream through their reactors (daemon/agent_turn_reactor.h).
// Without a model loaded there is no Agent: sessions stored earlier can still be listed, shown,
// updated, deleted and replayed (through the SessionStore), while CreateSession, Turn,
// Approve, CancelTurn, Undo and Compact answer FAILED_PRECONDITION ("no model loaded").
// Thread-safe (every handler may run on any gRPC thread; the Agent is thread-safe).
#pragma once

#include "flashcode/v1/agent.grpc.pb.h"

namespace agent {
class Agent;
class SessionStore;
}  // namespace agent

namespace flashcoded {

class CallGate;
class Metrics;

class AgentService final : public flashcode::v1::Agent::CallbackService {
 public:
  // Exactly one of `agent` (a model is loaded) and `store_without_model` is non-null. Borrows
  // everything; all must outlive the gRPC server.
  AgentService(agent::Agent* agent, agent::SessionStore* store_without_model, CallGate& gate,
               Metrics& metrics)
      : agent_(agent), store_(store_without_model), gate_(gate), metrics_(metrics) {}
  AgentService(const AgentService&) = delete;
  AgentService& operator=(const AgentService&) = delete;

  grpc::ServerUnaryReactor* CreateSession(grpc::CallbackServerContext* ctx,
                                          const flashcode::v1::CreateSessionRequest* request,
                                          flashcode::v1::CreateSessionResponse* response) override;
  grpc::ServerUnaryReactor* ListSessions(grpc::CallbackServerContext* ctx,
                                         const flashcode::v1::ListSessionsRequest* request,
                                         flashcode::v1::ListSessionsResponse* response) override;
  grpc::ServerUnaryReactor* GetSession(grpc::CallbackServerContext* ctx,
                                       const flashcode::v1::GetSessionRequest* request,
                                       flashcode::v1::GetSessionResponse* response) override;
  grpc::ServerUnaryReactor* DeleteSession(grpc::CallbackServerContext* ctx,
                                          const flashcode::v1::DeleteSessionRequest* request,
                                          flashcode::v1::DeleteSessionResponse* response) override;
  grpc::ServerUnaryReactor* UpdateSession(grpc::CallbackServerContext* ctx,
                                          const flashcode::v1::UpdateSessionRequest* request,
                                          flashcode::v1::UpdateSessionResponse* response) override;
  grpc::ServerBidiReactor<flashcode::v1::TurnRequest, flashcode::v1::TurnEvent>* Turn(
      grpc::CallbackServerContext* ctx) override;
  grpc::ServerWriteReactor<flashcode::v1::TurnEvent>* ResumeSession(
      grpc::CallbackServerContext* ctx,
      const flashcode::v1::ResumeSessionRequest* request) override;
  grpc::ServerUnaryReactor* Approve(grpc::CallbackServerContext* ctx,
                                    const flashcode::v1::ApproveRequest* request,
                                    flashcode::v1::ApproveResponse* response) override;
  grpc::ServerUnaryReactor* CancelTurn(grpc::CallbackServerContext* ctx,
                                       const flashcode::v1::CancelTurnRequest* request,
                                       flashcode::v1::CancelTurnResponse* response) override;
  grpc::ServerUnaryReactor* Undo(grpc::CallbackServerContext* ctx,
                                 const flashcode::v1::UndoRequest* request,
                                 flashcode::v1::UndoResponse* response) override;
  grpc::ServerUnaryReactor* Compact(grpc::CallbackServerContext* ctx,
                                    const flashcode::v1::CompactRequest* request,
                                    flashcode::v1::CompactResponse* response) override;

 private:
  void Count(const char* method);

  agent::Agent* const agent_;
  agent::SessionStore* const store_;
  CallGate& gate_;
  Metrics& metrics_;
};

}  // namespace flashcoded
