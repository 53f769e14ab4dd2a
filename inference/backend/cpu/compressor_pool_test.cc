// The compressor's pooling gives the scalar definition's bits on every path, for the block sizes
// the model uses (8 slots for overlapping ratio-4 blocks, 128 for ratio 128) and others around
// the runs of 16, with scores that make some weights underflow, with NaN and infinities, a
// channel whose scores are all -inf (0 / 0), and subnormal and signed-zero kv values.
#include "inference/backend/cpu/compressor_pool.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "inference/backend/cpu/compressor_pool_avx2.h"

namespace inference {
namespace {

using Pool16Fn = void (*)(const float* const*, const float* const*, size_t, float*);

uint32_t Bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

// Runs `pool` and PoolChannelsScalar on 16 channels of the same slots and compares them bit for
// bit (any NaN matching any NaN: of two NaN operands x86 keeps the first one's payload, and the
// compiler may swap the operands of a scalar add).
void CheckAgainstScalar(Pool16Fn pool) {
  const unsigned seed = 11;
  MESSAGE("seed " << seed);
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  const float inf = std::numeric_limits<float>::infinity();
  for (size_t n : {1, 4, 8, 15, 16, 17, 33, 128, 200, 256}) {
    for (float spread : {0.5f, 8.0f, 120.0f}) {  // 120: most exponentials underflow
      std::vector<float> kv(n * 16), score(n * 16);
      for (float& v : kv) v = normal(rng);
      for (float& v : score) v = normal(rng) * spread;
      for (size_t i = 0; i < n; ++i) score[i * 16 + 14] = -inf;  // channel 14: no finite score
      kv[(n - 1) * 16 + 6] = 1e-42f;
      kv[0 * 16 + 7] = -0.0f;
      if (n > 3) {
        kv[3 * 16 + 5] = inf;
        score[2 * 16 + 9] = std::numeric_limits<float>::quiet_NaN();
        score[1 * 16 + 12] = -inf;
        score[3 * 16 + 10] = inf;
        kv[2 * 16 + 11] = std::numeric_limits<float>::denorm_min();
      }
      std::vector<const float*> kv_rows(n), score_rows(n);
      for (size_t i = 0; i < n; ++i) {
        kv_rows[i] = &kv[i * 16];
        score_rows[i] = &score[i * 16];
      }
      float got[16], want[16];
      pool(kv_rows.data(), score_rows.data(), n, got);
      PoolChannelsScalar(kv_rows.data(), score_rows.data(), n, 16, want);
      for (size_t l = 0; l < 16; ++l) {
        INFO("n = " << n << ", spread " << spread << ", lane " << l);
        REQUIRE((std::isnan(want[l]) ? std::isnan(got[l]) : Bits(got[l]) == Bits(want[l])));
      }
    }
  }
}

TEST_CASE("PoolChannels equals PoolChannelsScalar bit for bit") {
  CheckAgainstScalar([](const float* const* kv, const float* const* score, size_t n, float* out) {
    PoolChannels(kv, score, n, 16, out);
  });
}

TEST_CASE("PoolChannels16Avx2 equals PoolChannelsScalar bit for bit") {
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) {
    MESSAGE("skipped: needs AVX2 and FMA");
    return;
  }
  CheckAgainstScalar(PoolChannels16Avx2);
}

}  // namespace
}  // namespace inference
