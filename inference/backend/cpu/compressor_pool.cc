#include "inference/backend/cpu/compressor_pool.h"

#include <algorithm>
#include <cmath>

#include "inference/backend/cpu/compressor_pool_avx2.h"
#include "inference/backend/cpu/compressor_pool_avx512.h"
#include "inference/backend/cpu/cpu_simd.h"
#include "inference/backend/cpu/torch_math.h"

namespace inference {

void PoolChannels(const float* const* kv, const float* const* score, size_t n, size_t lanes,
                  float* out) {
  if (lanes == 16 && CpuSimd() == Simd::kAvx512) return PoolChannels16Avx512(kv, score, n, out);
  if (lanes == 16 && CpuSimd() == Simd::kAvx2 && __builtin_cpu_supports("fma"))
    return PoolChannels16Avx2(kv, score, n, out);
  PoolChannelsScalar(kv, score, n, lanes, out);
}

void PoolChannelsScalar(const float* const* kv, const float* const* score, size_t n, size_t lanes,
                        float* out) {
  for (size_t l = 0; l < lanes; ++l) {
    float mx = -INFINITY;
    for (size_t i = 0; i < n; ++i) mx = std::max(mx, score[i][l]);
    float e[256];
    float sum = 0.0f;
    for (size_t i = 0; i < n; ++i) e[i] = score[i][l] - mx;
    TorchExpMany(e, n, e);
    for (size_t i = 0; i < n; ++i) sum += e[i];
    constexpr size_t kRun = 16;
    float total = 0.0f, run = 0.0f;
    size_t i = 0;
    for (; i + kRun <= n; i += kRun) {
      run = 0.0f;
      for (size_t j = i; j < i + kRun; ++j) run += kv[j][l] * (e[j] / sum);
      total += run;
    }
    for (; i < n; ++i) total += kv[i][l] * (e[i] / sum);
    out[l] = total;
  }
}

}  // namespace inference
