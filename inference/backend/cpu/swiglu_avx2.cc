#include "inference/backend/cpu/swiglu_avx2.h"

#include <immintrin.h>

#include <algorithm>

#include "inference/backend/cpu/avx2_formats.h"
#include "inference/backend/cpu/number_formats.h"
#include "inference/backend/cpu/torch_math_avx2.h"

namespace inference {

__attribute__((target("avx2,fma"))) void SwiGluRowAvx2(float limit, float route_weight,
                                                       bool weighted, size_t inter, float* g,
                                                       float* u, float* scratch) {
  constexpr size_t kLanes = 8;
  const __m256 hi = _mm256_set1_ps(limit), lo = _mm256_set1_ps(-limit);
  const __m256 sign = _mm256_set1_ps(-0.0f);
  size_t i = 0;
  for (; i + kLanes <= inter; i += kLanes) {
    __m256 gv = _mm256_loadu_ps(g + i);
    if (limit > 0) {
      // std::clamp(v, lo, hi) is v < lo ? lo : (hi < v ? hi : v): min_ps(hi, v) is hi < v ? hi
      // : v and max_ps(lo, t) is lo > t ? lo : t, NaN kept (the second operand). std::min(g, L)
      // is L < g ? L : g, which is min_ps(L, g).
      const __m256 uv = _mm256_loadu_ps(u + i);
      _mm256_storeu_ps(u + i, _mm256_max_ps(lo, _mm256_min_ps(hi, uv)));
      gv = _mm256_min_ps(hi, gv);
      _mm256_storeu_ps(g + i, gv);
    }
    // -g flips the sign bit only (NaN and zeros included), as the xor does.
    _mm256_storeu_ps(scratch + i, _mm256_xor_ps(gv, sign));
  }
  for (; i < inter; ++i) {
    if (limit > 0) {
      u[i] = std::clamp(u[i], -limit, limit);
      g[i] = std::min(g[i], limit);
    }
    scratch[i] = -g[i];
  }
  TorchExpAvx2(scratch, inter, scratch);
  const __m256 one = _mm256_set1_ps(1.0f), weight = _mm256_set1_ps(route_weight);
  for (i = 0; i + kLanes <= inter; i += kLanes) {
    __m256 a = _mm256_mul_ps(
        _mm256_div_ps(_mm256_loadu_ps(g + i), _mm256_add_ps(one, _mm256_loadu_ps(scratch + i))),
        _mm256_loadu_ps(u + i));
    if (weighted) a = _mm256_mul_ps(weight, a);
    _mm256_storeu_ps(g + i, RoundToBf16x8(a));
  }
  for (; i < inter; ++i) {
    float a = g[i] / (1.0f + scratch[i]) * u[i];
    if (weighted) a = route_weight * a;
    g[i] = RoundToBf16(a);
  }
}

}  // namespace inference
