// TagExtractor: parses one file and runs its language's tag query, producing the file's
// definitions (kind, name, signature, range, doc comment) and references.
//
// Thread-compatible: it owns a tree-sitter parser and query cursor, so each indexing thread
// has its own. It borrows a TagQuerySet, which must outlive it.
#pragma once

#include <string_view>

#include "base/status.h"
#include "tools/code/language.h"
#include "tools/code/symbol.h"
#include "tools/code/syntax_parser.h"
#include "tools/code/tag_query_set.h"

namespace tools {

class TagExtractor {
 public:
  explicit TagExtractor(TagQuerySet& queries);
  ~TagExtractor();
  TagExtractor(const TagExtractor&) = delete;
  TagExtractor& operator=(const TagExtractor&) = delete;

  // Definitions and references of `text` written in `language`; empty for a language without
  // a query. Errors are those of SyntaxParser::Parse.
  base::StatusOr<FileSymbols> Extract(const LanguageInfo& language, std::string_view text);

 private:
  TagQuerySet& queries_;
  SyntaxParser parser_;
  TSQueryCursor* cursor_;
};

}  // namespace tools
