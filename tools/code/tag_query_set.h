// TagQuerySet: our tag queries (queries/<language>.scm), compiled once for every language.
//
// Query conventions: a definition pattern captures the whole definition as
// `@definition.<kind>` (kind as in SymbolKindName) and its identifier as `@name`; a reference
// pattern captures `@reference.<anything>` and `@name`. Patterns earlier in a file win when
// two define the same node (so "method" patterns come before "function" ones). Supported
// predicates: #match?, #not-match? (ECMAScript regex) and #eq? / #not-eq? (capture vs string).
//
// Immutable after Create, so one set is shared by all indexing threads (tree-sitter queries
// are read-only during execution). Must outlive every TagExtractor that borrows it.
#pragma once

#include <tree_sitter/api.h>

#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "base/status.h"
#include "tools/code/language.h"
#include "tools/code/symbol.h"

namespace tools {

struct TagPredicate {
  enum class Op { kMatch, kNotMatch, kEq, kNotEq } op;
  uint32_t capture_id;
  std::string literal;
  std::regex regex;
};

// What a capture id means in one compiled query.
struct TagCapture {
  enum class Role { kOther, kName, kDefinition, kReference } role = Role::kOther;
  SymbolKind kind = SymbolKind::kFunction;  // for kDefinition
};

class CompiledTagQuery {
 public:
  CompiledTagQuery(TSQuery* query, std::vector<TagCapture> captures,
                   std::vector<std::vector<TagPredicate>> predicates)
      : query_(query), captures_(std::move(captures)), predicates_(std::move(predicates)) {}
  ~CompiledTagQuery() { ts_query_delete(query_); }
  CompiledTagQuery(const CompiledTagQuery&) = delete;
  CompiledTagQuery& operator=(const CompiledTagQuery&) = delete;

  const TSQuery* query() const { return query_; }
  const TagCapture& capture(uint32_t id) const { return captures_[id]; }
  // The predicates of pattern `pattern_index`, all of which must hold for a match to count.
  const std::vector<TagPredicate>& predicates(uint32_t pattern_index) const {
    return predicates_[pattern_index];
  }

 private:
  TSQuery* query_;
  std::vector<TagCapture> captures_;
  std::vector<std::vector<TagPredicate>> predicates_;
};

class TagQuerySet {
 public:
  // Compiles the embedded query of every language. InvalidArgument names the language and
  // byte offset of a query that does not fit its grammar (a bug in a .scm file).
  static base::StatusOr<std::unique_ptr<TagQuerySet>> Create();

  // Compiles `source` against `language`; used by Create and by tests of a single query.
  static base::StatusOr<std::unique_ptr<CompiledTagQuery>> Compile(const LanguageInfo& language,
                                                                   std::string_view source);

  // The query for `language`, or nullptr when it has none.
  const CompiledTagQuery* For(const LanguageInfo& language) const;

 private:
  std::vector<std::pair<const LanguageInfo*, std::unique_ptr<CompiledTagQuery>>> queries_;
};

}  // namespace tools
