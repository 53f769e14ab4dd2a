#include "inference/backend/cpu/swiglu_avx512.h"

// GCC 12 warns inside its own avx512fintrin.h (the "undefined" operands of its intrinsics).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <immintrin.h>

#include <algorithm>

#include "inference/backend/cpu/avx512_formats.h"
#include "inference/backend/cpu/number_formats.h"
#include "inference/backend/cpu/torch_math_avx512.h"

namespace inference {

__attribute__((target("avx512f,fma"))) void SwiGluRowAvx512(float limit, float route_weight,
                                                            bool weighted, size_t inter, float* g,
                                                            float* u, float* scratch) {
  const __m512 hi = _mm512_set1_ps(limit), lo = _mm512_set1_ps(-limit);
  const __m512i sign = _mm512_set1_epi32(static_cast<int>(0x80000000u));
  size_t i = 0;
  for (; i + 16 <= inter; i += 16) {
    __m512 gv = _mm512_loadu_ps(g + i);
    if (limit > 0) {
      // std::clamp(v, lo, hi) is v < lo ? lo : (hi < v ? hi : v): min_ps(hi, v) is hi < v ? hi
      // : v and max_ps(lo, t) is lo > t ? lo : t, NaN kept (the second operand). std::min(g, L)
      // is L < g ? L : g, which is min_ps(L, g).
      const __m512 uv = _mm512_loadu_ps(u + i);
      _mm512_storeu_ps(u + i, _mm512_max_ps(lo, _mm512_min_ps(hi, uv)));
      gv = _mm512_min_ps(hi, gv);
      _mm512_storeu_ps(g + i, gv);
    }
    _mm512_storeu_ps(scratch + i,
                     _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(gv), sign)));
  }
  for (; i < inter; ++i) {
    if (limit > 0) {
      u[i] = std::clamp(u[i], -limit, limit);
      g[i] = std::min(g[i], limit);
    }
    scratch[i] = -g[i];
  }
  TorchExpAvx512(scratch, inter, scratch);
  const __m512 one = _mm512_set1_ps(1.0f), weight = _mm512_set1_ps(route_weight);
  for (i = 0; i + 16 <= inter; i += 16) {
    __m512 a = _mm512_mul_ps(
        _mm512_div_ps(_mm512_loadu_ps(g + i), _mm512_add_ps(one, _mm512_loadu_ps(scratch + i))),
        _mm512_loadu_ps(u + i));
    if (weighted) a = _mm512_mul_ps(weight, a);
    _mm512_storeu_ps(g + i, RoundToBf16x16(a));
  }
  for (; i < inter; ++i) {
    float a = g[i] / (1.0f + scratch[i]) * u[i];
    if (weighted) a = route_weight * a;
    g[i] = RoundToBf16(a);
  }
}

}  // namespace inference
