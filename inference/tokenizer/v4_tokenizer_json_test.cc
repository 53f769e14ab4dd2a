#include "inference/tokenizer/v4_tokenizer_json.h"

#include <doctest/doctest.h>

#include <algorithm>

#include "inference/tokenizer/test_support.h"
#include "inference/tokenizer/tokenizer.h"

namespace inference {
namespace {

TEST_CASE("v4 tokenizer.json: V3 plus V4 special tokens, every id below 129280 decodable") {
  auto json = BuildV4TokenizerJsonFromNpm(testing::NpmDir().string());
  REQUIRE_MESSAGE(json.ok(), json.status().ToString());
  auto loaded = Tokenizer::FromJson(*json);
  REQUIRE_MESSAGE(loaded.ok(), loaded.status().ToString());
  const Tokenizer& v4 = **loaded;
  const Tokenizer& v3 = testing::V3Tokenizer();

  CHECK(v4.vocab_size() == kV4VocabSize);
  for (const AddedTokenSpec& spec : V4AddedTokens()) {
    CHECK(v4.TokenToId(spec.content) == spec.id);
    CHECK(v4.Encode(spec.content) == std::vector<TokenId>{spec.id});
  }
  const SpecialIds& ids = v4.special_ids();
  CHECK(ids.think_begin == 128821);
  CHECK(ids.think_end == 128822);
  CHECK(ids.dsml == 128825);
  CHECK(ids.bos == 0);
  CHECK(ids.eos == 1);
  for (TokenId id = 0; id < kV4VocabSize; ++id) {
    if (v4.TokenBytes(id).empty()) FAIL_CHECK("id " << id << " decodes to nothing");
  }
  // Plain text tokenizes exactly as with V3.
  const std::string text = "int main() { return 0; }  // 你好 😀";
  CHECK(v4.Encode(text) == v3.Encode(text));
  // The chat markers of the V4 format.
  const auto prompt =
      v4.Encode("<｜User｜>你好<｜Assistant｜><think>推理</think>答案<｜end▁of▁sentence｜>");
  CHECK(prompt.front() == 128803);
  CHECK(prompt[2] == 128804);
  CHECK(prompt[3] == 128821);
  CHECK(prompt.back() == 1);
  const auto dsml = v4.Encode("<｜DSML｜tool_calls>");
  REQUIRE(dsml.size() >= 3);
  CHECK(dsml[1] == 128825);  // "<" then ｜DSML｜ then the tag name as text
}

TEST_CASE("v4 tokenizer.json: DeepSeek's reference prompts tokenize and decode back") {
  auto json = BuildV4TokenizerJsonFromNpm(testing::NpmDir().string());
  REQUIRE(json.ok());
  auto loaded = Tokenizer::FromJson(*json);
  REQUIRE(loaded.ok());
  const Tokenizer& v4 = **loaded;
  for (int n = 1; n <= 4; ++n) {
    CAPTURE(n);
    const std::string prompt =
        testing::ReadFileOrEmpty(testing::SourceDir() / "tests/data/encoding" /
                                 ("test_output_" + std::to_string(n) + ".txt"));
    REQUIRE(!prompt.empty());
    const std::vector<TokenId> ids = v4.Encode(prompt);
    CHECK(ids.front() == v4.special_ids().bos);
    CHECK(ids.back() == v4.special_ids().eos);
    CHECK(v4.Decode(ids) == prompt);
    // Every "<｜User｜>" of the text became the one token, none was left as pieces.
    size_t users_in_text = 0;
    for (size_t at = prompt.find("<｜User｜>"); at != std::string::npos;
         at = prompt.find("<｜User｜>", at + 1)) {
      ++users_in_text;
    }
    CHECK(static_cast<size_t>(std::count(ids.begin(), ids.end(), v4.special_ids().user)) ==
          users_in_text);
  }
}

TEST_CASE("v4 tokenizer.json: bad input is an error") {
  CHECK_FALSE(BuildV4TokenizerJson("not json").ok());
  CHECK_FALSE(BuildV4TokenizerJson("{}").ok());
  CHECK_FALSE(
      BuildV4TokenizerJson(R"({"added_tokens": [{"id": 128821, "content": "<other>"}]})").ok());
  CHECK(BuildV4TokenizerJsonFromNpm("/nonexistent").status().code() == base::StatusCode::kNotFound);
}

}  // namespace
}  // namespace inference
