#include "daemon/agent_options.h"

#include "agent/policy.h"
#include "daemon/workspace_indexes.h"
#include "tools/code/repo_map.h"

namespace flashcoded {
namespace {

// How long a turn waits for the first index of a never-indexed workspace before it goes on
// without a repo map (the index keeps building for later turns). A small repository indexes
// well within this; Linux-sized ones take minutes.
constexpr std::chrono::milliseconds kFirstIndexBudget{2000};

}  // namespace

base::StatusOr<agent::AgentOptions> AgentOptionsFromConfig(const DaemonConfig& config,
                                                           WorkspaceIndexes& indexes,
                                                           const tools::TokenCounter& counter) {
  agent::AgentOptions options;
  if (!config.agent_policy.empty()) {
    FC_ASSIGN_OR_RETURN(options.default_policy, agent::ParseApprovalMode(config.agent_policy));
  }
  for (const AgentRuleConfig& rule : config.agent_rules) {
    FC_ASSIGN_OR_RETURN(agent::Action action, agent::ParseAction(rule.action));
    options.loop.rules.push_back(agent::PolicyRule{rule.tool, rule.pattern, action});
  }
  options.loop.repo_map = [&indexes, &counter](const std::string& root,
                                               size_t budget) -> base::StatusOr<std::string> {
    FC_ASSIGN_OR_RETURN(tools::RepoIndex * index, indexes.GetForPrompt(root, kFirstIndexBudget));
    tools::RepoMapRequest request;
    request.token_budget = budget;
    FC_ASSIGN_OR_RETURN(tools::RepoMap map, tools::BuildRepoMap(*index, request, counter));
    return map.text;
  };
  return options;
}

}  // namespace flashcoded
