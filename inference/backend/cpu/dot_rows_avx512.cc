#include "inference/backend/cpu/dot_rows_avx512.h"

// GCC 12 warns inside its own avx512fintrin.h (the "undefined" source operands of some
// intrinsics); the warning is about the header, not this code.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <immintrin.h>

namespace inference {
namespace {

#define FC_AVX512 __attribute__((target("avx512f")))

// r[j] = 16 values of row j -> r[c] = value c of the 16 rows.
FC_AVX512 inline void Transpose16(__m512 r[16]) {
  __m512 t[16], u[16];
  for (int i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int g = 0; g < 4; ++g) {
    u[4 * g + 0] = _mm512_shuffle_ps(t[4 * g], t[4 * g + 2], 0x44);
    u[4 * g + 1] = _mm512_shuffle_ps(t[4 * g], t[4 * g + 2], 0xEE);
    u[4 * g + 2] = _mm512_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0x44);
    u[4 * g + 3] = _mm512_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0xEE);
  }
  for (int c = 0; c < 4; ++c) {
    const __m512 x0 = _mm512_shuffle_f32x4(u[c], u[4 + c], 0x88);
    const __m512 x1 = _mm512_shuffle_f32x4(u[c], u[4 + c], 0xDD);
    const __m512 y0 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0x88);
    const __m512 y1 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0xDD);
    r[0 + c] = _mm512_shuffle_f32x4(x0, y0, 0x88);
    r[4 + c] = _mm512_shuffle_f32x4(x1, y1, 0x88);
    r[8 + c] = _mm512_shuffle_f32x4(x0, y0, 0xDD);
    r[12 + c] = _mm512_shuffle_f32x4(x1, y1, 0xDD);
  }
}

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
    for (int j = 0; j < 16; ++j) r[j] = _mm512_loadu_ps(rows[j] + i);
    Transpose16(r);
    for (int c = 0; c < 16; ++c) acc = AddProduct(acc, x[i + c], r[c]);
  }
  for (; i < n; ++i) {
    alignas(64) float column[16];
    for (int j = 0; j < 16; ++j) column[j] = rows[j][i];
    acc = AddProduct(acc, x[i], _mm512_load_ps(column));
  }
  _mm512_storeu_ps(out, acc);
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
