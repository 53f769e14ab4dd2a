#include "inference/stop_string_matcher.h"

#include <doctest/doctest.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

namespace inference {
namespace {

TEST_CASE("StopStringMatcher emits text before a stop string that spans pushes") {
  StopStringMatcher m({"</code>"});
  auto r = m.Push("x = 1;<");
  CHECK(r.text == "x = 1;");  // "<" might start the stop string
  CHECK_FALSE(r.stop);
  r = m.Push("/co");
  CHECK(r.text.empty());
  r = m.Push("de>tail");
  CHECK(r.text.empty());
  REQUIRE(r.stop);
  CHECK(*r.stop == 0);
  // Nothing after a match, not even on Flush.
  CHECK(m.Push("more").text.empty());
  CHECK(m.Flush().empty());
}

TEST_CASE("StopStringMatcher releases a held prefix once it cannot match") {
  StopStringMatcher m({"\n\n"});
  CHECK(m.Push("a\n").text == "a");
  CHECK(m.Push("b").text == "\nb");
  CHECK(m.Push("\n").text.empty());
  CHECK(m.Flush() == "\n");
}

TEST_CASE("StopStringMatcher stops where a stop string first completes") {
  StopStringMatcher m({"bc", "abcd"});
  auto r = m.Push("xabcd");
  REQUIRE(r.stop);
  CHECK(*r.stop == 0);  // "bc" completes first; the text before it is "xa"
  CHECK(r.text == "xa");

  // Two stops completing together: the longer one (starting first) cuts more.
  StopStringMatcher tie({"c", "abc"});
  r = tie.Push("xabcd");
  REQUIRE(r.stop);
  CHECK(*r.stop == 1);
  CHECK(r.text == "x");

  StopStringMatcher overlap({"aab"});
  std::string out;
  for (char c : std::string("aaab")) {
    auto step = overlap.Push(std::string(1, c));
    out += step.text;
    if (step.stop) break;
  }
  CHECK(out == "a");
}

TEST_CASE("StopStringMatcher with no stop strings passes everything through") {
  StopStringMatcher m({"", ""});
  CHECK(m.Push("abc").text == "abc");
  CHECK(m.Flush().empty());
}

TEST_CASE("StopStringMatcher agrees with find() on random texts split at random") {
  const uint64_t seed = std::random_device{}();
  std::printf("StopStringMatcher random seed: %llu\n", static_cast<unsigned long long>(seed));
  CAPTURE(seed);
  std::mt19937_64 rng(seed);
  auto random_string = [&](size_t max_len) {
    std::string s(1 + rng() % max_len, 'a');
    for (char& c : s) c = "abc"[rng() % 3];
    return s;
  };
  for (int trial = 0; trial < 500; ++trial) {
    const std::string text = random_string(40);
    const std::vector<std::string> stops = {random_string(4), random_string(4)};
    // Reference: cut at the occurrence that completes first (ties: the one starting first).
    size_t first = std::string::npos;
    size_t first_end = std::string::npos;
    for (const auto& s : stops) {
      const size_t pos = text.find(s);
      if (pos == std::string::npos) continue;
      if (pos + s.size() < first_end || (pos + s.size() == first_end && pos < first)) {
        first = pos;
        first_end = pos + s.size();
      }
    }
    const std::string expected = first == std::string::npos ? text : text.substr(0, first);

    StopStringMatcher m(stops);
    std::string out;
    bool matched = false;
    for (size_t pos = 0; pos < text.size() && !matched;) {
      const size_t n = std::min<size_t>(text.size() - pos, 1 + rng() % 4);
      auto r = m.Push(std::string_view(text).substr(pos, n));
      out += r.text;
      matched = r.stop.has_value();
      pos += n;
    }
    if (!matched) out += m.Flush();
    CAPTURE(text);
    CAPTURE(stops[0]);
    CAPTURE(stops[1]);
    CHECK(matched == (first != std::string::npos));
    CHECK(out == expected);
  }
}

}  // namespace
}  // namespace inference
