// Glue between gRPC and our types, for the daemon's services: base::Status <-> grpc::Status,
// and the CallGate check every handler starts with.
#pragma once

#include <grpcpp/grpcpp.h>

#include "base/status.h"
#include "daemon/call_gate.h"

namespace flashcoded {

inline grpc::Status ToGrpc(const base::Status& s) {
  if (s.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()), s.message());
}

// Runs the gate's checks for the call behind `ctx` (peer and authorization metadata).
inline base::Status AdmitCall(const CallGate& gate, grpc::CallbackServerContext* ctx) {
  std::string_view authorization;
  auto it = ctx->client_metadata().find("authorization");
  if (it != ctx->client_metadata().end()) {
    authorization = std::string_view(it->second.data(), it->second.size());
  }
  return gate.Admit(ctx->peer(), authorization);
}

// A unary reactor that finishes at once with `status`.
inline grpc::ServerUnaryReactor* FinishNow(grpc::CallbackServerContext* ctx,
                                           const grpc::Status& status) {
  auto* reactor = ctx->DefaultReactor();
  reactor->Finish(status);
  return reactor;
}

// A server-streaming reactor that finishes at once with `status` (refused before any write).
template <typename T>
grpc::ServerWriteReactor<T>* RefuseStream(const grpc::Status& status) {
  struct Refused : grpc::ServerWriteReactor<T> {
    void OnDone() override { delete this; }
  };
  auto* reactor = new Refused;
  reactor->Finish(status);
  return reactor;
}

}  // namespace flashcoded
