// AdminService: the Admin RPCs of flashcode.v1 — Status, ListModels, GetMetrics, Shutdown and
// StreamLogs. Proto <-> plain data only; every fact it reports is handed in by main.cc.
// Thread-safe (gRPC calls it from its callback threads; nothing here blocks).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "daemon/model_host.h"
#include "flashcode/v1/admin.grpc.pb.h"

namespace flashcoded {

class CallGate;
class LogBroadcaster;
class Metrics;

// Facts about this daemon fixed at start-up.
struct DaemonInfo {
  std::string version;
  int64_t pid = 0;
  int64_t started_unix_ms = 0;
  std::string socket_path;
  std::string tcp_address;
  bool cuda_built = false;
  std::vector<std::string> cuda_devices;
  std::string cuda_detail;
  std::string build_type;
  std::optional<LoadedModelInfo> model;  // the model served, if any
};

// Stored agent sessions, and how many of them are running a turn right now.
struct SessionCounts {
  uint32_t stored = 0;
  uint32_t active = 0;
};

class AdminService final : public flashcode::v1::Admin::CallbackService {
 public:
  // Borrows everything; all of it must outlive the gRPC server. `request_shutdown` is called
  // (from a gRPC thread, must not block) with the grace period when a client asks to shut down;
  // `count_sessions` (quick, thread-safe) answers Status's session counts.
  AdminService(DaemonInfo info, const base::Clock& clock, CallGate& gate, Metrics& metrics,
               LogBroadcaster& logs, std::function<void(uint32_t grace_ms)> request_shutdown,
               std::function<SessionCounts()> count_sessions);
  AdminService(const AdminService&) = delete;
  AdminService& operator=(const AdminService&) = delete;

  grpc::ServerUnaryReactor* Status(grpc::CallbackServerContext* ctx,
                                   const flashcode::v1::StatusRequest* request,
                                   flashcode::v1::StatusResponse* response) override;
  grpc::ServerUnaryReactor* ListModels(grpc::CallbackServerContext* ctx,
                                       const flashcode::v1::ListModelsRequest* request,
                                       flashcode::v1::ListModelsResponse* response) override;
  grpc::ServerUnaryReactor* GetMetrics(grpc::CallbackServerContext* ctx,
                                       const flashcode::v1::GetMetricsRequest* request,
                                       flashcode::v1::GetMetricsResponse* response) override;
  grpc::ServerUnaryReactor* Shutdown(grpc::CallbackServerContext* ctx,
                                     const flashcode::v1::ShutdownRequest* request,
                                     flashcode::v1::ShutdownResponse* response) override;
  grpc::ServerWriteReactor<flashcode::v1::LogLine>* StreamLogs(
      grpc::CallbackServerContext* ctx, const flashcode::v1::StreamLogsRequest* request) override;

 private:
  const DaemonInfo info_;
  const base::Clock& clock_;
  CallGate& gate_;
  Metrics& metrics_;
  LogBroadcaster& logs_;
  std::function<void(uint32_t)> request_shutdown_;
  std::function<SessionCounts()> count_sessions_;
};

}  // namespace flashcoded
