#include "daemon/config.h"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

namespace flashcoded {
namespace {

struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/fc_cfg_XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string Write(const std::string& name, const std::string& text, unsigned mode = 0600) {
    std::string p = path + "/" + name;
    std::ofstream(p) << text;
    chmod(p.c_str(), mode);
    return p;
  }
  std::string path;
};

TEST_CASE("config file overlays defaults") {
  TempDir dir;
  std::string file = dir.Write("c.toml", R"([daemon]
socket = "/tmp/x.sock"
log_level = "debug"
max_message_mb = 8
[model]
path = "/models/tiny"
[agent]
policy = "auto-edit"
[[agent.rules]]
tool = "shell"
pattern = "git status*"
action = "allow"
[[agent.rules]]
tool = "shell"
pattern = "rm *"
action = "deny"
)");
  DaemonConfig c = DefaultConfig();
  REQUIRE(LoadConfigFile(file, true, c).ok());
  DaemonConfig want = DefaultConfig();
  want.socket_path = "/tmp/x.sock";
  want.log_level = "debug";
  want.max_message_mb = 8;
  want.model_path = "/models/tiny";
  CHECK(c.socket_path == want.socket_path);
  CHECK(c.log_level == want.log_level);
  CHECK(c.max_message_mb == want.max_message_mb);
  CHECK(c.model_path == want.model_path);
  CHECK(c.agent_policy == "auto-edit");
  REQUIRE(c.agent_rules.size() == 2);
  CHECK(c.agent_rules[0].tool == "shell");
  CHECK(c.agent_rules[0].pattern == "git status*");
  CHECK(c.agent_rules[0].action == "allow");
  CHECK(c.agent_rules[1].action == "deny");
  CHECK(FinalizeConfig(c).ok());
}

TEST_CASE("config errors name the file, line and key") {
  TempDir dir;
  DaemonConfig c = DefaultConfig();
  base::Status s = LoadConfigFile(dir.Write("a.toml", "[daemon]\nsockett = \"x\"\n"), true, c);
  CHECK(s.code() == base::StatusCode::kInvalidArgument);
  CHECK(s.message().find("a.toml:2: unknown key 'sockett'") != std::string::npos);
  s = LoadConfigFile(dir.Write("b.toml", "[daemon\n"), true, c);
  CHECK(s.code() == base::StatusCode::kInvalidArgument);
  CHECK(s.message().find("b.toml:1") != std::string::npos);
  s = LoadConfigFile(dir.Write("t.toml", "[daemon]\nmax_message_mb = \"big\"\n"), true, c);
  CHECK(s.message().find("wrong type") != std::string::npos);
  s = LoadConfigFile(
      dir.Write("r.toml", "[[agent.rules]]\ntool = \"shell\"\nverdict = \"allow\"\n"), true, c);
  CHECK(s.message().find("unknown key 'verdict' in [agent.rules]") != std::string::npos);
  s = LoadConfigFile(dir.Write("u.toml", "[deamon]\nsocket = \"x\"\n"), true, c);
  CHECK(s.message().find("unknown table [deamon]") != std::string::npos);
  CHECK(LoadConfigFile(dir.path + "/missing.toml", true, c).code() == base::StatusCode::kNotFound);
  CHECK(LoadConfigFile(dir.path + "/missing.toml", false, c).ok());
}

TEST_CASE("TCP requires a private token") {
  TempDir dir;
  DaemonConfig c = DefaultConfig();
  c.tcp_address = "127.0.0.1:7000";
  CHECK(FinalizeConfig(c).code() == base::StatusCode::kInvalidArgument);
  c.tcp_token_file = dir.Write("tok", "0123456789abcdef0123\n", 0644);
  CHECK(FinalizeConfig(c).code() == base::StatusCode::kPermissionDenied);
  chmod(c.tcp_token_file.c_str(), 0600);
  REQUIRE(FinalizeConfig(c).ok());
  CHECK(c.tcp_token == "0123456789abcdef0123");
  c.tcp_address = "nohost";
  CHECK(FinalizeConfig(c).code() == base::StatusCode::kInvalidArgument);
  c = DefaultConfig();
  c.log_level = "loud";
  CHECK(FinalizeConfig(c).code() == base::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace flashcoded
