#include "inference/backend/cpu/quantize_avx2.h"

#include <immintrin.h>

#include <cmath>

#include "inference/backend/cpu/avx2_formats.h"
#include "inference/backend/cpu/number_formats.h"

namespace inference {
namespace {

// No FMA anywhere here (the scalar definition has none), so plain AVX2 suffices; kAvx2 does not
// promise FMA either.
#define FC_AVX2 __attribute__((target("avx2"), always_inline)) inline

FC_AVX2 __m256 Abs(__m256 v) {
  return _mm256_and_ps(v, _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff)));
}

// The largest of 8 lanes that are never NaN, so any order of the comparisons gives it.
FC_AVX2 float MaxOfLanes(__m256 v) {
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ps(m, _mm_shuffle_ps(m, m, 1));
  return _mm_cvtss_f32(m);
}

// One block of n values (a multiple of 8) onto a grid with kMantissaBits mantissa bits whose
// smallest step is 2^kMinStepExp (number_formats.cc's RoundToGrid), scaled by a power of two so
// that the block's amax (at least amax_floor) maps to at most max_value.
template <int kMantissaBits, int kMinStepExp>
FC_AVX2 void QuantizeDequantizeBlock(const float* x, size_t n, float max_value, float amax_floor,
                                     float* out) {
  // amax as std::max(amax, |x|) leaves it: a NaN never wins (vmaxps returns its second operand
  // when either is NaN). Two accumulators hide the max latency; max is exact in any order.
  __m256 amax0 = _mm256_setzero_ps(), amax1 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    amax0 = _mm256_max_ps(Abs(_mm256_loadu_ps(x + i)), amax0);
    amax1 = _mm256_max_ps(Abs(_mm256_loadu_ps(x + i + 8)), amax1);
  }
  if (i < n) amax0 = _mm256_max_ps(Abs(_mm256_loadu_ps(x + i)), amax0);
  float block_amax = MaxOfLanes(_mm256_max_ps(amax0, amax1));
  if (block_amax < amax_floor) block_amax = amax_floor;
  const float scale = Pow2Ceil(block_amax * (1.0f / max_value));
  // The scale is a power of two within [2^-126, 2^126] (or infinite), so 1 / scale is exact
  // (0 for infinity) and x * (1 / scale) rounds the same real number as x / scale: the same bits,
  // NaN and infinity cases included, without a division per vector.
  const __m256 inv_s = _mm256_set1_ps(1.0f / scale);
  const __m256 s = _mm256_set1_ps(scale);

  constexpr int kDrop = 23 - kMantissaBits;
  const __m256 lo = _mm256_set1_ps(-max_value), hi = _mm256_set1_ps(max_value);
  // The smallest normal, and the magic number whose add and subtract round to the 2^kMinStepExp
  // steps below it.
  const __m256 normal_min = _mm256_set1_ps(std::ldexp(1.0f, kMinStepExp + kMantissaBits));
  const __m256 magic = _mm256_set1_ps(std::ldexp(1.0f, kMinStepExp + 23));
  const __m256 finite = _mm256_set1_ps(0x1p64f);
  const __m256 sign = _mm256_castsi256_ps(_mm256_set1_epi32(static_cast<int>(0x80000000u)));
  const __m256i half_minus_one = _mm256_set1_epi32((1 << (kDrop - 1)) - 1);
  const __m256i keep = _mm256_set1_epi32(~((1 << kDrop) - 1));
  const __m256i one = _mm256_set1_epi32(1);
  for (i = 0; i < n; i += 8) {
    // clamp(v, lo, hi) with NaN kept: max(lo, v) and min(hi, .) return v when v is NaN.
    const __m256 v =
        _mm256_min_ps(hi, _mm256_max_ps(lo, _mm256_mul_ps(_mm256_loadu_ps(x + i), inv_s)));
    const __m256 a = Abs(v);
    // Normal range: add half an ulp of the kept mantissa bits (minus one, plus the lowest kept
    // bit) and truncate, ties to even; below it, let the fp32 adder round to the smallest step.
    const __m256i bits = _mm256_castps_si256(a);
    const __m256i lowest_kept = _mm256_and_si256(_mm256_srli_epi32(bits, kDrop), one);
    const __m256i rounded = _mm256_and_si256(
        _mm256_add_epi32(_mm256_add_epi32(bits, half_minus_one), lowest_kept), keep);
    const __m256 small = _mm256_cmp_ps(a, normal_min, _CMP_LT_OQ);
    __m256 r = _mm256_blendv_ps(_mm256_castsi256_ps(rounded),
                                _mm256_sub_ps(_mm256_add_ps(a, magic), magic), small);
    // copysign(r, v); values that are not below 2^64 (NaN here) stay as they are.
    r = _mm256_or_ps(r, _mm256_and_ps(v, sign));
    r = _mm256_blendv_ps(v, r, _mm256_cmp_ps(a, finite, _CMP_LT_OQ));
    _mm256_storeu_ps(out + i, _mm256_mul_ps(r, s));
  }
}

// a + b with a as the first source. When both are NaN, x86 returns the first source's NaN, as
// the scalar butterfly's a + b does; the compiler takes _mm256_add_ps as commutative and does swap
// its operands (it would return b's NaN).
FC_AVX2 __m256 AddKeepingFirstNan(__m256 a, __m256 b) {
  __m256 sum;
  asm("vaddps %2, %1, %0" : "=x"(sum) : "x"(a), "x"(b));
  return sum;
}

// The butterflies of stages h = 1, 2, 4, which stay within one vector: lane l pairs with lane
// l ^ h; the lower lane of a pair takes a + b, the upper one a - b, where a is the lower lane's
// value (so the upper lane computes other - v, in the scalar operand order).
FC_AVX2 __m256 ButterfliesWithinVector(__m256 v) {
  __m256 other = _mm256_permute_ps(v, _MM_SHUFFLE(2, 3, 0, 1));  // h = 1
  v = _mm256_blend_ps(AddKeepingFirstNan(v, other), _mm256_sub_ps(other, v), 0b10101010);
  other = _mm256_permute_ps(v, _MM_SHUFFLE(1, 0, 3, 2));  // h = 2
  v = _mm256_blend_ps(AddKeepingFirstNan(v, other), _mm256_sub_ps(other, v), 0b11001100);
  other = _mm256_permute2f128_ps(v, v, 0x01);  // h = 4
  return _mm256_blend_ps(AddKeepingFirstNan(v, other), _mm256_sub_ps(other, v), 0b11110000);
}

}  // namespace

__attribute__((target("avx2"))) void QuantizeDequantizeFp8BlockAvx2(const float* x, size_t n,
                                                                    float* out) {
  QuantizeDequantizeBlock<3, -9>(x, n, 448.0f, 1e-4f, out);  // e4m3
}

__attribute__((target("avx2"))) void QuantizeDequantizeFp4BlockAvx2(const float* x, size_t n,
                                                                    float* out) {
  QuantizeDequantizeBlock<1, -1>(x, n, 6.0f, 6.0f * 0x1p-126f, out);  // e2m1
}

__attribute__((target("avx2"))) void RoundToBf16InPlaceAvx2(float* x, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, RoundToBf16x8(_mm256_loadu_ps(x + i)));
  for (; i < n; ++i) x[i] = RoundToBf16(x[i]);
}

__attribute__((target("avx2"))) void HadamardRotateBf16Avx2(float* x, size_t n) {
  // The stages within a vector touch no other vector, so each vector takes all three at once.
  for (size_t i = 0; i < n; i += 8)
    _mm256_storeu_ps(x + i, ButterfliesWithinVector(_mm256_loadu_ps(x + i)));
  for (size_t h = 8; h < n; h *= 2) {  // across vectors
    for (size_t i = 0; i < n; i += 2 * h) {
      for (size_t j = i; j < i + h; j += 8) {
        const __m256 a = _mm256_loadu_ps(x + j), b = _mm256_loadu_ps(x + j + h);
        _mm256_storeu_ps(x + j, AddKeepingFirstNan(a, b));
        _mm256_storeu_ps(x + j + h, _mm256_sub_ps(a, b));
      }
    }
  }
  const __m256 scale = _mm256_set1_ps(static_cast<float>(1.0 / std::sqrt(static_cast<double>(n))));
  for (size_t i = 0; i < n; i += 8)
    _mm256_storeu_ps(x + i, RoundToBf16x8(_mm256_mul_ps(_mm256_loadu_ps(x + i), scale)));
}

}  // namespace inference
