#include "inference/tokenizer/pre_tokenizer.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace inference {
namespace {

std::vector<std::string> Pieces(std::string_view text) {
  std::vector<std::string_view> views;
  PreTokenize(text, &views);
  return std::vector<std::string>(views.begin(), views.end());
}

using V = std::vector<std::string>;

// Expected splits worked out by hand from the regexes in pre_tokenizer.h (the oracle test
// checks the same rules on a large corpus; these document them).
TEST_CASE("pre-tokenizer: the DeepSeek-V3 split rules") {
  CHECK(Pieces("Hello world") == V{"Hello", " world"});
  CHECK(Pieces("1234567") == V{"123", "456", "7"});  // digits in threes
  CHECK(Pieces("x2y") == V{"x", "2", "y"});
  CHECK(Pieces("中文abc日本語") == V{"中文", "abc", "日本語"});  // CJK isolated
  CHECK(Pieces("don't .method") == V{"don", "'t", " .", "method"});
  CHECK(Pieces("a  b") == V{"a", " ", " b"});                // \s+(?!\S) leaves one space
  CHECK(Pieces("x\n\n  y") == V{"x", "\n\n", " ", " y"});    // \s*[\r\n]+ then the rest
  CHECK(Pieces("a += b;\n") == V{"a", " +=", " b", ";\n"});  // punctuation takes newlines
  CHECK(Pieces("end   ") == V{"end", "   "});                // trailing run kept whole
  CHECK(Pieces("e\u0301t\u00e9") == V{"e\u0301t\u00e9"});    // marks stay in the word
  CHECK(Pieces("\u200bword") == V{"\u200bword"});            // a non-letter prefix joins the word
  CHECK(Pieces("\xff\xfe") == V{"\xff\xfe"});                // invalid bytes: one gap piece
  CHECK(Pieces("").empty());
}

}  // namespace
}  // namespace inference
