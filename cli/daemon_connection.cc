#include "cli/daemon_connection.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "base/build_info.h"
#include "base/xdg_paths.h"
#include "cli/exit_codes.h"
#include "flashcode/v1/admin.grpc.pb.h"

namespace cli {
namespace {

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return (v && *v) ? std::string(v) : fallback;
}

// flashcoded next to this executable (the build tree and installs keep them together), else
// whatever PATH finds.
std::string DaemonBinary() {
  if (const char* v = std::getenv("FLASHCODED")) return v;
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) {
    std::string dir(self, static_cast<size_t>(n));
    dir = dir.substr(0, dir.rfind('/'));
    for (const char* rel : {"/flashcoded", "/../daemon/flashcoded"}) {
      std::string candidate = dir + rel;
      if (access(candidate.c_str(), X_OK) == 0) return candidate;
    }
  }
  return "flashcoded";
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

std::string DefaultSocketPath() { return base::RuntimeDir() + "/flashcoded.sock"; }

DaemonConnection::DaemonConnection(ConnectionOptions options) : options_(std::move(options)) {
  socket_path_ = options_.socket_path;
  if (socket_path_.empty()) socket_path_ = EnvOr("FLASHCODE_SOCKET", DefaultSocketPath());
  if (is_tcp()) {
    token_ =
        options_.token_file.empty() ? EnvOr("FLASHCODE_TOKEN", "") : ReadFile(options_.token_file);
  }
  channel_ = MakeChannel();
}

std::shared_ptr<grpc::Channel> DaemonConnection::MakeChannel() const {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  std::string target = is_tcp() ? options_.tcp_address : "unix:" + socket_path_;
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
}

void DaemonConnection::Prepare(grpc::ClientContext& ctx, std::chrono::milliseconds timeout) const {
  ctx.set_deadline(std::chrono::system_clock::now() + timeout);
  if (!token_.empty()) ctx.AddMetadata("authorization", "Bearer " + token_);
}

grpc::Status DaemonConnection::QueryStatus(flashcode::v1::StatusResponse& status,
                                           std::chrono::milliseconds timeout) {
  auto stub = flashcode::v1::Admin::NewStub(channel_);
  grpc::ClientContext ctx;
  Prepare(ctx, timeout);
  return stub->Status(&ctx, flashcode::v1::StatusRequest(), &status);
}

ConnectError DaemonConnection::Explain(const grpc::Status& status) const {
  std::string where = is_tcp() ? options_.tcp_address : socket_path_;
  switch (status.error_code()) {
    case grpc::StatusCode::UNAUTHENTICATED:
      return {kExitUnauthenticated,
              "flashcoded at " + where + " refused the token: " + status.error_message()};
    case grpc::StatusCode::UNAVAILABLE:
      return {kExitNoDaemon,
              "flashcoded at " + where + " is not answering (" + status.error_message() + ")"};
    case grpc::StatusCode::PERMISSION_DENIED:
      return {kExitPermissionDenied, status.error_message()};
    case grpc::StatusCode::INVALID_ARGUMENT:
      return {kExitUsage, status.error_message()};
    default:
      return {kExitError, status.error_message()};
  }
}

bool DaemonConnection::Connect(flashcode::v1::StatusResponse& status, ConnectError& error) {
  if (!is_tcp()) {
    // gRPC reports every failure to reach a socket as UNAVAILABLE; look first so the user
    // learns whether the socket is missing or simply not theirs.
    struct stat st {};
    if (stat(socket_path_.c_str(), &st) != 0 && errno == EACCES) {
      error = {kExitPermissionDenied,
               "permission denied on " + socket_path_ + ": it belongs to another user's daemon"};
      return false;
    }
    if (stat(socket_path_.c_str(), &st) == 0 && access(socket_path_.c_str(), R_OK | W_OK) != 0) {
      error = {kExitPermissionDenied, "permission denied on " + socket_path_ + " (owned by uid " +
                                          std::to_string(st.st_uid) +
                                          "): it belongs to another user's daemon"};
      return false;
    }
  }
  grpc::Status s = QueryStatus(status);
  if (s.error_code() == grpc::StatusCode::UNAVAILABLE && !is_tcp()) {
    if (options_.no_start) {
      error = {kExitNoDaemon,
               "no flashcoded is running on " + socket_path_ +
                   " (and --no-start was given); start one with `flashcode daemon start`"};
      return false;
    }
    if (!StartDaemon(error)) return false;
    s = QueryStatus(status);
  }
  if (!s.ok()) {
    error = Explain(s);
    return false;
  }
  if (options_.check_version && status.version() != base::kVersion) {
    error = {kExitVersionMismatch, "flashcoded " + status.version() + " (pid " +
                                       std::to_string(status.pid()) +
                                       ") is running, but this flashcode is " + base::kVersion +
                                       "; run `flashcode daemon restart`"};
    return false;
  }
  return true;
}

bool DaemonConnection::StartDaemon(ConnectError& error) {
  std::string dir = socket_path_.substr(0, socket_path_.rfind('/'));
  if (dir.empty()) dir = "/";
  if (auto st = base::MakeDirs(dir, 0700, socket_path_ == DefaultSocketPath()); !st.ok()) {
    error = {kExitDaemonStartFailed, "cannot start flashcoded: " + st.message()};
    return false;
  }
  std::string start_log = socket_path_ + ".start.log";
  std::string binary = DaemonBinary();
  std::vector<std::string> args = {binary, "--socket", socket_path_};
  if (!options_.config_path.empty()) {
    args.push_back("--config");
    args.push_back(options_.config_path);
  }
  pid_t pid = fork();
  if (pid < 0) {
    error = {kExitDaemonStartFailed,
             std::string("cannot start flashcoded: fork: ") + std::strerror(errno)};
    return false;
  }
  if (pid == 0) {
    setsid();  // leave our session: the daemon outlives this command and its terminal
    int null_fd = open("/dev/null", O_RDWR);
    int log_fd = open(start_log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(null_fd, STDIN_FILENO);
    dup2(log_fd >= 0 ? log_fd : null_fd, STDOUT_FILENO);
    dup2(log_fd >= 0 ? log_fd : null_fd, STDERR_FILENO);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    std::fprintf(stderr, "cannot execute %s: %s\n", argv[0], std::strerror(errno));
    _exit(127);
  }
  auto deadline = std::chrono::steady_clock::now() + options_.start_timeout;
  flashcode::v1::StatusResponse status;
  while (std::chrono::steady_clock::now() < deadline) {
    int wstatus = 0;
    if (waitpid(pid, &wstatus, WNOHANG) == pid) {
      std::string why = ReadFile(start_log);
      int code = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
      // Another CLI may have started one at the same moment; then the socket answers.
      if (code == 3 && QueryStatus(status).ok()) return true;
      error = {kExitDaemonStartFailed,
               "flashcoded exited at start-up (" +
                   (why.empty() ? "exit code " + std::to_string(code) : why) + ")"};
      return false;
    }
    // A channel that failed once backs off for seconds before it retries; while the daemon
    // comes up, a fresh channel per probe reaches it as soon as it listens.
    channel_ = MakeChannel();
    if (QueryStatus(status, std::chrono::milliseconds(500)).ok()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  error = {kExitDaemonStartFailed, "flashcoded did not answer within " +
                                       std::to_string(options_.start_timeout.count() / 1000) +
                                       " s; see " + start_log};
  return false;
}

}  // namespace cli
