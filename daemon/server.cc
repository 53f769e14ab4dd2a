#include "daemon/server.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/log.h"
#include "daemon/call_gate.h"

namespace flashcoded {

Server::Server(ServerOptions options, CallGate& gate, std::vector<grpc::Service*> services)
    : options_(std::move(options)), gate_(gate), services_(std::move(services)) {}

Server::~Server() {
  if (server_) {
    Shutdown(std::chrono::milliseconds(0));
    Wait();
  }
}

base::Status Server::Start() {
  grpc::ServerBuilder builder;
  // Restrict the socket from its creation on: umask closes the window between bind and chmod.
  mode_t old_mask = umask(0177);
  builder.AddListeningPort("unix:" + options_.socket_path, grpc::InsecureServerCredentials());
  if (!options_.tcp_address.empty()) {
    builder.AddListeningPort(options_.tcp_address, grpc::InsecureServerCredentials(), &tcp_port_);
  }
  builder.SetMaxReceiveMessageSize(options_.max_message_bytes);
  builder.SetMaxSendMessageSize(options_.max_message_bytes);
  for (grpc::Service* service : services_) builder.RegisterService(service);
  server_ = builder.BuildAndStart();
  umask(old_mask);
  if (!server_) {
    return base::Unavailable("cannot listen on unix:" + options_.socket_path +
                             (options_.tcp_address.empty() ? "" : " and " + options_.tcp_address) +
                             " (address in use or invalid; see the log)");
  }
  if (!options_.tcp_address.empty() && tcp_port_ == 0) {
    server_->Shutdown();
    server_.reset();
    return base::Unavailable("cannot listen on TCP " + options_.tcp_address);
  }
  if (chmod(options_.socket_path.c_str(), 0600) != 0) {
    return base::PermissionDenied("cannot restrict socket " + options_.socket_path + ": " +
                                  std::strerror(errno));
  }
  return base::Status::Ok();
}

void Server::Shutdown(std::chrono::milliseconds grace) {
  std::call_once(shutdown_once_, [&] {
    gate_.BeginShutdown();  // refuse new calls; streams finish with UNAVAILABLE
    if (!server_) return;
    // grpc::Server::Shutdown(deadline) waits not only for calls but for every connected client
    // to hang up, so an idle editor connection would hold us for the whole grace period. Wait
    // for our own work instead (streams to close; unary handlers answer at once), then give
    // replies in flight a moment to leave. Run off the caller's thread, which may be gRPC's.
    shutdown_thread_ = std::thread([this, grace] {
      auto now = std::chrono::steady_clock::now();
      gate_.WaitForStreamsClosed(now + grace);
      server_->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(200));
    });
  });
}

void Server::Wait() {
  if (!server_) return;
  server_->Wait();
  if (shutdown_thread_.joinable()) shutdown_thread_.join();
  server_.reset();
  unlink(options_.socket_path.c_str());
  base::Logger("daemon")->info("server stopped");
}

}  // namespace flashcoded
