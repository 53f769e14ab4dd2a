// CompletionService: the Completion RPCs of flashcode.v1. A request is validated, rendered as a
// fill-in-the-middle prompt (agent/completion.h) and submitted to the engine at interactive
// priority; tokens stream back as deltas. Cancelling the call cancels the engine request at
// once; daemon shutdown ends it with UNAVAILABLE. Without a model every valid request ends with
// FAILED_PRECONDITION ("no model loaded"). Thread-safe.
#pragma once

#include <atomic>

#include "flashcode/v1/completion.grpc.pb.h"

namespace flashcoded {

class CallGate;
class Metrics;
class ModelHost;

// Checks a CompleteRequest against the limits documented in completion.proto.
// Returns an INVALID_ARGUMENT description, or an empty string when valid.
std::string ValidateCompleteRequest(const flashcode::v1::CompleteRequest& request);

class CompletionService final : public flashcode::v1::Completion::CallbackService {
 public:
  // Borrows everything; all must outlive the gRPC server. `model` may be null (none loaded).
  CompletionService(ModelHost* model, CallGate& gate, Metrics& metrics)
      : model_(model), gate_(gate), metrics_(metrics) {}
  CompletionService(const CompletionService&) = delete;
  CompletionService& operator=(const CompletionService&) = delete;

  grpc::ServerWriteReactor<flashcode::v1::CompleteResponse>* Complete(
      grpc::CallbackServerContext* ctx, const flashcode::v1::CompleteRequest* request) override;
  grpc::ServerUnaryReactor* Feedback(grpc::CallbackServerContext* ctx,
                                     const flashcode::v1::FeedbackRequest* request,
                                     flashcode::v1::FeedbackResponse* response) override;

 private:
  ModelHost* model_;
  std::atomic<uint64_t> next_request_id_{1};
  CallGate& gate_;
  Metrics& metrics_;
};

}  // namespace flashcoded
