#include "tools/code/syntax_parser.h"

#include <string>

namespace tools {
namespace {

struct ParseDeadline {
  std::chrono::steady_clock::time_point deadline;
  bool expired = false;
};

// tree-sitter 0.25 replaced the timeout setter by a progress callback; returning true aborts.
bool CheckDeadline(TSParseState* state) {
  auto* d = static_cast<ParseDeadline*>(state->payload);
  if (std::chrono::steady_clock::now() > d->deadline) d->expired = true;
  return d->expired;
}

const char* ReadWhole(void* payload, uint32_t byte_index, TSPoint, uint32_t* bytes_read) {
  auto* text = static_cast<std::string_view*>(payload);
  if (byte_index >= text->size()) {
    *bytes_read = 0;
    return "";
  }
  *bytes_read = static_cast<uint32_t>(text->size() - byte_index);
  return text->data() + byte_index;
}

}  // namespace

SyntaxParser::SyntaxParser(std::chrono::milliseconds time_limit)
    : parser_(ts_parser_new()), time_limit_(time_limit) {}

SyntaxParser::~SyntaxParser() { ts_parser_delete(parser_); }

base::StatusOr<SyntaxTree> SyntaxParser::Parse(const LanguageInfo& language,
                                               std::string_view text) {
  if (text.size() > UINT32_MAX) return base::InvalidArgument("file too large to parse");
  if (!ts_parser_set_language(parser_, language.grammar())) {
    return base::FailedPrecondition(
        "tree-sitter core cannot load the " + std::string(language.name) + " grammar (ABI " +
        std::to_string(ts_language_abi_version(language.grammar())) + ")");
  }
  ParseDeadline deadline{std::chrono::steady_clock::now() + time_limit_};
  TSInput input{&text, ReadWhole, TSInputEncodingUTF8, nullptr};
  TSParseOptions options{&deadline, CheckDeadline};
  TSTree* tree = ts_parser_parse_with_options(parser_, nullptr, input, options);
  if (tree == nullptr) {
    ts_parser_reset(parser_);  // an aborted parse would otherwise resume on the next call
    if (deadline.expired) return base::DeadlineExceeded("parse time limit exceeded");
    return base::Internal("tree-sitter returned no tree");
  }
  return SyntaxTree(tree);
}

}  // namespace tools
