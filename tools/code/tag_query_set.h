// TagQuerySet: our tag queries (queries/<language>.scm), compiled once for every language.
//
// Query conventions: a definition pattern captures the whole definition as
// `@definition.<kind>` (kind as in SymbolKindName) and its identifier as `@name`; a reference
// pattern captures `@reference.<anything>` and `@name`. Patterns earlier in a file win when
// two define the same node (so "method" patterns come before "function" ones). Supported
// predicates: #match?, #not-match? (ECMAScript regex) and #eq? / #not-eq? (capture vs string).
//
// Queries are compiled lazily, once per language on first use (compiling all of them costs
// about 0.3 s, mostly for the large C++/TypeScript grammars, and most repositories use a few).
// Thread-safe: compilation is guarded by a once-flag per language and compiled queries are
// read-only during execution, so one set is shared by all indexing threads. Must outlive every
// TagExtractor that borrows it.
#pragma once

#include <tree_sitter/api.h>

#include <memory>
#include <mutex>
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
  TagQuerySet();
  TagQuerySet(const TagQuerySet&) = delete;
  TagQuerySet& operator=(const TagQuerySet&) = delete;

  // Compiles the query of every language now. InvalidArgument names the language and byte
  // offset of a query that does not fit its grammar (a bug in a .scm file, caught by tests).
  base::Status CompileAll();

  // Compiles `source` against `language`; used by Create and by tests of a single query.
  static base::StatusOr<std::unique_ptr<CompiledTagQuery>> Compile(const LanguageInfo& language,
                                                                   std::string_view source);

  // The query for `language`, compiled on first use; nullptr when it has none or it does not
  // compile (logged; CompileAll reports why).
  const CompiledTagQuery* For(const LanguageInfo& language);

 private:
  struct Slot {
    std::once_flag once;
    std::unique_ptr<CompiledTagQuery> query;
    base::Status status;
  };
  Slot& SlotOf(const LanguageInfo& language);

  std::unique_ptr<Slot[]> slots_;  // one per AllLanguages() entry
};

}  // namespace tools
