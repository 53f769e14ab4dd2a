// LocalEngine behaviour across requests: priority order, preemption (with and without eviction),
// cache memory pressure, many threads submitting and cancelling, and shutdown in flight.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdio>
#include <map>
#include <random>
#include <thread>
#include <vector>

#include "inference/local_engine.h"
#include "inference/local_engine_test_util.h"

namespace inference {
namespace {

using namespace inference::testing;  // NOLINT: test helpers

Request SampledRequest(std::vector<int32_t> prompt, int32_t max_tokens, Priority priority,
                       uint64_t seed) {
  Request r;
  r.prompt = std::move(prompt);
  r.max_tokens = max_tokens;
  r.priority = priority;
  r.sampling.temperature = 0.9f;
  r.sampling.seed = seed;
  return r;
}

// Index of the first event of `id` after position `from` in `events` (or events.size()).
size_t IndexOfLastEvent(const std::vector<StreamEvent>& events, RequestId id) {
  size_t last = events.size();
  for (size_t i = 0; i < events.size(); ++i) {
    if (events[i].request_id == id) last = i;
  }
  return last;
}

TEST_CASE("Higher priorities are served first and preempt lower ones between steps") {
  Gate gate;
  FakeModelOptions m;
  m.on_forward = [&] { gate.Pass(); };
  TestEngine t(m, {.max_step_sequences = 1, .max_resident_sequences = 8});

  gate.Close();
  const RequestId batch1 = t.MustSubmit(SampledRequest({1, 2}, 6, Priority::kBatch, 1));
  REQUIRE(gate.WaitUntilHeld());  // the engine is inside batch1's first forward pass
  const RequestId batch2 = t.MustSubmit(SampledRequest({3, 4}, 6, Priority::kBatch, 2));
  const RequestId agent = t.MustSubmit(SampledRequest({5, 6}, 6, Priority::kAgent, 3));
  const RequestId interactive = t.MustSubmit(SampledRequest({7, 8}, 6, Priority::kInteractive, 4));
  CHECK(t.engine->Stats().in_flight == 4);  // nothing can finish while the gate holds
  gate.Open();
  REQUIRE(t.recorder.WaitForFinals(4));

  CHECK(t.recorder.FinalOrder() == std::vector<RequestId>{interactive, agent, batch1, batch2});
  CHECK(t.engine->Stats() == EngineStats{.in_flight = 0,
                                         .finished = 4,
                                         .prompt_tokens = 4 * 2,
                                         .completion_tokens = 4 * 6,
                                         .preemptions = 1});
  // batch1 had produced its first token when it was preempted; it finished afterwards.
  const auto events = t.recorder.All();
  CHECK(events.front().request_id == batch1);
  CHECK(IndexOfLastEvent(events, interactive) < IndexOfLastEvent(events, agent));
  auto batch1_final = t.recorder.FinalOf(batch1);
  CHECK(batch1_final->usage.preemptions == 1);
  CHECK(batch1_final->usage.recomputed_tokens == 0);          // it kept its cache
  CHECK(t.recorder.FinalOf(batch2)->usage.preemptions == 0);  // it never ran before
  CHECK(t.recorder.FinalOf(batch1)->timings.queue_ms == 0);
}

TEST_CASE("A preempted request whose cache was evicted continues exactly where it was") {
  // Reference: the batch request alone.
  const Request batch_request = SampledRequest({1, 2, 3, 4, 5}, 12, Priority::kBatch, 77);
  std::vector<int32_t> alone;
  {
    TestEngine t(FakeModelOptions{});
    const RequestId id = t.MustSubmit(batch_request);
    REQUIRE(t.recorder.WaitForFinals(1));
    alone = t.recorder.TokensOf(id);
  }
  Gate gate;
  FakeModelOptions m;
  std::atomic<int> forwards{0};
  m.on_forward = [&] {
    if (++forwards == 4) gate.Pass();  // hold the batch request after three tokens
  };
  TestEngine t(m, {.max_step_sequences = 1, .max_resident_sequences = 1});
  gate.Close();
  const RequestId batch = t.MustSubmit(batch_request);
  REQUIRE(gate.WaitUntilHeld());
  const RequestId interactive = t.MustSubmit(SampledRequest({9, 9}, 5, Priority::kInteractive, 5));
  gate.Open();
  REQUIRE(t.recorder.WaitForFinals(2));

  CHECK(t.recorder.FinalOrder() == std::vector<RequestId>{interactive, batch});
  CHECK(t.recorder.TokensOf(batch) == alone);  // same tokens: cache rebuilt, RNG kept
  auto final_event = t.recorder.FinalOf(batch);
  CHECK(final_event->usage.preemptions == 1);
  // Evicted after 4 forwards: the 5 prompt tokens and 3 outputs fed so far.
  CHECK(final_event->usage.recomputed_tokens == 5 + 3);
  CHECK(t.model->live_sequences() == 0);
}

TEST_CASE("When the model is out of cache memory, higher priority evicts lower") {
  Gate gate;
  FakeModelOptions m;
  m.max_sequences = 1;
  m.on_forward = [&] { gate.Pass(); };
  // Both step each time, but only one cache fits.
  TestEngine t(m, {.max_step_sequences = 2, .max_resident_sequences = 2});
  gate.Close();
  const RequestId agent = t.MustSubmit(SampledRequest({1, 2}, 4, Priority::kAgent, 1));
  REQUIRE(gate.WaitUntilHeld());
  const RequestId batch = t.MustSubmit(SampledRequest({3, 4}, 4, Priority::kBatch, 2));
  const RequestId interactive = t.MustSubmit(SampledRequest({5, 6}, 4, Priority::kInteractive, 3));
  gate.Open();
  REQUIRE(t.recorder.WaitForFinals(3));
  CHECK(t.recorder.FinalOrder() == std::vector<RequestId>{interactive, agent, batch});
  for (RequestId id : {agent, batch, interactive}) {
    CHECK(t.recorder.FinalOf(id)->reason == FinishReason::kLength);
  }
  CHECK(t.recorder.FinalOf(agent)->usage.recomputed_tokens > 0);
  CHECK(t.model->live_sequences() == 0);
}

TEST_CASE("Sequences past their prompts decode together in one batch") {
  Gate gate;
  FakeModelOptions m;
  m.on_forward = [&] { gate.Pass(); };
  TestEngine t(m, {.max_step_sequences = 4});
  const std::vector<std::vector<int32_t>> prompts = {{1, 2, 3}, {4, 5}, {6}};
  gate.Close();  // hold the first request's prefill until all three are queued
  std::vector<RequestId> ids;
  for (const auto& prompt : prompts) {
    ids.push_back(t.MustSubmit(GreedyRequest(prompt, 30)));
    if (ids.size() == 1) REQUIRE(gate.WaitUntilHeld());
  }
  gate.Open();
  REQUIRE(t.recorder.WaitForFinals(3));
  CHECK(t.model->largest_decode_batch() == 3);
  for (size_t i = 0; i < ids.size(); ++i) {
    CHECK(t.recorder.TokensOf(ids[i]) == ReferenceGreedy(*t.model, prompts[i], 30));
  }
}

TEST_CASE("Many threads submitting and cancelling: every request ends exactly once") {
  const uint64_t seed = std::random_device{}();
  std::printf("engine concurrency seed: %llu\n", static_cast<unsigned long long>(seed));
  CAPTURE(seed);
  TestEngine t(FakeModelOptions{},
               {.max_step_sequences = 3, .max_resident_sequences = 5, .prefill_chunk_tokens = 4});
  constexpr int kThreads = 6;
  constexpr int kPerThread = 25;
  std::mutex mu;
  std::map<RequestId, Request> submitted;
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      std::mt19937_64 rng(seed + i);
      for (int k = 0; k < kPerThread; ++k) {
        std::vector<int32_t> prompt(1 + rng() % 10);
        for (auto& token : prompt) token = static_cast<int32_t>(rng() % kVocab);
        Request r = GreedyRequest(prompt, 1 + static_cast<int32_t>(rng() % 12));
        r.priority = static_cast<Priority>(rng() % 3);
        auto id = t.engine->Submit(r, t.recorder.Sink());
        if (!id.ok()) continue;  // REQUIRE is not thread-safe in doctest 2.4
        {
          std::lock_guard<std::mutex> lock(mu);
          submitted.emplace(*id, r);
        }
        if (rng() % 3 == 0) {
          if (rng() % 2) std::this_thread::yield();
          base::Status s = t.engine->Cancel(*id);
          (void)s;  // NotFound when it already finished: both are fine
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  REQUIRE(submitted.size() == kThreads * kPerThread);
  REQUIRE(t.recorder.WaitForFinals(submitted.size()));

  int cancelled = 0;
  for (const auto& [id, request] : submitted) {
    const auto events = t.recorder.EventsOf(id);
    REQUIRE(!events.empty());
    CHECK(events.back().IsFinal());
    CHECK(std::count_if(events.begin(), events.end(), [](auto& e) { return e.IsFinal(); }) == 1);
    const FinalEvent final_event = *t.recorder.FinalOf(id);
    const auto tokens = t.recorder.TokensOf(id);
    // Whatever was produced is the greedy continuation, however the requests interleaved.
    CHECK(tokens == ReferenceGreedy(*t.model, request.prompt, static_cast<int>(tokens.size())));
    if (final_event.reason == FinishReason::kCancelled) {
      ++cancelled;
    } else {
      CHECK(final_event.reason == FinishReason::kLength);
      CHECK(static_cast<int32_t>(tokens.size()) == request.max_tokens);
    }
  }
  std::printf("engine concurrency: %zu requests, %d cancelled\n", submitted.size(), cancelled);
  CHECK(t.model->live_sequences() == 0);
}

TEST_CASE("Destroying the engine with requests in flight ends each with a final event") {
  EventRecorder recorder;
  std::vector<RequestId> ids;
  base::FakeClock clock;
  FakeTextCodec codec(Pieces());
  Gate gate;
  {
    FakeModelOptions m;
    m.vocab_size = kVocab;
    m.context_length = int64_t{1} << 40;  // nothing can finish on its own
    m.on_forward = [&] { gate.Pass(); };
    LocalEngine engine(std::make_unique<FakeModelRunner>(m), codec, clock,
                       {.max_step_sequences = 2});
    gate.Close();
    for (int i = 0; i < 6; ++i) {
      auto id = engine.Submit(GreedyRequest({1, 2, 3}, 0), recorder.Sink());
      REQUIRE(id.ok());
      ids.push_back(*id);
    }
    REQUIRE(gate.WaitUntilHeld());
    gate.Open();  // let it run; the destructor interrupts it between steps
  }
  REQUIRE(recorder.FinalOrder().size() == ids.size());
  for (RequestId id : ids) {
    auto final_event = recorder.FinalOf(id);
    REQUIRE(final_event);
    CHECK(final_event->reason == FinishReason::kCancelled);
    CHECK(final_event->status.code() == base::StatusCode::kCancelled);
  }
}

}  // namespace
}  // namespace inference
