// End-to-end tests of flashcoded and the flashcode CLI: real processes, a real socket, real
// gRPC. Every process runs under a time limit (TestProcess), so a hang fails instead of blocking.
#include <doctest/doctest.h>
#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "flashcode/v1/admin.grpc.pb.h"
#include "flashcode/v1/completion.grpc.pb.h"
#include "tests/test_daemon.h"
#include "tests/test_process.h"

namespace {

using namespace std::chrono_literals;
using testing_support::Run;
using testing_support::TempDir;
using testing_support::TestProcess;

// One daemon in a private temporary XDG world.
struct DaemonFixture {
  TempDir dir;
  std::map<std::string, std::string> env = testing_support::IsolatedEnv(dir.path());
  std::string runtime = env["XDG_RUNTIME_DIR"];
  std::string socket = runtime + "/flashcode/flashcoded.sock";  // the default socket path
  std::unique_ptr<TestProcess> daemon;

  std::vector<std::string> DaemonArgs(std::vector<std::string> extra = {}) const {
    std::vector<std::string> args = {testing_support::BuiltBinary("daemon/flashcoded")};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  // Starts flashcoded and waits until its Status answers (at most 10 s).
  void Start(std::vector<std::string> extra = {},
             std::map<std::string, std::string> more_env = {}) {
    auto e = env;
    e.insert(more_env.begin(), more_env.end());
    daemon = std::make_unique<TestProcess>(DaemonArgs(extra), TestProcess::Options{e, {}});
    testing_support::WaitForDaemon(*daemon, socket, 10s);
  }

  std::shared_ptr<grpc::Channel> Channel(int max_send = 64 << 20) const {
    grpc::ChannelArguments args;
    args.SetMaxSendMessageSize(max_send);
    return grpc::CreateCustomChannel("unix:" + socket, grpc::InsecureChannelCredentials(), args);
  }

  grpc::Status Status(flashcode::v1::StatusResponse& st) const {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + 2s);
    return flashcode::v1::Admin::NewStub(Channel())->Status(&ctx, {}, &st);
  }

  testing_support::RunResult Cli(std::vector<std::string> args,
                                 std::optional<uid_t> uid = std::nullopt) const {
    args.insert(args.begin(), testing_support::BuiltBinary("cli/flashcode"));
    return Run(args, TestProcess::Options{env, uid}, 30s);
  }
};

int FreeTcpPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

TEST_CASE("flashcoded serves Status on a private socket, to gRPC clients and the CLI") {
  DaemonFixture f;
  f.Start();
  struct stat st {};
  REQUIRE(stat((f.runtime + "/flashcode").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
  REQUIRE(stat(f.socket.c_str(), &st) == 0);
  CHECK(S_ISSOCK(st.st_mode));
  CHECK((st.st_mode & 0777) == 0600);

  flashcode::v1::StatusResponse status;
  REQUIRE(f.Status(status).ok());
  CHECK(status.api_version() == "flashcode.v1");
  CHECK(status.pid() == f.daemon->pid());
  CHECK(status.socket_path() == f.socket);
  CHECK_FALSE(status.has_loaded_model());
  CHECK(status.uptime_ms() >= 0);
  if (!status.build().cuda_device_found()) CHECK_FALSE(status.build().cuda_detail().empty());

  auto r = f.Cli({"status", "--json", "--no-start"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["pid"] == f.daemon->pid());
  CHECK(j["version"] == status.version());
  CHECK(j["cuda_built"] == status.build().cuda_built());

  r = f.Cli({"status", "--no-start"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("flashcoded " + status.version()) != std::string::npos);
}

TEST_CASE("a second daemon on the same socket is refused and the first keeps serving") {
  DaemonFixture f;
  f.Start();
  auto second = Run(f.DaemonArgs(), {f.env, {}}, 10s);
  CHECK(second.exit_code == 3);
  CHECK(second.err.find("already serving") != std::string::npos);
  flashcode::v1::StatusResponse st;
  CHECK(f.Status(st).ok());
}

TEST_CASE("SIGTERM during an open stream ends the stream with UNAVAILABLE and exits cleanly") {
  DaemonFixture f;
  f.Start();
  auto stub = flashcode::v1::Admin::NewStub(f.Channel());
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + 20s);
  flashcode::v1::StreamLogsRequest req;
  req.set_follow(true);
  req.set_tail_lines(10);
  auto reader = stub->StreamLogs(&ctx, req);
  flashcode::v1::LogLine line;
  REQUIRE(reader->Read(&line));  // the start-up lines arrive first
  CHECK(line.text().find("serving") != std::string::npos);

  flashcode::v1::StatusResponse st;
  REQUIRE(f.Status(st).ok());
  CHECK(st.open_streams() == 1);

  f.daemon->Signal(SIGTERM);
  while (reader->Read(&line)) {
  }
  grpc::Status s = reader->Finish();
  CHECK(s.error_code() == grpc::StatusCode::UNAVAILABLE);
  CHECK(s.error_message() == "daemon shutting down");
  CHECK(f.daemon->Wait(10s) == 0);
  CHECK(access(f.socket.c_str(), F_OK) != 0);  // the socket file is removed
}

TEST_CASE("malformed and oversized requests get precise status codes") {
  DaemonFixture f;
  std::string cfg = f.dir.path() + "/small.toml";
  std::ofstream(cfg) << "[daemon]\nmax_message_mb = 1\n";
  f.Start({"--config", cfg});
  auto stub = flashcode::v1::Completion::NewStub(f.Channel());
  auto complete = [&](const flashcode::v1::CompleteRequest& req) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + 5s);
    auto reader = stub->Complete(&ctx, req);
    flashcode::v1::CompleteResponse resp;
    while (reader->Read(&resp)) {
    }
    return reader->Finish();
  };
  flashcode::v1::CompleteRequest req;
  req.set_prefix(std::string(2 << 20, 'x'));  // 2 MiB over a 1 MiB limit
  CHECK(complete(req).error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
  req.set_prefix("def f(");
  req.set_max_tokens(100000);
  grpc::Status s = complete(req);
  CHECK(s.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(s.error_message().find("max_tokens") != std::string::npos);
  req.set_max_tokens(16);
  s = complete(req);
  CHECK(s.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(s.error_message().find("no model loaded") != std::string::npos);

  auto admin = flashcode::v1::Admin::NewStub(f.Channel());
  grpc::ClientContext ctx;
  flashcode::v1::ShutdownRequest shutdown;
  shutdown.set_grace_ms(100'000'000);
  flashcode::v1::ShutdownResponse sresp;
  CHECK(admin->Shutdown(&ctx, shutdown, &sresp).error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  flashcode::v1::StatusResponse st;
  CHECK(f.Status(st).ok());  // still serving after all of that
}

TEST_CASE("TCP needs a token, checks it, and the CLI reports a wrong one") {
  DaemonFixture f;
  auto refused = Run(f.DaemonArgs({"--tcp", "127.0.0.1:1"}), {f.env, {}}, 10s);
  CHECK(refused.exit_code == 2);
  CHECK(refused.err.find("without a token") != std::string::npos);

  std::string token_file = f.dir.path() + "/token";
  std::ofstream(token_file) << "correct-horse-battery-staple\n";
  chmod(token_file.c_str(), 0600);
  std::string address = "127.0.0.1:" + std::to_string(FreeTcpPort());
  f.Start({"--tcp", address, "--token-file", token_file});

  auto channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  auto stub = flashcode::v1::Admin::NewStub(channel);
  auto status_with = [&](const std::string& auth) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + 5s);
    if (!auth.empty()) ctx.AddMetadata("authorization", auth);
    flashcode::v1::StatusResponse st;
    return stub->Status(&ctx, {}, &st);
  };
  CHECK(status_with("").error_code() == grpc::StatusCode::UNAUTHENTICATED);
  CHECK(status_with("Bearer wrong").error_code() == grpc::StatusCode::UNAUTHENTICATED);
  CHECK(status_with("Bearer correct-horse-battery-stapl").error_code() ==
        grpc::StatusCode::UNAUTHENTICATED);
  CHECK(status_with("Bearer correct-horse-battery-staple").ok());

  std::string bad_token = f.dir.path() + "/bad";
  std::ofstream(bad_token) << "nope\n";
  auto r = f.Cli({"status", "--address", address, "--token-file", bad_token});
  CHECK(r.exit_code == 7);
  r = f.Cli({"status", "--address", address, "--token-file", token_file});
  CHECK_MESSAGE(r.exit_code == 0, r.err);
}

TEST_CASE("CLI: no daemon with --no-start, auto-start, stop, version mismatch") {
  DaemonFixture f;
  auto r = f.Cli({"status", "--no-start"});
  CHECK(r.exit_code == 3);
  CHECK(r.err.find("no flashcoded is running") != std::string::npos);

  r = f.Cli({"status", "--json"});  // starts one in the background
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  pid_t started = nlohmann::json::parse(r.out)["pid"].get<pid_t>();
  CHECK(testing_support::ProcessAlive(started));
  r = f.Cli({"daemon", "stop"});
  CHECK(r.exit_code == 0);
  if (testing_support::ProcessAlive(started)) {  // must not happen; never leave a daemon behind
    kill(started, SIGKILL);
    FAIL("daemon still running after `daemon stop`");
  }

  f.Start({}, {{"FLASHCODE_TEST_VERSION_OVERRIDE", "0.0.1-old"}});
  r = f.Cli({"status"});
  CHECK(r.exit_code == 5);
  CHECK(r.err.find("flashcoded 0.0.1-old") != std::string::npos);
  CHECK(r.err.find("daemon restart") != std::string::npos);
  r = f.Cli({"daemon", "stop"});  // stopping an old daemon works: that is how one upgrades
  CHECK(r.exit_code == 0);
  CHECK(f.daemon->Wait(10s) == 0);
}

TEST_CASE("CLI: permission denied on another user's socket") {
  DaemonFixture f;
  f.Start();
  std::optional<uid_t> as;
  if (getuid() == 0) {
    as = 65534;  // nobody: cannot enter the 0700 runtime directory
    chmod(f.dir.path().c_str(), 0755);
  } else {
    chmod(f.socket.c_str(), 0);
  }
  auto r = f.Cli({"status", "--no-start", "--socket", f.socket}, as);
  CHECK(r.exit_code == 4);
  CHECK(r.err.find("permission denied") != std::string::npos);
}

}  // namespace
