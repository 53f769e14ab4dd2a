#include "tools/code/tag_extractor.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>

namespace tools {
namespace {

constexpr size_t kMaxSignature = 240;
constexpr size_t kMaxDoc = 2000;

SourceRange RangeOf(TSNode n) {
  TSPoint s = ts_node_start_point(n), e = ts_node_end_point(n);
  return {s.row, s.column, e.row, e.column, ts_node_start_byte(n), ts_node_end_byte(n)};
}

bool NodeTypeIs(TSNode n, std::initializer_list<std::string_view> types) {
  std::string_view t = ts_node_type(n);
  return std::find(types.begin(), types.end(), t) != types.end();
}

bool HasChildOfType(TSNode n, std::string_view type) {
  uint32_t count = ts_node_child_count(n);
  for (uint32_t i = 0; i < count; ++i) {
    if (ts_node_type(ts_node_child(n, i)) == type) return true;
  }
  return false;
}

bool IsComment(TSNode n) {
  return std::string_view(ts_node_type(n)).find("comment") != std::string_view::npos;
}

// Collapses whitespace runs (newlines included) to one space and trims.
std::string CollapseSpace(std::string_view s, size_t limit) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
    if (out.size() >= limit) break;
  }
  return out;
}

// The node holding a definition's body: its `body` field, or the first of a few body-like
// children, looking a little deeper for `const f = () => {...}` style definitions.
TSNode FindBody(TSNode n, int depth) {
  TSNode body = ts_node_child_by_field_name(n, "body", 4);
  if (!ts_node_is_null(body)) return body;
  uint32_t count = ts_node_named_child_count(n);
  for (uint32_t i = 0; i < count; ++i) {
    TSNode c = ts_node_named_child(n, i);
    if (NodeTypeIs(c, {"field_declaration_list", "declaration_list", "enumerator_list",
                       "class_body", "interface_body", "enum_body", "object_type", "block",
                       "statement_block", "compound_statement", "body_statement"})) {
      return c;
    }
  }
  if (depth > 0) {
    for (uint32_t i = 0; i < count; ++i) {
      TSNode found = FindBody(ts_node_named_child(n, i), depth - 1);
      if (!ts_node_is_null(found)) return found;
    }
  }
  return TSNode{};
}

std::string Signature(TSNode def, std::string_view text) {
  std::string_view whole = NodeText(def, text);
  // Inside a node with syntax errors the "body" may belong to a later definition.
  TSNode body = ts_node_has_error(def) ? TSNode{} : FindBody(def, 2);
  std::string_view head = whole;
  if (!ts_node_is_null(body) && ts_node_start_byte(body) > ts_node_start_byte(def)) {
    head = whole.substr(0, ts_node_start_byte(body) - ts_node_start_byte(def));
  } else if (size_t nl = whole.find('\n'); nl != std::string_view::npos) {
    head = whole.substr(0, nl);  // a one-line declaration, or the first line of a long one
  }
  std::string signature = CollapseSpace(head, kMaxSignature);
  while (!signature.empty() && (signature.back() == '{' || signature.back() == ' ')) {
    signature.pop_back();  // a first line that opens the body
  }
  return signature;
}

// A comment that starts its line (not the trailing comment of the previous statement).
bool StartsLine(TSNode comment, std::string_view text) {
  uint32_t b = ts_node_start_byte(comment);
  while (b > 0 && b <= text.size()) {
    char c = text[b - 1];
    if (c == '\n') return true;
    if (c != ' ' && c != '\t') return false;
    --b;
  }
  return true;
}

// Comments directly above `node` (no blank line between), attribute lines skipped.
std::string CommentsAbove(TSNode node, std::string_view text) {
  std::vector<TSNode> comments;
  uint32_t next_row = ts_node_start_point(node).row;
  for (TSNode p = ts_node_prev_sibling(node); !ts_node_is_null(p); p = ts_node_prev_sibling(p)) {
    if (ts_node_end_point(p).row + 1 < next_row) break;
    if (IsComment(p)) {
      if (!StartsLine(p, text)) break;
      comments.push_back(p);
    } else if (!NodeTypeIs(p, {"attribute_item", "decorator", "annotation", "attribute"})) {
      break;
    }
    next_row = ts_node_start_point(p).row;
  }
  if (comments.empty()) return "";
  uint32_t b = ts_node_start_byte(comments.back()), e = ts_node_end_byte(comments.front());
  std::string_view doc = text.substr(b, std::min<size_t>(e - b, kMaxDoc));
  while (!doc.empty() && (doc.back() == '\n' || doc.back() == '\r' || doc.back() == ' ')) {
    doc.remove_suffix(1);  // Rust's line_comment node includes its newline
  }
  return std::string(doc);
}

// Python-style docstring: the body's first statement being a string literal.
std::string Docstring(TSNode def, std::string_view text) {
  TSNode body = ts_node_child_by_field_name(def, "body", 4);
  if (ts_node_is_null(body) || ts_node_named_child_count(body) == 0) return "";
  TSNode first = ts_node_named_child(body, 0);
  if (!NodeTypeIs(first, {"expression_statement"}) || ts_node_named_child_count(first) == 0) {
    return "";
  }
  TSNode s = ts_node_named_child(first, 0);
  if (!NodeTypeIs(s, {"string"})) return "";
  return std::string(NodeText(s, text).substr(0, kMaxDoc));
}

std::string DocFor(TSNode def, std::string_view text) {
  std::string doc = Docstring(def, text);
  if (!doc.empty()) return doc;
  // Decorators, `export`, `template <...>` and Go's `type (...)` wrap the definition node, and
  // the comment sits above the wrapper.
  for (TSNode n = def; !ts_node_is_null(n); n = ts_node_parent(n)) {
    doc = CommentsAbove(n, text);
    if (!doc.empty()) return doc;
    TSNode parent = ts_node_parent(n);
    if (ts_node_is_null(parent) ||
        !NodeTypeIs(parent, {"decorated_definition", "export_statement", "template_declaration",
                             "type_declaration", "const_declaration", "lexical_declaration",
                             "variable_declaration", "field_declaration", "expression_statement",
                             "ambient_declaration"})) {
      break;
    }
  }
  return "";
}

bool PredicatesHold(const CompiledTagQuery& q, const TSQueryMatch& m, std::string_view text) {
  for (const TagPredicate& p : q.predicates(m.pattern_index)) {
    std::string_view value;
    for (uint16_t i = 0; i < m.capture_count; ++i) {
      if (m.captures[i].index == p.capture_id) value = NodeText(m.captures[i].node, text);
    }
    bool ok = true;
    switch (p.op) {
      case TagPredicate::Op::kMatch:
      case TagPredicate::Op::kNotMatch:
        try {  // std::regex reports runaway matching by exception; treat it as no match
          ok = std::regex_search(value.begin(), value.end(), p.regex) ==
               (p.op == TagPredicate::Op::kMatch);
        } catch (const std::regex_error&) {
          ok = false;
        }
        break;
      case TagPredicate::Op::kEq:
        ok = value == p.literal;
        break;
      case TagPredicate::Op::kNotEq:
        ok = value != p.literal;
        break;
    }
    if (!ok) return false;
  }
  return true;
}

}  // namespace

TagExtractor::TagExtractor(TagQuerySet& queries)
    : queries_(queries), cursor_(ts_query_cursor_new()) {
  // Bounds the work of one match on degenerate trees; tags never need deep backtracking.
  ts_query_cursor_set_match_limit(cursor_, 256);
}

TagExtractor::~TagExtractor() { ts_query_cursor_delete(cursor_); }

base::StatusOr<FileSymbols> TagExtractor::Extract(const LanguageInfo& language,
                                                  std::string_view text) {
  FileSymbols out;
  const CompiledTagQuery* q = queries_.For(language);
  if (q == nullptr) return out;
  FC_ASSIGN_OR_RETURN(SyntaxTree tree, parser_.Parse(language, text));

  struct Candidate {
    uint32_t pattern;
    TSNode def;
    TSNode name;
    SymbolKind kind;
  };
  // Keyed by the definition node's byte range: the earliest pattern wins.
  std::map<std::pair<uint32_t, uint32_t>, Candidate> defs;
  std::map<uint32_t, TSNode> refs;  // keyed by the name node's start byte
  ts_query_cursor_exec(cursor_, q->query(), tree.Root());
  TSQueryMatch m;
  while (ts_query_cursor_next_match(cursor_, &m)) {
    TSNode name{}, def{};
    bool is_def = false, is_ref = false;
    SymbolKind kind = SymbolKind::kFunction;
    for (uint16_t i = 0; i < m.capture_count; ++i) {
      const TagCapture& c = q->capture(m.captures[i].index);
      if (c.role == TagCapture::Role::kName) name = m.captures[i].node;
      if (c.role == TagCapture::Role::kDefinition) {
        def = m.captures[i].node;
        kind = c.kind;
        is_def = true;
      }
      if (c.role == TagCapture::Role::kReference) is_ref = true;
    }
    if (ts_node_is_null(name) || !PredicatesHold(*q, m, text)) continue;
    if (is_def && HasChildOfType(def, "delete_method_clause")) continue;  // `X(X&) = delete;`
    if (is_def) {
      auto key = std::make_pair(ts_node_start_byte(def), ts_node_end_byte(def));
      auto it = defs.find(key);
      if (it == defs.end() || it->second.pattern > m.pattern_index) {
        defs[key] = Candidate{m.pattern_index, def, name, kind};
      }
    } else if (is_ref) {
      refs.emplace(ts_node_start_byte(name), name);
    }
  }

  std::set<uint32_t> def_name_starts;
  for (const auto& [key, c] : defs) {
    def_name_starts.insert(ts_node_start_byte(c.name));
    std::string name(NodeText(c.name, text));
    if (name.empty()) continue;
    out.definitions.push_back(Definition{c.kind, std::move(name), Signature(c.def, text),
                                         DocFor(c.def, text), RangeOf(c.def)});
  }
  for (const auto& [start, node] : refs) {
    if (def_name_starts.count(start)) continue;  // a definition's own name is no reference
    std::string name(NodeText(node, text));
    if (!name.empty()) out.references.push_back(Reference{std::move(name), RangeOf(node)});
  }
  return out;
}

}  // namespace tools
