#include "cli/daemon_commands.h"

#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <ostream>
#include <thread>

#include "base/build_info.h"
#include "cli/exit_codes.h"
#include "flashcode/v1/admin.grpc.pb.h"

namespace cli {
namespace {

int Report(const ConnectError& e, std::ostream& err) {
  err << "flashcode: " << e.message << "\n";
  return e.exit_code;
}

std::string Duration(int64_t ms) {
  int64_t s = ms / 1000;
  char buf[64];
  if (s < 60)
    std::snprintf(buf, sizeof buf, "%llds", (long long)s);
  else if (s < 3600)
    std::snprintf(buf, sizeof buf, "%lldm%02llds", (long long)s / 60, (long long)s % 60);
  else
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", (long long)s / 3600, (long long)(s % 3600) / 60);
  return buf;
}

// True when `pid` has exited (a zombie waiting for its parent counts as exited).
bool ProcessGone(pid_t pid) {
  if (kill(pid, 0) != 0) return true;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  auto paren = line.rfind(')');
  return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] == 'Z';
}

}  // namespace

int RunStatus(const ConnectionOptions& options, bool json, std::ostream& out, std::ostream& err) {
  DaemonConnection conn(options);
  flashcode::v1::StatusResponse st;
  ConnectError e;
  if (!conn.Connect(st, e)) return Report(e, err);
  const auto& b = st.build();
  if (json) {
    nlohmann::json j = {
        {"version", st.version()},
        {"api_version", st.api_version()},
        {"pid", st.pid()},
        {"uptime_ms", st.uptime_ms()},
        {"socket", st.socket_path()},
        {"tcp", st.tcp_address()},
        {"cuda_built", b.cuda_built()},
        {"cuda_device_found", b.cuda_device_found()},
        {"cuda_devices",
         std::vector<std::string>(b.cuda_devices().begin(), b.cuda_devices().end())},
        {"cuda_detail", b.cuda_detail()},
        {"build_type", b.build_type()},
        {"model",
         st.has_loaded_model() ? nlohmann::json(st.loaded_model().name()) : nlohmann::json()},
        {"sessions", st.sessions()},
        {"active_sessions", st.active_sessions()},
        {"open_streams", st.open_streams()},
    };
    out << j.dump(2) << "\n";
    return kExitOk;
  }
  out << "flashcoded " << st.version() << " (" << st.api_version() << "), pid " << st.pid()
      << ", up " << Duration(st.uptime_ms()) << "\n";
  out << "  socket:   " << st.socket_path() << "\n";
  if (!st.tcp_address().empty()) out << "  tcp:      " << st.tcp_address() << "\n";
  out << "  cuda:     ";
  if (!b.cuda_built())
    out << "not built (" << b.cuda_detail() << ")\n";
  else if (!b.cuda_device_found())
    out << "built, no device (" << b.cuda_detail() << ")\n";
  else
    for (const auto& d : b.cuda_devices()) out << d << "  ";
  if (b.cuda_device_found()) out << "\n";
  out << "  model:    "
      << (st.has_loaded_model()
              ? st.loaded_model().name() + " (" + st.loaded_model().backend() + ")"
              : std::string("none loaded"))
      << "\n";
  out << "  sessions: " << st.sessions() << " (" << st.active_sessions() << " active), "
      << st.open_streams() << " open streams\n";
  return kExitOk;
}

int RunDaemonStart(const ConnectionOptions& options, std::ostream& out, std::ostream& err) {
  ConnectionOptions o = options;
  o.no_start = false;
  o.check_version = false;
  DaemonConnection conn(o);
  flashcode::v1::StatusResponse st;
  if (conn.QueryStatus(st).ok()) {
    out << "flashcoded " << st.version() << " is already running (pid " << st.pid() << ") on "
        << st.socket_path() << "\n";
    return kExitOk;
  }
  ConnectError e;
  if (!conn.Connect(st, e)) return Report(e, err);
  out << "flashcoded " << st.version() << " started (pid " << st.pid() << ") on "
      << st.socket_path() << "\n";
  return kExitOk;
}

int RunDaemonStop(const ConnectionOptions& options, std::ostream& out, std::ostream& err) {
  ConnectionOptions o = options;
  o.no_start = true;
  o.check_version = false;  // stopping an old daemon must work: that is how one upgrades
  DaemonConnection conn(o);
  flashcode::v1::StatusResponse st;
  ConnectError e;
  if (!conn.Connect(st, e)) {
    if (e.exit_code == kExitNoDaemon) {
      out << "flashcoded is not running\n";
      return kExitOk;
    }
    return Report(e, err);
  }
  {
    auto stub = flashcode::v1::Admin::NewStub(conn.channel());
    grpc::ClientContext ctx;
    conn.Prepare(ctx, std::chrono::seconds(5));
    flashcode::v1::ShutdownResponse resp;
    grpc::Status s = stub->Shutdown(&ctx, flashcode::v1::ShutdownRequest(), &resp);
    if (!s.ok()) return Report(conn.Explain(s), err);
  }
  // Hang up (the stub and context above held the channel): the daemon's shutdown waits, up to
  // its grace period, for connected clients.
  conn.Reconnect();
  // Wait until the process is gone, so that `restart` never races the old daemon.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  // Over TCP the daemon may be on another machine: there, "stopped" means "stops answering".
  pid_t pid = static_cast<pid_t>(st.pid());
  while (std::chrono::steady_clock::now() < deadline) {
    bool gone = conn.is_tcp() ? !conn.QueryStatus(st, std::chrono::milliseconds(300)).ok()
                              : ProcessGone(pid);
    if (gone) {
      out << "flashcoded stopped\n";
      return kExitOk;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  err << "flashcode: flashcoded (pid " << st.pid() << ") did not stop within 15 s\n";
  return kExitError;
}

int RunDaemonRestart(const ConnectionOptions& options, std::ostream& out, std::ostream& err) {
  if (int rc = RunDaemonStop(options, out, err); rc != kExitOk) return rc;
  return RunDaemonStart(options, out, err);
}

int RunDaemonLogs(const ConnectionOptions& options, unsigned tail, bool follow, std::ostream& out,
                  std::ostream& err) {
  ConnectionOptions o = options;
  o.check_version = false;
  o.no_start = true;  // logs of a daemon that is not running are in the log file, not here
  DaemonConnection conn(o);
  flashcode::v1::StatusResponse st;
  ConnectError e;
  if (!conn.Connect(st, e)) return Report(e, err);
  auto stub = flashcode::v1::Admin::NewStub(conn.channel());
  grpc::ClientContext ctx;
  if (!follow)
    conn.Prepare(ctx, std::chrono::seconds(10));
  else
    conn.Prepare(ctx, std::chrono::hours(24 * 365));
  flashcode::v1::StreamLogsRequest req;
  req.set_tail_lines(tail);
  req.set_follow(follow);
  auto reader = stub->StreamLogs(&ctx, req);
  flashcode::v1::LogLine line;
  while (reader->Read(&line)) out << line.text() << "\n" << std::flush;
  grpc::Status s = reader->Finish();
  if (s.error_code() == grpc::StatusCode::UNAVAILABLE && follow) {
    err << "flashcode: the daemon stopped\n";
    return kExitOk;
  }
  if (!s.ok()) return Report(conn.Explain(s), err);
  return kExitOk;
}

}  // namespace cli
