#include "inference/backend/cpu/quantize_avx512.h"

// GCC 12 warns inside its own avx512fintrin.h (the "undefined" operands of the reductions).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <immintrin.h>

#include <cmath>

#include "inference/backend/cpu/avx512_formats.h"
#include "inference/backend/cpu/number_formats.h"

namespace inference {

namespace {

// One block of n values onto a grid with kMantissaBits mantissa bits whose smallest step is
// 2^kMinStepExp (number_formats.cc's RoundToGrid), scaled by a power of two so that the block's
// amax (at least amax_floor) maps to at most max_value.
template <int kMantissaBits, int kMinStepExp>
__attribute__((target("avx512f"), always_inline)) inline void QuantizeDequantizeBlock(
    const float* x, size_t n, float max_value, float amax_floor, float* out) {
  // amax as std::max(amax, |x|) leaves it: a NaN never wins (vmaxps returns its second operand
  // when either is NaN).
  __m512 amax = _mm512_setzero_ps();
  for (size_t i = 0; i < n; i += 16)
    amax = _mm512_max_ps(_mm512_abs_ps(_mm512_loadu_ps(x + i)), amax);
  float block_amax = _mm512_reduce_max_ps(amax);
  if (block_amax < amax_floor) block_amax = amax_floor;
  const float scale = Pow2Ceil(block_amax * (1.0f / max_value));

  constexpr int kDrop = 23 - kMantissaBits;
  const __m512 s = _mm512_set1_ps(scale);
  const __m512 lo = _mm512_set1_ps(-max_value), hi = _mm512_set1_ps(max_value);
  // The smallest normal, and the magic number whose add and subtract round to the 2^kMinStepExp
  // steps below it.
  const __m512 normal_min = _mm512_set1_ps(std::ldexp(1.0f, kMinStepExp + kMantissaBits));
  const __m512 magic = _mm512_set1_ps(std::ldexp(1.0f, kMinStepExp + 23));
  const __m512 finite = _mm512_set1_ps(0x1p64f);
  const __m512i half_minus_one = _mm512_set1_epi32((1 << (kDrop - 1)) - 1);
  const __m512i keep = _mm512_set1_epi32(~((1 << kDrop) - 1));
  const __m512i one = _mm512_set1_epi32(1);
  for (size_t i = 0; i < n; i += 16) {
    // clamp(v, lo, hi) with NaN kept: max(lo, v) and min(hi, .) return v when v is NaN.
    const __m512 v = _mm512_min_ps(hi, _mm512_max_ps(lo, _mm512_div_ps(_mm512_loadu_ps(x + i), s)));
    const __m512 a = _mm512_abs_ps(v);
    // Normal range: add half an ulp of the kept mantissa bits (minus one, plus the lowest kept
    // bit) and truncate, ties to even; below it, let the fp32 adder round to the smallest step.
    const __m512i bits = _mm512_castps_si512(a);
    const __m512i lowest_kept = _mm512_and_si512(_mm512_srli_epi32(bits, kDrop), one);
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

}  // namespace

__attribute__((target("avx512f"))) void QuantizeDequantizeFp8BlockAvx512(const float* x, size_t n,
                                                                         float* out) {
  QuantizeDequantizeBlock<3, -9>(x, n, 448.0f, 1e-4f, out);  // e4m3
}

__attribute__((target("avx512f"))) void QuantizeDequantizeFp4BlockAvx512(const float* x, size_t n,
                                                                         float* out) {
  QuantizeDequantizeBlock<1, -1>(x, n, 6.0f, 6.0f * 0x1p-126f, out);  // e2m1
}

__attribute__((target("avx512f"))) void RoundToBf16InPlaceAvx512(float* x, size_t n) {
  size_t i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(x + i, RoundToBf16x16(_mm512_loadu_ps(x + i)));
  for (; i < n; ++i) x[i] = RoundToBf16(x[i]);
}

namespace {

// a + b with a as the first source: when both are NaN, x86 returns the first source's NaN, as the
// scalar butterfly's a + b does; the compiler takes _mm512_add_ps as commutative and may swap its
// operands (and return b's).
__attribute__((target("avx512f"), always_inline)) inline __m512 AddKeepingFirstNan(__m512 a,
                                                                                   __m512 b) {
  __m512 sum;
  asm("vaddps %2, %1, %0" : "=v"(sum) : "v"(a), "v"(b));
  return sum;
}

}  // namespace

__attribute__((target("avx512f"))) void HadamardRotateBf16Avx512(float* x, size_t n) {
  // Butterflies within a vector (h < 16): lane l pairs with lane l ^ h; the lower lane of a pair
  // takes a + b, the upper one a - b, where a is the lower lane's value.
  for (size_t h = 1; h < 16; h *= 2) {
    alignas(64) int partner[16];
    __mmask16 upper = 0;
    for (int l = 0; l < 16; ++l) {
      partner[l] = l ^ static_cast<int>(h);
      if (l & static_cast<int>(h)) upper = static_cast<__mmask16>(upper | (1u << l));
    }
    const __m512i index = _mm512_load_si512(partner);
    for (size_t i = 0; i < n; i += 16) {
      const __m512 v = _mm512_loadu_ps(x + i);
      const __m512 other = _mm512_permutexvar_ps(index, v);
      const __m512 sum = AddKeepingFirstNan(v, other);  // lower lanes: x[j] + x[j + h]
      const __m512 diff = _mm512_sub_ps(other, v);      // upper lanes: x[j] - x[j + h]
      _mm512_storeu_ps(x + i, _mm512_mask_mov_ps(sum, upper, diff));
    }
  }
  for (size_t h = 16; h < n; h *= 2) {  // across vectors
    for (size_t i = 0; i < n; i += 2 * h) {
      for (size_t j = i; j < i + h; j += 16) {
        const __m512 a = _mm512_loadu_ps(x + j), b = _mm512_loadu_ps(x + j + h);
        _mm512_storeu_ps(x + j, AddKeepingFirstNan(a, b));
        _mm512_storeu_ps(x + j + h, _mm512_sub_ps(a, b));
      }
    }
  }
  const __m512 scale = _mm512_set1_ps(static_cast<float>(1.0 / std::sqrt(static_cast<double>(n))));
  for (size_t i = 0; i < n; i += 16)
    _mm512_storeu_ps(x + i, RoundToBf16x16(_mm512_mul_ps(_mm512_loadu_ps(x + i), scale)));
}

}  // namespace inference
