// LocalEngine behaviour for one request at a time: streaming, text, stops, limits, seeds, logprobs,
// cancellation, deadlines and model errors. Scheduling across requests is in
// local_engine_scheduling_test.cc.
#include "inference/local_engine.h"

#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "inference/local_engine_test_util.h"

namespace inference {
namespace {

using namespace inference::testing;  // NOLINT: test helpers

const std::vector<int32_t> kPrompt = {1, 2, 3, 4};

TEST_CASE("Engine streams scripted tokens and ends on a stop token") {
  FakeModelOptions m;
  std::vector<int32_t> script = Spell("hello");
  script.push_back(kEos);
  m.next_token = ScriptAfter(kPrompt.size(), script);
  TestEngine t(m);
  Request r = GreedyRequest(kPrompt, 20);
  r.stop_token_ids = {kEos};
  const RequestId id = t.MustSubmit(r);
  REQUIRE(t.recorder.WaitForFinals(1));

  CHECK(t.recorder.TokensOf(id) == Spell("hello"));  // the stop token makes no event
  CHECK(t.recorder.TextOf(id) == "hello");
  auto final_event = t.recorder.FinalOf(id);
  REQUIRE(final_event);
  CHECK(final_event->reason == FinishReason::kStop);
  CHECK(final_event->status.ok());
  CHECK(final_event->stop_token == kEos);
  CHECK(final_event->usage == Usage{.prompt_tokens = 4, .completion_tokens = 6});
  // The final event is the last one, and there is exactly one.
  auto events = t.recorder.EventsOf(id);
  CHECK(events.back().IsFinal());
  CHECK(std::count_if(events.begin(), events.end(), [](auto& e) { return e.IsFinal(); }) == 1);
}

TEST_CASE("Engine output matches greedy decoding of the model's logits") {
  FakeModelOptions m;
  m.seed = 99;
  TestEngine t(m, {.prefill_chunk_tokens = 3});  // the 7-token prompt goes in three chunks
  const std::vector<int32_t> prompt = {5, 9, 2, 7, 7, 1, 0};
  const RequestId id = t.MustSubmit(GreedyRequest(prompt, 12));
  REQUIRE(t.recorder.WaitForFinals(1));
  CHECK(t.recorder.TokensOf(id) == ReferenceGreedy(*t.model, prompt, 12));
  CHECK(t.recorder.FinalOf(id)->reason == FinishReason::kLength);
  // 3 prefill calls, then one Decode per token after the first.
  CHECK(t.model->forward_calls() == 3 + 11);
}

TEST_CASE("A stop string spanning tokens ends the request, text before it is emitted") {
  FakeModelOptions m;
  m.next_token = ScriptAfter(kPrompt.size(), Spell("ab</c>zz"));
  TestEngine t(m);
  Request r = GreedyRequest(kPrompt, 20);
  r.stop_strings = {"</d>", "</c>"};
  const RequestId id = t.MustSubmit(r);
  REQUIRE(t.recorder.WaitForFinals(1));
  CHECK(t.recorder.TextOf(id) == "ab");
  CHECK(t.recorder.TokensOf(id) == Spell("ab</c>"));
  auto final_event = t.recorder.FinalOf(id);
  CHECK(final_event->reason == FinishReason::kStop);
  CHECK(final_event->stop_string == "</c>");
  // "<" and "/" were held back while they could start a stop string, then dropped.
  for (const auto& e : t.recorder.EventsOf(id)) {
    if (auto* token = std::get_if<TokenEvent>(&e.payload)) {
      CHECK(token->text.find('<') == std::string::npos);
    }
  }
}

TEST_CASE("Held-back text that never becomes a stop string is released") {
  FakeModelOptions m;
  m.next_token = ScriptAfter(kPrompt.size(), Spell("a</b"));
  TestEngine t(m);
  Request r = GreedyRequest(kPrompt, 4);
  r.stop_strings = {"</bx"};
  const RequestId id = t.MustSubmit(r);
  REQUIRE(t.recorder.WaitForFinals(1));
  auto final_event = t.recorder.FinalOf(id);
  CHECK(final_event->reason == FinishReason::kLength);
  CHECK(final_event->text == "</b");  // held until the end, then released
  CHECK(t.recorder.TextOf(id) == "a</b");
}

TEST_CASE("Text events carry whole UTF-8 characters only") {
  FakeModelOptions m;
  m.next_token = ScriptAfter(kPrompt.size(),
                             {kEAcuteLead, kEAcuteTail, kEuro, kInvalidByte, kSpace, kEAcuteLead});
  TestEngine t(m);
  const RequestId id = t.MustSubmit(GreedyRequest(kPrompt, 6));
  REQUIRE(t.recorder.WaitForFinals(1));
  std::vector<std::string> texts;
  for (const auto& e : t.recorder.EventsOf(id)) {
    if (auto* token = std::get_if<TokenEvent>(&e.payload)) texts.push_back(token->text);
  }
  const std::string fffd = "\xEF\xBF\xBD";
  CHECK(texts == std::vector<std::string>{"", "é", "€", fffd, " ", ""});
  // The request ended inside a character: the final event replaces it.
  CHECK(t.recorder.FinalOf(id)->text == fffd);
}

TEST_CASE("Contexts beyond the model's limit are refused with the numbers") {
  FakeModelOptions m;
  m.context_length = 32;
  TestEngine t(m);
  std::vector<int32_t> long_prompt(32, 1);
  auto s = t.engine->Submit(GreedyRequest(long_prompt, 0), t.recorder.Sink());
  CHECK(s.status().code() == base::StatusCode::kInvalidArgument);
  CHECK(s.status().message().find("32 tokens") != std::string::npos);

  std::vector<int32_t> prompt(30, 1);
  s = t.engine->Submit(GreedyRequest(prompt, 5), t.recorder.Sink());
  CHECK(s.status().code() == base::StatusCode::kInvalidArgument);
  CHECK(s.status().message() ==
        "the prompt has 30 tokens and max_tokens is 5: 35 exceeds the model's context of 32 "
        "tokens");

  // max_tokens 0 runs until the context is full.
  const RequestId id = t.MustSubmit(GreedyRequest(prompt, 0));
  REQUIRE(t.recorder.WaitForFinals(1));
  CHECK(t.recorder.FinalOf(id)->reason == FinishReason::kLength);
  CHECK(t.recorder.TokensOf(id).size() == 2);
}

TEST_CASE("Malformed requests are refused and their sink is never called") {
  TestEngine t(FakeModelOptions{});
  auto refuse = [&](Request r, std::string_view expected) {
    auto s = t.engine->Submit(std::move(r), t.recorder.Sink());
    CHECK(s.status().code() == base::StatusCode::kInvalidArgument);
    CHECK(s.status().message().find(expected) != std::string::npos);
  };
  refuse(GreedyRequest({}, 1), "empty");
  refuse(GreedyRequest({1, 64}, 1), "prompt token 64 at position 1");
  refuse(GreedyRequest({1, -1}, 1), "prompt token -1");
  Request bad_stop = GreedyRequest({1}, 1);
  bad_stop.stop_strings = {"x", ""};
  refuse(bad_stop, "stop string 1 is empty");
  Request bad_stop_id = GreedyRequest({1}, 1);
  bad_stop_id.stop_token_ids = {100};
  refuse(bad_stop_id, "stop token 100");
  Request bad_sampling = GreedyRequest({1}, 1);
  bad_sampling.sampling.top_p = 2;
  refuse(bad_sampling, "top_p");
  refuse(GreedyRequest({1}, -3), "max_tokens");
  CHECK(t.recorder.All().empty());
}

TEST_CASE("A seed reproduces the same sampled tokens") {
  TestEngine t(FakeModelOptions{});
  auto run = [&](std::optional<uint64_t> seed) {
    Request r;
    r.prompt = kPrompt;
    r.max_tokens = 24;
    r.sampling.temperature = 1.2f;
    r.sampling.top_p = 0.95f;
    r.sampling.seed = seed;
    const size_t finals_before = t.recorder.FinalOrder().size();
    const RequestId id = t.MustSubmit(r);
    REQUIRE(t.recorder.WaitForFinals(finals_before + 1));
    return t.recorder.TokensOf(id);
  };
  const auto first = run(1234);
  CHECK(first.size() == 24);
  CHECK(run(1234) == first);
  CHECK(run(1235) != first);
  // Unseeded requests draw different seeds from the engine's generator.
  CHECK(run(std::nullopt) != run(std::nullopt));
}

TEST_CASE("Logprobs report the model's distribution for each token") {
  FakeModelOptions m;
  m.seed = 5;
  TestEngine t(m);
  Request r = GreedyRequest(kPrompt, 3);
  r.sampling.logprobs = true;
  r.sampling.top_logprobs = 2;
  const RequestId id = t.MustSubmit(r);
  REQUIRE(t.recorder.WaitForFinals(1));
  std::vector<int32_t> context = kPrompt;
  for (const auto& e : t.recorder.EventsOf(id)) {
    auto* token = std::get_if<TokenEvent>(&e.payload);
    if (!token) continue;
    const std::vector<float> logits = t.model->LogitsFor(context);
    double z = 0;
    for (float x : logits) z += std::exp(x);
    REQUIRE(token->logprob);
    CHECK(token->logprob->logprob == doctest::Approx(logits[token->token] - std::log(z)));
    REQUIRE(token->alternatives.size() == 2);
    CHECK(token->alternatives[0].token == token->token);  // greedy took the most likely
    CHECK(token->alternatives[1].logprob <= token->alternatives[0].logprob);
    context.push_back(token->token);
  }
}

TEST_CASE("Cancel mid-stream ends the request with kCancelled after the tokens so far") {
  TestEngine t(FakeModelOptions{});
  Engine* engine = t.engine.get();
  int tokens_seen = 0;
  auto cancel_at_third = [&](const StreamEvent& e) {
    if (!e.IsFinal() && ++tokens_seen == 3) CHECK(engine->Cancel(e.request_id).ok());
  };
  EventRecorder& recorder = t.recorder;
  auto record = recorder.Sink();
  auto id = engine->Submit(GreedyRequest(kPrompt, 100), [&](const StreamEvent& e) {
    record(e);
    cancel_at_third(e);
  });
  REQUIRE(id.ok());
  REQUIRE(recorder.WaitForFinals(1));
  auto final_event = recorder.FinalOf(*id);
  CHECK(final_event->reason == FinishReason::kCancelled);
  CHECK(final_event->status.ok());
  CHECK(final_event->usage.completion_tokens == 3);
  CHECK(engine->Cancel(*id).code() == base::StatusCode::kNotFound);
  CHECK(t.model->live_sequences() == 0);  // the cache was released
}

TEST_CASE("A request's cancel token ends it like Cancel") {
  auto token = std::make_shared<base::CancelToken>();
  FakeModelOptions m;
  // The model cancels the turn on its fifth forward pass, as a client disconnect would.
  int forwards = 0;
  m.on_forward = [&] {
    if (++forwards == 5) token->Cancel();
  };
  TestEngine t(m);
  Request r = GreedyRequest(kPrompt, 100);
  r.cancel = token;
  const RequestId id = t.MustSubmit(r);
  REQUIRE(t.recorder.WaitForFinals(1));
  CHECK(t.recorder.FinalOf(id)->reason == FinishReason::kCancelled);
  CHECK(t.recorder.TokensOf(id).size() == 5);
}

TEST_CASE("Deadlines end requests, timings come from the engine's clock") {
  FakeModelOptions m;
  base::FakeClock* clock = nullptr;
  m.on_forward = [&] { clock->Advance(std::chrono::milliseconds(10)); };
  TestEngine t(m);
  clock = &t.clock;
  Request r = GreedyRequest(kPrompt, 100);
  r.deadline = t.clock.Now() + std::chrono::milliseconds(55);
  const RequestId id = t.MustSubmit(r);
  REQUIRE(t.recorder.WaitForFinals(1));
  auto final_event = t.recorder.FinalOf(id);
  CHECK(final_event->reason == FinishReason::kDeadline);
  // Forwards at 10, 20, ..., 60 ms; the deadline is seen before the seventh.
  CHECK(final_event->usage.completion_tokens == 6);
  CHECK(final_event->timings.queue_ms == 0);
  CHECK(final_event->timings.time_to_first_token_ms == 10);
  CHECK(final_event->timings.total_ms == 60);
  CHECK(final_event->timings.decode_tokens_per_second == doctest::Approx(100.0));
}

TEST_CASE("A model error ends only the affected request") {
  FakeModelOptions m;
  m.nan_after_token = 9;  // the model "breaks" on contexts ending in token 9
  TestEngine t(m);
  const RequestId broken = t.MustSubmit(GreedyRequest({1, 9}, 5));
  const RequestId healthy = t.MustSubmit(GreedyRequest({1, 2}, 5));
  REQUIRE(t.recorder.WaitForFinals(2));
  auto final_event = t.recorder.FinalOf(broken);
  CHECK(final_event->reason == FinishReason::kError);
  CHECK(final_event->status.code() == base::StatusCode::kInternal);
  CHECK(final_event->status.message().find("non-finite logit") != std::string::npos);
  CHECK(t.recorder.FinalOf(healthy)->reason == FinishReason::kLength);
}

}  // namespace
}  // namespace inference
