// TestProcess: starts a program for an end-to-end test, with its own environment additions,
// stdout/stderr captured to files, and a hard time limit — a test never hangs on a child.
// The destructor kills the child if it still runs. Thread-compatible.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace testing_support {

class TestProcess {
 public:
  struct Options {
    std::map<std::string, std::string> env;  // added to (or replacing in) our environment
    std::optional<uid_t> uid;                // run as this user (needs root)
    std::string stdin_file = {};             // the child's stdin; empty: /dev/null
  };
  TestProcess(std::vector<std::string> argv, Options options);
  ~TestProcess();
  TestProcess(const TestProcess&) = delete;
  TestProcess& operator=(const TestProcess&) = delete;

  pid_t pid() const { return pid_; }
  void Signal(int sig);
  // Waits for the exit; kills the child (SIGKILL) when `timeout` passes first and returns -1.
  // Otherwise the exit code (128 + signal for a signal death).
  int Wait(std::chrono::milliseconds timeout);
  bool IsRunning();
  std::string Stdout() const;
  std::string Stderr() const;

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::string out_path_, err_path_;
};

// Runs a program to completion (at most `timeout`) and returns {exit code, stdout, stderr}.
struct RunResult {
  int exit_code = -1;
  std::string out, err;
};
RunResult Run(std::vector<std::string> argv, TestProcess::Options options,
              std::chrono::milliseconds timeout = std::chrono::seconds(30));

// A fresh directory under /tmp, removed with everything in it by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// True while `pid` runs (a zombie that nobody has reaped yet counts as ended).
bool ProcessAlive(pid_t pid);

// The path of a built binary relative to the build root: $FLASHCODE_BINARY_DIR if set, else
// the build root this test executable lives in.
std::string BuiltBinary(const std::string& relative);

}  // namespace testing_support
