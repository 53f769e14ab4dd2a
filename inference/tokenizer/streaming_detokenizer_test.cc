#include "inference/tokenizer/streaming_detokenizer.h"

#include <doctest/doctest.h>

#include <random>

#include "inference/tokenizer/char_class.h"
#include "inference/tokenizer/test_support.h"

namespace inference {
namespace {

bool IsValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const Utf8Char c = DecodeUtf8At(s, i);
    if (!c.valid) return false;
    i += c.len;
  }
  return true;
}

TEST_CASE("streaming detokenizer: one id at a time gives back the text, never broken UTF-8") {
  const Tokenizer& tok = testing::V3Tokenizer();
  const std::string text =
      "emoji 😀👍🏽👨‍👩‍👧 flags 🇯🇵, CJK 中文字符测试 日本語, 𝐀𝐁 astral, é combining "
      "e\u0301, "
      "plain ASCII code: for (int i = 0; i < n; ++i) {}\n";
  const std::vector<TokenId> ids = tok.Encode(text);
  StreamingDetokenizer detok(tok);
  std::string joined;
  size_t max_pending = 0;
  bool held_back_once = false;
  for (TokenId id : ids) {
    const std::string chunk = detok.Push(id);
    CHECK(IsValidUtf8(chunk));
    joined += chunk;
    max_pending = std::max(max_pending, detok.pending_bytes());
    held_back_once |= detok.pending_bytes() > 0;
  }
  joined += detok.Finish();
  CHECK(joined == text);
  CHECK(held_back_once);  // the emoji really were split across tokens
  CHECK(max_pending <= 3);
}

TEST_CASE("streaming detokenizer: arbitrary ids still produce valid UTF-8") {
  const Tokenizer& tok = testing::V3Tokenizer();
  const unsigned seed = std::random_device{}();
  MESSAGE("seed " << seed);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<TokenId> any_id(-5, tok.vocab_size() + 5);
  for (int round = 0; round < 50; ++round) {
    StreamingDetokenizer detok(tok);
    std::string all;
    for (int k = 0; k < 100; ++k) {
      const std::string chunk = detok.Push(any_id(rng));
      REQUIRE(IsValidUtf8(chunk));
      all += chunk;
    }
    const std::string tail = detok.Finish();
    CHECK(IsValidUtf8(tail));
    CHECK(detok.pending_bytes() == 0);
  }
}

TEST_CASE("streaming detokenizer: an unfinished character at the end becomes U+FFFD") {
  const Tokenizer& tok = testing::V3Tokenizer();
  // Byte tokens: 0xF0 0x9F alone start a 4-byte emoji that never finishes.
  const auto f0 = tok.TokenToId("\xF0");
  const auto x9f = tok.TokenToId("\x9F");
  const auto a = tok.TokenToId("a");
  REQUIRE(f0.has_value());
  REQUIRE(x9f.has_value());
  REQUIRE(a.has_value());
  StreamingDetokenizer detok(tok);
  CHECK(detok.Push(*f0).empty());
  CHECK(detok.Push(*x9f).empty());
  CHECK(detok.pending_bytes() == 2);
  CHECK(detok.Push(*a) ==
        "\xEF\xBF\xBD\xEF\xBF\xBD"
        "a");  // broken by 'a': replaced, not held
  CHECK(detok.Push(*f0).empty());
  CHECK(detok.Finish() == "\xEF\xBF\xBD");
}

TEST_CASE("streaming detokenizer: skip_special drops BOS/EOS but keeps chat markers") {
  const Tokenizer& tok = testing::V3Tokenizer();
  StreamingDetokenizer detok(tok, /*skip_special=*/true);
  CHECK(detok.Push(tok.special_ids().bos).empty());
  CHECK(detok.Push(tok.special_ids().user) == "<｜User｜>");
  CHECK(detok.Push(tok.special_ids().eos).empty());
}

}  // namespace
}  // namespace inference
