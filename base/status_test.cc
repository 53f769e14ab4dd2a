#include "base/status.h"

#include <doctest/doctest.h>

namespace base {
namespace {

StatusOr<int> Half(int x) {
  if (x % 2 != 0) return InvalidArgument("odd: " + std::to_string(x));
  return x / 2;
}

StatusOr<int> Quarter(int x) {
  FC_ASSIGN_OR_RETURN(int h, Half(x));
  FC_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

TEST_CASE("Status carries code and message") {
  CHECK(Status().ok());
  Status s = NotFound("no such file");
  CHECK_FALSE(s.ok());
  CHECK(s.code() == StatusCode::kNotFound);
  CHECK(s.ToString() == "not_found: no such file");
  CHECK(s.WithContext("open a.txt").ToString() == "not_found: open a.txt: no such file");
  CHECK(Status().WithContext("x").ok());
}

TEST_CASE("StatusOr propagates through FC_ASSIGN_OR_RETURN") {
  CHECK(Quarter(8).value() == 2);
  StatusOr<int> r = Quarter(6);  // 6 -> 3 -> odd
  REQUIRE_FALSE(r.ok());
  CHECK(r.status() == InvalidArgument("odd: 3"));
}

}  // namespace
}  // namespace base
