#include "inference/utf8_assembler.h"

#include <doctest/doctest.h>

#include <cstdio>
#include <random>
#include <string>

namespace inference {
namespace {

const std::string kFffd = "\xEF\xBF\xBD";

std::string PushBytewise(Utf8Assembler& a, const std::string& bytes) {
  std::string out;
  for (char c : bytes) out += a.Push(std::string(1, c));
  return out;
}

TEST_CASE("Utf8Assembler passes ASCII and whole characters through") {
  Utf8Assembler a;
  CHECK(a.Push("hello ") == "hello ");
  CHECK(a.Push("é€𝄞") == "é€𝄞");
  CHECK_FALSE(a.HasPending());
  CHECK(a.Flush().empty());
}

TEST_CASE("Utf8Assembler holds back a character split across pushes") {
  Utf8Assembler a;
  CHECK(a.Push("x\xE2\x82") == "x");  // the euro sign waits for its last byte
  CHECK(a.HasPending());
  CHECK(a.Push("\xAC") == "€");
  // A four-byte character one byte at a time: nothing until the last byte.
  CHECK(a.Push("\xF0").empty());
  CHECK(a.Push("\x9D").empty());
  CHECK(a.Push("\x84").empty());
  CHECK(a.Push("\x9E") == "𝄞");
}

TEST_CASE("Utf8Assembler replaces invalid bytes with U+FFFD") {
  SUBCASE("stray continuation byte") {
    Utf8Assembler a;
    CHECK(a.Push("a\x80"
                 "b") == "a" + kFffd + "b");
  }
  SUBCASE("overlong lead bytes and bytes beyond U+10FFFF") {
    Utf8Assembler a;
    CHECK(a.Push("\xC0\xAF") == kFffd + kFffd);
    CHECK(a.Push("\xF5") == kFffd);
    CHECK(a.Push("\xFF") == kFffd);
  }
  SUBCASE("narrow second-byte ranges: E0 overlong, ED surrogate, F4 too large") {
    Utf8Assembler a;
    CHECK(a.Push("\xE0\x80") == kFffd + kFffd);
    CHECK(a.Push("\xED\xA0\x80") == kFffd + kFffd + kFffd);
    CHECK(a.Push("\xF4\x90") == kFffd + kFffd);
  }
  SUBCASE("a truncated character followed by ASCII: one U+FFFD, then the ASCII") {
    Utf8Assembler a;
    CHECK(a.Push("\xE2\x82") == "");
    CHECK(a.Push("z") == kFffd + "z");
  }
  SUBCASE("Flush turns an unfinished character into U+FFFD") {
    Utf8Assembler a;
    CHECK(a.Push("ok\xF0\x9F") == "ok");
    CHECK(a.Flush() == kFffd);
    CHECK_FALSE(a.HasPending());
    CHECK(a.Flush().empty());
  }
}

TEST_CASE("Utf8Assembler reassembles valid text split at random points") {
  const std::string text = "int main() { return 0; } // é€𝄞 日本語 ünïcödé\n";
  const uint64_t seed = std::random_device{}();
  std::printf("Utf8Assembler random split seed: %llu\n", static_cast<unsigned long long>(seed));
  CAPTURE(seed);
  std::mt19937_64 rng(seed);
  for (int trial = 0; trial < 200; ++trial) {
    Utf8Assembler a;
    std::string out;
    size_t pos = 0;
    while (pos < text.size()) {
      const size_t n = std::min<size_t>(text.size() - pos, 1 + rng() % 5);
      const std::string piece = a.Push(text.substr(pos, n));
      // Every piece is whole characters: it never ends in a lead or continuation byte of an
      // unfinished character, so appending it keeps `out` a prefix of the text.
      out += piece;
      REQUIRE(text.compare(0, out.size(), out) == 0);
      pos += n;
    }
    CHECK(out == text);
    CHECK(a.Flush().empty());
  }
  Utf8Assembler bytewise;
  CHECK(PushBytewise(bytewise, text) == text);
}

}  // namespace
}  // namespace inference
