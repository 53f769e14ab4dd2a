#include "tests/test_daemon.h"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <thread>

#include "flashcode/v1/admin.grpc.pb.h"

namespace testing_support {

std::map<std::string, std::string> IsolatedEnv(const std::string& dir) {
  mkdir((dir + "/run").c_str(), 0700);
  return {{"XDG_RUNTIME_DIR", dir + "/run"},
          {"XDG_STATE_HOME", dir + "/state"},
          {"XDG_CONFIG_HOME", dir + "/config"},
          {"XDG_CACHE_HOME", dir + "/cache"},
          {"HOME", dir}};
}

std::shared_ptr<grpc::Channel> WaitForDaemon(TestProcess& daemon, const std::string& socket,
                                             std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    // A fresh channel per probe: one that failed backs off for a second or more.
    auto channel = grpc::CreateChannel("unix:" + socket, grpc::InsecureChannelCredentials());
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(1));
    flashcode::v1::StatusResponse st;
    if (flashcode::v1::Admin::NewStub(channel)->Status(&ctx, {}, &st).ok()) return channel;
    REQUIRE_MESSAGE(daemon.IsRunning(), "flashcoded exited early: " << daemon.Stderr());
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  FAIL("flashcoded did not answer on " << socket << " in time: " << daemon.Stderr());
  return nullptr;
}

const std::string& TinyCheckpoint() {
  static TempDir dir;
  static const std::string path = [] {
    std::string out = dir.path() + "/tiny";
    auto init =
        Run({BuiltBinary("cli/flashcode"), "model", "init", "--preset", "tiny", "--out", out},
            {{{"HOME", dir.path()}}, {}}, std::chrono::seconds(120));
    REQUIRE_MESSAGE(init.exit_code == 0, init.err);
    return out;
  }();
  return path;
}

}  // namespace testing_support
