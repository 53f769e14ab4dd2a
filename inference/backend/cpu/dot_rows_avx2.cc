#include "inference/backend/cpu/dot_rows_avx2.h"

#include <immintrin.h>

#include <cassert>
#include <cstdint>

namespace inference {
namespace {

#define FC_AVX2 __attribute__((target("avx2"), always_inline)) inline

// How far ahead each row is prefetched (as the AVX-512 kernel: many rows read side by side).
constexpr size_t kPrefetchFloats = 256;

// acc + x * v with the product rounded on its own (the empty asm blocks contraction to FMA).
FC_AVX2 __m256 AddProduct(__m256 acc, float x, __m256 v) {
  __m256 product = _mm256_mul_ps(_mm256_set1_ps(x), v);
  asm("" : "+x"(product));
  return _mm256_add_ps(acc, product);
}

// r[j] holds 8 values of row j; leaves value c of the 8 rows in r[c].
FC_AVX2 void Transpose8x8(__m256 (&r)[8]) {
  // Unrolled: as loops (GCC -O2 leaves them) the arrays live in memory.
  __m256 t[8], u[8];
#pragma GCC unroll 4
  for (int i = 0; i < 4; ++i) {
    t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
#pragma GCC unroll 2
  for (int g = 0; g < 2; ++g) {
    u[4 * g + 0] = _mm256_shuffle_ps(t[4 * g], t[4 * g + 2], 0x44);
    u[4 * g + 1] = _mm256_shuffle_ps(t[4 * g], t[4 * g + 2], 0xEE);
    u[4 * g + 2] = _mm256_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0x44);
    u[4 * g + 3] = _mm256_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0xEE);
  }
  // u[c] (c < 4) holds columns c and c + 4 of rows 0..3 in its two halves, u[4 + c] of rows 4..7.
#pragma GCC unroll 4
  for (int c = 0; c < 4; ++c) {
    r[c] = _mm256_permute2f128_ps(u[c], u[4 + c], 0x20);
    r[c + 4] = _mm256_permute2f128_ps(u[c], u[4 + c], 0x31);
  }
}

}  // namespace

namespace {

// DotRows8MultiAvx2 for exactly N vectors: a constant count keeps the accumulators in registers
// (with a runtime count GCC kept them in memory, each add waiting on a store).
template <size_t N>
FC_AVX2 void DotRows8Multi(const float* const rows[8], const float* x, size_t x_stride, size_t n,
                           float* out) {
  __m256 acc[N];
#pragma GCC unroll 8
  for (size_t i = 0; i < N; ++i) acc[i] = _mm256_setzero_ps();
  size_t k = 0;
  for (; k + 8 <= n; k += 8) {
    __m256 r[8];
#pragma GCC unroll 8
    for (int j = 0; j < 8; ++j) {
      // An integer address: past a row's end it touches nothing (a prefetch never faults).
      _mm_prefetch(reinterpret_cast<const char*>(reinterpret_cast<uintptr_t>(rows[j] + k) +
                                                 kPrefetchFloats * sizeof(float)),
                   _MM_HINT_T0);
      r[j] = _mm256_loadu_ps(rows[j] + k);
    }
    Transpose8x8(r);
#pragma GCC unroll 8
    for (int c = 0; c < 8; ++c) {
#pragma GCC unroll 8
      for (size_t i = 0; i < N; ++i) acc[i] = AddProduct(acc[i], x[i * x_stride + k + c], r[c]);
    }
  }
  for (; k < n; ++k) {
    alignas(32) float column[8];
    for (int j = 0; j < 8; ++j) column[j] = rows[j][k];
    const __m256 v = _mm256_load_ps(column);
#pragma GCC unroll 8
    for (size_t i = 0; i < N; ++i) acc[i] = AddProduct(acc[i], x[i * x_stride + k], v);
  }
#pragma GCC unroll 8
  for (size_t i = 0; i < N; ++i) _mm256_storeu_ps(out + i * 8, acc[i]);
}

// DotRows8Multi<n_x> for a runtime n_x in [1, N]: one instantiation per count.
template <size_t N>
FC_AVX2 void DotRows8MultiUpTo(const float* const rows[8], const float* x, size_t n_x,
                               size_t x_stride, size_t n, float* out) {
  if constexpr (N > 1) {
    if (n_x < N) return DotRows8MultiUpTo<N - 1>(rows, x, n_x, x_stride, n, out);
  }
  DotRows8Multi<N>(rows, x, x_stride, n, out);
}

}  // namespace

__attribute__((target("avx2"))) void DotRows8MultiAvx2(const float* const rows[8], const float* x,
                                                       size_t n_x, size_t x_stride, size_t n,
                                                       float* out) {
  assert(n_x >= 1 && n_x <= 8);
  DotRows8MultiUpTo<8>(rows, x, n_x, x_stride, n, out);
}

__attribute__((target("avx2"))) void AddScaledAvx2(float* y, float a, const float* x, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(y + i, AddProduct(_mm256_loadu_ps(y + i), a, _mm256_loadu_ps(x + i)));
  for (; i < n; ++i) {
    float product = a * x[i];
    asm("" : "+x"(product));
    y[i] += product;
  }
}

#undef FC_AVX2

}  // namespace inference
