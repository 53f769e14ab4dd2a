// ContextService: the Context RPCs of flashcode.v1 — index status, reindex (streamed), symbol
// search and the repo map — over the daemon's WorkspaceIndexes. Reindexing runs on a worker
// thread, never on a gRPC thread; cancelling the call (or daemon shutdown) stops it, keeping
// the files already committed. Thread-safe.
#pragma once

#include "base/clock.h"
#include "flashcode/v1/context.grpc.pb.h"

namespace flashcoded {

class CallGate;
class Metrics;
class WorkspaceIndexes;

class ContextService final : public flashcode::v1::Context::CallbackService {
 public:
  // Borrows everything; all must outlive the gRPC server.
  ContextService(WorkspaceIndexes& indexes, const base::Clock& clock, CallGate& gate,
                 Metrics& metrics)
      : indexes_(indexes), clock_(clock), gate_(gate), metrics_(metrics) {}
  ContextService(const ContextService&) = delete;
  ContextService& operator=(const ContextService&) = delete;

  grpc::ServerUnaryReactor* GetIndexStatus(
      grpc::CallbackServerContext* ctx, const flashcode::v1::GetIndexStatusRequest* request,
      flashcode::v1::GetIndexStatusResponse* response) override;
  grpc::ServerWriteReactor<flashcode::v1::ReindexProgress>* Reindex(
      grpc::CallbackServerContext* ctx, const flashcode::v1::ReindexRequest* request) override;
  grpc::ServerUnaryReactor* SearchSymbols(grpc::CallbackServerContext* ctx,
                                          const flashcode::v1::SearchSymbolsRequest* request,
                                          flashcode::v1::SearchSymbolsResponse* response) override;
  grpc::ServerUnaryReactor* GetRepoMap(grpc::CallbackServerContext* ctx,
                                       const flashcode::v1::GetRepoMapRequest* request,
                                       flashcode::v1::GetRepoMapResponse* response) override;

 private:
  WorkspaceIndexes& indexes_;
  const base::Clock& clock_;
  CallGate& gate_;
  Metrics& metrics_;
};

}  // namespace flashcoded
