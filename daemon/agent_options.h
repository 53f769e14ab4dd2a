// AgentOptionsFromConfig: the agent's configuration as the daemon sees it — the default
// approval policy, the [[agent.rules]], and the repo map drawn from the daemon's persistent
// index of a workspace. A workspace never indexed is indexed on its first turn, which waits
// for that at most a couple of seconds and otherwise goes on without a map (logged) while the
// index builds in the background for later turns (WorkspaceIndexes::GetForPrompt).
#pragma once

#include "agent/agent.h"
#include "base/status.h"
#include "daemon/config.h"

namespace tools {
class TokenCounter;
}

namespace flashcoded {

class WorkspaceIndexes;

// InvalidArgument for an unknown policy or rule action. `indexes` and `counter` are borrowed by
// the returned options' repo-map source and must outlive the Agent.
base::StatusOr<agent::AgentOptions> AgentOptionsFromConfig(const DaemonConfig& config,
                                                           WorkspaceIndexes& indexes,
                                                           const tools::TokenCounter& counter);

}  // namespace flashcoded
