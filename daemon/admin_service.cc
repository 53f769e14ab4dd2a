#include "daemon/admin_service.h"

#include "base/log.h"
#include "daemon/call_gate.h"
#include "daemon/log_broadcaster.h"
#include "daemon/metrics.h"
#include "daemon/queued_writer.h"
#include "daemon/rpc_util.h"

namespace flashcoded {
namespace {

constexpr char kRpcTotal[] = "flashcode_rpc_total";
constexpr char kRpcHelp[] = "RPCs received, by method";

// Streams log lines: a tail, then (with follow) every new line until the client cancels or the
// daemon shuts down. A stalled client loses its oldest lines rather than the daemon's memory.
class LogStreamReactor final : public QueuedWriter<flashcode::v1::LogLine> {
 public:
  LogStreamReactor(CallGate& gate, LogBroadcaster& logs, size_t tail, bool follow)
      : QueuedWriter(10000), gate_(gate), logs_(logs) {
    subscription_ =
        logs_.Subscribe(tail, follow, [this](const std::string& l) { Enqueue(Line(l)); });
    if (!follow) {
      FinishAfterQueue(grpc::Status::OK);
      return;
    }
    stream_id_ = gate_.StreamOpened([this] {
      FinishAfterQueue(grpc::Status(grpc::StatusCode::UNAVAILABLE, "daemon shutting down"));
    });
    if (stream_id_ == 0) {
      FinishAfterQueue(grpc::Status(grpc::StatusCode::UNAVAILABLE, "daemon shutting down"));
    }
  }

  void OnCancel() override { FinishAfterQueue(grpc::Status::CANCELLED); }

 private:
  static flashcode::v1::LogLine Line(std::string text) {
    flashcode::v1::LogLine line;
    line.set_text(std::move(text));
    return line;
  }

  void Done() override {
    if (subscription_ != 0) logs_.Unsubscribe(subscription_);
    if (stream_id_ != 0) gate_.StreamClosed(stream_id_);
  }

  CallGate& gate_;
  LogBroadcaster& logs_;
  uint64_t subscription_ = 0;
  uint64_t stream_id_ = 0;
};

void FillModel(const LoadedModelInfo& m, flashcode::v1::ModelInfo* out) {
  out->set_name(m.name);
  out->set_path(m.path);
  out->set_backend("cpu");
  out->set_total_params(m.total_params);
  out->set_active_params(m.active_params);
  out->set_context_length(static_cast<uint32_t>(m.context_length));
  out->set_loaded(true);
  out->set_load_ms(m.load_ms);
}

}  // namespace

AdminService::AdminService(DaemonInfo info, const base::Clock& clock, CallGate& gate,
                           Metrics& metrics, LogBroadcaster& logs,
                           std::function<void(uint32_t)> request_shutdown,
                           std::function<SessionCounts()> count_sessions)
    : info_(std::move(info)),
      clock_(clock),
      gate_(gate),
      metrics_(metrics),
      logs_(logs),
      request_shutdown_(std::move(request_shutdown)),
      count_sessions_(std::move(count_sessions)) {}

grpc::ServerUnaryReactor* AdminService::Status(grpc::CallbackServerContext* ctx,
                                               const flashcode::v1::StatusRequest*,
                                               flashcode::v1::StatusResponse* response) {
  if (auto s = AdmitCall(gate_, ctx); !s.ok()) return FinishNow(ctx, ToGrpc(s));
  metrics_.Add(kRpcTotal, kRpcHelp, "method", "Admin.Status");
  response->set_version(info_.version);
  response->set_api_version("flashcode.v1");
  response->set_pid(info_.pid);
  response->set_started_unix_ms(info_.started_unix_ms);
  response->set_uptime_ms(clock_.UnixMillis() - info_.started_unix_ms);
  auto* build = response->mutable_build();
  build->set_cuda_built(info_.cuda_built);
  build->set_cuda_device_found(!info_.cuda_devices.empty());
  for (const auto& d : info_.cuda_devices) build->add_cuda_devices(d);
  build->set_cuda_detail(info_.cuda_detail);
  build->set_build_type(info_.build_type);
  if (info_.model) FillModel(*info_.model, response->mutable_loaded_model());
  SessionCounts sessions = count_sessions_();
  response->set_sessions(sessions.stored);
  response->set_active_sessions(sessions.active);
  response->set_open_streams(gate_.OpenStreams());
  response->set_socket_path(info_.socket_path);
  response->set_tcp_address(info_.tcp_address);
  return FinishNow(ctx, grpc::Status::OK);
}

grpc::ServerUnaryReactor* AdminService::ListModels(grpc::CallbackServerContext* ctx,
                                                   const flashcode::v1::ListModelsRequest*,
                                                   flashcode::v1::ListModelsResponse* response) {
  if (auto s = AdmitCall(gate_, ctx); !s.ok()) return FinishNow(ctx, ToGrpc(s));
  metrics_.Add(kRpcTotal, kRpcHelp, "method", "Admin.ListModels");
  if (info_.model) {  // one model per daemon for now: the one it loaded
    FillModel(*info_.model, response->add_models());
    response->set_default_model(info_.model->name);
  }
  return FinishNow(ctx, grpc::Status::OK);
}

grpc::ServerUnaryReactor* AdminService::GetMetrics(grpc::CallbackServerContext* ctx,
                                                   const flashcode::v1::GetMetricsRequest*,
                                                   flashcode::v1::GetMetricsResponse* response) {
  if (auto s = AdmitCall(gate_, ctx); !s.ok()) return FinishNow(ctx, ToGrpc(s));
  metrics_.Add(kRpcTotal, kRpcHelp, "method", "Admin.GetMetrics");
  for (const MetricSample& sample : metrics_.Snapshot()) {
    auto* m = response->add_metrics();
    m->set_name(sample.name);
    m->set_value(sample.value);
    m->set_help(sample.help);
    for (const auto& [k, v] : sample.labels) (*m->mutable_labels())[k] = v;
  }
  auto* uptime = response->add_metrics();
  uptime->set_name("flashcode_uptime_seconds");
  uptime->set_value((clock_.UnixMillis() - info_.started_unix_ms) / 1000.0);
  uptime->set_help("Seconds since the daemon started");
  auto* streams = response->add_metrics();
  streams->set_name("flashcode_open_streams");
  streams->set_value(gate_.OpenStreams());
  streams->set_help("Server streams open now");
  return FinishNow(ctx, grpc::Status::OK);
}

grpc::ServerUnaryReactor* AdminService::Shutdown(grpc::CallbackServerContext* ctx,
                                                 const flashcode::v1::ShutdownRequest* request,
                                                 flashcode::v1::ShutdownResponse*) {
  if (auto s = AdmitCall(gate_, ctx); !s.ok()) return FinishNow(ctx, ToGrpc(s));
  if (request->grace_ms() > 600'000) {
    return FinishNow(ctx, grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                       "grace_ms must be at most 600000 (10 minutes)"));
  }
  metrics_.Add(kRpcTotal, kRpcHelp, "method", "Admin.Shutdown");
  base::Logger("daemon")->info("shutdown requested by a client (peer {})", ctx->peer());
  // Shut down only once this call is completely done: gRPC's shutdown waits for calls in flight,
  // this one included, until the grace period ends.
  struct AnswerThenShutdown final : grpc::ServerUnaryReactor {
    explicit AnswerThenShutdown(std::function<void()> after) : after_(std::move(after)) {
      Finish(grpc::Status::OK);
    }
    void OnDone() override {
      after_();
      delete this;
    }
    std::function<void()> after_;
  };
  uint32_t grace_ms = request->grace_ms() == 0 ? 5000 : request->grace_ms();
  return new AnswerThenShutdown([this, grace_ms] { request_shutdown_(grace_ms); });
}

grpc::ServerWriteReactor<flashcode::v1::LogLine>* AdminService::StreamLogs(
    grpc::CallbackServerContext* ctx, const flashcode::v1::StreamLogsRequest* request) {
  if (auto s = AdmitCall(gate_, ctx); !s.ok()) {
    return RefuseStream<flashcode::v1::LogLine>(ToGrpc(s));
  }
  if (request->tail_lines() > 10000) {
    return RefuseStream<flashcode::v1::LogLine>(
        grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "tail_lines must be at most 10000"));
  }
  metrics_.Add(kRpcTotal, kRpcHelp, "method", "Admin.StreamLogs");
  size_t tail = request->tail_lines() == 0 ? 100 : request->tail_lines();
  return new LogStreamReactor(gate_, logs_, tail, request->follow());
}

}  // namespace flashcoded
