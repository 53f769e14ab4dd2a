#include "inference/backend/cpu/compressor_pool_avx512.h"

// GCC 12 warns inside its own avx512fintrin.h (the "undefined" operands of its intrinsics).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <immintrin.h>

#include <cmath>

#include "inference/backend/cpu/torch_math_avx512.h"

namespace inference {

__attribute__((target("avx512f,fma"))) void PoolChannels16Avx512(const float* const* kv,
                                                                 const float* const* score,
                                                                 size_t n, float* out) {
  constexpr size_t kLanes = 16, kRun = 16;
  // max_ps(s, mx) is s > mx ? s : mx, which is std::max(mx, s) (NaN and zeros included).
  __m512 mx = _mm512_set1_ps(-INFINITY);
  for (size_t i = 0; i < n; ++i) mx = _mm512_max_ps(_mm512_loadu_ps(score[i]), mx);
  alignas(64) float e[256 * kLanes];
  for (size_t i = 0; i < n; ++i)
    _mm512_store_ps(e + i * kLanes, _mm512_sub_ps(_mm512_loadu_ps(score[i]), mx));
  TorchExpAvx512(e, n * kLanes, e);
  __m512 sum = _mm512_setzero_ps();
  for (size_t i = 0; i < n; ++i) sum = _mm512_add_ps(sum, _mm512_load_ps(e + i * kLanes));
  auto term = [&](size_t i) __attribute__((target("avx512f"), always_inline)) {
    return _mm512_mul_ps(_mm512_loadu_ps(kv[i]),
                         _mm512_div_ps(_mm512_load_ps(e + i * kLanes), sum));
  };
  __m512 total = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + kRun <= n; i += kRun) {
    __m512 run = _mm512_setzero_ps();
    for (size_t j = i; j < i + kRun; ++j) run = _mm512_add_ps(run, term(j));
    total = _mm512_add_ps(total, run);
  }
  for (; i < n; ++i) total = _mm512_add_ps(total, term(i));
  _mm512_storeu_ps(out, total);
}

}  // namespace inference
