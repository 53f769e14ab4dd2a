#include "inference/backend/cpu/compressor_pool_avx2.h"

#include <immintrin.h>

#include <cmath>

#include "inference/backend/cpu/torch_math_avx2.h"

namespace inference {

__attribute__((target("avx2,fma"))) void PoolChannels16Avx2(const float* const* kv,
                                                            const float* const* score, size_t n,
                                                            float* out) {
  // Channels h * 8 .. h * 8 + 7 live in half h; the halves never mix, so each is the AVX-512
  // form's vector cut in two.
  constexpr size_t kLanes = 8, kHalves = 2, kChannels = kLanes * kHalves, kRun = 16;
  // max_ps(s, mx) is s > mx ? s : mx, which is std::max(mx, s) (NaN and zeros included).
  __m256 mx[kHalves] = {_mm256_set1_ps(-INFINITY), _mm256_set1_ps(-INFINITY)};
  for (size_t i = 0; i < n; ++i) {
    for (size_t h = 0; h < kHalves; ++h)
      mx[h] = _mm256_max_ps(_mm256_loadu_ps(score[i] + h * kLanes), mx[h]);
  }
  alignas(32) float e[256 * kChannels];
  for (size_t i = 0; i < n; ++i) {
    for (size_t h = 0; h < kHalves; ++h) {
      _mm256_store_ps(e + i * kChannels + h * kLanes,
                      _mm256_sub_ps(_mm256_loadu_ps(score[i] + h * kLanes), mx[h]));
    }
  }
  // GCC cannot see that the stores above fill e[0 .. n * kChannels), the part read here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
  TorchExpAvx2(e, n * kChannels, e);
#pragma GCC diagnostic pop
  __m256 sum[kHalves] = {_mm256_setzero_ps(), _mm256_setzero_ps()};
  for (size_t i = 0; i < n; ++i) {
    for (size_t h = 0; h < kHalves; ++h)
      sum[h] = _mm256_add_ps(sum[h], _mm256_load_ps(e + i * kChannels + h * kLanes));
  }
  auto term = [&](size_t i, size_t h) __attribute__((target("avx2"), always_inline)) {
    __m256 product =
        _mm256_mul_ps(_mm256_loadu_ps(kv[i] + h * kLanes),
                      _mm256_div_ps(_mm256_load_ps(e + i * kChannels + h * kLanes), sum[h]));
    asm("" : "+x"(product));  // rounded here, as the scalar product is, not fused into the add
    return product;
  };
  __m256 total[kHalves] = {_mm256_setzero_ps(), _mm256_setzero_ps()};
  size_t i = 0;
  for (; i + kRun <= n; i += kRun) {
    __m256 run[kHalves] = {_mm256_setzero_ps(), _mm256_setzero_ps()};
    for (size_t j = i; j < i + kRun; ++j) {
      for (size_t h = 0; h < kHalves; ++h) run[h] = _mm256_add_ps(run[h], term(j, h));
    }
    for (size_t h = 0; h < kHalves; ++h) total[h] = _mm256_add_ps(total[h], run[h]);
  }
  for (; i < n; ++i) {
    for (size_t h = 0; h < kHalves; ++h) total[h] = _mm256_add_ps(total[h], term(i, h));
  }
  for (size_t h = 0; h < kHalves; ++h) _mm256_storeu_ps(out + h * kLanes, total[h]);
}

}  // namespace inference
