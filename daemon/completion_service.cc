#include "daemon/completion_service.h"

#include <atomic>

#include "agent/completion.h"
#include "daemon/metrics.h"
#include "daemon/model_host.h"
#include "daemon/queued_writer.h"
#include "daemon/rpc_util.h"

namespace flashcoded {
namespace {

namespace v1 = flashcode::v1;

v1::FinishReason ToProto(inference::FinishReason r) {
  switch (r) {
    case inference::FinishReason::kStop:
      return v1::FINISH_REASON_STOP;
    case inference::FinishReason::kLength:
      return v1::FINISH_REASON_LENGTH;
    case inference::FinishReason::kCancelled:
      return v1::FINISH_REASON_CANCELLED;
    case inference::FinishReason::kDeadline:
      return v1::FINISH_REASON_LIMIT;
    case inference::FinishReason::kError:
      return v1::FINISH_REASON_ERROR;
  }
  return v1::FINISH_REASON_UNSPECIFIED;
}

// One completion: engine events become stream messages. The stream ends only after the
// engine's final event (which always comes: cancel, deadline and engine shutdown all send
// one), so the engine never calls into a deleted reactor.
class CompletionReactor final : public QueuedWriter<v1::CompleteResponse> {
 public:
  CompletionReactor(ModelHost& model, CallGate& gate, std::string request_id,
                    std::string model_name)
      : model_(model),
        gate_(gate),
        request_id_(std::move(request_id)),
        model_name_(std::move(model_name)) {}

  // Submits `request`; on refusal finishes the stream with the engine's status.
  void Start(inference::Request request) {
    stream_id_ = gate_.StreamOpened([this] {
      shutting_down_ = true;
      CancelEngineRequest();
    });
    if (stream_id_ == 0) {
      FinishAfterQueue(grpc::Status(grpc::StatusCode::UNAVAILABLE, "daemon shutting down"));
      return;
    }
    auto id = model_.engine().Submit(std::move(request),
                                     [this](const inference::StreamEvent& e) { OnEngineEvent(e); });
    if (!id.ok()) {
      FinishAfterQueue(ToGrpc(id.status()));
      return;
    }
    engine_id_ = *id;
    if (cancel_requested_) CancelEngineRequest();  // the client left while we submitted
  }

  void OnCancel() override {
    cancel_requested_ = true;
    CancelEngineRequest();
  }

 private:
  void CancelEngineRequest() {
    if (uint64_t id = engine_id_.load(); id != 0) (void)model_.engine().Cancel(id);
  }

  void OnEngineEvent(const inference::StreamEvent& e) {  // on the engine thread: never block
    v1::CompleteResponse resp;
    resp.set_request_id(request_id_);
    if (const auto* token = std::get_if<inference::TokenEvent>(&e.payload)) {
      if (token->text.empty()) return;
      resp.mutable_delta()->set_text(token->text);
      Enqueue(std::move(resp));
      return;
    }
    const auto& final = std::get<inference::FinalEvent>(e.payload);
    if (!final.text.empty()) {
      v1::CompleteResponse tail = resp;
      tail.mutable_delta()->set_text(final.text);
      Enqueue(std::move(tail));
    }
    if (shutting_down_) {
      FinishAfterQueue(grpc::Status(grpc::StatusCode::UNAVAILABLE, "daemon shutting down"));
      return;
    }
    if (final.reason == inference::FinishReason::kError) {
      resp.mutable_error()->set_code(static_cast<int32_t>(final.status.code()));
      resp.mutable_error()->set_message(final.status.message());
    } else {
      auto* done = resp.mutable_done();
      done->set_finish_reason(ToProto(final.reason));
      done->set_model(model_name_);
      done->mutable_usage()->set_prompt_tokens(final.usage.prompt_tokens);
      done->mutable_usage()->set_completion_tokens(final.usage.completion_tokens);
      done->mutable_timings()->set_queue_ms(static_cast<int64_t>(final.timings.queue_ms));
      done->mutable_timings()->set_time_to_first_token_ms(
          static_cast<int64_t>(final.timings.time_to_first_token_ms));
      done->mutable_timings()->set_total_ms(static_cast<int64_t>(final.timings.total_ms));
      done->mutable_timings()->set_decode_tokens_per_second(final.timings.decode_tokens_per_second);
    }
    Enqueue(std::move(resp));
    FinishAfterQueue(cancel_requested_ ? grpc::Status::CANCELLED : grpc::Status::OK);
  }

  void Done() override {
    if (stream_id_ != 0) gate_.StreamClosed(stream_id_);
  }

  ModelHost& model_;
  CallGate& gate_;
  const std::string request_id_;
  const std::string model_name_;
  uint64_t stream_id_ = 0;
  std::atomic<uint64_t> engine_id_{0};
  std::atomic<bool> cancel_requested_{false};
  std::atomic<bool> shutting_down_{false};
};

}  // namespace

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
  if (model_ == nullptr) {
    return RefuseStream<CompleteResponse>(grpc::Status(
        grpc::StatusCode::FAILED_PRECONDITION,
        "no model loaded: configure [model] path in config.toml or start flashcoded --model DIR"));
  }
  agent::CompletionInput input;
  input.file_path = request->file_path();
  input.prefix = request->prefix();
  input.suffix = request->suffix();
  for (const auto& s : request->snippets()) input.snippets.push_back({s.file_path(), s.text()});
  input.max_tokens = request->max_tokens() == 0 ? 128 : static_cast<int32_t>(request->max_tokens());
  input.temperature = request->temperature();
  input.stop.assign(request->stop().begin(), request->stop().end());
  input.single_line = request->single_line();
  auto engine_request =
      agent::BuildCompletionRequest(model_->tokenizer(), input, model_->engine().ContextLength());
  if (!engine_request.ok()) return RefuseStream<CompleteResponse>(ToGrpc(engine_request.status()));
  if (request->timeout_ms() > 0) {
    engine_request->deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(request->timeout_ms());
  }
  std::string id = request->request_id().empty() ? "cmpl-" + std::to_string(next_request_id_++)
                                                 : request->request_id();
  engine_request->log_label = "completion=" + id;
  auto* reactor = new CompletionReactor(*model_, gate_, id, model_->info().name);
  reactor->Start(std::move(engine_request).value());
  return reactor;
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
