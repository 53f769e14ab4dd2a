// Server: the gRPC server of flashcoded — a Unix socket (always) and an optional TCP listener,
// the registered services, and the orderly shutdown: refuse new calls, end open streams with
// UNAVAILABLE and give them up to a grace period to close, then stop. Long-running work must be
// a stream registered with the CallGate; unary handlers are expected to answer at once.
// Start/Shutdown/Wait are called by main.cc; Shutdown is thread-safe and idempotent.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"

namespace flashcoded {

class CallGate;

struct ServerOptions {
  std::string socket_path;  // absolute; its directory exists
  std::string tcp_address;  // "host:port" or empty
  int max_message_bytes = 64 << 20;
};

class Server {
 public:
  // Borrows `gate` and `services`; they must outlive the Server.
  Server(ServerOptions options, CallGate& gate, std::vector<grpc::Service*> services);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts serving. The socket is created 0600. A socket file left by a dead daemon
  // must already have been removed by the caller (who holds the InstanceLock).
  // Errors: Unavailable (bind failed: address in use, bad path), PermissionDenied (chmod).
  base::Status Start();

  // Begins the shutdown sequence; returns at once. Later calls do nothing. `grace` bounds how
  // long open streams get to close.
  void Shutdown(std::chrono::milliseconds grace);

  // Blocks until the server has stopped, then removes the socket file.
  void Wait();

  // The TCP port actually bound (useful with port 0), or 0.
  int tcp_port() const { return tcp_port_; }

 private:
  ServerOptions options_;
  CallGate& gate_;
  std::vector<grpc::Service*> services_;
  std::unique_ptr<grpc::Server> server_;
  int tcp_port_ = 0;
  std::once_flag shutdown_once_;
  std::thread shutdown_thread_;  // runs grpc::Server::Shutdown, which blocks; joined by Wait
};

}  // namespace flashcoded
