#include "inference/backend/cpu/stream_mix_avx512.h"

// GCC 12 warns inside its own avx512fintrin.h (the "undefined" operands of its intrinsics).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <immintrin.h>

#include "inference/backend/cpu/avx512_formats.h"

namespace inference {

__attribute__((target("avx512f"))) void StreamMixAvx512(size_t hc, size_t d, const float* out,
                                                        const float* x, const float* post,
                                                        const float* comb, float* dst) {
  // Column block by column block, every stream's inputs loaded before any output is stored, so
  // dst may be x itself.
  __m512 xs[kMaxStreamMixStreams];
  for (size_t c = 0; c < d; c += 16) {
    const __mmask16 lanes =
        d - c >= 16 ? __mmask16(0xffff) : static_cast<__mmask16>((1u << (d - c)) - 1);
    for (size_t j = 0; j < hc; ++j) xs[j] = _mm512_maskz_loadu_ps(lanes, x + j * d + c);
    const __m512 o = _mm512_maskz_loadu_ps(lanes, out + c);
    for (size_t k = 0; k < hc; ++k) {
      __m512 mixed = _mm512_setzero_ps();
      for (size_t j = 0; j < hc; ++j) {
        // The empty asm keeps the product its own rounding (no contraction into an FMA).
        __m512 product = _mm512_mul_ps(_mm512_set1_ps(comb[j * hc + k]), xs[j]);
        asm("" : "+v"(product));
        mixed = _mm512_add_ps(mixed, product);
      }
      __m512 scaled = _mm512_mul_ps(_mm512_set1_ps(post[k]), o);
      asm("" : "+v"(scaled));
      _mm512_mask_storeu_ps(dst + k * d + c, lanes, RoundToBf16x16(_mm512_add_ps(scaled, mixed)));
    }
  }
}

__attribute__((target("avx512f"))) void StreamSumAvx512(size_t hc, size_t d, const float* weights,
                                                        const float* x, float* y) {
  for (size_t c = 0; c < d; c += 16) {
    const __mmask16 lanes =
        d - c >= 16 ? __mmask16(0xffff) : static_cast<__mmask16>((1u << (d - c)) - 1);
    __m512 acc = _mm512_setzero_ps();
    for (size_t j = 0; j < hc; ++j) {
      __m512 product =
          _mm512_mul_ps(_mm512_set1_ps(weights[j]), _mm512_maskz_loadu_ps(lanes, x + j * d + c));
      asm("" : "+v"(product));
      acc = _mm512_add_ps(acc, product);
    }
    _mm512_mask_storeu_ps(y + c, lanes, RoundToBf16x16(acc));
  }
}

}  // namespace inference
