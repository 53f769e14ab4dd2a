#include "tools/tool_args.h"

namespace tools {
namespace {

base::Status WrongType(std::string_view key, std::string_view want) {
  return base::InvalidArgument("argument '" + std::string(key) + "' must be " + std::string(want));
}

}  // namespace

base::StatusOr<ToolArgs> ToolArgs::Parse(std::string_view json) {
  if (json.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return ToolArgs(nlohmann::json::object());
  }
  nlohmann::json parsed = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return base::InvalidArgument("arguments are not valid JSON");
  if (!parsed.is_object()) return base::InvalidArgument("arguments must be a JSON object");
  return ToolArgs(std::move(parsed));
}

base::StatusOr<std::string> ToolArgs::String(std::string_view key) const {
  auto it = json_.find(key);
  if (it == json_.end() || it->is_null()) {
    return base::InvalidArgument("missing required argument '" + std::string(key) + "'");
  }
  if (!it->is_string()) return WrongType(key, "a string");
  return it->get<std::string>();
}

base::StatusOr<std::string> ToolArgs::String(std::string_view key, std::string fallback) const {
  auto it = json_.find(key);
  if (it == json_.end() || it->is_null()) return fallback;
  if (!it->is_string()) return WrongType(key, "a string");
  return it->get<std::string>();
}

base::StatusOr<int64_t> ToolArgs::Int(std::string_view key, int64_t fallback) const {
  auto it = json_.find(key);
  if (it == json_.end() || it->is_null()) return fallback;
  if (!it->is_number_integer()) return WrongType(key, "an integer");
  return it->get<int64_t>();
}

base::StatusOr<bool> ToolArgs::Bool(std::string_view key, bool fallback) const {
  auto it = json_.find(key);
  if (it == json_.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) return WrongType(key, "true or false");
  return it->get<bool>();
}

base::StatusOr<std::vector<std::string>> ToolArgs::Strings(std::string_view key) const {
  auto it = json_.find(key);
  if (it == json_.end() || it->is_null()) return std::vector<std::string>();
  if (it->is_string()) return std::vector<std::string>{it->get<std::string>()};
  if (!it->is_array()) return WrongType(key, "an array of strings");
  std::vector<std::string> out;
  for (const auto& v : *it) {
    if (!v.is_string()) return WrongType(key, "an array of strings");
    out.push_back(v.get<std::string>());
  }
  return out;
}

}  // namespace tools
