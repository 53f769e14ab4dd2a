#include "daemon/completion_service.h"

#include "daemon/metrics.h"
#include "daemon/rpc_util.h"

namespace flashcoded {

std::string ValidateCompleteRequest(const flashcode::v1::CompleteRequest& r) {
  constexpr size_t kMaxSnippetBytes = 64 * 1024;
  if (r.max_tokens() > 4096) return "max_tokens must be at most 4096";
  if (r.temperature() < 0 || r.temperature() > 2) return "temperature must be within 0..2";
  if (r.prefix().empty() && r.suffix().empty()) return "prefix and suffix are both empty";
  for (const auto& s : r.snippets()) {
    if (s.text().size() > kMaxSnippetBytes) {
      return "snippet of " + s.file_path() + " is larger than 64 KiB";
    }
  }
  if (r.stop_size() > 16) return "at most 16 stop strings";
  for (const auto& s : r.stop()) {
    if (s.empty() || s.size() > 256) return "stop strings must be 1..256 bytes";
  }
  return "";
}

grpc::ServerWriteReactor<flashcode::v1::CompleteResponse>* CompletionService::Complete(
    grpc::CallbackServerContext* ctx, const flashcode::v1::CompleteRequest* request) {
  using flashcode::v1::CompleteResponse;
  if (auto s = AdmitCall(gate_, ctx); !s.ok()) return RefuseStream<CompleteResponse>(ToGrpc(s));
  metrics_.Add("flashcode_rpc_total", "RPCs received, by method", "method", "Completion.Complete");
  if (std::string problem = ValidateCompleteRequest(*request); !problem.empty()) {
    return RefuseStream<CompleteResponse>(
        grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, problem));
  }
  return RefuseStream<CompleteResponse>(grpc::Status(
      grpc::StatusCode::FAILED_PRECONDITION,
      "no model loaded: configure [model] path in config.toml or start flashcoded --model DIR"));
}

grpc::ServerUnaryReactor* CompletionService::Feedback(grpc::CallbackServerContext* ctx,
                                                      const flashcode::v1::FeedbackRequest*,
                                                      flashcode::v1::FeedbackResponse*) {
  if (auto s = AdmitCall(gate_, ctx); !s.ok()) return FinishNow(ctx, ToGrpc(s));
  // Telemetry must never fail an editor; unknown ids (all of them, until completions run) are OK.
  metrics_.Add("flashcode_rpc_total", "RPCs received, by method", "method", "Completion.Feedback");
  return FinishNow(ctx, grpc::Status::OK);
}

}  // namespace flashcoded
