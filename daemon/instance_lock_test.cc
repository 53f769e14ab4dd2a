#include "daemon/instance_lock.h"

#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

namespace flashcoded {
namespace {

TEST_CASE("one lock per socket, released when the holder goes away") {
  char tmpl[] = "/tmp/fc_lock_XXXXXX";
  std::string dir = mkdtemp(tmpl);
  std::string sock = dir + "/d.sock";
  {
    auto first = InstanceLock::Acquire(sock);
    REQUIRE(first.ok());
    // flock locks belong to the open file description, so a second open in this process
    // conflicts just like another process would.
    auto second = InstanceLock::Acquire(sock);
    REQUIRE_FALSE(second.ok());
    CHECK(second.status().code() == base::StatusCode::kAlreadyExists);
    CHECK(second.status().message().find("pid " + std::to_string(getpid())) != std::string::npos);
  }
  CHECK(InstanceLock::Acquire(sock).ok());

  // A process that dies holding the lock (as after kill -9) does not block the next daemon.
  pid_t child = fork();
  if (child == 0) {
    auto held = InstanceLock::Acquire(sock);
    _exit(held.ok() ? 0 : 1);  // exits without running the destructor
  }
  int status = 0;
  waitpid(child, &status, 0);
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(InstanceLock::Acquire(sock).ok());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace flashcoded
