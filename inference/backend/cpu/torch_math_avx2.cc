#include "inference/backend/cpu/torch_math_avx2.h"

#include <immintrin.h>

#include <cstdint>

namespace inference {
namespace {

#define FC_AVX2 __attribute__((target("avx2,fma"))) inline

// 2^k for k in float's normal exponent range, per lane (TorchExp's Pow2i).
FC_AVX2 __m256 Pow2i(__m256i k) {
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(k, _mm256_set1_epi32(0x7f)), 23));
}

// TorchExp's steps on 8 lanes, in its order (each fma below is one of its std::fma calls).
FC_AVX2 __m256 Exp8(__m256 d) {
  const __m256 q_real = _mm256_mul_ps(
      d, _mm256_set1_ps(1.442695040888963407359924681001892137426645954152985934135449406931f));
  // cvtps rounds in the current mode, as nearbyint does (to nearest even by default). Lanes out
  // of int range (NaN, |d| huge) give INT_MIN here and take an early-return value below.
  const __m256i q = _mm256_cvtps_epi32(q_real);
  const __m256 qf = _mm256_cvtepi32_ps(q);
  __m256 s = _mm256_fmadd_ps(qf, _mm256_set1_ps(-0.693145751953125f), d);
  s = _mm256_fmadd_ps(qf, _mm256_set1_ps(-1.428606765330187045e-06f), s);
  __m256 u = _mm256_set1_ps(0.000198527617612853646278381f);
  u = _mm256_fmadd_ps(u, s, _mm256_set1_ps(0.00139304355252534151077271f));
  u = _mm256_fmadd_ps(u, s, _mm256_set1_ps(0.00833336077630519866943359f));
  u = _mm256_fmadd_ps(u, s, _mm256_set1_ps(0.0416664853692054748535156f));
  u = _mm256_fmadd_ps(u, s, _mm256_set1_ps(0.166666671633720397949219f));
  u = _mm256_fmadd_ps(u, s, _mm256_set1_ps(0.5f));
  u = _mm256_add_ps(_mm256_set1_ps(1.0f), _mm256_fmadd_ps(_mm256_mul_ps(s, s), u, s));
  const __m256i half = _mm256_srai_epi32(q, 1);
  __m256 r = _mm256_mul_ps(_mm256_mul_ps(u, Pow2i(half)), Pow2i(_mm256_sub_epi32(q, half)));
  // The scalar form's early returns, applied in reverse so the first one wins.
  r = _mm256_blendv_ps(r, _mm256_set1_ps(__builtin_inff()),
                       _mm256_cmp_ps(d, _mm256_set1_ps(100.0f), _CMP_GT_OQ));
  r = _mm256_blendv_ps(r, _mm256_setzero_ps(),
                       _mm256_cmp_ps(d, _mm256_set1_ps(-104.0f), _CMP_LT_OQ));
  return _mm256_blendv_ps(r, d, _mm256_cmp_ps(d, d, _CMP_UNORD_Q));
}

}  // namespace

__attribute__((target("avx2,fma"))) void TorchExpAvx2(const float* x, size_t n, float* out) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(out + i, Exp8(_mm256_loadu_ps(x + i)));
  if (i < n) {
    // Lanes below the count are all ones; a masked load reads zeros elsewhere and never faults.
    const __m256i tail = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n - i)),
                                            _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    _mm256_maskstore_ps(out + i, tail, Exp8(_mm256_maskload_ps(x + i, tail)));
  }
}

}  // namespace inference
