// Hostile commands under the real bubblewrap sandbox. Each case skips (with a message) when
// bubblewrap cannot run on the machine, so CI without user namespaces stays green.
#include <arpa/inet.h>
#include <dirent.h>
#include <doctest/doctest.h>
#include <grp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "tools/files/temp_dir_for_test.h"
#include "tools/shell/pids_cgroup.h"
#include "tools/shell/shell.h"

namespace tools {
namespace {

using namespace std::chrono_literals;

std::unique_ptr<Shell> SandboxedShell(ShellPolicy policy = {}) {
  policy.default_timeout = 10s;
  auto shell = Shell::Create(policy);
  if (!shell->IsAvailable()) MESSAGE("skipping: " << shell->Describe());
  return shell->IsAvailable() ? std::move(shell) : nullptr;
}

ProcessResult Run(const Shell& shell, const TempDir& ws, const std::string& command,
                  std::chrono::milliseconds timeout = 10s) {
  return shell.Run({command, ws.path(), "", timeout, {}}, nullptr).value();
}

TEST_CASE("the sandbox probe reports what works here") {
  auto shell = Shell::Create({});
  MESSAGE("shell sandbox: " << shell->Describe());
  ShellPolicy broken;
  broken.bwrap_path = "/nonexistent/bwrap";
  auto refused = Shell::Create(broken);
  CHECK_FALSE(refused->IsAvailable());
  auto status = refused->Run({"true", "/tmp", "", {}, {}}, nullptr).status();
  CHECK(status.code() == base::StatusCode::kUnavailable);
  broken.allow_unsandboxed = true;
  auto unsandboxed = Shell::Create(broken);
  REQUIRE(unsandboxed->IsAvailable());
  CHECK(unsandboxed->Describe().find("none") == 0);
}

TEST_CASE("workspace is writable, the rest read-only, /tmp private") {
  auto shell = SandboxedShell();
  if (!shell) return;
  TempDir ws, outside;
  auto r = Run(*shell, ws, "echo hi > made.txt && cat made.txt && pwd");
  CHECK(r.exit_code == 0);
  CHECK(r.stdout_text == "hi\n" + ws.path() + "\n");
  CHECK(ws.Read("made.txt") == "hi\n");
  auto out = Run(*shell, ws, "echo x > " + (outside / "evil.txt"));
  CHECK(out.exit_code != 0);
  CHECK_FALSE(outside.Exists("evil.txt"));
  CHECK(Run(*shell, ws, "touch /usr/fc-evil").exit_code != 0);
  CHECK(Run(*shell, ws, "echo x > /tmp/fc-sandbox-private && cat /tmp/fc-sandbox-private")
            .exit_code == 0);
  CHECK(::access("/tmp/fc-sandbox-private", F_OK) != 0);
}

TEST_CASE("~/.ssh of a fake HOME cannot be read, and secrets leave the environment") {
  auto shell = SandboxedShell();
  if (!shell) return;
  TempDir ws, home;
  home.Write(".ssh/id_ed25519", "PRIVATE KEY MATERIAL\n");
  std::string old_home = std::getenv("HOME") ? std::getenv("HOME") : "";
  ::setenv("HOME", home.path().c_str(), 1);
  ::setenv("FC_TEST_API_TOKEN", "tok-123", 1);
  auto r = Run(*shell, ws, "cat " + (home / ".ssh/id_ed25519") + "; cat ~/.ssh/id_ed25519; env");
  ::setenv("HOME", old_home.c_str(), 1);
  ::unsetenv("FC_TEST_API_TOKEN");
  CHECK(r.stdout_text.find("PRIVATE KEY") == std::string::npos);
  CHECK(r.stdout_text.find("tok-123") == std::string::npos);
  CHECK(r.stdout_text.find("PATH=") != std::string::npos);
}

TEST_CASE("no network unless the policy allows it") {
  auto shell = SandboxedShell();
  if (!shell) return;
  int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  REQUIRE(::listen(listener, 8) == 0);
  socklen_t len = sizeof(addr);
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  std::string connect = "exec bash -c 'exec 3<>/dev/tcp/127.0.0.1/" +
                        std::to_string(ntohs(addr.sin_port)) + " && echo connected'";
  TempDir ws;
  auto blocked = Run(*shell, ws, connect);
  CHECK(blocked.exit_code != 0);
  CHECK(blocked.stdout_text.find("connected") == std::string::npos);
  ShellPolicy open;
  open.allow_network = true;
  auto networked = SandboxedShell(open);
  REQUIRE(networked);
  auto allowed = Run(*networked, ws, connect);
  CHECK(allowed.stdout_text == "connected\n");  // proves the probe itself can connect
  ::close(listener);
}

TEST_CASE("a command that never ends is killed with everything it started") {
  auto shell = SandboxedShell();
  if (!shell) return;
  TempDir ws;
  auto r = Run(*shell, ws, "sleep 987651 & setsid sleep 987651 & sleep 987651", 500ms);
  CHECK(r.timed_out);
  CHECK(r.elapsed < 5s);
  // The pid namespace dies with the sandbox, setsid or not. Look for survivors on the host.
  bool survivor = false;
  for (int attempt = 0; attempt < 50; ++attempt) {
    survivor = false;
    DIR* proc = ::opendir("/proc");
    while (dirent* e = ::readdir(proc)) {
      std::ifstream cmd(std::string("/proc/") + e->d_name + "/cmdline");
      std::string s((std::istreambuf_iterator<char>(cmd)), {});
      if (s.find("987651") != std::string::npos && s.find("sleep") == 0) survivor = true;
    }
    ::closedir(proc);
    if (!survivor) break;
    ::usleep(20000);
  }
  CHECK_FALSE(survivor);
}

TEST_CASE("cancel kills a sandboxed command") {
  auto shell = SandboxedShell();
  if (!shell) return;
  TempDir ws;
  base::CancelToken token;
  token.Cancel();
  auto r = shell->Run({"sleep 1000", ws.path(), "", 20s, {}}, &token).value();
  CHECK(r.cancelled);
  CHECK(r.elapsed < 5s);
}

const char kSpawner[] = "i=0; while [ $i -lt 60 ]; do sleep 30 & i=$((i+1)); echo s; done";

int CountStarted(const std::string& out) {
  int started = 0;
  for (char c : out) started += c == 's';
  return started;
}

TEST_CASE("a pids cgroup contains a bounded spawner, even for root") {
  if (!PidsCgroup::Create(1).ok()) {
    MESSAGE("skipping: no writable cgroup v1 pids hierarchy here");
    return;
  }
  TempDir ws;
  ShellPolicy unlimited_policy;
  unlimited_policy.max_processes = 0;
  auto unlimited_shell = SandboxedShell(unlimited_policy);
  if (!unlimited_shell) return;
  ShellPolicy limited_policy;
  limited_policy.max_processes = 20;
  auto limited_shell = SandboxedShell(limited_policy);
  MESSAGE("shell: " << limited_shell->Describe());
  int unlimited = CountStarted(Run(*unlimited_shell, ws, kSpawner, 5s).stdout_text);
  int limited = CountStarted(Run(*limited_shell, ws, kSpawner, 5s).stdout_text);
  MESSAGE("background processes started as uid " << ::geteuid() << ": " << unlimited
                                                 << " without a limit, " << limited
                                                 << " with pids.max=20");
  CHECK(unlimited == 60);
  CHECK(limited < 20);
}

TEST_CASE("PidsCgroup sets pids.max and removes itself") {
  auto cgroup = PidsCgroup::Create(7);
  if (!cgroup.ok()) {
    MESSAGE("skipping: " << cgroup.status().ToString());
    return;
  }
  std::string dir = (*cgroup)->dir();
  std::ifstream max(dir + "/pids.max");
  std::string value;
  max >> value;
  CHECK(value == "7");
  cgroup = base::Unavailable("released");
  CHECK(::access(dir.c_str(), F_OK) != 0);
}

// Counts how many of 60 background sleeps a shell manages to start under `max_processes`;
// dash stops at the first failed fork. Runs in a child that has dropped to uid 65534 because
// Linux never applies RLIMIT_NPROC to root. No unbounded fork bomb is ever run.
int SpawnedAsNobody(const TempDir& ws, uint64_t max_processes) {
  int fds[2];
  if (::pipe(fds) != 0) return -1;
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    if (::setgroups(0, nullptr) != 0 || ::setgid(65534) != 0 || ::setuid(65534) != 0) _exit(2);
    ShellPolicy policy;
    policy.max_processes = max_processes;
    auto shell = Shell::Create(policy);
    int started = -1;
    if (shell->IsAvailable()) {
      auto r = shell->Run({kSpawner, ws.path(), "", 5s, {}}, nullptr);
      if (r.ok()) started = CountStarted(r->stdout_text);
    }
    (void)!::write(fds[1], &started, sizeof(started));
    _exit(0);
  }
  ::close(fds[1]);
  int started = -1;
  if (::read(fds[0], &started, sizeof(started)) != sizeof(started)) started = -1;
  ::close(fds[0]);
  ::waitpid(pid, nullptr, 0);
  return started;
}

TEST_CASE("a process-count limit contains a bounded spawner") {
  TempDir ws;
  if (::geteuid() != 0 || ::chown(ws.path().c_str(), 65534, 65534) != 0) {
    MESSAGE("skipping: needs root to drop to uid 65534");
    return;
  }
  int unlimited = SpawnedAsNobody(ws, 0);
  int limited = SpawnedAsNobody(ws, 20);
  MESSAGE("background processes started: " << unlimited << " without a limit, " << limited
                                           << " with RLIMIT_NPROC=20");
  if (unlimited < 0) {
    MESSAGE("skipping: bubblewrap does not run for uid 65534 here");
    return;
  }
  CHECK(unlimited == 60);
  CHECK(limited >= 0);
  CHECK(limited < 20);
}

}  // namespace
}  // namespace tools
