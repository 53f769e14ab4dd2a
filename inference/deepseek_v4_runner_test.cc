// The engine over the real DeepSeek-V4 model (the tiny random-weight checkpoint in
// tests/data/golden/v4-tiny): the adapter feeds the right positions and returns the right row.
#include "inference/deepseek_v4_runner.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "base/clock.h"
#include "inference/fake_text_codec.h"
#include "inference/local_engine.h"
#include "inference/local_engine_test_util.h"

namespace inference {
namespace {

std::string TinyDir() {
  const char* env = std::getenv("FLASHCODE_SOURCE_DIR");
  const std::filesystem::path root =
      env && *env ? std::filesystem::path(env)
                  : std::filesystem::path(__FILE__).parent_path().parent_path();
  return (root / "tests/data/golden/v4-tiny").string();
}

int32_t Argmax(const std::vector<float>& logits) {
  return static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
}

const std::vector<int32_t> kPrompt = {0, 17, 230, 5, 999, 42, 42, 7, 300, 12, 1000, 64};

TEST_CASE("LocalEngine over DeepSeekV4Runner decodes as direct model calls do") {
  constexpr int kTokens = 6;
  // Reference: the same forward calls by hand (the prompt at once, then one token at a time).
  std::vector<int32_t> expected;
  {
    auto model = DeepSeekV4Model::Load(TinyDir());
    REQUIRE_MESSAGE(model.ok(), model.status().ToString());
    auto cache = (*model)->NewCache();
    auto result = (*model)->Forward(kPrompt, 0, *cache);
    REQUIRE(result.ok());
    for (int i = 0; i < kTokens; ++i) {
      expected.push_back(Argmax(result->logits));
      const int32_t token = expected.back();
      result = (*model)->Forward(std::span<const int32_t>(&token, 1), cache->length(), *cache);
      REQUIRE(result.ok());
    }
  }

  auto runner = DeepSeekV4Runner::Load(TinyDir());
  REQUIRE_MESSAGE(runner.ok(), runner.status().ToString());
  CHECK((*runner)->VocabSize() == 1024);
  base::FakeClock clock;
  FakeTextCodec codec(testing::Pieces());
  testing::EventRecorder recorder;
  LocalEngine engine(std::move(runner).value(), codec, clock);
  auto id = engine.Submit(testing::GreedyRequest(kPrompt, kTokens), recorder.Sink());
  REQUIRE(id.ok());
  REQUIRE(recorder.WaitForFinals(1));
  auto final_event = recorder.FinalOf(*id);
  CHECK(final_event->reason == FinishReason::kLength);
  CHECK(final_event->status.ok());
  CHECK(recorder.TokensOf(*id) == expected);
}

TEST_CASE("DeepSeekV4Runner: a copied sequence continues exactly as the original would") {
  auto runner = DeepSeekV4Runner::Load(TinyDir());
  REQUIRE_MESSAGE(runner.ok(), runner.status().ToString());
  // Past the 128-entry window and mid-block, so the ring, compressed entries and compressor
  // running state all matter.
  std::vector<int32_t> prefix;
  for (int i = 0; i < 150; ++i) prefix.push_back((i * 37 + 11) % 1024);
  const std::vector<int32_t> next = {5, 999, 42, 7, 300, 12, 64, 1000, 3};
  auto original = (*runner)->NewSequence();
  REQUIRE(original.ok());
  REQUIRE((*runner)->Prefill(**original, prefix).ok());
  auto copy = (*runner)->CopySequence(**original);
  REQUIRE(copy.ok());
  auto from_original = (*runner)->Prefill(**original, next);
  auto from_copy = (*runner)->Prefill(**copy, next);  // the original moved on: no effect here
  REQUIRE(from_original.ok());
  REQUIRE(from_copy.ok());
  CHECK(*from_copy == *from_original);

  // Through the engine: a prompt that extends an earlier one gives the same tokens with the
  // prefix cache as without it.
  std::vector<int32_t> longer = prefix;
  longer.insert(longer.end(), next.begin(), next.end());
  std::vector<std::vector<int32_t>> outputs;
  for (int32_t entries : {4, 0}) {
    auto engine_runner = DeepSeekV4Runner::Load(TinyDir());
    REQUIRE(engine_runner.ok());
    base::FakeClock clock;
    FakeTextCodec codec(testing::Pieces());
    testing::EventRecorder recorder;
    LocalEngine engine(std::move(engine_runner).value(), codec, clock,
                       {.prefix_cache_entries = entries});
    REQUIRE(engine.Submit(testing::GreedyRequest(prefix, 2), recorder.Sink()).ok());
    REQUIRE(recorder.WaitForFinals(1));
    auto id = engine.Submit(testing::GreedyRequest(longer, 4), recorder.Sink());
    REQUIRE(id.ok());
    REQUIRE(recorder.WaitForFinals(2));
    outputs.push_back(recorder.TokensOf(*id));
  }
  CHECK(outputs[0].size() == 4);
  CHECK(outputs[0] == outputs[1]);
}

TEST_CASE("DeepSeekV4Runner applies a context limit and reports load errors") {
  auto runner = DeepSeekV4Runner::Load(TinyDir(), 8);
  REQUIRE(runner.ok());
  CHECK((*runner)->ContextLength() == 8);
  base::FakeClock clock;
  FakeTextCodec codec(testing::Pieces());
  LocalEngine engine(std::move(runner).value(), codec, clock);
  auto refused = engine.Submit(testing::GreedyRequest(kPrompt, 1), [](const StreamEvent&) {});
  CHECK(refused.status().code() == base::StatusCode::kInvalidArgument);
  CHECK(refused.status().message().find("12 tokens") != std::string::npos);

  CHECK_FALSE(DeepSeekV4Runner::Load(TinyDir() + "/no-such-dir").ok());
}

}  // namespace
}  // namespace inference
