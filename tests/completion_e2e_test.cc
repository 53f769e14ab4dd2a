// End-to-end test of inline completions: `flashcode model init` writes the tiny random
// checkpoint, a real flashcoded loads it, and completions stream through the real engine. The
// text is random (random weights); what is checked is the pipeline: streaming, limits,
// cancellation, shutdown, and the CLI.
#include <doctest/doctest.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <fstream>
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
namespace v1 = flashcode::v1;

struct CompletionFixture {
  TempDir dir;
  std::string model = testing_support::TinyCheckpoint();
  std::string socket = dir.path() + "/d.sock";
  std::map<std::string, std::string> env = testing_support::IsolatedEnv(dir.path());
  std::unique_ptr<TestProcess> daemon;
  std::shared_ptr<grpc::Channel> channel;

  CompletionFixture() {
    std::string config = dir.path() + "/config.toml";
    std::ofstream(config) << "[model]\npath = \"" << model << "\"\ncontext_limit = 512\n";
    daemon = std::make_unique<TestProcess>(
        std::vector<std::string>{testing_support::BuiltBinary("daemon/flashcoded"), "--socket",
                                 socket, "--config", config},
        TestProcess::Options{env, {}});
    channel = testing_support::WaitForDaemon(*daemon, socket, 60s);
  }

  struct Result {
    grpc::Status status;
    std::string text;
    std::vector<v1::CompleteResponse> messages;
  };
  Result Complete(const v1::CompleteRequest& req, bool cancel_after_first = false) {
    Result r;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + 120s);
    auto reader = v1::Completion::NewStub(channel)->Complete(&ctx, req);
    v1::CompleteResponse resp;
    while (reader->Read(&resp)) {
      r.messages.push_back(resp);
      if (resp.has_delta()) r.text += resp.delta().text();
      if (cancel_after_first && resp.has_delta()) ctx.TryCancel();
    }
    r.status = reader->Finish();
    return r;
  }
};

bool ValidUtf8(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    unsigned char c = s[i];
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return false;
    }
    i += n;
  }
  return true;
}

TEST_CASE("completions stream through the real engine, honour limits, cancel and shut down") {
  CompletionFixture f;
  {
    grpc::ClientContext ctx;
    v1::StatusResponse st;
    REQUIRE(v1::Admin::NewStub(f.channel)->Status(&ctx, {}, &st).ok());
    REQUIRE(st.has_loaded_model());
    CHECK(st.loaded_model().name() == "tiny");
    CHECK(st.loaded_model().context_length() == 512);
    CHECK(st.loaded_model().total_params() > 80'000'000);
  }

  v1::CompleteRequest req;
  req.set_file_path("fib.py");
  req.set_prefix("def fib(n):\n    if n < 2:\n        return n\n    return ");
  req.set_suffix("\n\nprint(fib(10))\n");
  req.set_max_tokens(8);
  req.set_request_id("req-1");
  auto r = f.Complete(req);
  REQUIRE_MESSAGE(r.status.ok(), r.status.error_message());
  REQUIRE_FALSE(r.messages.empty());
  const auto& last = r.messages.back();
  REQUIRE(last.has_done());
  CHECK(last.request_id() == "req-1");
  CHECK(last.done().usage().completion_tokens() >= 1);
  CHECK(last.done().usage().completion_tokens() <= 8);
  CHECK(last.done().usage().prompt_tokens() > 10);
  bool stopped = last.done().finish_reason() == v1::FINISH_REASON_STOP;
  CHECK((stopped || last.done().finish_reason() == v1::FINISH_REASON_LENGTH));
  if (!stopped) CHECK(last.done().usage().completion_tokens() == 8);
  CHECK(ValidUtf8(r.text));

  // The same request is deterministic (greedy).
  auto again = f.Complete(req);
  CHECK(again.text == r.text);

  // A prompt far beyond the 512-token context is trimmed, not refused; max_tokens that leaves
  // no room is refused with the numbers.
  v1::CompleteRequest big = req;
  big.set_prefix(std::string(20000, 'a') + "\n" + req.prefix());
  big.set_max_tokens(4);
  CHECK(f.Complete(big).status.ok());
  big.set_max_tokens(600);
  auto refused = f.Complete(big);
  CHECK(refused.status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(refused.status.error_message().find("512") != std::string::npos);

  // Cancelling the call ends the engine request; the daemon keeps serving.
  v1::CompleteRequest longer = req;
  longer.set_max_tokens(400);
  auto cancelled = f.Complete(longer, /*cancel_after_first=*/true);
  CHECK(cancelled.status.error_code() == grpc::StatusCode::CANCELLED);
  CHECK(f.Complete(req).status.ok());

  // The CLI completes at a file position.
  std::string file = f.dir.path() + "/fib.py";
  std::ofstream(file) << req.prefix() << req.suffix();
  auto cli = Run({testing_support::BuiltBinary("cli/flashcode"), "--socket", f.socket, "complete",
                  file + ":4:12", "--max-tokens", "4"},
                 {f.env, {}}, 60s);
  CHECK_MESSAGE(cli.exit_code == 0, cli.err);
  CHECK(cli.err.find("tokens") != std::string::npos);

  // SIGTERM during a long completion: the stream ends with UNAVAILABLE, the daemon exits 0.
  std::thread killer([&] {
    std::this_thread::sleep_for(300ms);
    f.daemon->Signal(SIGTERM);
  });
  auto interrupted = f.Complete(longer);
  killer.join();
  CHECK(interrupted.status.error_code() == grpc::StatusCode::UNAVAILABLE);
  CHECK(f.daemon->Wait(20s) == 0);
}

}  // namespace
