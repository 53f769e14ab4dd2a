// The forward pass on a ThreadPool (rows, tokens and experts spread across threads) must give
// exactly the logits, hidden streams and caches of the single-threaded run: every value is still
// computed by one thread in the same order.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "inference/backend/cpu/thread_pool.h"
#include "inference/model/deepseek_v4.h"
#include "inference/model/golden_test_support.h"

namespace inference {
namespace {

bool SameBits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

TEST_CASE("a threaded prefill and decode equal the single-threaded run bit for bit") {
  ThreadPool pool(3);
  ModelOptions threaded;
  threaded.pool = &pool;
  auto serial_model = DeepSeekV4Model::Load(golden::TinyDir());
  auto threaded_model = DeepSeekV4Model::Load(golden::TinyDir(), threaded);
  REQUIRE(serial_model.ok());
  REQUIRE(threaded_model.ok());
  const size_t V = (*serial_model)->config().vocab_size;
  const unsigned seed = std::random_device{}();
  std::printf("threaded forward seed %u\n", seed);
  std::mt19937 rng(seed);
  // 37 prompt tokens cross several CSA blocks; the decode steps run with T = 1 (experts spread
  // across threads) and the prefill with T = 37 (rows and tokens spread).
  std::vector<int32_t> tokens(41);
  for (auto& t : tokens) t = static_cast<int32_t>(2 + rng() % (V - 2));
  auto serial_cache = (*serial_model)->NewCache();
  auto threaded_cache = (*threaded_model)->NewCache();
  ForwardOptions options;
  options.all_logits = true;
  options.keep_hidden = true;
  int64_t pos = 0;
  for (size_t n : {37, 1, 1, 1, 1}) {
    const std::span<const int32_t> chunk(&tokens[pos], n);
    auto a = (*serial_model)->Forward(chunk, pos, *serial_cache, options);
    auto b = (*threaded_model)->Forward(chunk, pos, *threaded_cache, options);
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    CAPTURE(pos);
    CHECK(SameBits(a->logits, b->logits));
    CHECK(SameBits(a->hidden, b->hidden));
    // The MTP block on the same streams.
    auto ma = (*serial_model)->ForwardMtp(a->hidden, chunk, pos, *serial_cache, options);
    auto mb = (*threaded_model)->ForwardMtp(b->hidden, chunk, pos, *threaded_cache, options);
    REQUIRE(ma.ok());
    REQUIRE(mb.ok());
    CHECK(SameBits(ma->logits, mb->logits));
    pos += static_cast<int64_t>(n);
  }
}

}  // namespace
}  // namespace inference
