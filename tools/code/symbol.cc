#include "tools/code/symbol.h"

#include <array>

namespace tools {
namespace {
constexpr std::array<std::string_view, 10> kKindNames = {
    "function",  "method",   "class",  "struct", "enum",
    "interface", "constant", "module", "type",   "macro"};
}  // namespace

std::string_view SymbolKindName(SymbolKind kind) { return kKindNames[static_cast<size_t>(kind)]; }

std::optional<SymbolKind> SymbolKindFromName(std::string_view name) {
  for (size_t i = 0; i < kKindNames.size(); ++i) {
    if (kKindNames[i] == name) return static_cast<SymbolKind>(i);
  }
  return std::nullopt;
}

}  // namespace tools
