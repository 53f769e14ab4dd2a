// The compressor's pooling gives the scalar definition's bits on every path, for the block sizes
// the model uses (8 slots for overlapping ratio-4 blocks, 128 for ratio 128) and others around
// the runs of 16, with scores that make some weights underflow and with NaN and infinities.
#include "inference/backend/cpu/compressor_pool.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

namespace inference {
namespace {

uint32_t Bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

TEST_CASE("PoolChannels equals PoolChannelsScalar bit for bit") {
  std::mt19937 rng(11);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (size_t n : {1, 4, 8, 15, 16, 17, 33, 128, 200, 256}) {
    for (float spread : {0.5f, 8.0f, 120.0f}) {  // 120: most exponentials underflow
      std::vector<float> kv(n * 16), score(n * 16);
      for (float& v : kv) v = normal(rng);
      for (float& v : score) v = normal(rng) * spread;
      if (n > 3) {
        kv[3 * 16 + 5] = std::numeric_limits<float>::infinity();
        score[2 * 16 + 9] = std::numeric_limits<float>::quiet_NaN();
        score[1 * 16 + 12] = -std::numeric_limits<float>::infinity();
      }
      std::vector<const float*> kv_rows(n), score_rows(n);
      for (size_t i = 0; i < n; ++i) {
        kv_rows[i] = &kv[i * 16];
        score_rows[i] = &score[i * 16];
      }
      float got[16], want[16];
      PoolChannels(kv_rows.data(), score_rows.data(), n, 16, got);
      PoolChannelsScalar(kv_rows.data(), score_rows.data(), n, 16, want);
      for (size_t l = 0; l < 16; ++l) {
        INFO("n = " << n << ", spread " << spread << ", lane " << l);
        REQUIRE((std::isnan(want[l]) ? std::isnan(got[l]) : Bits(got[l]) == Bits(want[l])));
      }
    }
  }
}

}  // namespace
}  // namespace inference
