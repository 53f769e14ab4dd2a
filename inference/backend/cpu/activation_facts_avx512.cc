#include "inference/backend/cpu/activation_facts.h"

// GCC 12 warns inside its own avx512fintrin.h (the "undefined" source operands of some
// intrinsics); the warning is about the header, not this code.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <immintrin.h>

#include <cstdint>

namespace inference {

__attribute__((target("avx512f"))) ActivationFacts MeasureActivationsAvx512(const float* x,
                                                                            size_t M,
                                                                            size_t x_stride,
                                                                            size_t K) {
  // Over the nonzero values: the smallest and largest exponent field, and the OR of the
  // mantissas (its trailing zeros are the low bits no value uses).
  const __m512i magnitude_bits = _mm512_set1_epi32(0x7fffffff),
                mantissa = _mm512_set1_epi32(0x7fffff);
  __m512i min_e = _mm512_set1_epi32(255), max_e = _mm512_setzero_si512();
  __m512i bits = _mm512_setzero_si512();
  for (size_t m = 0; m < M; ++m) {
    for (size_t k = 0; k < K; k += 16) {
      const __mmask16 in = K - k >= 16 ? 0xffff : static_cast<__mmask16>((1u << (K - k)) - 1);
      const __m512i v = _mm512_maskz_loadu_epi32(in, x + m * x_stride + k);
      const __mmask16 nonzero = _mm512_mask_test_epi32_mask(in, v, magnitude_bits);
      const __m512i e = _mm512_and_si512(_mm512_srli_epi32(v, 23), _mm512_set1_epi32(0xff));
      min_e = _mm512_mask_min_epu32(min_e, nonzero, min_e, e);
      max_e = _mm512_mask_max_epu32(max_e, nonzero, max_e, e);
      bits = _mm512_mask_or_epi32(bits, nonzero, bits, _mm512_and_si512(v, mantissa));
    }
  }
  return FactsFromFields(static_cast<int>(_mm512_reduce_min_epu32(min_e)),
                         static_cast<int>(_mm512_reduce_max_epu32(max_e)),
                         static_cast<uint32_t>(_mm512_reduce_or_epi32(bits)));
}

}  // namespace inference
