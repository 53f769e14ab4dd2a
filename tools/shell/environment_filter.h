// SanitizedEnvironment: the environment a sandboxed command gets: the daemon's own, minus
// anything that looks like a credential (tokens, keys, passwords, cloud and agent sockets), so a
// command the model wrote cannot read them. Stateless; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tools {

// True for variable names that commonly hold secrets: *_TOKEN, *_KEY, *SECRET*, *PASSWORD*,
// *PASSWD*, *CREDENTIAL*, *_PAT, AWS_*, AZURE_*, GOOGLE_APPLICATION_CREDENTIALS,
// SSH_AUTH_SOCK, GPG_AGENT_INFO, ... (case-insensitive).
bool IsSecretVariable(std::string_view name);

// Returns the "NAME=value" entries of `env` whose names are not secrets, in order.
std::vector<std::string> SanitizedEnvironment(const std::vector<std::string>& env);

// The current process environment as "NAME=value" strings.
std::vector<std::string> CurrentEnvironment();

}  // namespace tools
