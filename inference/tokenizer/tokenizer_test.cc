#include "inference/tokenizer/tokenizer.h"

#include <doctest/doctest.h>

#include <random>

#include "inference/tokenizer/test_support.h"

namespace inference {
namespace {

const Tokenizer& V3() { return testing::V3Tokenizer(); }

TEST_CASE("tokenizer: known ids from the DeepSeek-V3 vocabulary") {
  const Tokenizer& tok = V3();
  CHECK(tok.vocab_size() == 128815);
  const SpecialIds& ids = tok.special_ids();
  CHECK(ids.bos == 0);
  CHECK(ids.eos == 1);
  CHECK(ids.user == 128803);
  CHECK(ids.assistant == 128804);
  CHECK(ids.fim_hole == 128800);
  CHECK(ids.fim_begin == 128801);
  CHECK(ids.fim_end == 128802);
  CHECK(ids.think_begin == -1);  // V3 has no <think>; the V4 file adds it
  CHECK(tok.TokenToId("<｜User｜>") == 128803);
  CHECK(tok.TokenBytes(128803) == "<｜User｜>");
  CHECK(tok.IsAddedToken(128803));
  CHECK(tok.IsSpecial(0));
  CHECK_FALSE(tok.IsSpecial(128803));
  // A plain vocabulary entry round-trips through its bytes.
  const TokenId hello = tok.Encode("hello")[0];
  CHECK(tok.TokenToId(tok.TokenBytes(hello)) == hello);
  CHECK(tok.TokenBytes(-1).empty());
  CHECK(tok.TokenBytes(1 << 20).empty());
}

TEST_CASE("tokenizer: added tokens are cut out only in kParse mode") {
  const Tokenizer& tok = V3();
  const std::string text = "<｜User｜>hi<｜Assistant｜>";
  const auto parsed = tok.Encode(text, SpecialTokens::kParse);
  REQUIRE(parsed.size() >= 3);
  CHECK(parsed.front() == 128803);
  CHECK(parsed.back() == 128804);
  const auto as_text = tok.Encode(text, SpecialTokens::kAsText);
  for (TokenId id : as_text) CHECK_FALSE(tok.IsAddedToken(id));
  CHECK(tok.Decode(as_text) == text);
  CHECK(tok.Decode(parsed) == text);
  CHECK(tok.Decode(parsed, /*skip_special=*/true) == text);  // User/Assistant are not "special"
  CHECK(tok.Decode({0, parsed[1]}, /*skip_special=*/true) == tok.Decode({parsed[1]}));
}

TEST_CASE("tokenizer: decode(encode(x)) == x on random bytes and random Unicode") {
  const Tokenizer& tok = V3();
  const unsigned seed = std::random_device{}();
  MESSAGE("seed " << seed);
  std::mt19937 rng(seed);
  const char* alphabet[] = {"a",      "Z",  " ",    "\n",     "\r",       "\t",         "1",
                            "٣",      "_",  "-",    "'",      "(",        "é",          "中",
                            "の",     "ア", "・",   "\u0301", "\u00a0",   "\u3000",     "\ufeff",
                            "\u200d", "😀",  "\xff", "\xc3",   "\xe4\xb8", "<｜User｜>", "｜"};
  for (int round = 0; round < 300; ++round) {
    std::string text;
    const int n = std::uniform_int_distribution<int>(0, 80)(rng);
    for (int k = 0; k < n; ++k) {
      text += alphabet[std::uniform_int_distribution<size_t>(0, std::size(alphabet) - 1)(rng)];
    }
    CHECK(tok.Decode(tok.Encode(text, SpecialTokens::kParse)) == text);
    CHECK(tok.Decode(tok.Encode(text, SpecialTokens::kAsText)) == text);
  }
}

TEST_CASE("tokenizer: long pieces (heap path) agree with the short-piece path") {
  const Tokenizer& tok = V3();
  // Runs long enough for the heap algorithm, built so BPE has many equal-rank choices.
  for (const std::string& text :
       {std::string(1000, ' '), std::string(300, 'a'), std::string(130, '='),
        std::string("abcdefghij") + std::string(100, 'x') + "yz"}) {
    const auto ids = tok.Encode(text);
    CHECK(tok.Decode(ids) == text);
  }
  // A shared cache across calls must not change the ids.
  std::string code;
  for (int k = 0; k < 200; ++k) code += "for (int i = 0; i < n; ++i) { total += values[i]; }\n";
  BpeCache cache;
  std::vector<TokenId> with_cache;
  tok.EncodeAppend(code, SpecialTokens::kAsText, cache, &with_cache);
  CHECK(with_cache == tok.Encode(code, SpecialTokens::kAsText));
}

TEST_CASE("tokenizer: malformed tokenizer.json is an error, not a crash") {
  CHECK_FALSE(Tokenizer::FromJson("").ok());
  CHECK_FALSE(Tokenizer::FromJson("[1,2]").ok());
  CHECK_FALSE(Tokenizer::FromJson("{\"model\": {\"type\": \"BPE\"}}").ok());
  CHECK(Tokenizer::FromFile("/nonexistent/tokenizer.json").status().code() ==
        base::StatusCode::kNotFound);
}

}  // namespace
}  // namespace inference
