#include "tools/search/line_matcher.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

namespace tools {

base::StatusOr<std::unique_ptr<LineMatcher>> LineMatcher::Compile(std::string_view pattern,
                                                                  bool regex,
                                                                  bool case_insensitive) {
  if (pattern.empty()) return base::InvalidArgument("empty search pattern");
  uint32_t flags = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
  if (!regex) flags |= PCRE2_LITERAL;
  if (case_insensitive) flags |= PCRE2_CASELESS;
  int error = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                   flags, &error, &offset, nullptr);
  if (code == nullptr) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error, message, sizeof(message));
    return base::InvalidArgument("bad regular expression at offset " + std::to_string(offset) +
                                 ": " + reinterpret_cast<const char*>(message));
  }
  pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);  // best effort: falls back to the interpreter
  return std::unique_ptr<LineMatcher>(new LineMatcher(code));
}

LineMatcher::~LineMatcher() { pcre2_code_free(static_cast<pcre2_code*>(code_)); }

bool LineMatcher::Matches(std::string_view line) const {
  auto* code = static_cast<pcre2_code*>(code_);
  pcre2_match_data* data = pcre2_match_data_create_from_pattern(code, nullptr);
  int rc = pcre2_match(code, reinterpret_cast<PCRE2_SPTR>(line.data()), line.size(), 0, 0, data,
                       nullptr);
  pcre2_match_data_free(data);
  return rc >= 0;
}

}  // namespace tools
