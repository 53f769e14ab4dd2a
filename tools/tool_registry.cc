#include "tools/tool_registry.h"

namespace tools {

base::Status ToolRegistry::Register(std::unique_ptr<Tool> tool) {
  std::string name(tool->name());
  if (tools_.count(name) > 0)
    return base::AlreadyExists("tool '" + name + "' is already registered");
  tools_.emplace(std::move(name), std::move(tool));
  return base::Status::Ok();
}

const Tool* ToolRegistry::Find(std::string_view name) const {
  auto it = tools_.find(name);
  return it == tools_.end() ? nullptr : it->second.get();
}

std::vector<const Tool*> ToolRegistry::List() const {
  std::vector<const Tool*> out;
  for (const auto& [name, tool] : tools_) out.push_back(tool.get());
  return out;
}

}  // namespace tools
