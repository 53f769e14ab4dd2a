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
  // Bytes that no further input can complete are not held back: a stray 0xFF, 0xC0/0xC1 and
  // 0xF5.., and a lead byte whose second byte is already out of range.
  CHECK(CompleteUtf8Prefix("latin1 \xFF") == 8);
  CHECK(CompleteUtf8Prefix("x\xC1") == 2);
  CHECK(CompleteUtf8Prefix("x\xF5\x80") == 3);
  CHECK(CompleteUtf8Prefix("x\xE0\x80") == 3);  // would be an overlong
  CHECK(CompleteUtf8Prefix("x\xE0\xA0") == 1);  // U+0800.. is still coming
  CHECK(CompleteUtf8Prefix("x\xC3") == 1);
  CHECK(ValidUtf8("") == "");
}

}  // namespace
}  // namespace base
