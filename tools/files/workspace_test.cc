#include "tools/files/workspace.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "tools/files/file_reader.h"
#include "tools/files/file_writer.h"
#include "tools/files/temp_dir_for_test.h"

namespace tools {
namespace {

using base::StatusCode;

struct Fixture {
  TempDir outside;  // a stand-in for the rest of the machine (and a fake HOME)
  TempDir root;
  std::unique_ptr<Workspace> ws;
  Fixture() {
    root.Write("src/a.txt", "alpha\n");
    outside.Write("secret.txt", "top secret\n");
    outside.Write(".ssh/id_ed25519", "PRIVATE KEY\n");
    ws = std::move(Workspace::Open(root.path()).value());
  }
};

TEST_CASE("paths resolve inside the workspace") {
  Fixture f;
  CHECK(f.ws->root() == f.root.path());
  CHECK(f.ws->RelativePath("src/a.txt").value() == "src/a.txt");
  CHECK(f.ws->RelativePath(f.root / "src/a.txt").value() == "src/a.txt");
  CHECK(f.ws->RelativePath("").value() == ".");
  CHECK(f.ws->RelativePath(f.root.path()).value() == ".");
  // A sibling whose name merely starts with the root's name is outside.
  CHECK(f.ws->RelativePath(f.root.path() + "x/a").status().code() == StatusCode::kPermissionDenied);
  CHECK(f.ws->OpenBeneath("src/../src/a.txt", O_RDONLY).ok());
}

TEST_CASE("dot-dot, absolute paths and symlinks that lead out are refused") {
  Fixture f;
  std::string rel_out = std::filesystem::relative(f.outside / "secret.txt", f.root.path()).string();
  CHECK(f.ws->OpenBeneath(rel_out, O_RDONLY).status().code() == StatusCode::kPermissionDenied);
  CHECK(f.ws->OpenBeneath("../x", O_RDONLY).status().code() == StatusCode::kPermissionDenied);
  CHECK(f.ws->OpenBeneath(f.outside / "secret.txt", O_RDONLY).status().code() ==
        StatusCode::kPermissionDenied);
  CHECK(f.ws->OpenBeneath("/etc/passwd", O_RDONLY).status().code() ==
        StatusCode::kPermissionDenied);

  // Symlinks: absolute to a file outside, relative climbing out, a directory outside.
  REQUIRE(::symlink((f.outside / "secret.txt").c_str(), (f.root / "abs_link").c_str()) == 0);
  REQUIRE(::symlink(
              ("../" + std::filesystem::path(f.outside.path()).filename().string() + "/secret.txt")
                  .c_str(),
              (f.root / "rel_link").c_str()) == 0);
  REQUIRE(::symlink(f.outside.path().c_str(), (f.root / "dir_link").c_str()) == 0);
  for (const char* p : {"abs_link", "rel_link", "dir_link/secret.txt", "dir_link"}) {
    CAPTURE(p);
    CHECK(f.ws->OpenBeneath(p, O_RDONLY).status().code() == StatusCode::kPermissionDenied);
  }
  // A symlink that stays inside is followed.
  REQUIRE(::symlink("src/a.txt", (f.root / "inner_link").c_str()) == 0);
  auto text = ReadTextFile(*f.ws, "inner_link", {});
  REQUIRE(text.ok());
  CHECK(text->text == "alpha\n");
}

TEST_CASE("reading ~/.ssh of a fake HOME is refused, directly and through a link") {
  Fixture f;  // `outside` plays HOME
  std::string key = f.outside / ".ssh/id_ed25519";
  CHECK(ReadTextFile(*f.ws, key, {}).status().code() == StatusCode::kPermissionDenied);
  REQUIRE(::symlink((f.outside / ".ssh").c_str(), (f.root / "ssh").c_str()) == 0);
  CHECK(ReadTextFile(*f.ws, "ssh/id_ed25519", {}).status().code() == StatusCode::kPermissionDenied);
}

TEST_CASE("writing outside the workspace is refused and creates nothing") {
  Fixture f;
  REQUIRE(::symlink(f.outside.path().c_str(), (f.root / "out").c_str()) == 0);
  REQUIRE(::symlink((f.outside / "secret.txt").c_str(), (f.root / "secret_link").c_str()) == 0);
  CHECK(WriteFileAtomic(*f.ws, "../evil.txt", "x").code() == StatusCode::kPermissionDenied);
  CHECK(WriteFileAtomic(*f.ws, f.outside / "evil.txt", "x").code() ==
        StatusCode::kPermissionDenied);
  CHECK(WriteFileAtomic(*f.ws, "out/evil.txt", "x").code() == StatusCode::kPermissionDenied);
  CHECK(WriteFileAtomic(*f.ws, "out/new_dir/evil.txt", "x").code() ==
        StatusCode::kPermissionDenied);
  CHECK(WriteFileAtomic(*f.ws, "secret_link", "x").code() == StatusCode::kPermissionDenied);
  CHECK(RemoveFile(*f.ws, "out/secret.txt").code() == StatusCode::kPermissionDenied);
  CHECK_FALSE(f.outside.Exists("evil.txt"));
  CHECK_FALSE(f.outside.Exists("new_dir"));
  CHECK(f.outside.Read("secret.txt") == "top secret\n");
}

TEST_CASE("a directory swapped for an outside symlink during writes never lets a write out") {
  // Race: one thread flips root/d between a real directory and a symlink to `outside`, while
  // this thread keeps writing d/f.txt. Every write must land inside or be refused. (Under
  // constant renames the kernel refuses most scoped lookups outright, which is the safe side.)
  Fixture f;
  std::filesystem::create_directories(f.root / "real");
  REQUIRE(::symlink(f.outside.path().c_str(), (f.root / "evil").c_str()) == 0);
  REQUIRE(::symlink("real", (f.root / "d").c_str()) == 0);
  REQUIRE(WriteFileAtomic(*f.ws, "d/f.txt", "before").ok());
  CHECK(f.root.Read("real/f.txt") == "before");
  std::atomic<bool> stop{false};
  std::thread flipper([&] {
    std::string d = f.root / "d", tmp = f.root / "d.tmp";
    while (!stop.load()) {
      ::unlink(tmp.c_str());
      (void)::symlink("real", tmp.c_str());  // stays inside: allowed
      ::rename(tmp.c_str(), d.c_str());
      (void)::symlink("evil", tmp.c_str());  // leads out through `evil`
      ::rename(tmp.c_str(), d.c_str());
    }
  });
  int ok = 0, refused = 0;
  for (int i = 0; i < 400; ++i) {
    base::Status s = WriteFileAtomic(*f.ws, "d/f.txt", "payload", {.create_parents = false});
    (s.ok() ? ok : refused)++;
  }
  stop = true;
  flipper.join();
  MESSAGE("writes that landed inside: " << ok << ", refused: " << refused);
  CHECK_FALSE(f.outside.Exists("f.txt"));
  CHECK(ok + refused == 400);
}

}  // namespace
}  // namespace tools
