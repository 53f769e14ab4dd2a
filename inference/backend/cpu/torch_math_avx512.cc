#include "inference/backend/cpu/torch_math_avx512.h"

// GCC 12 warns inside its own avx512fintrin.h (the "undefined" operands of its intrinsics).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <immintrin.h>

#include <cstdint>

namespace inference {
namespace {

#define FC_AVX512 __attribute__((target("avx512f,fma"))) inline

// 2^k for k in float's normal exponent range, per lane (TorchExp's Pow2i).
FC_AVX512 __m512 Pow2i(__m512i k) {
  return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(k, _mm512_set1_epi32(0x7f)), 23));
}

// TorchExp's steps on 16 lanes, in its order (each fma below is one of its std::fma calls).
FC_AVX512 __m512 Exp16(__m512 d) {
  const __m512 q_real = _mm512_mul_ps(
      d, _mm512_set1_ps(1.442695040888963407359924681001892137426645954152985934135449406931f));
  // Round to nearest even, as nearbyint in the default rounding mode.
  const __m512i q = _mm512_cvt_roundps_epi32(q_real, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  const __m512 qf = _mm512_cvtepi32_ps(q);
  __m512 s = _mm512_fmadd_ps(qf, _mm512_set1_ps(-0.693145751953125f), d);
  s = _mm512_fmadd_ps(qf, _mm512_set1_ps(-1.428606765330187045e-06f), s);
  __m512 u = _mm512_set1_ps(0.000198527617612853646278381f);
  u = _mm512_fmadd_ps(u, s, _mm512_set1_ps(0.00139304355252534151077271f));
  u = _mm512_fmadd_ps(u, s, _mm512_set1_ps(0.00833336077630519866943359f));
  u = _mm512_fmadd_ps(u, s, _mm512_set1_ps(0.0416664853692054748535156f));
  u = _mm512_fmadd_ps(u, s, _mm512_set1_ps(0.166666671633720397949219f));
  u = _mm512_fmadd_ps(u, s, _mm512_set1_ps(0.5f));
  u = _mm512_add_ps(_mm512_set1_ps(1.0f), _mm512_fmadd_ps(_mm512_mul_ps(s, s), u, s));
  const __m512i half = _mm512_srai_epi32(q, 1);
  __m512 r = _mm512_mul_ps(_mm512_mul_ps(u, Pow2i(half)), Pow2i(_mm512_sub_epi32(q, half)));
  // The scalar form's early returns, applied in reverse so the first one wins.
  r = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(d, _mm512_set1_ps(100.0f), _CMP_GT_OQ), r,
                           _mm512_set1_ps(__builtin_inff()));
  r = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(d, _mm512_set1_ps(-104.0f), _CMP_LT_OQ), r,
                           _mm512_setzero_ps());
  return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(d, d, _CMP_UNORD_Q), r, d);
}

}  // namespace

__attribute__((target("avx512f,fma"))) void TorchExpAvx512(const float* x, size_t n, float* out) {
  size_t i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(out + i, Exp16(_mm512_loadu_ps(x + i)));
  if (i < n) {
    const __mmask16 tail = static_cast<__mmask16>((1u << (n - i)) - 1);
    _mm512_mask_storeu_ps(out + i, tail, Exp16(_mm512_maskz_loadu_ps(tail, x + i)));
  }
}

}  // namespace inference
