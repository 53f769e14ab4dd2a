// LineMatcher: a compiled search pattern (PCRE2), literal or regular expression, optionally
// case-insensitive, that answers "does this line match". Invalid UTF-8 in files is tolerated
// (PCRE2_MATCH_INVALID_UTF). Immutable after Compile, but PCRE2 match data is per call, so
// Matches is thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace tools {

class LineMatcher {
 public:
  // InvalidArgument (with PCRE2's message and offset) for a bad regular expression or an
  // empty pattern.
  static base::StatusOr<std::unique_ptr<LineMatcher>> Compile(std::string_view pattern, bool regex,
                                                              bool case_insensitive);
  ~LineMatcher();
  LineMatcher(const LineMatcher&) = delete;
  LineMatcher& operator=(const LineMatcher&) = delete;

  bool Matches(std::string_view line) const;

 private:
  explicit LineMatcher(void* code) : code_(code) {}
  void* code_;  // pcre2_code_8*, kept opaque so the header need not include pcre2.h
};

}  // namespace tools
