#include "daemon/config.h"

#include <sys/stat.h>
#include <toml++/toml.h>

#include <fstream>
#include <sstream>

#include "base/xdg_paths.h"

namespace flashcoded {
namespace {

base::Status UnknownKey(const std::string& path, const toml::key& key, const std::string& table) {
  return base::InvalidArgument(path + ":" + std::to_string(key.source().begin.line) +
                               ": unknown key '" + std::string(key.str()) + "' in [" + table + "]");
}

template <typename T>
base::Status Read(const std::string& path, const toml::key& key, const toml::node& node, T& out) {
  if (auto v = node.value<T>()) {
    out = *v;
    return base::Status::Ok();
  }
  return base::InvalidArgument(path + ":" + std::to_string(key.source().begin.line) + ": key '" +
                               std::string(key.str()) + "' has the wrong type");
}

// [[agent.rules]]: an array of tables with tool, pattern and action.
base::Status ReadAgentRules(const std::string& path, const toml::key& key, const toml::node& node,
                            std::vector<AgentRuleConfig>& rules) {
  const toml::array* array = node.as_array();
  std::string where = path + ":" + std::to_string(key.source().begin.line);
  if (array == nullptr) {
    return base::InvalidArgument(where + ": agent rules must be [[agent.rules]] tables");
  }
  for (const toml::node& item : *array) {
    const toml::table* rule = item.as_table();
    if (rule == nullptr) return base::InvalidArgument(where + ": each agent rule must be a table");
    AgentRuleConfig r;
    for (auto&& [rk, rv] : *rule) {
      std::string name(rk.str());
      std::string* field = name == "tool"      ? &r.tool
                           : name == "pattern" ? &r.pattern
                           : name == "action"  ? &r.action
                                               : nullptr;
      if (field == nullptr) return UnknownKey(path, rk, "agent.rules");
      FC_RETURN_IF_ERROR(Read(path, rk, rv, *field));
    }
    if (r.tool.empty() || r.action.empty()) {
      return base::InvalidArgument(where + ": an agent rule needs a tool and an action");
    }
    rules.push_back(std::move(r));
  }
  return base::Status::Ok();
}

}  // namespace

DaemonConfig DefaultConfig() {
  DaemonConfig c;
  c.socket_path = base::RuntimeDir() + "/flashcoded.sock";
  c.log_file = base::StateDir() + "/flashcoded.log";
  return c;
}

base::Status LoadConfigFile(const std::string& path, bool must_exist, DaemonConfig& config) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    if (must_exist) return base::NotFound("config file " + path + " does not exist");
    return base::Status::Ok();
  }
  toml::table root;
  try {  // toml++ reports parse errors by exception; they stop here.
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << path << ":" << e.source().begin.line << ":" << e.source().begin.column << ": "
        << e.description();
    return base::InvalidArgument(msg.str());
  }
  for (auto&& [table_key, table_node] : root) {
    const toml::table* table = table_node.as_table();
    std::string table_name(table_key.str());
    if (!table) {
      return base::InvalidArgument(path + ": top-level key '" + table_name +
                                   "' must be a table such as [daemon]");
    }
    for (auto&& [key, node] : *table) {
      std::string k(key.str());
      if (table_name == "daemon") {
        int64_t mb = config.max_message_mb;
        if (k == "socket")
          FC_RETURN_IF_ERROR(Read(path, key, node, config.socket_path));
        else if (k == "tcp")
          FC_RETURN_IF_ERROR(Read(path, key, node, config.tcp_address));
        else if (k == "token")
          FC_RETURN_IF_ERROR(Read(path, key, node, config.tcp_token));
        else if (k == "token_file")
          FC_RETURN_IF_ERROR(Read(path, key, node, config.tcp_token_file));
        else if (k == "log_level")
          FC_RETURN_IF_ERROR(Read(path, key, node, config.log_level));
        else if (k == "log_file")
          FC_RETURN_IF_ERROR(Read(path, key, node, config.log_file));
        else if (k == "max_message_mb") {
          FC_RETURN_IF_ERROR(Read(path, key, node, mb));
          if (mb < 1 || mb > 1024) {
            return base::InvalidArgument(path + ": max_message_mb must be within 1..1024");
          }
          config.max_message_mb = static_cast<uint32_t>(mb);
        } else {
          return UnknownKey(path, key, table_name);
        }
      } else if (table_name == "model") {
        if (k == "path") {
          FC_RETURN_IF_ERROR(Read(path, key, node, config.model_path));
        } else if (k == "context_limit") {
          FC_RETURN_IF_ERROR(Read(path, key, node, config.context_limit));
          if (config.context_limit < 0) {
            return base::InvalidArgument(path + ": context_limit must not be negative");
          }
        } else {
          return UnknownKey(path, key, table_name);
        }
      } else if (table_name == "agent") {
        if (k == "policy") {
          FC_RETURN_IF_ERROR(Read(path, key, node, config.agent_policy));
        } else if (k == "rules") {
          FC_RETURN_IF_ERROR(ReadAgentRules(path, key, node, config.agent_rules));
        } else {
          return UnknownKey(path, key, table_name);
        }
      } else {
        return base::InvalidArgument(path + ": unknown table [" + table_name + "]");
      }
    }
  }
  return base::Status::Ok();
}

base::Status FinalizeConfig(DaemonConfig& config) {
  static constexpr const char* kLevels[] = {"trace", "debug", "info", "warn", "error", "off"};
  bool level_ok = false;
  for (const char* l : kLevels) level_ok |= config.log_level == l;
  if (!level_ok) {
    return base::InvalidArgument("log level '" + config.log_level +
                                 "' is not one of trace, debug, info, warn, error, off");
  }
  if (config.socket_path.size() > 107) {
    return base::InvalidArgument("socket path is longer than the 107 bytes a Unix socket allows: " +
                                 config.socket_path);
  }
  if (!config.tcp_token_file.empty()) {
    struct stat st {};
    if (stat(config.tcp_token_file.c_str(), &st) != 0) {
      return base::NotFound("token file " + config.tcp_token_file + " does not exist");
    }
    if ((st.st_mode & 077) != 0) {
      return base::PermissionDenied("token file " + config.tcp_token_file +
                                    " is readable by other users; chmod 600 it");
    }
    std::ifstream in(config.tcp_token_file);
    std::getline(in, config.tcp_token);
    while (!config.tcp_token.empty() &&
           isspace(static_cast<unsigned char>(config.tcp_token.back()))) {
      config.tcp_token.pop_back();
    }
  }
  if (!config.tcp_address.empty()) {
    auto colon = config.tcp_address.rfind(':');
    if (colon == std::string::npos || colon + 1 == config.tcp_address.size()) {
      return base::InvalidArgument("TCP address '" + config.tcp_address + "' must be host:port");
    }
    if (config.tcp_token.size() < 16) {
      return base::InvalidArgument(
          "refusing to listen on TCP without a token of at least 16 characters "
          "(set [daemon] token_file or --token-file)");
    }
  }
  return base::Status::Ok();
}

}  // namespace flashcoded
