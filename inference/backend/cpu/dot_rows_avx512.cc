#include "inference/backend/cpu/dot_rows_avx512.h"

// GCC 12 warns inside its own avx512fintrin.h (the "undefined" source operands of some
// intrinsics); the warning is about the header, not this code.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <immintrin.h>

#include <cassert>
#include <cstdint>

#include "inference/backend/cpu/avx512_transpose.h"

namespace inference {
namespace {

#define FC_AVX512 __attribute__((target("avx512f")))

// How far ahead each row is prefetched: long rows (the mHC mixes' 16 KiB) are read as 16
// streams at once, more than the hardware prefetcher keeps ahead of.
constexpr size_t kPrefetchFloats = 256;

// acc + x * v with the product rounded on its own (the empty asm blocks contraction to FMA).
FC_AVX512 inline __m512 AddProduct(__m512 acc, float x, __m512 v) {
  __m512 product = _mm512_mul_ps(_mm512_set1_ps(x), v);
  asm("" : "+v"(product));
  return _mm512_add_ps(acc, product);
}

}  // namespace

FC_AVX512 void DotRows16Avx512(const float* const rows[16], const float* x, size_t n,
                               float out[16]) {
  __m512 acc = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m512 r[16];
#pragma GCC unroll 16
    for (int j = 0; j < 16; ++j) {
      // An integer address: past a row's end it touches nothing (a prefetch never faults).
      _mm_prefetch(reinterpret_cast<const char*>(reinterpret_cast<uintptr_t>(rows[j] + i) +
                                                 kPrefetchFloats * sizeof(float)),
                   _MM_HINT_T0);
      r[j] = _mm512_loadu_ps(rows[j] + i);
    }
    Transpose16x16(r, r);
#pragma GCC unroll 16
    for (int c = 0; c < 16; ++c) acc = AddProduct(acc, x[i + c], r[c]);
  }
  for (; i < n; ++i) {
    alignas(64) float column[16];
    for (int j = 0; j < 16; ++j) column[j] = rows[j][i];
    acc = AddProduct(acc, x[i], _mm512_load_ps(column));
  }
  _mm512_storeu_ps(out, acc);
}

namespace {

// DotRows16MultiAvx512 for exactly N vectors: with N a constant the accumulators and the
// transposed tile stay in registers (a runtime count made GCC keep them in memory, each add
// then waiting on a store: 3-4x slower, measured on Zen 4).
template <size_t N>
FC_AVX512 inline void DotRows16Multi(const float* const rows[16], const float* x, size_t x_stride,
                                     size_t n, float* out) {
  __m512 acc[N];
#pragma GCC unroll 8
  for (size_t i = 0; i < N; ++i) acc[i] = _mm512_setzero_ps();
  size_t k = 0;
  for (; k + 16 <= n; k += 16) {
    __m512 r[16];
#pragma GCC unroll 16
    for (int j = 0; j < 16; ++j) r[j] = _mm512_loadu_ps(rows[j] + k);
    Transpose16x16(r, r);
#pragma GCC unroll 16
    for (int c = 0; c < 16; ++c) {
#pragma GCC unroll 8
      for (size_t i = 0; i < N; ++i) acc[i] = AddProduct(acc[i], x[i * x_stride + k + c], r[c]);
    }
  }
  for (; k < n; ++k) {
    alignas(64) float column[16];
    for (int j = 0; j < 16; ++j) column[j] = rows[j][k];
    const __m512 v = _mm512_load_ps(column);
#pragma GCC unroll 8
    for (size_t i = 0; i < N; ++i) acc[i] = AddProduct(acc[i], x[i * x_stride + k], v);
  }
#pragma GCC unroll 8
  for (size_t i = 0; i < N; ++i) _mm512_storeu_ps(out + i * 16, acc[i]);
}

// DotRows16Multi<n_x> for a runtime n_x in [1, N]: one instantiation per count.
template <size_t N>
FC_AVX512 inline void DotRows16MultiUpTo(const float* const rows[16], const float* x, size_t n_x,
                                         size_t x_stride, size_t n, float* out) {
  if constexpr (N > 1) {
    if (n_x < N) return DotRows16MultiUpTo<N - 1>(rows, x, n_x, x_stride, n, out);
  }
  DotRows16Multi<N>(rows, x, x_stride, n, out);
}

}  // namespace

FC_AVX512 void DotRows16MultiAvx512(const float* const rows[16], const float* x, size_t n_x,
                                    size_t x_stride, size_t n, float* out) {
  assert(n_x >= 1 && n_x <= 8);
  DotRows16MultiUpTo<8>(rows, x, n_x, x_stride, n, out);
}

FC_AVX512 void AddScaledAvx512(float* y, float a, const float* x, size_t n) {
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512 sum = AddProduct(_mm512_loadu_ps(y + i), a, _mm512_loadu_ps(x + i));
    _mm512_storeu_ps(y + i, sum);
  }
  for (; i < n; ++i) {
    float product = a * x[i];
    asm("" : "+x"(product));
    y[i] += product;
  }
}

#undef FC_AVX512

}  // namespace inference
