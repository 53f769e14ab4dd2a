#include "base/xdg_paths.h"

#include <doctest/doctest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

namespace base {
namespace {

TEST_CASE("XDG variables choose the directories, HOME is the fallback") {
  std::string old_runtime = getenv("XDG_RUNTIME_DIR") ? getenv("XDG_RUNTIME_DIR") : "";
  setenv("XDG_RUNTIME_DIR", "/run/user/42", 1);
  CHECK(RuntimeDir() == "/run/user/42/flashcode");
  unsetenv("XDG_RUNTIME_DIR");
  CHECK(RuntimeDir() == "/tmp/flashcode-" + std::to_string(getuid()));
  setenv("XDG_STATE_HOME", "/s", 1);
  CHECK(StateDir() == "/s/flashcode");
  unsetenv("XDG_STATE_HOME");
  setenv("HOME", "/home/u", 1);
  CHECK(StateDir() == "/home/u/.local/state/flashcode");
  if (!old_runtime.empty()) setenv("XDG_RUNTIME_DIR", old_runtime.c_str(), 1);
}

TEST_CASE("MakeDirs creates private directories and tightens loose ones") {
  char tmpl[] = "/tmp/fc_xdg_XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  std::string dir = std::string(tmpl) + "/a/b";
  REQUIRE(MakeDirs(dir, 0700, true).ok());
  struct stat st {};
  REQUIRE(stat(dir.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
  chmod(dir.c_str(), 0755);
  REQUIRE(MakeDirs(dir, 0700, true).ok());
  REQUIRE(stat(dir.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
  std::string file = std::string(tmpl) + "/f";
  FILE* f = fopen(file.c_str(), "w");
  fclose(f);
  CHECK(MakeDirs(file, 0700, true).code() == StatusCode::kFailedPrecondition);
  std::filesystem::remove_all(tmpl);
}

}  // namespace
}  // namespace base
