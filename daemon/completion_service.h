// CompletionService: the Completion RPCs of flashcode.v1. It validates requests fully now; the
// generation path arrives with the engine, and until a model is loaded every valid request
// ends with FAILED_PRECONDITION ("no model loaded"). Thread-safe.
#pragma once

#include "flashcode/v1/completion.grpc.pb.h"

namespace flashcoded {

class CallGate;
class Metrics;

// Checks a CompleteRequest against the limits documented in completion.proto.
// Returns an INVALID_ARGUMENT description, or an empty string when valid.
std::string ValidateCompleteRequest(const flashcode::v1::CompleteRequest& request);

class CompletionService final : public flashcode::v1::Completion::CallbackService {
 public:
  // Borrows `gate` and `metrics`; both must outlive the gRPC server.
  CompletionService(CallGate& gate, Metrics& metrics) : gate_(gate), metrics_(metrics) {}
  CompletionService(const CompletionService&) = delete;
  CompletionService& operator=(const CompletionService&) = delete;

  grpc::ServerWriteReactor<flashcode::v1::CompleteResponse>* Complete(
      grpc::CallbackServerContext* ctx, const flashcode::v1::CompleteRequest* request) override;
  grpc::ServerUnaryReactor* Feedback(grpc::CallbackServerContext* ctx,
                                     const flashcode::v1::FeedbackRequest* request,
                                     flashcode::v1::FeedbackResponse* response) override;

 private:
  CallGate& gate_;
  Metrics& metrics_;
};

}  // namespace flashcoded
