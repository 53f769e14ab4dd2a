// The engine's text stream over the real DeepSeek tokenizer: multi-byte characters split
// across byte-level tokens come out whole, and stop strings work on the decoded text.
#include "inference/tokenizer_text_codec.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "base/clock.h"
#include "inference/fake_model_runner.h"
#include "inference/local_engine.h"
#include "inference/local_engine_test_util.h"
#include "inference/tokenizer/test_support.h"
#include "inference/utf8_assembler.h"

namespace inference {
namespace {

using testing::EventRecorder;
using testing::ScriptAfter;

bool IsWholeUtf8(const std::string& text) {
  Utf8Assembler check;
  return check.Push(text) == text && !check.HasPending();
}

struct Run {
  std::vector<std::string> texts;  // per token event
  FinalEvent final_event;
};

// Streams `output` (already tokenized) through an engine whose fake model is scripted to emit
// exactly those ids, then EOS.
Run Stream(const Tokenizer& tokenizer, const std::vector<int32_t>& output,
           std::vector<std::string> stop_strings = {}) {
  const std::vector<int32_t> prompt = tokenizer.Encode("Say it:");
  const int32_t eos = tokenizer.special_ids().eos;
  REQUIRE(eos >= 0);
  std::vector<int32_t> script = output;
  script.push_back(eos);
  FakeModelOptions m;
  m.vocab_size = tokenizer.vocab_size();
  m.next_token = ScriptAfter(prompt.size(), script);
  base::FakeClock clock;
  TokenizerTextCodec codec(tokenizer);
  EventRecorder recorder;
  LocalEngine engine(std::make_unique<FakeModelRunner>(m), codec, clock);
  Request r;
  r.prompt = prompt;
  r.sampling.temperature = 0;
  r.max_tokens = static_cast<int32_t>(script.size()) + 5;
  r.stop_token_ids = {eos};
  r.stop_strings = std::move(stop_strings);
  auto id = engine.Submit(r, recorder.Sink());
  REQUIRE(id.ok());
  REQUIRE(recorder.WaitForFinals(1));
  Run run;
  for (const auto& e : recorder.EventsOf(*id)) {
    if (auto* t = std::get_if<TokenEvent>(&e.payload)) run.texts.push_back(t->text);
  }
  run.final_event = *recorder.FinalOf(*id);
  return run;
}

const std::string kText = "def greet():\n    return \"héllo wörld 🎉 日本語 ✓\"\n";

TEST_CASE("Characters split across byte-level tokens stream out whole") {
  const Tokenizer& tokenizer = testing::V3Tokenizer();
  const std::vector<int32_t> ids = tokenizer.Encode(kText);
  // The test means something only if some token is not whole UTF-8 on its own.
  bool some_token_splits_a_character = false;
  for (int32_t id : ids) {
    some_token_splits_a_character |= !IsWholeUtf8(std::string(tokenizer.TokenBytes(id)));
  }
  REQUIRE(some_token_splits_a_character);

  Run run = Stream(tokenizer, ids);
  CHECK(run.final_event.reason == FinishReason::kStop);
  CHECK(run.final_event.stop_token == tokenizer.special_ids().eos);
  std::string all;
  for (const std::string& text : run.texts) {
    CHECK(IsWholeUtf8(text));
    all += text;
  }
  CHECK(all + run.final_event.text == kText);
  CHECK(run.texts.size() == ids.size());
}

TEST_CASE("Stop strings match decoded text across token boundaries") {
  const Tokenizer& tokenizer = testing::V3Tokenizer();
  Run run = Stream(tokenizer, tokenizer.Encode(kText), {"wörld 🎉"});
  CHECK(run.final_event.reason == FinishReason::kStop);
  CHECK(run.final_event.stop_string == "wörld 🎉");
  std::string all;
  for (const std::string& text : run.texts) all += text;
  CHECK(all + run.final_event.text == "def greet():\n    return \"héllo ");
}

}  // namespace
}  // namespace inference
