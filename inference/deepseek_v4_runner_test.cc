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
