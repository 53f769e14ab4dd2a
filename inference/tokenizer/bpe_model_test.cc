#include "inference/tokenizer/bpe_model.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <random>

#include "inference/tokenizer/byte_level.h"
#include "inference/tokenizer/test_support.h"

namespace inference {
namespace {

// A toy vocabulary where merge order matters: "ab" then "bc" with "abc" reachable only from
// "ab"+"c"; equal-rank ties must go to the leftmost pair.
TEST_CASE("bpe: lowest rank first, leftmost among equals, on a toy vocabulary") {
  std::vector<std::string> vocab;
  for (int b = 0; b < 256; ++b) vocab.push_back(std::string(1, static_cast<char>(b)));
  const TokenId ab = 256, bc = 257, abc = 258, aa = 259;
  vocab.insert(vocab.end(), {"ab", "bc", "abc", "aa"});
  auto model = BpeModel::Create(vocab, {{"a", "b"}, {"b", "c"}, {"ab", "c"}, {"a", "a"}});
  REQUIRE(model.ok());
  std::vector<TokenId> out;
  model->Encode("abc", nullptr, &out);
  CHECK(out == std::vector<TokenId>{abc});
  out.clear();
  model->Encode("bcab", nullptr, &out);
  CHECK(out == std::vector<TokenId>{bc, ab});
  out.clear();
  model->Encode("aaa", nullptr, &out);  // leftmost "a a" merges first
  CHECK(out == std::vector<TokenId>{aa, 'a'});
  out.clear();
  model->EncodeWithHeapForTest("aaa", &out);
  CHECK(out == std::vector<TokenId>{aa, 'a'});

  CHECK_FALSE(BpeModel::Create(vocab, {{"a", "z"}}).ok());  // result "az" not in vocabulary
  std::vector<std::string> missing_byte(vocab.begin() + 1, vocab.end());
  CHECK_FALSE(BpeModel::Create(missing_byte, {}).ok());
}

TEST_CASE("bpe: array-scan and heap algorithms agree on random pieces of the real vocabulary") {
  // Build the model straight from the V3 tokenizer.json's vocab and merges.
  const nlohmann::json root =
      nlohmann::json::parse(testing::ReadFileOrEmpty(testing::V3TokenizerJsonPath()));
  std::vector<std::string> vocab;
  for (const auto& [text, id] : root["model"]["vocab"].items()) {
    const auto bytes = ByteLevelToBytes(text);
    if (!bytes) continue;  // the three added-token spellings
    if (vocab.size() <= id.get<size_t>()) vocab.resize(id.get<size_t>() + 1);
    vocab[id.get<size_t>()] = *bytes;
  }
  std::vector<std::pair<std::string, std::string>> merges;
  for (const auto& m : root["model"]["merges"]) {
    const std::string s = m.get<std::string>();
    const size_t space = s.find(' ');
    merges.emplace_back(*ByteLevelToBytes(s.substr(0, space)),
                        *ByteLevelToBytes(s.substr(space + 1)));
  }
  auto model = BpeModel::Create(vocab, merges);
  REQUIRE(model.ok());

  const unsigned seed = std::random_device{}();
  MESSAGE("seed " << seed);
  std::mt19937 rng(seed);
  // Repetitive alphabets create many equal-rank choices, where the two algorithms could differ.
  const std::string alphabets[] = {"etaoinshrdlu", "ab", " =", "0123456789abcdef", "\xe4\xb8\xad"};
  for (int round = 0; round < 2000; ++round) {
    const std::string& alphabet = alphabets[round % std::size(alphabets)];
    std::string piece;
    const int n = std::uniform_int_distribution<int>(2, 64)(rng);
    for (int k = 0; k < n; ++k) piece += alphabet[rng() % alphabet.size()];
    std::vector<TokenId> scan, heap;
    model->Encode(piece, nullptr, &scan);  // <= 64 bytes: array scan
    model->EncodeWithHeapForTest(piece, &heap);
    REQUIRE_MESSAGE(scan == heap, "piece '" << piece << "'");
    std::string joined;
    for (TokenId id : scan) joined += vocab[id];
    CHECK(joined == piece);
  }
}

}  // namespace
}  // namespace inference
