// Prefill and decode share one code path, so running a text token by token, in uneven chunks,
// or as one prefill must give the same logits at every position. The text crosses every CSA
// block boundary (every 4 tokens), the first HCA boundary (128) and wraps the window ring.
#include <doctest/doctest.h>

#include <cstdio>
#include <random>

#include "inference/model/deepseek_v4.h"
#include "inference/model/golden_test_support.h"

namespace inference {

TEST_CASE("token-by-token decode and chunked prefill equal a fresh prefill") {
  auto loaded = DeepSeekV4Model::Load(golden::TinyDir());
  REQUIRE(loaded.ok());
  const DeepSeekV4Model& model = **loaded;
  const size_t V = model.config().vocab_size;
  const unsigned seed = std::random_device{}();
  std::printf("decode consistency seed %u\n", seed);
  std::mt19937 rng(seed);
  const size_t N = 140;
  std::vector<int32_t> tokens(N);
  for (auto& t : tokens) t = static_cast<int32_t>(2 + rng() % (V - 2));

  ForwardOptions all;
  all.all_logits = true;
  auto fresh_cache = model.NewCache();
  auto fresh = model.Forward(tokens, 0, *fresh_cache, all);
  REQUIRE(fresh.ok());

  // Token by token.
  auto step_cache = model.NewCache();
  double worst = 0;
  for (size_t p = 0; p < N; ++p) {
    auto out = model.Forward(std::span(&tokens[p], 1), static_cast<int64_t>(p), *step_cache);
    REQUIRE(out.ok());
    const golden::Diff d = golden::Compare(out->logits.data(), &fresh->logits[p * V], V);
    worst = std::max(worst, d.max_abs);
    CHECK_MESSAGE(d.max_abs <= 1e-5, "position " << p);
  }
  std::printf("token-by-token vs prefill: worst max|diff| %.3g\n", worst);

  // Uneven chunks, starting mid-block and ending mid-block.
  auto chunk_cache = model.NewCache();
  size_t pos = 0;
  for (size_t chunk : {3, 1, 9, 50, 66, 11}) {
    auto out = model.Forward(std::span(&tokens[pos], chunk), static_cast<int64_t>(pos), *chunk_cache, all);
    REQUIRE(out.ok());
    const golden::Diff d = golden::Compare(out->logits.data(), &fresh->logits[pos * V], chunk * V);
    CHECK_MESSAGE(d.max_abs <= 1e-5, "chunk at " << pos);
    pos += chunk;
  }
  CHECK(pos == N);
  CHECK(chunk_cache->length() == static_cast<int64_t>(N));
}

TEST_CASE("forward rejects bad input with a status") {
  auto loaded = DeepSeekV4Model::Load(golden::TinyDir());
  REQUIRE(loaded.ok());
  auto cache = (*loaded)->NewCache();
  const std::vector<int32_t> bad = {5, 1024};
  auto out = (*loaded)->Forward(bad, 0, *cache);
  CHECK(out.status().code() == base::StatusCode::kInvalidArgument);
  const std::vector<int32_t> good = {5, 6};
  CHECK((*loaded)->Forward(good, 3, *cache).status().code() == base::StatusCode::kFailedPrecondition);
  CHECK((*loaded)->Forward({}, 0, *cache).status().code() == base::StatusCode::kInvalidArgument);
  CHECK(cache->length() == 0);
}

}  // namespace inference
