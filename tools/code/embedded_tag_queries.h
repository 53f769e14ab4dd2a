// The tag queries of tools/code/queries/*.scm, embedded into the library at configure time
// (see CMakeLists.txt), so a binary never reads the source tree. Immutable; thread-safe.
#pragma once

#include <string_view>
#include <vector>

namespace tools {

struct EmbeddedTagQuery {
  std::string_view language;  // the .scm file's base name, a LanguageInfo::name
  std::string_view source;    // the query text
};

// All embedded queries, sorted by nothing in particular.
const std::vector<EmbeddedTagQuery>& EmbeddedTagQueries();

}  // namespace tools
