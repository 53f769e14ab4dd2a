#include "tools/shell/process_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>

#include "tools/files/unique_fd.h"
#include "tools/shell/capped_output.h"

namespace tools {
namespace {

// The cancel callback outlives this call (CancelToken keeps callbacks until it fires), so it
// holds the eventfd through shared state that the call disarms before closing the fd.
struct CancelBridge {
  std::mutex mu;
  int fd = -1;
  void Fire() {
    std::lock_guard<std::mutex> lock(mu);
    if (fd >= 0) {
      uint64_t one = 1;
      (void)!::write(fd, &one, sizeof(one));
    }
  }
  void Disarm() {
    std::lock_guard<std::mutex> lock(mu);
    fd = -1;
  }
};

base::Status ErrnoError(std::string_view what) {
  int err = errno;
  std::string msg = std::string(what) + ": " + std::strerror(err);
  if (err == EMFILE || err == ENFILE || err == EAGAIN || err == ENOMEM) {
    return base::ResourceExhausted(msg);
  }
  return base::Internal(msg);
}

std::vector<char*> CStrings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (const std::string& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

// Runs in the forked child: only async-signal-safe calls until execve.
[[noreturn]] void ExecChild(const ProcessSpec& spec, char* const* argv, char* const* envp,
                            int out_fd, int err_fd, int report_fd) {
  ::setpgid(0, 0);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGCHLD}) ::signal(sig, SIG_DFL);
  int null_fd = ::open("/dev/null", O_RDONLY);
  if (null_fd >= 0) ::dup2(null_fd, 0);
  ::dup2(out_fd, 1);
  ::dup2(err_fd, 2);
  if (!spec.cwd.empty() && ::chdir(spec.cwd.c_str()) != 0) {
    int err = errno;
    (void)!::write(report_fd, &err, sizeof(err));
    ::_exit(127);
  }
  if (!spec.join_cgroup_procs.empty()) {
    int cg = ::open(spec.join_cgroup_procs.c_str(), O_WRONLY | O_CLOEXEC);
    if (cg >= 0) {
      (void)!::write(cg, "0", 1);  // "0" means the writing process
      ::close(cg);
    }
  }
  if (spec.max_processes > 0) {
    rlimit lim{spec.max_processes, spec.max_processes};
    ::setrlimit(RLIMIT_NPROC, &lim);
  }
  ::execve(argv[0], argv, envp);
  int err = errno;
  (void)!::write(report_fd, &err, sizeof(err));
  ::_exit(127);
}

}  // namespace

base::StatusOr<ProcessResult> RunProcess(const ProcessSpec& spec, base::CancelToken* cancel) {
  if (spec.argv.empty()) return base::InvalidArgument("empty command");
  auto start = std::chrono::steady_clock::now();
  int out_pipe[2], err_pipe[2], report_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) return ErrnoError("pipe");
  UniqueFd out_r(out_pipe[0]), out_w(out_pipe[1]);
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) return ErrnoError("pipe");
  UniqueFd err_r(err_pipe[0]), err_w(err_pipe[1]);
  // Reports an exec failure from the child; closed by a successful execve (O_CLOEXEC).
  if (::pipe2(report_pipe, O_CLOEXEC) != 0) return ErrnoError("pipe");
  UniqueFd report_r(report_pipe[0]), report_w(report_pipe[1]);
  UniqueFd cancel_fd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!cancel_fd.valid()) return ErrnoError("eventfd");

  std::vector<char*> argv = CStrings(spec.argv);
  std::vector<char*> envp = CStrings(spec.env);
  pid_t pid = ::fork();
  if (pid < 0) return ErrnoError("fork");
  if (pid == 0) {
    ExecChild(spec, argv.data(), envp.data(), out_w.get(), err_w.get(), report_w.get());
  }
  ::setpgid(pid, pid);  // also done in the child; whichever runs first wins the race
  out_w.Reset();
  err_w.Reset();
  report_w.Reset();
  int exec_errno = 0;
  ssize_t got;
  do {
    got = ::read(report_r.get(), &exec_errno, sizeof(exec_errno));
  } while (got < 0 && errno == EINTR);
  if (got == static_cast<ssize_t>(sizeof(exec_errno))) {
    ::waitpid(pid, nullptr, 0);
    std::string msg = "cannot run '" + spec.argv[0] + "': " + std::strerror(exec_errno);
    if (exec_errno == ENOENT) return base::NotFound(msg);
    if (exec_errno == EACCES) return base::PermissionDenied(msg);
    return base::Internal(msg);
  }
  UniqueFd pid_fd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));

  auto bridge = std::make_shared<CancelBridge>();
  bridge->fd = cancel_fd.get();
  if (cancel != nullptr) cancel->OnCancel([bridge] { bridge->Fire(); });

  ProcessResult result;
  CappedOutput out(spec.max_output_bytes), err(spec.max_output_bytes);
  std::optional<LiveOutput> live;
  if (spec.on_output) live.emplace(spec.on_output, spec.live_output);
  auto deadline = start + spec.timeout;
  bool exited = false, killed = false;
  std::chrono::steady_clock::time_point linger_until;
  int wait_status = 0;
  auto kill_group = [&] {
    if (!killed) ::kill(-pid, SIGKILL);
    killed = true;
  };
  char buf[65536];
  while (out_r.valid() || err_r.valid() || !exited) {
    pollfd fds[4];
    int n = 0;
    int out_idx = -1, err_idx = -1, pid_idx = -1;
    if (out_r.valid()) {
      out_idx = n;
      fds[n++] = {out_r.get(), POLLIN, 0};
    }
    if (err_r.valid()) {
      err_idx = n;
      fds[n++] = {err_r.get(), POLLIN, 0};
    }
    if (!exited && pid_fd.valid()) {
      pid_idx = n;
      fds[n++] = {pid_fd.get(), POLLIN, 0};
    }
    int cancel_idx = n;
    fds[n++] = {cancel_fd.get(), POLLIN, 0};
    auto now = std::chrono::steady_clock::now();
    // Until the child exits: wake at the deadline (or every 50 ms once killed, or without a
    // pidfd on old kernels). After it exits: linger briefly for output still in the pipes.
    auto wake = exited ? linger_until : killed ? now + std::chrono::milliseconds(50) : deadline;
    if (!exited && !pid_fd.valid()) wake = std::min(wake, now + std::chrono::milliseconds(50));
    if (live) wake = std::min(wake, live->NextFlush());
    int wait_ms =
        wake <= now
            ? 0
            : static_cast<int>(
                  std::chrono::duration_cast<std::chrono::milliseconds>(wake - now).count()) +
                  1;
    int ready = ::poll(fds, static_cast<nfds_t>(n), wait_ms);
    if (ready < 0 && errno != EINTR) {
      kill_group();
      break;
    }
    if (fds[cancel_idx].revents & POLLIN) {
      result.cancelled = true;
      kill_group();
    }
    auto drain = [&](UniqueFd& fd, CappedOutput& sink, int idx) {
      if (idx < 0 || !(fds[idx].revents & (POLLIN | POLLHUP | POLLERR))) return;
      ssize_t r = ::read(fd.get(), buf, sizeof(buf));
      if (r > 0) {
        sink.Append(std::string_view(buf, static_cast<size_t>(r)));
        if (live) {
          live->Append(std::string_view(buf, static_cast<size_t>(r)),
                       std::chrono::steady_clock::now());
        }
      } else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
        fd.Reset();
      }
    };
    drain(out_r, out, out_idx);
    drain(err_r, err, err_idx);
    if (live) live->Flush(std::chrono::steady_clock::now());
    if (out.total_bytes() + err.total_bytes() > spec.kill_after_output_bytes && !killed) {
      result.output_limit_killed = true;
      kill_group();
    }
    if (!exited && (pid_idx < 0 || (fds[pid_idx].revents & POLLIN))) {
      pid_t w = ::waitpid(pid, &wait_status, WNOHANG);
      if (w == pid) {
        exited = true;
        linger_until = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
        // Whatever the command left running in its group goes with it.
        ::kill(-pid, SIGKILL);
      }
    }
    now = std::chrono::steady_clock::now();
    if (!exited && !killed && now >= deadline) {
      result.timed_out = true;
      kill_group();
    }
    // A straggler that left the process group may still hold a pipe: stop waiting for it.
    if (exited && now >= linger_until) break;
  }
  if (!exited) ::waitpid(pid, &wait_status, 0);
  bridge->Disarm();
  if (live) live->FlushAll();

  if (WIFEXITED(wait_status)) {
    result.exit_code = WEXITSTATUS(wait_status);
  } else if (WIFSIGNALED(wait_status)) {
    result.term_signal = WTERMSIG(wait_status);
    result.exit_code = 128 + result.term_signal;
  }
  result.stdout_text = out.Text();
  result.stderr_text = err.Text();
  result.stdout_bytes = out.total_bytes();
  result.stderr_bytes = err.total_bytes();
  result.stdout_truncated = out.truncated();
  result.stderr_truncated = err.truncated();
  result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  return result;
}

}  // namespace tools
