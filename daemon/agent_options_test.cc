#include "daemon/agent_options.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "base/clock.h"
#include "daemon/workspace_indexes.h"
#include "tools/code/token_counter.h"

namespace flashcoded {
namespace {

struct TempTree {
  TempTree() {
    char tmpl[] = "/tmp/fc_agentopt_XXXXXX";
    root = mkdtemp(tmpl);
  }
  ~TempTree() { std::filesystem::remove_all(root); }
  std::string root;
};

TEST_CASE("agent options carry the configured policy and rules, and refuse unknown words") {
  TempTree cache;
  base::FakeClock clock;
  WorkspaceIndexes indexes(cache.root, 1, clock);
  tools::CharEstimateTokenCounter counter;
  DaemonConfig config = DefaultConfig();
  config.agent_policy = "auto-edit";
  config.agent_rules = {{"shell", "git status*", "allow"}, {"shell", "rm *", "deny"}};
  auto options = AgentOptionsFromConfig(config, indexes, counter);
  REQUIRE(options.ok());
  CHECK(options->default_policy == agent::ApprovalMode::kAutoEdit);
  CHECK(options->loop.rules ==
        std::vector<agent::PolicyRule>{{"shell", "git status*", agent::Action::kAllow},
                                       {"shell", "rm *", agent::Action::kDeny}});
  config.agent_rules[1].action = "maybe";
  CHECK(AgentOptionsFromConfig(config, indexes, counter).status().code() ==
        base::StatusCode::kInvalidArgument);
  config.agent_rules.clear();
  config.agent_policy = "yolo";
  CHECK(AgentOptionsFromConfig(config, indexes, counter).status().code() ==
        base::StatusCode::kInvalidArgument);
}

TEST_CASE("the repo map comes from the daemon's index, built on the first turn if need be") {
  TempTree cache, repo;
  std::ofstream(repo.root + "/ledger.py") << "def settle_invoice(amount):\n    return amount\n";
  base::FakeClock clock;
  WorkspaceIndexes indexes(cache.root, 1, clock);
  tools::CharEstimateTokenCounter counter;
  auto options = AgentOptionsFromConfig(DefaultConfig(), indexes, counter);
  REQUIRE(options.ok());
  // Never indexed: a small workspace is indexed within the first turn's budget, and persisted.
  auto map = options->loop.repo_map(repo.root, 512);
  REQUIRE_MESSAGE(map.ok(), map.status().ToString());
  CHECK(map->find("ledger.py:") != std::string::npos);
  CHECK(map->find("def settle_invoice(amount)") != std::string::npos);
  CHECK(indexes.LastRefreshed(repo.root) == clock.UnixMillis());
  CHECK(std::filesystem::directory_iterator(cache.root + "/index") !=
        std::filesystem::directory_iterator());

  // Indexed before: a restarted daemon uses the persisted index at once.
  WorkspaceIndexes restarted(cache.root, 1, clock);
  auto again = AgentOptionsFromConfig(DefaultConfig(), restarted, counter);
  REQUIRE(again.ok());
  auto stored = again->loop.repo_map(repo.root, 512);
  REQUIRE(stored.ok());
  CHECK(stored->find("settle_invoice") != std::string::npos);
  CHECK(options->loop.repo_map("relative/path", 512).status().code() ==
        base::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace flashcoded
