#include "inference/backend/cpu/stream_mix_avx2.h"

#include <immintrin.h>

#include "inference/backend/cpu/avx2_formats.h"
#include "inference/backend/cpu/number_formats.h"

namespace inference {

__attribute__((target("avx2"))) void StreamMixAvx2(size_t hc, size_t d, const float* out,
                                                   const float* x, const float* post,
                                                   const float* comb, float* dst) {
  // Column block by column block, every stream's inputs loaded before any output is stored, so
  // dst may be x itself.
  __m256 xs[kMaxStreamMixStreamsAvx2];
  size_t c = 0;
  for (; c + 8 <= d; c += 8) {
    for (size_t j = 0; j < hc; ++j) xs[j] = _mm256_loadu_ps(x + j * d + c);
    const __m256 o = _mm256_loadu_ps(out + c);
    for (size_t k = 0; k < hc; ++k) {
      __m256 mixed = _mm256_setzero_ps();
      for (size_t j = 0; j < hc; ++j) {
        // The product is its own rounding, as in the scalar code (the empty asm, as in the AVX-512
        // form, would stop a contraction; this target has no FMA to contract into anyway).
        __m256 product = _mm256_mul_ps(_mm256_set1_ps(comb[j * hc + k]), xs[j]);
        asm("" : "+x"(product));
        mixed = _mm256_add_ps(mixed, product);
      }
      __m256 scaled = _mm256_mul_ps(_mm256_set1_ps(post[k]), o);
      asm("" : "+x"(scaled));
      _mm256_storeu_ps(dst + k * d + c, RoundToBf16x8(_mm256_add_ps(scaled, mixed)));
    }
  }
  float column[kMaxStreamMixStreamsAvx2];
  for (; c < d; ++c) {  // the last d % 8 columns, as the scalar definition
    for (size_t k = 0; k < hc; ++k) {
      float mixed = 0.0f;
      for (size_t j = 0; j < hc; ++j) mixed += comb[j * hc + k] * x[j * d + c];
      column[k] = RoundToBf16(post[k] * out[c] + mixed);
    }
    for (size_t k = 0; k < hc; ++k) dst[k * d + c] = column[k];
  }
}

__attribute__((target("avx2"))) void StreamSumAvx2(size_t hc, size_t d, const float* weights,
                                                   const float* x, float* y) {
  size_t c = 0;
  for (; c + 8 <= d; c += 8) {
    __m256 acc = _mm256_setzero_ps();
    for (size_t j = 0; j < hc; ++j) {
      __m256 product = _mm256_mul_ps(_mm256_set1_ps(weights[j]), _mm256_loadu_ps(x + j * d + c));
      asm("" : "+x"(product));
      acc = _mm256_add_ps(acc, product);
    }
    _mm256_storeu_ps(y + c, RoundToBf16x8(acc));
  }
  for (; c < d; ++c) {
    float acc = 0.0f;
    for (size_t j = 0; j < hc; ++j) acc += weights[j] * x[j * d + c];
    y[c] = RoundToBf16(acc);
  }
}

}  // namespace inference
