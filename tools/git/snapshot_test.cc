#include "tools/git/snapshot.h"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>

#include "tools/git/git_status.h"
#include "tools/git/history.h"
#include "tools/git/temp_repo_for_test.h"

namespace tools {
namespace {

std::string HeadId(Repository& repo) { return Log(repo, {.max_count = 1}).value()[0].id; }

TEST_CASE("a snapshot saves the whole work tree and leaves index, HEAD and branches alone") {
  TempRepo t;
  t.Write(".gitignore", "build/\n");
  t.Write("tracked.txt", "v1\n");
  t.Write("doomed.txt", "will be deleted before the snapshot\n");
  t.Write("run.sh", "#!/bin/sh\n");
  ::chmod((t.dir() / "run.sh").c_str(), 0755);
  t.CommitFiles({".gitignore", "tracked.txt", "doomed.txt", "run.sh"}, "base");
  // The state to capture: a modification, a deletion, a new untracked file, an ignored file.
  t.Write("tracked.txt", "v2 (uncommitted)\n");
  std::filesystem::remove(t.dir() / "doomed.txt");
  t.Write("src/new.txt", "untracked\n");
  t.Write("build/out.o", "ignored\n");
  std::string head = HeadId(t.repo());
  std::string index_before = t.Read(".git/index");
  auto status_before = GetStatus(t.repo()).value();

  SnapshotInfo snap = SaveSnapshot(t.repo(), "before the agent edits").value();
  CHECK(snap.ref == std::string(kSnapshotRefPrefix) + snap.id);
  CHECK(HeadId(t.repo()) == head);
  CHECK(t.Read(".git/index") == index_before);
  CHECK(GetStatus(t.repo()).value() == status_before);
  auto listed = ListSnapshots(t.repo()).value();
  REQUIRE(listed.size() == 1);
  CHECK(listed[0].id == snap.id);
  // The snapshot commit's tree holds exactly the work tree's non-ignored files.
  ShowResult shown = Show(t.repo(), snap.id).value();
  CHECK(shown.commit.parents == std::vector<std::string>{head});
  std::vector<std::string> changed;
  for (const DiffFile& f : shown.diff.files) changed.push_back(f.status + f.new_path);
  CHECK(changed == std::vector<std::string>{"Ddoomed.txt", "Asrc/new.txt", "Mtracked.txt"});

  // The agent then wrecks things.
  t.Write("tracked.txt", "v3 agent\n");
  t.Write("doomed.txt", "resurrected by the agent\n");
  t.Write("agent_new.txt", "new\n");
  t.Write("agent_dir/deep/file.txt", "new\n");
  std::filesystem::remove(t.dir() / "src/new.txt");
  t.Write("run.sh", "#!/bin/sh\necho changed\n");
  ::chmod((t.dir() / "run.sh").c_str(), 0644);
  t.Write("build/more.o", "ignored too\n");

  RestoreReport report = RestoreSnapshot(t.repo(), snap.id.substr(0, 10)).value();
  CHECK(t.Read("tracked.txt") == "v2 (uncommitted)\n");
  CHECK(t.Read("src/new.txt") == "untracked\n");
  CHECK(t.Read("run.sh") == "#!/bin/sh\n");
  struct stat st;
  REQUIRE(::stat((t.dir() / "run.sh").c_str(), &st) == 0);
  CHECK((st.st_mode & 0111) != 0);
  CHECK_FALSE(t.Exists("doomed.txt"));
  CHECK_FALSE(t.Exists("agent_new.txt"));
  CHECK_FALSE(t.Exists("agent_dir"));
  CHECK(t.Read("build/out.o") == "ignored\n");
  CHECK(t.Read("build/more.o") == "ignored too\n");  // ignored files are never touched
  CHECK(HeadId(t.repo()) == head);
  CHECK(t.Read(".git/index") == index_before);
  CHECK(GetStatus(t.repo()).value() == status_before);
  CHECK(report.removed.size() == 3);  // doomed.txt, agent_new.txt, agent_dir/deep/file.txt

  // Restoring again is a no-op.
  CHECK(RestoreSnapshot(t.repo(), snap.ref).value() == RestoreReport{});
  CHECK(RestoreSnapshot(t.repo(), "0000000").status().code() == base::StatusCode::kNotFound);
  REQUIRE(DropSnapshot(t.repo(), snap.id).ok());
  CHECK(ListSnapshots(t.repo()).value().empty());
}

TEST_CASE("restoring through a directory replaced by an outside symlink writes nothing outside") {
  TempRepo t;
  TempDir outside;
  t.Write("src/code.c", "int x;\n");
  t.CommitFiles({"src/code.c"}, "base");
  SnapshotInfo snap = SaveSnapshot(t.repo(), "clean").value();
  std::filesystem::remove_all(t.dir() / "src");
  REQUIRE(::symlink(outside.path().c_str(), (t.dir() / "src").c_str()) == 0);
  auto restored = RestoreSnapshot(t.repo(), snap.id);
  REQUIRE(restored.ok());
  CHECK_FALSE(outside.Exists("code.c"));
  CHECK(t.Read("src/code.c") == "int x;\n");
  struct stat st;
  REQUIRE(::lstat((t.dir() / "src").c_str(), &st) == 0);
  CHECK(S_ISDIR(st.st_mode));
}

TEST_CASE("snapshots work before the first commit") {
  TempRepo t;
  t.Write("a.txt", "a\n");
  SnapshotInfo snap = SaveSnapshot(t.repo(), "").value();
  t.Write("a.txt", "changed\n");
  t.Write("b.txt", "b\n");
  RestoreReport report = RestoreSnapshot(t.repo(), snap.id).value();
  CHECK(t.Read("a.txt") == "a\n");
  CHECK_FALSE(t.Exists("b.txt"));
  CHECK(report == RestoreReport{{"a.txt"}, {"b.txt"}});
}

}  // namespace
}  // namespace tools
