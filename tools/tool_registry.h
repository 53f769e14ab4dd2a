// ToolRegistry: the set of tools offered to the model, by name. Filled once at start-up by the
// composition root (RegisterBuiltinTools), then only read: concurrent Find/List calls are safe
// once registration is over; Register is not thread-safe.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "tools/tool.h"

namespace tools {

class ToolRegistry {
 public:
  ToolRegistry() = default;
  ToolRegistry(const ToolRegistry&) = delete;
  ToolRegistry& operator=(const ToolRegistry&) = delete;

  // AlreadyExists when a tool of that name is registered.
  base::Status Register(std::unique_ptr<Tool> tool);
  // The tool named `name`, or nullptr. Owned by the registry.
  const Tool* Find(std::string_view name) const;
  // All tools, sorted by name. Owned by the registry.
  std::vector<const Tool*> List() const;

 private:
  std::map<std::string, std::unique_ptr<Tool>, std::less<>> tools_;
};

}  // namespace tools
