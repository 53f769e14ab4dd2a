// End-to-end test of code review: the tiny random checkpoint in a real flashcoded reviews a
// real git repository's last commit, over gRPC and through `flashcode review` in each output
// format. The model's text is random, so findings are usually none (malformed output is
// counted, not fatal); what is checked is the pipeline: progress streams, every hunk stops at
// its token limit, exactly one `done` comes last, the files are written and valid (SARIF by
// scripts/validate_sarif: Microsoft's SARIF Multitool and the 2.1.0 schema), errors carry the
// documented codes, and a cancelled review leaves the daemon serving.
#include <doctest/doctest.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "flashcode/v1/review.grpc.pb.h"
#include "tests/test_daemon.h"
#include "tests/test_process.h"

namespace {

using namespace std::chrono_literals;
using testing_support::Run;
using testing_support::TempDir;
using testing_support::TestProcess;
namespace v1 = flashcode::v1;

constexpr uint32_t kTokensPerHunk = 12;

std::string SourceDir() {
  const char* dir = std::getenv("FLASHCODE_SOURCE_DIR");
  return dir ? dir : ".";
}

// The git executable on $PATH (TestProcess runs argv[0] as a path).
std::string GitBinary() {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (!dir.empty() && access((dir + "/git").c_str(), X_OK) == 0) return dir + "/git";
  }
  return "/usr/bin/git";
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct ReviewFixture {
  TempDir dir;
  std::string model = testing_support::TinyCheckpoint();
  std::string socket = dir.path() + "/d.sock";
  std::string log_file = dir.path() + "/flashcoded.log";
  std::string repo = dir.path() + "/repo";
  std::map<std::string, std::string> env = testing_support::IsolatedEnv(dir.path());
  std::unique_ptr<TestProcess> daemon;
  std::shared_ptr<grpc::Channel> channel;

  ReviewFixture() {
    std::string config = dir.path() + "/config.toml";
    std::ofstream(config) << "[model]\npath = \"" << model << "\"\ncontext_limit = 512\n";
    daemon = std::make_unique<TestProcess>(
        std::vector<std::string>{testing_support::BuiltBinary("daemon/flashcoded"), "--socket",
                                 socket, "--config", config, "--log-file", log_file},
        TestProcess::Options{env, {}});
    channel = testing_support::WaitForDaemon(*daemon, socket, 60s);
    MakeRepo();
  }

  void Git(std::vector<std::string> args) {
    args.insert(args.begin(), {GitBinary(), "-C", repo});
    auto r = Run(args, {env, {}}, 30s);
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  }

  // Two commits: the second changes two places of calc.py (two hunks) and adds util.py.
  void MakeRepo() {
    std::filesystem::create_directories(repo);
    Git({"init", "-q"});
    Git({"config", "user.email", "t@example.com"});
    Git({"config", "user.name", "T"});
    std::string calc;
    for (int i = 1; i <= 30; ++i) calc += "def f" + std::to_string(i) + "(x):\n    return x\n";
    std::ofstream(repo + "/calc.py") << calc;
    Git({"add", "."});
    Git({"commit", "-q", "-m", "first"});
    std::string changed = calc;
    changed.replace(changed.find("    return x\n"), 13, "    return x / 0\n");
    changed += "def g(items):\n    return items[len(items)]\n";
    std::ofstream(repo + "/calc.py") << changed;
    std::ofstream(repo + "/util.py") << "import os\nos.system(input())\n";
    Git({"add", "."});
    Git({"commit", "-q", "-m", "second"});
  }

  struct Result {
    grpc::Status status;
    std::vector<v1::ReviewEvent> events;
  };
  Result Review(const v1::ReviewRequest& req, bool cancel_after_progress = false) {
    Result r;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + 120s);
    auto reader = v1::Review::NewStub(channel)->Review(&ctx, req);
    v1::ReviewEvent e;
    while (reader->Read(&e)) {
      r.events.push_back(e);
      if (cancel_after_progress && e.has_progress()) ctx.TryCancel();
    }
    r.status = reader->Finish();
    return r;
  }

  testing_support::RunResult Cli(std::vector<std::string> args) {
    args.insert(args.begin(),
                {testing_support::BuiltBinary("cli/flashcode"), "--socket", socket, "--no-start",
                 "review", "-C", repo, "--max-tokens-per-hunk", std::to_string(kTokensPerHunk)});
    return Run(args, {env, {}}, 120s);
  }
};

TEST_CASE("review streams through the real engine, stops at its limits and writes valid reports") {
  ReviewFixture f;
  v1::ReviewRequest req;
  req.set_workspace_root(f.repo);
  req.set_base_rev("HEAD~1");
  req.set_head_rev("HEAD");
  req.set_max_tokens_per_hunk(kTokensPerHunk);
  auto r = f.Review(req);
  REQUIRE_MESSAGE(r.status.ok(), r.status.error_message());
  REQUIRE(r.events.size() >= 2);
  REQUIRE(r.events.front().has_progress());
  CHECK(r.events.front().progress().hunks_total() == 3);
  CHECK(r.events.front().progress().file_path() == "calc.py");
  REQUIRE(r.events.back().has_done());
  int dones = 0;
  for (const auto& e : r.events) dones += e.has_done() || e.has_error();
  CHECK(dones == 1);
  const v1::ReviewDone& done = r.events.back().done();
  CHECK(done.hunks_reviewed() == 3);
  CHECK(done.files_reviewed() == 2);
  CHECK(done.usage().completion_tokens() >= 3);
  CHECK(done.usage().completion_tokens() <= 3 * kTokensPerHunk);  // every hunk stopped
  CHECK(done.usage().prompt_tokens() > 3 * 100);
  CHECK(done.hunks_skipped() == 0);
  CHECK(done.summary().find("Reviewed 3 hunks in 2 files") == 0);
  for (const auto& e : r.events) {
    if (!e.has_finding()) continue;  // random text rarely makes one, but it must be on a + line
    CHECK(e.finding().start_line() >= 1);
    CHECK(e.finding().end_line() >= e.finding().start_line());
  }

  // Request errors carry the documented codes.
  v1::ReviewRequest bad = req;
  bad.set_base_rev("no-such-rev");
  CHECK(f.Review(bad).status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  bad = req;
  bad.set_workspace_root(f.dir.path());
  CHECK(f.Review(bad).status.error_code() == grpc::StatusCode::NOT_FOUND);
  CHECK(f.Review(v1::ReviewRequest{}).status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);

  // A client that leaves mid-review cancels it; the daemon keeps serving. The client sees
  // CANCELLED whatever the server did (TryCancel decides that locally), so the server's side is
  // checked in its log: the review's worker noticed the cancellation and ended without
  // finishing the review (its log line names the hunk it stopped at).
  v1::ReviewRequest slow = req;
  slow.set_max_tokens_per_hunk(200);
  CHECK(f.Review(slow, /*cancel_after_progress=*/true).status.error_code() ==
        grpc::StatusCode::CANCELLED);
  std::string daemon_log;
  for (auto until = std::chrono::steady_clock::now() + 10s;
       std::chrono::steady_clock::now() < until; std::this_thread::sleep_for(100ms)) {
    daemon_log = ReadAll(f.log_file);  // flushed every second
    if (daemon_log.find(" cancelled at hunk ") != std::string::npos) break;
  }
  CHECK_MESSAGE(daemon_log.find(" cancelled at hunk ") != std::string::npos, daemon_log);

  // The CLI writes each format atomically; SARIF validates.
  std::string sarif = f.dir.path() + "/review.sarif";
  auto cli = f.Cli({"--base", "HEAD~1", "--head", "HEAD", "--format", "sarif", "--output", sarif});
  REQUIRE_MESSAGE(cli.exit_code == 0, cli.err);
  CHECK(cli.err.find("[1/3] calc.py") != std::string::npos);
  auto log = nlohmann::json::parse(ReadAll(sarif), nullptr, false);
  REQUIRE_FALSE(log.is_discarded());
  CHECK(log["version"] == "2.1.0");
  CHECK(log["runs"][0]["tool"]["driver"]["name"] == "flashcode");
  auto validate = Run({SourceDir() + "/scripts/validate_sarif", sarif}, {f.env, {}}, 240s);
  CHECK_MESSAGE(validate.exit_code == 0, (validate.out + validate.err));

  std::string github = f.dir.path() + "/review.json";
  cli = f.Cli({"--base", "HEAD~1", "--head", "HEAD", "--format", "github", "-o", github,
               "--fail-on", "never"});
  REQUIRE_MESSAGE(cli.exit_code == 0, cli.err);
  auto gh = nlohmann::json::parse(ReadAll(github), nullptr, false);
  REQUIRE_FALSE(gh.is_discarded());
  CHECK(gh["event"] == "COMMENT");
  CHECK(gh["comments"].is_array());

  // A unified diff on stdin instead of revisions.
  std::string patch = f.dir.path() + "/change.patch";
  auto diff = Run({GitBinary(), "-C", f.repo, "diff", "HEAD~1", "HEAD"}, {f.env, {}}, 30s);
  REQUIRE(diff.exit_code == 0);
  std::ofstream(patch) << diff.out;
  cli = f.Cli({"--diff", patch, "--max-hunks", "1", "--format", "github", "-q"});
  REQUIRE_MESSAGE(cli.exit_code == 0, cli.err);
  CHECK(nlohmann::json::parse(cli.out, nullptr, false)["body"].get<std::string>().find(
            "Reviewed 1 hunk in 1 file") != std::string::npos);

  // Uncommitted changes (the default) as markdown on stdout; --max-hunks stops early.
  std::ofstream(f.repo + "/util.py", std::ios::app) << "eval(input())\n";
  cli = f.Cli({"--max-hunks", "1", "-q"});
  REQUIRE_MESSAGE(cli.exit_code == 0, cli.err);
  CHECK(cli.out.find("## flashcode review") == 0);
  CHECK(cli.out.find("Compared `HEAD` with `working tree`") != std::string::npos);
  CHECK(cli.out.find("Reviewed 1 hunk in 1 file") != std::string::npos);
  for (const auto& entry : std::filesystem::directory_iterator(f.dir.path())) {
    CHECK(entry.path().string().find(".tmp.") == std::string::npos);  // no leftovers
  }

  // Usage errors.
  CHECK(f.Cli({"--format", "xml"}).exit_code == 2);
  auto unknown = f.Cli({"--base", "nope"});
  CHECK(unknown.exit_code == 2);  // INVALID_ARGUMENT: a usage error
  CHECK(unknown.err.find("unknown revision 'nope'") != std::string::npos);

  // SIGTERM during a review: the stream ends with UNAVAILABLE, the daemon waits for the
  // review's worker and exits 0.
  std::thread killer([&] {
    std::this_thread::sleep_for(300ms);
    f.daemon->Signal(SIGTERM);
  });
  auto interrupted = f.Review(slow);
  killer.join();
  CHECK(interrupted.status.error_code() == grpc::StatusCode::UNAVAILABLE);
  CHECK(f.daemon->Wait(20s) == 0);
}

TEST_CASE("review without a model fails with FAILED_PRECONDITION") {
  TempDir dir;
  std::string socket = dir.path() + "/d.sock", config = dir.path() + "/config.toml";
  std::ofstream(config) << "";
  auto env = testing_support::IsolatedEnv(dir.path());
  TestProcess daemon(
      {testing_support::BuiltBinary("daemon/flashcoded"), "--socket", socket, "--config", config},
      TestProcess::Options{env, {}});
  auto channel = testing_support::WaitForDaemon(daemon, socket, 60s);
  v1::ReviewRequest req;
  req.set_workspace_root(dir.path());
  req.set_base_rev("HEAD");
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + 30s);
  auto reader = v1::Review::NewStub(channel)->Review(&ctx, req);
  v1::ReviewEvent e;
  while (reader->Read(&e)) {
  }
  grpc::Status s = reader->Finish();
  CHECK(s.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(s.error_message().find("no model") != std::string::npos);
}

}  // namespace
