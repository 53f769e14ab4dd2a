// Helpers for end-to-end tests that run a real flashcoded: an isolated XDG environment under a
// temporary directory, and waiting until a started daemon answers. Test-only.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "tests/test_process.h"

namespace testing_support {

// XDG_RUNTIME_DIR/STATE/CONFIG/CACHE and HOME all inside `dir`, so a test's daemon, sessions,
// caches and config never touch the user's (or another test's).
std::map<std::string, std::string> IsolatedEnv(const std::string& dir);

// Polls Admin.Status on `socket` until the daemon answers and returns a channel to it. Fails the
// test (showing the daemon's stderr) when `daemon` exits first or `timeout` passes.
std::shared_ptr<grpc::Channel> WaitForDaemon(TestProcess& daemon, const std::string& socket,
                                             std::chrono::milliseconds timeout);

// The tiny random checkpoint (`flashcode model init --preset tiny`), written once per test
// process into a temporary directory that lives until the process ends (init takes seconds).
const std::string& TinyCheckpoint();

}  // namespace testing_support
