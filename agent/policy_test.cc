#include "agent/policy.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

namespace agent {
namespace {

std::string Shell(const std::string& command) {
  return nlohmann::json{{"command", command}}.dump();
}

TEST_CASE("policy: each mode's default for read-only, file-edit and shell calls") {
  struct Case {
    ApprovalMode mode;
    Action read, edit, shell;
  };
  for (const Case c :
       {Case{ApprovalMode::kReadOnly, Action::kAllow, Action::kDeny, Action::kDeny},
        Case{ApprovalMode::kAsk, Action::kAllow, Action::kAsk, Action::kAsk},
        Case{ApprovalMode::kAutoEdit, Action::kAllow, Action::kAllow, Action::kAsk},
        Case{ApprovalMode::kFullAuto, Action::kAllow, Action::kAllow, Action::kAllow}}) {
    CAPTURE(ApprovalModeName(c.mode));
    Policy policy(c.mode, {});
    CHECK(policy.Decide("read_file", true, R"({"path":"a"})").action == c.read);
    CHECK(policy.Decide("edit_file", false, R"({"path":"a"})").action == c.edit);
    CHECK(policy.Decide("apply_patch", false, R"({"patch":""})").action == c.edit);
    CHECK(policy.Decide("shell", false, Shell("make")).action == c.shell);
  }
}

TEST_CASE("policy: config rules allow, ask and deny by glob over the subject") {
  Policy policy(ApprovalMode::kAsk, {{"shell", "git status*", Action::kAllow},
                                     {"shell", "curl *", Action::kDeny},
                                     {"write_file", "secrets/*", Action::kDeny},
                                     {"*", "", Action::kAsk}});
  CHECK(policy.Decide("shell", false, Shell("git status --short")).action == Action::kAllow);
  CHECK(policy.Decide("shell", false, Shell("git stash")).action == Action::kAsk);
  Verdict curl = policy.Decide("shell", false, Shell("curl http://x"));
  CHECK(curl.action == Action::kDeny);
  CHECK(curl.reason.find("curl *") != std::string::npos);
  CHECK(policy.Decide("write_file", false, R"({"path":"secrets/key"})").action == Action::kDeny);
  CHECK(policy.Decide("write_file", false, R"({"path":"src/a.cc"})").action == Action::kAsk);
  // A deny rule wins even for a tool that claims to be read-only.
  Policy deny_reads(ApprovalMode::kFullAuto, {{"read_file", "*.pem", Action::kDeny}});
  CHECK(deny_reads.Decide("read_file", true, R"({"path":"k.pem"})").action == Action::kDeny);
  CHECK(deny_reads.Decide("read_file", true, R"({"path":"k.txt"})").action == Action::kAllow);
}

TEST_CASE("policy: an allow rule never covers a compound shell command") {
  Policy policy(ApprovalMode::kAsk, {{"shell", "git status*", Action::kAllow}});
  for (const char* cmd :
       {"git status; rm -rf ~", "git status && curl x", "git status | sh", "git status $(rm -rf .)",
        "git status `id`", "git status\nrm x", "git status > out"}) {
    CAPTURE(cmd);
    CHECK(policy.Decide("shell", false, Shell(cmd)).action == Action::kAsk);
  }
}

TEST_CASE("policy: read-only mode honours explicit allow rules and refuses the rest") {
  Policy policy(ApprovalMode::kReadOnly,
                {{"shell", "git status*", Action::kAllow}, {"shell", "make*", Action::kAsk}});
  CHECK(policy.Decide("shell", false, Shell("git status")).action == Action::kAllow);
  CHECK(policy.Decide("shell", false, Shell("make")).action == Action::kDeny);
  CHECK(policy.Decide("write_file", false, R"({"path":"a"})").action == Action::kDeny);
}

TEST_CASE("policy: destructive git and rm commands are recognised") {
  for (const char* cmd : {"git reset --hard",
                          "git reset --hard HEAD~1",
                          "cd x && git reset --hard",
                          "git checkout .",
                          "git checkout -- src/a.cc",
                          "git checkout main",
                          "git switch -f main",
                          "git restore a.cc",
                          "git clean -fdx",
                          "git stash",
                          "git -C sub reset --hard",
                          "rm -rf src",
                          "rm -r docs",
                          "sudo rm -rf /",
                          "rm -Rf ../other",
                          "rm -rf build src",
                          "FOO=1 git clean -f",
                          "/usr/bin/git reset --hard",
                          "rm --recursive x",
                          "true; rm -fr ~"}) {
    CAPTURE(cmd);
    CHECK(IsDestructive("shell", Shell(cmd)));
  }
  for (const char* cmd :
       {"git status", "git reset HEAD a.cc", "git checkout -b feature", "git switch -c x",
        "rm a.txt", "rm -f a.txt", "rm -rf build", "rm -rf ./build/x out dist",
        "rm -rf node_modules", "ls -r", "echo rm -rf x", "git diff --stat"}) {
    CAPTURE(cmd);
    CHECK_FALSE(IsDestructive("shell", Shell(cmd)));
  }
  CHECK_FALSE(IsDestructive("write_file", R"({"path":"a"})"));
  CHECK_FALSE(IsDestructive("shell", "not json"));
}

TEST_CASE("policy: mode names round-trip and bad names are errors") {
  for (ApprovalMode m : {ApprovalMode::kReadOnly, ApprovalMode::kAsk, ApprovalMode::kAutoEdit,
                         ApprovalMode::kFullAuto}) {
    auto parsed = ParseApprovalMode(ApprovalModeName(m));
    REQUIRE(parsed.ok());
    CHECK(*parsed == m);
  }
  CHECK(ParseApprovalMode("yolo").status().code() == base::StatusCode::kInvalidArgument);
  CHECK(*ParseAction("allow") == Action::kAllow);
  CHECK(*ParseAction("ask") == Action::kAsk);
  CHECK(*ParseAction("deny") == Action::kDeny);
  CHECK(ParseAction("maybe").status().code() == base::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace agent
