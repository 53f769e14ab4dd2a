#include "inference/backend/cpu/quantize_avx512.h"

// GCC 12 warns inside its own avx512fintrin.h (the "undefined" operands of the reductions).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <immintrin.h>

#include "inference/backend/cpu/number_formats.h"

namespace inference {

__attribute__((target("avx512f"))) void QuantizeDequantizeFp8BlockAvx512(const float* x, size_t n,
                                                                         float* out) {
  // amax as std::max(amax, |x|) leaves it: a NaN never wins (vmaxps returns its second operand
  // when either is NaN).
  __m512 amax = _mm512_setzero_ps();
  for (size_t i = 0; i < n; i += 16)
    amax = _mm512_max_ps(_mm512_abs_ps(_mm512_loadu_ps(x + i)), amax);
  float block_amax = _mm512_reduce_max_ps(amax);
  if (block_amax < 1e-4f) block_amax = 1e-4f;
  const float scale = Pow2Ceil(block_amax * (1.0f / 448.0f));

  const __m512 s = _mm512_set1_ps(scale);
  const __m512 lo = _mm512_set1_ps(-448.0f), hi = _mm512_set1_ps(448.0f);
  const __m512 normal_min = _mm512_set1_ps(0x1p-6f);  // e4m3's smallest normal
  const __m512 magic = _mm512_set1_ps(0x1p14f);       // 2^(-9 + 23): adds round to 2^-9 steps
  const __m512 finite = _mm512_set1_ps(0x1p64f);
  const __m512i half_minus_one = _mm512_set1_epi32((1 << 19) - 1);
  const __m512i keep = _mm512_set1_epi32(~((1 << 20) - 1));
  const __m512i one = _mm512_set1_epi32(1);
  for (size_t i = 0; i < n; i += 16) {
    // clamp(v, lo, hi) with NaN kept: max(lo, v) and min(hi, .) return v when v is NaN.
    const __m512 v = _mm512_min_ps(hi, _mm512_max_ps(lo, _mm512_div_ps(_mm512_loadu_ps(x + i), s)));
    const __m512 a = _mm512_abs_ps(v);
    // Normal range: add half an ulp of 3 mantissa bits (minus one, plus the lowest kept bit) and
    // truncate, ties to even; below it, let the fp32 adder round to the 2^-9 step.
    const __m512i bits = _mm512_castps_si512(a);
    const __m512i lowest_kept = _mm512_and_si512(_mm512_srli_epi32(bits, 20), one);
    const __m512i rounded = _mm512_and_si512(
        _mm512_add_epi32(_mm512_add_epi32(bits, half_minus_one), lowest_kept), keep);
    __m512 r = _mm512_castsi512_ps(rounded);
    const __mmask16 small = _mm512_cmp_ps_mask(a, normal_min, _CMP_LT_OQ);
    r = _mm512_mask_sub_ps(r, small, _mm512_add_ps(a, magic), magic);
    // copysign(r, v); values that are not below 2^64 (NaN here) stay as they are.
    r = _mm512_castsi512_ps(
        _mm512_or_si512(_mm512_castps_si512(r),
                        _mm512_and_si512(_mm512_castps_si512(v),
                                         _mm512_set1_epi32(static_cast<int>(0x80000000u)))));
    r = _mm512_mask_mov_ps(v, _mm512_cmp_ps_mask(a, finite, _CMP_LT_OQ), r);
    _mm512_storeu_ps(out + i, _mm512_mul_ps(r, s));
  }
}

}  // namespace inference
