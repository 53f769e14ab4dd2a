#include "tools/code/tag_query_set.h"

#include <string>

#include "base/log.h"
#include "tools/code/embedded_tag_queries.h"

namespace tools {
namespace {

std::string_view CaptureName(const TSQuery* q, uint32_t id) {
  uint32_t len = 0;
  const char* s = ts_query_capture_name_for_id(q, id, &len);
  return std::string_view(s, len);
}

std::string_view StringValue(const TSQuery* q, uint32_t id) {
  uint32_t len = 0;
  const char* s = ts_query_string_value_for_id(q, id, &len);
  return std::string_view(s, len);
}

std::string_view QueryErrorName(TSQueryError e) {
  switch (e) {
    case TSQueryErrorSyntax:
      return "syntax error";
    case TSQueryErrorNodeType:
      return "unknown node type";
    case TSQueryErrorField:
      return "unknown field";
    case TSQueryErrorCapture:
      return "unknown capture";
    case TSQueryErrorStructure:
      return "impossible pattern structure";
    case TSQueryErrorLanguage:
      return "language mismatch";
    default:
      return "error";
  }
}

base::StatusOr<std::vector<TagPredicate>> ParsePredicates(const TSQuery* q, uint32_t pattern) {
  uint32_t count = 0;
  const TSQueryPredicateStep* steps = ts_query_predicates_for_pattern(q, pattern, &count);
  std::vector<TagPredicate> out;
  uint32_t i = 0;
  while (i < count) {
    uint32_t end = i;
    while (end < count && steps[end].type != TSQueryPredicateStepTypeDone) ++end;
    // Every predicate we support is: <op string> <capture> <string>.
    if (end - i != 3 || steps[i].type != TSQueryPredicateStepTypeString ||
        steps[i + 1].type != TSQueryPredicateStepTypeCapture ||
        steps[i + 2].type != TSQueryPredicateStepTypeString) {
      return base::InvalidArgument("unsupported predicate shape in pattern " +
                                   std::to_string(pattern));
    }
    std::string_view op = StringValue(q, steps[i].value_id);
    TagPredicate p{TagPredicate::Op::kMatch,
                   steps[i + 1].value_id,
                   std::string(StringValue(q, steps[i + 2].value_id)),
                   {}};
    if (op == "match?" || op == "not-match?") {
      p.op = op == "match?" ? TagPredicate::Op::kMatch : TagPredicate::Op::kNotMatch;
      try {  // std::regex reports bad patterns by exception; keep it inside this function
        p.regex = std::regex(p.literal, std::regex::ECMAScript | std::regex::optimize);
      } catch (const std::regex_error&) {
        return base::InvalidArgument("bad regex in predicate: " + p.literal);
      }
    } else if (op == "eq?" || op == "not-eq?") {
      p.op = op == "eq?" ? TagPredicate::Op::kEq : TagPredicate::Op::kNotEq;
    } else {
      return base::InvalidArgument("unsupported predicate #" + std::string(op));
    }
    out.push_back(std::move(p));
    i = end + 1;
  }
  return out;
}

}  // namespace

base::StatusOr<std::unique_ptr<CompiledTagQuery>> TagQuerySet::Compile(const LanguageInfo& language,
                                                                       std::string_view source) {
  uint32_t error_offset = 0;
  TSQueryError error = TSQueryErrorNone;
  TSQuery* q = ts_query_new(language.grammar(), source.data(), static_cast<uint32_t>(source.size()),
                            &error_offset, &error);
  if (q == nullptr) {
    size_t line_start = source.rfind('\n', error_offset == 0 ? 0 : error_offset - 1);
    line_start = line_start == std::string_view::npos ? 0 : line_start + 1;
    std::string_view rest = source.substr(line_start);
    return base::InvalidArgument(std::string(language.name) +
                                 " tag query: " + std::string(QueryErrorName(error)) + " at byte " +
                                 std::to_string(error_offset) + ": " +
                                 std::string(rest.substr(0, rest.find('\n'))));
  }
  std::vector<TagCapture> captures(ts_query_capture_count(q));
  for (uint32_t id = 0; id < captures.size(); ++id) {
    std::string_view name = CaptureName(q, id);
    if (name == "name") {
      captures[id].role = TagCapture::Role::kName;
    } else if (name.starts_with("definition.")) {
      auto kind = SymbolKindFromName(name.substr(11));
      if (!kind) {
        ts_query_delete(q);
        return base::InvalidArgument(std::string(language.name) + " tag query: unknown kind @" +
                                     std::string(name));
      }
      captures[id] = {TagCapture::Role::kDefinition, *kind};
    } else if (name.starts_with("reference.")) {
      captures[id].role = TagCapture::Role::kReference;
    }
  }
  std::vector<std::vector<TagPredicate>> predicates;
  for (uint32_t p = 0; p < ts_query_pattern_count(q); ++p) {
    auto parsed = ParsePredicates(q, p);
    if (!parsed.ok()) {
      ts_query_delete(q);
      return parsed.status().WithContext(std::string(language.name) + " tag query");
    }
    predicates.push_back(std::move(parsed).value());
  }
  return std::make_unique<CompiledTagQuery>(q, std::move(captures), std::move(predicates));
}

TagQuerySet::TagQuerySet() : slots_(new Slot[AllLanguages().size()]) {}

TagQuerySet::Slot& TagQuerySet::SlotOf(const LanguageInfo& language) {
  Slot& slot = slots_[static_cast<size_t>(&language - AllLanguages().data())];
  std::call_once(slot.once, [&] {
    for (const EmbeddedTagQuery& embedded : EmbeddedTagQueries()) {
      if (embedded.language != language.query) continue;
      auto compiled = Compile(language, embedded.source);
      if (compiled.ok()) {
        slot.query = std::move(compiled).value();
      } else {
        slot.status = compiled.status();
        base::Logger("tools")->error("{}", slot.status.ToString());
      }
    }
  });
  return slot;
}

base::Status TagQuerySet::CompileAll() {
  for (const LanguageInfo& language : AllLanguages()) FC_RETURN_IF_ERROR(SlotOf(language).status);
  return base::Status::Ok();
}

const CompiledTagQuery* TagQuerySet::For(const LanguageInfo& language) {
  return SlotOf(language).query.get();
}

}  // namespace tools
