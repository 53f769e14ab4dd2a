#include "tools/shell/environment_filter.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>

extern char** environ;

namespace tools {
namespace {

std::string Upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

bool IsSecretVariable(std::string_view name) {
  const std::string n = Upper(name);
  constexpr std::array<std::string_view, 7> kContains = {
      "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL", "PRIVATE_KEY", "API_KEY", "ACCESS_KEY"};
  for (std::string_view part : kContains) {
    if (n.find(part) != std::string::npos) return true;
  }
  constexpr std::array<std::string_view, 6> kSuffixes = {"_TOKEN", "_KEY",  "_PAT",
                                                         "_AUTH",  "TOKEN", "_COOKIE"};
  for (std::string_view suffix : kSuffixes) {
    if (EndsWith(n, suffix)) return true;
  }
  constexpr std::array<std::string_view, 5> kPrefixes = {"AWS_", "AZURE_", "GCP_", "VAULT_",
                                                         "FLASHCODE_TOKEN"};
  for (std::string_view prefix : kPrefixes) {
    if (n.compare(0, prefix.size(), prefix) == 0) return true;
  }
  constexpr std::array<std::string_view, 6> kExact = {
      "SSH_AUTH_SOCK", "GPG_AGENT_INFO",     "GOOGLE_APPLICATION_CREDENTIALS",
      "KUBECONFIG",    "DOCKER_AUTH_CONFIG", "NETRC"};
  return std::find(kExact.begin(), kExact.end(), n) != kExact.end();
}

std::vector<std::string> SanitizedEnvironment(const std::vector<std::string>& env) {
  std::vector<std::string> out;
  for (const std::string& entry : env) {
    size_t eq = entry.find('=');
    if (eq == std::string::npos || eq == 0) continue;
    if (!IsSecretVariable(std::string_view(entry).substr(0, eq))) out.push_back(entry);
  }
  return out;
}

std::vector<std::string> CurrentEnvironment() {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) env.emplace_back(*e);
  return env;
}

}  // namespace tools
