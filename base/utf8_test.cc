#include "base/utf8.h"

#include <doctest/doctest.h>

namespace base {
namespace {

TEST_CASE("utf8: invalid sequences become U+FFFD and incomplete tails are found") {
  CHECK(ValidUtf8("ok \xC0\xAF \xED\xA0\x80 \xF4\x90\x80\x80") ==
        "ok \xEF\xBF\xBD\xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD "
        "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(ValidUtf8("h\xC3\xA9 \xF0\x9F\x98\x80") == "h\xC3\xA9 \xF0\x9F\x98\x80");
  CHECK(CompleteUtf8Prefix("a\xF0\x9F\x98") == 1);
  CHECK(CompleteUtf8Prefix("a\xF0\x9F\x98\x80") == 5);
  CHECK(CompleteUtf8Prefix("ab") == 2);
  CHECK(ValidUtf8("") == "");
}

}  // namespace
}  // namespace base
