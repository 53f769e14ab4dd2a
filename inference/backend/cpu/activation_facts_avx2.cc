#include <immintrin.h>

#include <cstdint>

#include "inference/backend/cpu/activation_facts.h"

namespace inference {
namespace {

__attribute__((target("avx2"))) uint32_t Lane(__m256i v, int (*pick)(int, int), int start) {
  alignas(32) int32_t lanes[8];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), v);
  int r = start;
  for (int32_t lane : lanes) r = pick(r, lane);
  return static_cast<uint32_t>(r);
}

}  // namespace

// As MeasureActivationsAvx512, 8 values at a time; a row's last K % 8 values load under a mask
// (masked-off lanes read as zero, which no field counts).
__attribute__((target("avx2"))) ActivationFacts MeasureActivationsAvx2(const float* x, size_t M,
                                                                       size_t x_stride, size_t K) {
  const __m256i magnitude_bits = _mm256_set1_epi32(0x7fffffff),
                mantissa = _mm256_set1_epi32(0x7fffff), zero = _mm256_setzero_si256();
  const __m256i lane_index = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  __m256i min_e = _mm256_set1_epi32(255), max_e = zero, bits = zero;
  for (size_t m = 0; m < M; ++m) {
    const float* row = x + m * x_stride;
    for (size_t k = 0; k < K; k += 8) {
      const __m256i in = _mm256_cmpgt_epi32(
          _mm256_set1_epi32(static_cast<int>(K - k < 8 ? K - k : 8)), lane_index);
      const __m256i v = _mm256_maskload_epi32(reinterpret_cast<const int*>(row + k), in);
      const __m256i nonzero = _mm256_xor_si256(
          _mm256_cmpeq_epi32(_mm256_and_si256(v, magnitude_bits), zero), _mm256_set1_epi32(-1));
      const __m256i e = _mm256_srli_epi32(_mm256_and_si256(v, magnitude_bits), 23);
      min_e = _mm256_min_epu32(min_e, _mm256_blendv_epi8(_mm256_set1_epi32(255), e, nonzero));
      max_e = _mm256_max_epu32(max_e, _mm256_and_si256(e, nonzero));
      bits = _mm256_or_si256(bits, _mm256_and_si256(_mm256_and_si256(v, mantissa), nonzero));
    }
  }
  const int lo = static_cast<int>(Lane(
      min_e, [](int a, int b) { return a < b ? a : b; }, 255));
  const int hi = static_cast<int>(Lane(
      max_e, [](int a, int b) { return a > b ? a : b; }, 0));
  const uint32_t used = Lane(
      bits, [](int a, int b) { return a | b; }, 0);
  return FactsFromFields(lo, hi, used);
}

}  // namespace inference
