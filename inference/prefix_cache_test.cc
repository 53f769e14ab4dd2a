#include "inference/prefix_cache.h"

#include <doctest/doctest.h>

#include "inference/local_engine_test_util.h"

namespace inference {
namespace {

using testing::GreedyRequest;
using testing::ReferenceGreedy;
using testing::TestEngine;

std::unique_ptr<SequenceState> NewState(FakeModelRunner& model) {
  auto state = model.NewSequence();
  REQUIRE(state.ok());
  return std::move(state).value();
}

TEST_CASE("prefix cache: the longest strict prefix wins, the least recently used entry goes") {
  FakeModelRunner model({});
  PrefixCache cache(2);
  cache.Insert(std::vector<int32_t>{1, 2, 3}, NewState(model));
  cache.Insert(std::vector<int32_t>{1, 2, 3, 4, 5}, NewState(model));
  PrefixCache::Lookup longest = cache.Find(std::vector<int32_t>{1, 2, 3, 4, 5, 6});
  CHECK(longest.state != nullptr);
  CHECK(longest.length == 5);
  CHECK(longest.shared == 5);
  // A whole entry is no match: at least one token must be left to feed.
  PrefixCache::Lookup strict = cache.Find(std::vector<int32_t>{1, 2, 3, 4, 5});
  CHECK(strict.length == 3);
  CHECK(strict.shared == 5);
  PrefixCache::Lookup miss = cache.Find(std::vector<int32_t>{1, 2, 9, 9});
  CHECK(miss.state == nullptr);
  CHECK(miss.shared == 2);
  // {1,2,3} was used last, so a third entry pushes out {1,2,3,4,5}.
  cache.Insert(std::vector<int32_t>{7}, NewState(model));
  CHECK(cache.size() == 2);
  CHECK(cache.Contains(std::vector<int32_t>{1, 2, 3}));
  CHECK_FALSE(cache.Contains(std::vector<int32_t>{1, 2, 3, 4, 5}));
  CHECK(model.live_sequences() == 2);
  cache.Clear();
  CHECK(model.live_sequences() == 0);
}

std::vector<int32_t> Tokens(size_t n, int32_t salt) {
  std::vector<int32_t> out;
  for (size_t i = 0; i < n; ++i) out.push_back(static_cast<int32_t>((i * 7 + salt) % 60));
  return out;
}

TEST_CASE("engine: prompts continue from cached prefixes and give the same tokens as a full run") {
  FakeModelOptions m;
  m.seed = 5;
  m.copyable = true;
  TestEngine t(m, {.prefill_chunk_tokens = 64});
  size_t finals = 0;
  // Runs `prompt` greedily and returns how many tokens the model was fed for it.
  auto run = [&](const std::vector<int32_t>& prompt) {
    const int64_t before = t.model->tokens_fed();
    const RequestId id = t.MustSubmit(GreedyRequest(prompt, 5));
    REQUIRE(t.recorder.WaitForFinals(++finals));
    CHECK(t.recorder.TokensOf(id) == ReferenceGreedy(*t.model, prompt, 5));
    return t.model->tokens_fed() - before;
  };
  const std::vector<int32_t> system = Tokens(300, 1);
  auto with = [&](const std::vector<int32_t>& tail) {
    std::vector<int32_t> p = system;
    p.insert(p.end(), tail.begin(), tail.end());
    return p;
  };
  // The first prompt is fed whole (then 4 decode steps); the next call of the same "turn"
  // extends it and feeds only what is new.
  const std::vector<int32_t> first = with(Tokens(40, 2));
  CHECK(run(first) == 340 + 4);
  std::vector<int32_t> extended = first;
  extended.insert(extended.end(), {3, 4, 5});
  CHECK(run(extended) == 3 + 4);
  // Another conversation over the same system prompt: fed whole once, and the shared part
  // becomes an entry, which the third conversation starts from.
  CHECK(run(with(Tokens(50, 3))) == 350 + 4);
  CHECK(run(with(Tokens(20, 4))) == 20 + 4);
  // A prompt too different to share enough is fed whole.
  CHECK(run(Tokens(100, 9)) == 100 + 4);
}

TEST_CASE("engine: a completion's whole prompt is not cached, an agent call's is") {
  FakeModelOptions m;
  m.seed = 5;
  m.copyable = true;
  TestEngine t(m, {.prefill_chunk_tokens = 64});
  size_t finals = 0;
  auto fed_for = [&](const std::vector<int32_t>& prompt, Priority priority) {
    const int64_t before = t.model->tokens_fed();
    Request r = GreedyRequest(prompt, 1);
    r.priority = priority;
    t.MustSubmit(std::move(r));
    REQUIRE(t.recorder.WaitForFinals(++finals));
    return t.model->tokens_fed() - before;
  };
  const std::vector<int32_t> prompt = Tokens(200, 1);
  std::vector<int32_t> longer = prompt;
  longer.push_back(7);
  CHECK(fed_for(prompt, Priority::kInteractive) == 200);
  CHECK(fed_for(longer, Priority::kInteractive) == 201);  // nothing was kept to continue from
  CHECK(fed_for(prompt, Priority::kAgent) == 200);
  CHECK(fed_for(longer, Priority::kAgent) == 1);
}

TEST_CASE("engine: no prefix cache with a model that cannot copy, or when turned off") {
  FakeModelOptions m;
  m.seed = 5;
  for (bool copyable : {false, true}) {
    CAPTURE(copyable);
    m.copyable = copyable;
    TestEngine t(m, {.prefix_cache_entries = copyable ? 0 : 4});
    const std::vector<int32_t> prompt = Tokens(200, 1);
    for (size_t i = 1; i <= 2; ++i) {
      t.MustSubmit(GreedyRequest(prompt, 2));
      REQUIRE(t.recorder.WaitForFinals(i));
    }
    CHECK(t.model->tokens_fed() == 2 * (200 + 1));
    CHECK(t.model->live_sequences() == 0);
  }
}

}  // namespace
}  // namespace inference
