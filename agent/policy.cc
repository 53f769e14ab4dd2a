#include "agent/policy.h"

#include <fnmatch.h>

#include <algorithm>
#include <nlohmann/json.hpp>

namespace agent {
namespace {

constexpr std::string_view kShellControl = ";&|`$()<>\n";

// The string a rule's pattern is matched against (see the header).
std::string Subject(std::string_view tool, std::string_view args_json) {
  nlohmann::json args = nlohmann::json::parse(args_json, nullptr, /*allow_exceptions=*/false);
  if (args.is_object()) {
    const char* key = tool == "shell" ? "command" : "path";
    auto it = args.find(key);
    if (it != args.end() && it->is_string()) return it->get<std::string>();
  }
  return std::string(args_json);
}

bool Matches(const PolicyRule& rule, std::string_view tool, const std::string& subject) {
  if (rule.tool != "*" && rule.tool != tool) return false;
  if (rule.pattern.empty() || rule.pattern == "*") return true;
  return fnmatch(rule.pattern.c_str(), subject.c_str(), 0) == 0;
}

// Splits a command line into simple commands at ; & | and newlines, each into words. Quotes
// are stripped, not interpreted: good enough to recognise "git reset --hard" or "rm -rf x".
std::vector<std::vector<std::string>> SimpleCommands(std::string_view command) {
  std::vector<std::vector<std::string>> out(1);
  std::string word;
  auto end_word = [&] {
    if (!word.empty()) out.back().push_back(std::move(word));
    word.clear();
  };
  for (char c : command) {
    if (c == ';' || c == '&' || c == '|' || c == '\n' || c == '(' || c == ')') {
      end_word();
      if (!out.back().empty()) out.emplace_back();
    } else if (c == ' ' || c == '\t') {
      end_word();
    } else if (c != '"' && c != '\'') {
      word += c;
    }
  }
  end_word();
  if (out.back().empty()) out.pop_back();
  return out;
}

bool IsBuildPath(const std::string& path) {
  static const char* const kBuildDirs[] = {"build",       "out",          "dist",
                                           "target",      "node_modules", ".cache",
                                           "__pycache__", "_build",       "cmake-build"};
  std::string p = path;
  while (p.starts_with("./")) p = p.substr(2);
  if (p.empty() || p.starts_with("/") || p.starts_with("~") || p.find("..") != std::string::npos) {
    return false;
  }
  std::string first = p.substr(0, p.find('/'));
  for (const char* dir : kBuildDirs) {
    if (first == dir || first.starts_with(std::string(dir) + "-")) return true;
  }
  return false;
}

bool IsDestructiveCommand(std::vector<std::string> words) {
  // Skip "sudo", "env", "command" and VAR=value prefixes.
  size_t i = 0;
  while (i < words.size() && (words[i] == "sudo" || words[i] == "env" || words[i] == "command" ||
                              (words[i].find('=') != std::string::npos && words[i][0] != '-'))) {
    ++i;
  }
  if (i >= words.size()) return false;
  std::string prog = words[i].substr(words[i].rfind('/') + 1);
  std::vector<std::string> rest(words.begin() + i + 1, words.end());
  auto has = [&](std::string_view w) {
    return std::find(rest.begin(), rest.end(), w) != rest.end();
  };
  if (prog == "git") {
    // Skip global options such as -C dir or -c key=value.
    size_t j = 0;
    while (j < rest.size() && rest[j].starts_with("-"))
      j += (rest[j] == "-C" || rest[j] == "-c") ? 2 : 1;
    if (j >= rest.size()) return false;
    const std::string& sub = rest[j];
    if (sub == "reset") return has("--hard") || has("--merge") || has("--keep");
    if (sub == "checkout" || sub == "switch") {
      // Switching to a new branch (-b) keeps local changes; anything naming paths or forcing
      // may overwrite them.
      if (has("-b") || has("-c") || has("--orphan")) return false;
      return has("--") || has(".") || has("-f") || has("--force") || has("--discard-changes") ||
             sub == "checkout";
    }
    return sub == "restore" || sub == "clean" || sub == "stash" || sub == "rm";
  }
  if (prog == "rm") {
    bool recursive = false;
    std::vector<std::string> targets;
    for (const std::string& w : rest) {
      if (w == "--recursive" || (w.starts_with("-") && !w.starts_with("--") &&
                                 w.find_first_of("rR") != std::string::npos)) {
        recursive = true;
      } else if (!w.starts_with("-")) {
        targets.push_back(w);
      }
    }
    if (!recursive) return false;
    return std::any_of(targets.begin(), targets.end(),
                       [](const std::string& t) { return !IsBuildPath(t); });
  }
  return false;
}

}  // namespace

base::StatusOr<ApprovalMode> ParseApprovalMode(std::string_view text) {
  if (text == "read-only") return ApprovalMode::kReadOnly;
  if (text == "ask") return ApprovalMode::kAsk;
  if (text == "auto-edit") return ApprovalMode::kAutoEdit;
  if (text == "full-auto") return ApprovalMode::kFullAuto;
  return base::InvalidArgument("unknown approval policy '" + std::string(text) +
                               "' (read-only, ask, auto-edit, full-auto)");
}

base::StatusOr<Action> ParseAction(std::string_view text) {
  if (text == "allow") return Action::kAllow;
  if (text == "ask") return Action::kAsk;
  if (text == "deny") return Action::kDeny;
  return base::InvalidArgument("unknown rule action '" + std::string(text) +
                               "' (allow, ask, deny)");
}

const char* ApprovalModeName(ApprovalMode mode) {
  switch (mode) {
    case ApprovalMode::kReadOnly:
      return "read-only";
    case ApprovalMode::kAsk:
      return "ask";
    case ApprovalMode::kAutoEdit:
      return "auto-edit";
    case ApprovalMode::kFullAuto:
      return "full-auto";
  }
  return "unknown";
}

bool IsFileEditTool(std::string_view tool) {
  return tool == "write_file" || tool == "edit_file" || tool == "apply_patch";
}

bool IsDestructive(std::string_view tool, std::string_view args_json) {
  if (tool != "shell") return false;
  nlohmann::json args = nlohmann::json::parse(args_json, nullptr, false);
  if (!args.is_object() || !args.contains("command") || !args["command"].is_string()) {
    return false;
  }
  for (auto& words : SimpleCommands(args["command"].get<std::string>())) {
    if (IsDestructiveCommand(std::move(words))) return true;
  }
  return false;
}

Verdict Policy::Decide(std::string_view tool, bool read_only, std::string_view args_json) const {
  const std::string subject = Subject(tool, args_json);
  const bool shell_compound =
      tool == "shell" && subject.find_first_of(kShellControl) != std::string::npos;
  const PolicyRule* allow_or_ask = nullptr;
  for (const PolicyRule& rule : rules_) {
    if (!Matches(rule, tool, subject)) continue;
    if (rule.action == Action::kDeny) {
      return {Action::kDeny,
              "denied by the config rule " + rule.tool + ": \"" + rule.pattern + "\""};
    }
    if (rule.action == Action::kAllow && shell_compound) continue;
    if (allow_or_ask == nullptr) allow_or_ask = &rule;
  }
  if (read_only) return {Action::kAllow, "read-only tool"};
  if (allow_or_ask != nullptr) {
    std::string why = "config rule " + allow_or_ask->tool + ": \"" + allow_or_ask->pattern + "\"";
    if (allow_or_ask->action == Action::kAllow) return {Action::kAllow, "allowed by the " + why};
    if (mode_ != ApprovalMode::kReadOnly) return {Action::kAsk, "the " + why + " asks"};
  }
  switch (mode_) {
    case ApprovalMode::kReadOnly:
      return {Action::kDeny,
              "the session is read-only; " + std::string(tool) + " may change the workspace"};
    case ApprovalMode::kAsk:
      return {Action::kAsk, std::string(tool) + " may change the workspace; the ask policy asks"};
    case ApprovalMode::kAutoEdit:
      if (IsFileEditTool(tool)) return {Action::kAllow, "file edits are allowed under auto-edit"};
      return {Action::kAsk, std::string(tool) + " asks under auto-edit"};
    case ApprovalMode::kFullAuto:
      return {Action::kAllow, "full-auto"};
  }
  return {Action::kDeny, "unknown approval mode"};
}

}  // namespace agent
