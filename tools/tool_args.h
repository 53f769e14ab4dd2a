// ToolArgs: typed access to a tool's JSON arguments. Every accessor returns InvalidArgument
// naming the argument when it is missing or of the wrong type, which the tools hand back to
// the model as an is_error result. Thread-compatible.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace tools {

class ToolArgs {
 public:
  // InvalidArgument unless `json` is a JSON object (empty text counts as {}).
  static base::StatusOr<ToolArgs> Parse(std::string_view json);

  base::StatusOr<std::string> String(std::string_view key) const;  // required
  base::StatusOr<std::string> String(std::string_view key, std::string fallback) const;
  base::StatusOr<int64_t> Int(std::string_view key, int64_t fallback) const;
  base::StatusOr<bool> Bool(std::string_view key, bool fallback) const;
  base::StatusOr<std::vector<std::string>> Strings(std::string_view key) const;  // [] if absent

 private:
  explicit ToolArgs(nlohmann::json json) : json_(std::move(json)) {}
  nlohmann::json json_;
};

}  // namespace tools
