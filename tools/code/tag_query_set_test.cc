#include "tools/code/tag_query_set.h"

#include <doctest/doctest.h>

#include "tools/code/embedded_tag_queries.h"

namespace tools {
namespace {

TEST_CASE("every embedded tag query compiles against its grammar") {
  TagQuerySet set;
  base::Status status = set.CompileAll();
  REQUIRE_MESSAGE(status.ok(), status.ToString());
  for (const LanguageInfo& lang : AllLanguages()) {
    CHECK_MESSAGE(set.For(lang) != nullptr, "no tag query for ", lang.name);
  }
}

TEST_CASE("a query naming a node type the grammar lacks is rejected with its line") {
  auto compiled = TagQuerySet::Compile(*LanguageByName("python"),
                                       "(function_definition) @definition.function\n"
                                       "(no_such_node) @name\n");
  REQUIRE_FALSE(compiled.ok());
  CHECK(compiled.status().message().find("no_such_node") != std::string::npos);
  CHECK(compiled.status().message().find("unknown node type") != std::string::npos);
}

TEST_CASE("an unknown definition kind is rejected") {
  auto compiled = TagQuerySet::Compile(*LanguageByName("python"),
                                       "(function_definition name: (identifier) @name) "
                                       "@definition.gadget\n");
  REQUIRE_FALSE(compiled.ok());
  CHECK(compiled.status().message().find("gadget") != std::string::npos);
}

}  // namespace
}  // namespace tools
