// DaemonConnection: how the CLI reaches flashcoded. Resolves the address (--socket, then
// $FLASHCODE_SOCKET, then the default socket; or --address host:port with a token for TCP),
// checks that the socket is reachable by us, starts the daemon in the background when none runs
// (like a language server; unless --no-start), and checks that it speaks our version.
// Failures carry the exit code to use and one clear sentence. Thread-compatible.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>

#include "flashcode/v1/admin.pb.h"

namespace cli {

struct ConnectionOptions {
  std::string socket_path;    // empty: $FLASHCODE_SOCKET or the default
  std::string tcp_address;    // "host:port": use TCP instead of the socket
  std::string token_file;     // TCP bearer token file; else $FLASHCODE_TOKEN
  std::string config_path;    // passed to a daemon we start
  bool no_start = false;      // never start a daemon
  bool check_version = true;  // refuse a daemon of another version
  std::chrono::milliseconds start_timeout{15000};
};

// A failure to reach the daemon: what to print and the exit code.
struct ConnectError {
  int exit_code = 0;
  std::string message;
};

class DaemonConnection {
 public:
  explicit DaemonConnection(ConnectionOptions options);
  DaemonConnection(const DaemonConnection&) = delete;
  DaemonConnection& operator=(const DaemonConnection&) = delete;

  // Makes sure a daemon answers (starting one unless no_start) and fills `status`.
  // Returns false and fills `error` otherwise.
  bool Connect(flashcode::v1::StatusResponse& status, ConnectError& error);

  // Asks a running daemon for its status only; never starts one. Returns the gRPC status.
  grpc::Status QueryStatus(flashcode::v1::StatusResponse& status,
                           std::chrono::milliseconds timeout = std::chrono::milliseconds(3000));

  // Sets the deadline and, for TCP, the token on a call's context.
  void Prepare(grpc::ClientContext& ctx, std::chrono::milliseconds timeout) const;

  std::shared_ptr<grpc::Channel> channel() const { return channel_; }
  // Drops the current connection; the next call opens a new one.
  void Reconnect() { channel_ = MakeChannel(); }
  const std::string& socket_path() const { return socket_path_; }
  bool is_tcp() const { return !options_.tcp_address.empty(); }
  // Turns a failed RPC into the CLI's exit code and message.
  ConnectError Explain(const grpc::Status& status) const;

 private:
  bool StartDaemon(ConnectError& error);
  std::shared_ptr<grpc::Channel> MakeChannel() const;

  ConnectionOptions options_;
  std::string socket_path_;
  std::string token_;
  std::shared_ptr<grpc::Channel> channel_;
};

// The default socket path ($XDG_RUNTIME_DIR/flashcode/flashcoded.sock or its fallback).
std::string DefaultSocketPath();

}  // namespace cli
