#include "inference/backend/cpu/sparse_attention_avx2.h"

#include <immintrin.h>

#include <algorithm>

#include "inference/backend/cpu/avx2_formats.h"

namespace inference {
namespace {

// Four heads by 16 columns: 8 accumulators, two row vectors and a weight fit the 16 registers.
constexpr size_t kHeadsPerPass = 4, kColumns = 16, kVectors = kColumns / 8;

template <size_t H>
__attribute__((target("avx2"), always_inline)) inline void Pass(const float* p, size_t p_stride,
                                                                const float* const* rows, size_t n,
                                                                size_t c0, float* sums, size_t d) {
  // Unrolled so that the accumulators stay in registers (left as loops, GCC kept them in
  // memory: each add waited on a store).
  __m256 acc[H][kVectors];
#pragma GCC unroll 4
  for (size_t h = 0; h < H; ++h) {
#pragma GCC unroll 2
    for (size_t v = 0; v < kVectors; ++v) acc[h][v] = _mm256_setzero_ps();
  }
  for (size_t j = 0; j < n; ++j) {
    if (rows[j] == nullptr) continue;
    __m256 row[kVectors];
#pragma GCC unroll 2
    for (size_t v = 0; v < kVectors; ++v) row[v] = _mm256_loadu_ps(rows[j] + c0 + 8 * v);
#pragma GCC unroll 4
    for (size_t h = 0; h < H; ++h) {
      const __m256 weight = _mm256_set1_ps(p[h * p_stride + j]);
#pragma GCC unroll 2
      for (size_t v = 0; v < kVectors; ++v) {
        // The empty asm keeps the product its own rounding (no contraction into an FMA).
        __m256 product = _mm256_mul_ps(weight, row[v]);
        asm("" : "+x"(product));
        acc[h][v] = _mm256_add_ps(acc[h][v], product);
      }
    }
  }
#pragma GCC unroll 4
  for (size_t h = 0; h < H; ++h) {
#pragma GCC unroll 2
    for (size_t v = 0; v < kVectors; ++v) _mm256_storeu_ps(sums + h * d + c0 + 8 * v, acc[h][v]);
  }
}

}  // namespace

__attribute__((target("avx2"))) void WeightedRowSumsAvx2(const float* p, size_t n_heads,
                                                         const float* const* rows, size_t n,
                                                         size_t d, float* sums) {
  for (size_t h0 = 0; h0 < n_heads; h0 += kHeadsPerPass) {
    const size_t heads = std::min(kHeadsPerPass, n_heads - h0);
    const float* ph = p + h0 * n;
    float* sh = sums + h0 * d;
    for (size_t c0 = 0; c0 < d; c0 += kColumns) {
      switch (heads) {
        case 1:
          Pass<1>(ph, n, rows, n, c0, sh, d);
          break;
        case 2:
          Pass<2>(ph, n, rows, n, c0, sh, d);
          break;
        case 3:
          Pass<3>(ph, n, rows, n, c0, sh, d);
          break;
        default:
          Pass<4>(ph, n, rows, n, c0, sh, d);
          break;
      }
    }
  }
}

__attribute__((target("avx2"))) void RescaleAddAvx2(float* acc, float rescale, const float* partial,
                                                    size_t d) {
  const __m256 r = _mm256_set1_ps(rescale);
  for (size_t c = 0; c < d; c += 8) {
    __m256 scaled = _mm256_mul_ps(_mm256_loadu_ps(acc + c), r);
    asm("" : "+x"(scaled));
    _mm256_storeu_ps(acc + c, _mm256_add_ps(scaled, _mm256_loadu_ps(partial + c)));
  }
}

__attribute__((target("avx2"))) void DivideToBf16Avx2(const float* acc, float sum, size_t d,
                                                      float* out) {
  const __m256 s = _mm256_set1_ps(sum);
  for (size_t c = 0; c < d; c += 8)
    _mm256_storeu_ps(out + c, RoundToBf16x8(_mm256_div_ps(_mm256_loadu_ps(acc + c), s)));
}

}  // namespace inference
