#include "inference/backend/cpu/sparse_attention_avx512.h"

// GCC 12 warns inside its own avx512fintrin.h (the "undefined" operands of its intrinsics).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <immintrin.h>

#include <algorithm>

#include "inference/backend/cpu/avx512_formats.h"

namespace inference {
namespace {

constexpr size_t kHeadsPerPass = 4, kColumns = 64, kVectors = kColumns / 16;

// One pass over the rows for up to four heads and 64 columns: 16 accumulators in registers.
template <size_t H>
__attribute__((target("avx512f"), always_inline)) inline void Pass(const float* p, size_t p_stride,
                                                                   const float* const* rows,
                                                                   size_t n, size_t c0, float* sums,
                                                                   size_t d) {
  __m512 acc[H][kVectors];
  // Unrolled so that the accumulators stay in registers (left as loops, GCC kept them in
  // memory: each add waited on a store).
#pragma GCC unroll 4
  for (size_t h = 0; h < H; ++h) {
#pragma GCC unroll 4
    for (size_t v = 0; v < kVectors; ++v) acc[h][v] = _mm512_setzero_ps();
  }
  for (size_t j = 0; j < n; ++j) {
    if (rows[j] == nullptr) continue;
    __m512 row[kVectors];
#pragma GCC unroll 4
    for (size_t v = 0; v < kVectors; ++v) row[v] = _mm512_loadu_ps(rows[j] + c0 + 16 * v);
#pragma GCC unroll 4
    for (size_t h = 0; h < H; ++h) {
      const __m512 weight = _mm512_set1_ps(p[h * p_stride + j]);
#pragma GCC unroll 4
      for (size_t v = 0; v < kVectors; ++v) {
        // The empty asm keeps the product its own rounding (no contraction into an FMA).
        __m512 product = _mm512_mul_ps(weight, row[v]);
        asm("" : "+v"(product));
        acc[h][v] = _mm512_add_ps(acc[h][v], product);
      }
    }
  }
#pragma GCC unroll 4
  for (size_t h = 0; h < H; ++h) {
#pragma GCC unroll 4
    for (size_t v = 0; v < kVectors; ++v) _mm512_storeu_ps(sums + h * d + c0 + 16 * v, acc[h][v]);
  }
}

}  // namespace

__attribute__((target("avx512f"))) void WeightedRowSumsAvx512(const float* p, size_t n_heads,
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

__attribute__((target("avx512f"))) void RescaleAddAvx512(float* acc, float rescale,
                                                         const float* partial, size_t d) {
  const __m512 r = _mm512_set1_ps(rescale);
  for (size_t c = 0; c < d; c += 16) {
    __m512 scaled = _mm512_mul_ps(_mm512_loadu_ps(acc + c), r);
    asm("" : "+v"(scaled));
    _mm512_storeu_ps(acc + c, _mm512_add_ps(scaled, _mm512_loadu_ps(partial + c)));
  }
}

__attribute__((target("avx512f"))) void DivideToBf16Avx512(const float* acc, float sum, size_t d,
                                                           float* out) {
  const __m512 s = _mm512_set1_ps(sum);
  for (size_t c = 0; c < d; c += 16)
    _mm512_storeu_ps(out + c, RoundToBf16x16(_mm512_div_ps(_mm512_loadu_ps(acc + c), s)));
}

}  // namespace inference
