// A decode step's key scoring spread across a pool selects exactly what one thread selects:
// every key's score is the same sequential sums whichever thread computes it.
#include "inference/model/indexer.h"

#include <doctest/doctest.h>

#include <random>
#include <vector>

#include "inference/backend/cpu/number_formats.h"
#include "inference/backend/cpu/thread_pool.h"
#include "inference/model/model_config.h"
#include "inference/model/model_presets.h"
#include "inference/model/rope.h"

namespace inference {
namespace {

TEST_CASE("IndexerSelect over many keys gives the same selection with and without a pool") {
  auto config = ParseModelConfig(*ModelPresetConfigJson("tiny"));
  REQUIRE(config.ok());
  const ModelConfig& c = *config;
  const Rope rope(c, true);
  const size_t H = static_cast<size_t>(c.index_n_heads), D = static_cast<size_t>(c.index_head_dim);
  std::mt19937 rng(31);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  // 1500 visible keys (position 5999): several chunks of the pool's loop, and a tail.
  const int64_t pos = 5999;
  const size_t n_keys = static_cast<size_t>((pos + 1) / 4);
  std::vector<float> keys(n_keys * D);
  for (float& v : keys) v = RoundToBf16(normal(rng));
  IndexerProjections projections;
  projections.q.resize(H * D);
  projections.head_weights.resize(H);
  for (float& v : projections.q) v = RoundToBf16(normal(rng));
  for (float& v : projections.head_weights) v = RoundToBf16(normal(rng));

  IndexerProjections serial_projections = projections, pooled_projections = projections;
  std::vector<std::vector<int32_t>> serial, pooled;
  IndexerSelect(c, rope, serial_projections, 1, pos, keys, false, serial, nullptr);
  ThreadPool pool(3);
  IndexerSelect(c, rope, pooled_projections, 1, pos, keys, false, pooled, &pool);
  REQUIRE(serial.size() == 1);
  CHECK(serial[0].size() == static_cast<size_t>(c.index_topk));
  CHECK(pooled == serial);
}

}  // namespace
}  // namespace inference
