#include "tools/shell/process_runner.h"

#include <doctest/doctest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "tools/files/temp_dir_for_test.h"
#include "tools/shell/capped_output.h"
#include "tools/shell/environment_filter.h"

namespace tools {
namespace {

using namespace std::chrono_literals;

ProcessSpec Sh(const std::string& script, std::chrono::milliseconds timeout = 10s) {
  ProcessSpec spec;
  spec.argv = {"/bin/sh", "-c", script};
  spec.env = {"PATH=/usr/bin:/bin"};
  spec.timeout = timeout;
  return spec;
}

bool ProcessAlive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  size_t paren = line.rfind(')');
  return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] != 'Z';
}

TEST_CASE("exit code, stdout and stderr come back separately") {
  auto r = RunProcess(Sh("echo out; echo err >&2; exit 3"), nullptr).value();
  CHECK(r.exit_code == 3);
  CHECK(r.stdout_text == "out\n");
  CHECK(r.stderr_text == "err\n");
  CHECK_FALSE(r.timed_out);
  auto killed = RunProcess(Sh("kill -9 $$"), nullptr).value();
  CHECK(killed.term_signal == SIGKILL);
  CHECK(killed.exit_code == 128 + SIGKILL);
  ProcessSpec missing;
  missing.argv = {"/nonexistent/prog"};
  CHECK(RunProcess(missing, nullptr).status().code() == base::StatusCode::kNotFound);
}

TEST_CASE("a command that never ends is killed with its whole process tree") {
  TempDir dir;
  std::string pid_file = dir / "bg.pid";
  auto r =
      RunProcess(Sh("sleep 1000 & echo $! > " + pid_file + "; sleep 1000", 300ms), nullptr).value();
  CHECK(r.timed_out);
  CHECK(r.elapsed < 3s);
  pid_t bg = std::stoi(dir.Read("bg.pid"));
  for (int i = 0; i < 100 && ProcessAlive(bg); ++i) std::this_thread::sleep_for(10ms);
  CHECK_FALSE(ProcessAlive(bg));
}

TEST_CASE("gigabytes of output are capped and the writer is killed at the ceiling") {
  ProcessSpec spec = Sh("yes 0123456789abcdef | head -c 4000000000", 20s);
  spec.max_output_bytes = 4096;
  spec.kill_after_output_bytes = 8 * 1024 * 1024;
  auto r = RunProcess(spec, nullptr).value();
  CHECK(r.output_limit_killed);
  CHECK(r.stdout_truncated);
  CHECK(r.stdout_bytes >= spec.kill_after_output_bytes);
  CHECK(r.stdout_bytes < 1'000'000'000);
  CHECK(r.stdout_text.size() < 4096 + 200);
  CHECK(r.stdout_text.find("bytes of output omitted") != std::string::npos);
  CHECK(r.elapsed < 10s);
  MESSAGE("killed after " << r.stdout_bytes << " bytes in " << r.elapsed.count() << " ms");
}

TEST_CASE("output between the cap and the ceiling is drained, so the command finishes") {
  ProcessSpec spec = Sh("head -c 3000000 /dev/zero | tr '\\0' a; echo; echo done");
  spec.max_output_bytes = 1000;
  auto r = RunProcess(spec, nullptr).value();
  CHECK(r.exit_code == 0);
  CHECK_FALSE(r.output_limit_killed);
  CHECK(r.stdout_bytes == 3000006);
  CHECK(r.stdout_text.substr(r.stdout_text.size() - 5) == "done\n");  // the tail survives
}

TEST_CASE("cancel stops a running command at once, and a cancelled token stops it at start") {
  base::CancelToken token;
  std::thread canceller([&] {
    std::this_thread::sleep_for(200ms);
    token.Cancel();
  });
  auto r = RunProcess(Sh("sleep 1000", 20s), &token).value();
  canceller.join();
  CHECK(r.cancelled);
  CHECK(r.elapsed < 5s);
  auto again = RunProcess(Sh("sleep 1000", 20s), &token).value();
  CHECK(again.cancelled);
  CHECK(again.elapsed < 5s);
}

TEST_CASE("CappedOutput keeps head and tail") {
  CappedOutput out(10);
  out.Append("abcde");
  out.Append("fghij");
  CHECK(out.Text() == "abcdefghij");
  out.Append("klmnopqrst");
  CHECK(out.truncated());
  CHECK(out.total_bytes() == 20);
  CHECK(out.Text() == "abcde\n[... 10 bytes of output omitted (20 in total) ...]\npqrst");
}

TEST_CASE("secret-looking variables are removed from the environment") {
  std::vector<std::string> env = {
      "PATH=/bin",         "GITHUB_TOKEN=x",   "OPENAI_API_KEY=x", "AWS_REGION=x", "DB_PASSWORD=x",
      "MY_SECRET_THING=x", "SSH_AUTH_SOCK=/s", "HOME=/root",       "LANG=C.UTF-8", "monkey_key=x"};
  std::vector<std::string> want = {"PATH=/bin", "HOME=/root", "LANG=C.UTF-8"};
  CHECK(SanitizedEnvironment(env) == want);
}

TEST_CASE("live output arrives while the command runs, in order, stdout and stderr together") {
  ProcessSpec spec = Sh("echo one; sleep 0.4; echo two >&2; sleep 0.4; printf three");
  std::vector<std::pair<std::string, std::chrono::steady_clock::time_point>> batches;
  spec.on_output = [&](std::string_view t) {
    batches.emplace_back(std::string(t), std::chrono::steady_clock::now());
  };
  const auto start = std::chrono::steady_clock::now();
  auto r = RunProcess(spec, nullptr).value();
  const auto end = std::chrono::steady_clock::now();
  REQUIRE(batches.size() == 3);
  CHECK(batches[0].first == "one\n");
  CHECK(batches[1].first == "two\n");
  CHECK(batches[2].first == "three");
  CHECK(batches[0].second - start < 350ms);  // not held until the end
  CHECK(end - batches[1].second > 250ms);
  CHECK(r.stdout_text == "one\nthree");
  CHECK(r.stderr_text == "two\n");
}

}  // namespace
}  // namespace tools
