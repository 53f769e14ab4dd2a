// SyntaxParser: turns source text into a tree-sitter syntax tree, with a time limit so that a
// pathological file cannot stall an indexing worker.
//
// Internal to tools/code (it exposes tree-sitter types). A SyntaxParser is thread-compatible:
// give each worker thread its own. A SyntaxTree is an immutable value, safe to read from any
// thread; it does not keep the parsed text alive, so nodes' byte offsets refer to the caller's
// buffer.
#pragma once

#include <tree_sitter/api.h>

#include <chrono>
#include <memory>
#include <string_view>

#include "base/status.h"
#include "tools/code/language.h"

namespace tools {

class SyntaxTree {
 public:
  explicit SyntaxTree(TSTree* tree) : tree_(tree) {}
  TSNode Root() const { return ts_tree_root_node(tree_.get()); }

 private:
  struct Deleter {
    void operator()(TSTree* t) const { ts_tree_delete(t); }
  };
  std::unique_ptr<TSTree, Deleter> tree_;
};

class SyntaxParser {
 public:
  explicit SyntaxParser(std::chrono::milliseconds time_limit = std::chrono::seconds(5));
  ~SyntaxParser();
  SyntaxParser(const SyntaxParser&) = delete;
  SyntaxParser& operator=(const SyntaxParser&) = delete;

  // Parses `text` (at most 4 GiB) as `language`. Errors: FailedPrecondition when the grammar's
  // ABI is not supported by the core, DeadlineExceeded when parsing took longer than the limit.
  // Syntax errors in the text are not errors: they become ERROR nodes in the tree.
  base::StatusOr<SyntaxTree> Parse(const LanguageInfo& language, std::string_view text);

 private:
  TSParser* parser_;
  std::chrono::milliseconds time_limit_;
};

// The text of `node` inside the buffer it was parsed from.
inline std::string_view NodeText(TSNode node, std::string_view text) {
  uint32_t b = ts_node_start_byte(node), e = ts_node_end_byte(node);
  if (b > text.size() || e > text.size() || e < b) return {};
  return text.substr(b, e - b);
}

}  // namespace tools
