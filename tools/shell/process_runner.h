// RunProcess: starts one program in its own process group, feeds it /dev/null, collects its
// stdout and stderr (capped), and ends it — the whole group, with SIGKILL — when its time
// limit passes, its output passes a hard ceiling, or the cancel token fires. Used by Shell
// (both sandboxed and not) and by the sandbox probe. Stateless; thread-safe (each call owns its
// child; the cancel token may be triggered from any thread).
//
// Time is measured with std::chrono::steady_clock rather than an injected base::Clock: the
// wait itself is poll(2) on the pipes, which only real time can wake.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "base/cancel_token.h"
#include "base/status.h"
#include "tools/shell/live_output.h"

namespace tools {

struct ProcessSpec {
  std::vector<std::string> argv;  // argv[0] is an absolute path (no PATH search)
  std::vector<std::string> env;   // "NAME=value"; exactly what the child gets
  std::string cwd;                // empty: inherit
  std::chrono::milliseconds timeout{60'000};
  size_t max_output_bytes = 64 * 1024;  // kept per stream (head and tail)
  // The child is killed once it has written this many bytes in total; below it, output past
  // max_output_bytes is read and dropped so the child never blocks on a full pipe.
  uint64_t kill_after_output_bytes = 64ull * 1024 * 1024;
  // RLIMIT_NPROC for the child (0: unchanged). Linux exempts uid 0 from this limit.
  uint64_t max_processes = 0;
  // A cgroup.procs file the child joins before exec (see PidsCgroup); empty: none. Failing to
  // join is not fatal (RLIMIT_NPROC still applies).
  std::string join_cgroup_procs;
  // Receives stdout and stderr interleaved in the order they are read, while the process runs,
  // batched as LiveOutput describes (the result still holds both streams, capped); empty: none.
  OutputCallback on_output;
  LiveOutputOptions live_output;
};

struct ProcessResult {
  int exit_code = -1;   // the exit status, or 128 + signal number when killed by a signal
  int term_signal = 0;  // the signal that ended it, 0 for a normal exit
  bool timed_out = false;
  bool cancelled = false;
  bool output_limit_killed = false;
  std::string stdout_text;  // capped; see CappedOutput
  std::string stderr_text;
  uint64_t stdout_bytes = 0;  // bytes the child wrote, including dropped ones
  uint64_t stderr_bytes = 0;
  bool stdout_truncated = false;
  bool stderr_truncated = false;
  std::chrono::milliseconds elapsed{0};
};

// Runs `spec` to completion. A non-OK Status only when the process could not be started
// (InvalidArgument for an empty argv, Internal/ResourceExhausted for pipe or fork failures,
// NotFound when the program does not exist); a program that fails or is killed is an OK result.
// `cancel` may be null; it is borrowed for the duration of the call.
base::StatusOr<ProcessResult> RunProcess(const ProcessSpec& spec, base::CancelToken* cancel);

}  // namespace tools
