// Symbol: what the index knows about one definition or reference in a source file.
// Plain values; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tools {

enum class SymbolKind : uint8_t {
  kFunction,
  kMethod,
  kClass,
  kStruct,
  kEnum,
  kInterface,
  kConstant,
  kModule,
  kType,  // type aliases, typedefs, traits
  kMacro,
};

// "function", "method", ... (the capture suffix used in the .scm queries).
std::string_view SymbolKindName(SymbolKind kind);
// Inverse of SymbolKindName; nullopt for an unknown name.
std::optional<SymbolKind> SymbolKindFromName(std::string_view name);

// Zero-based rows and byte columns, as tree-sitter reports them; bytes are file offsets.
struct SourceRange {
  uint32_t start_line = 0;
  uint32_t start_column = 0;
  uint32_t end_line = 0;
  uint32_t end_column = 0;
  uint32_t start_byte = 0;
  uint32_t end_byte = 0;
  bool operator==(const SourceRange&) const = default;
};

struct Definition {
  SymbolKind kind = SymbolKind::kFunction;
  std::string name;
  std::string signature;  // the declaration without its body, whitespace collapsed
  std::string doc;        // the doc comment or docstring, comment markers kept; may be empty
  SourceRange range;      // the whole definition
  bool operator==(const Definition&) const = default;
};

struct Reference {
  std::string name;
  SourceRange range;  // the identifier
  bool operator==(const Reference&) const = default;
};

struct FileSymbols {
  std::vector<Definition> definitions;  // in source order
  std::vector<Reference> references;    // in source order
  bool operator==(const FileSymbols&) const = default;
};

}  // namespace tools
