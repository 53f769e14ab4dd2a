// Transpose16x16: a 16x16 block of floats (or any 32-bit values) transposed in zmm registers, for
// the AVX-512 kernels that keep one row per register but want one column per register (or the
// reverse). Include only from files compiled for AVX-512 callers: the function carries its target
// itself.
#pragma once

#include <immintrin.h>

namespace inference {

// in[j] holds 16 values of row j; leaves value c of the 16 rows in out[c]. `out` may be `in`:
// every read of `in` happens before the first write of `out`.
__attribute__((target("avx512f"), always_inline)) inline void Transpose16x16(const __m512 in[16],
                                                                             __m512 out[16]) {
  // Unrolled: as loops (GCC -O2 leaves them) the arrays live in memory, each stage a round trip
  // through the stack.
  __m512 t[16], u[16];
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_unpacklo_ps(in[2 * i], in[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(in[2 * i], in[2 * i + 1]);
  }
  // Per 128-bit lane q, u[4g + c] holds column 4q + c of rows 4g .. 4g + 3.
#pragma GCC unroll 4
  for (int g = 0; g < 4; ++g) {
    u[4 * g + 0] = _mm512_shuffle_ps(t[4 * g], t[4 * g + 2], 0x44);
    u[4 * g + 1] = _mm512_shuffle_ps(t[4 * g], t[4 * g + 2], 0xEE);
    u[4 * g + 2] = _mm512_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0x44);
    u[4 * g + 3] = _mm512_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0xEE);
  }
#pragma GCC unroll 4
  for (int c = 0; c < 4; ++c) {
    const __m512 x0 = _mm512_shuffle_f32x4(u[c], u[4 + c], 0x88);
    const __m512 x1 = _mm512_shuffle_f32x4(u[c], u[4 + c], 0xDD);
    const __m512 y0 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0x88);
    const __m512 y1 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0xDD);
    out[0 + c] = _mm512_shuffle_f32x4(x0, y0, 0x88);
    out[4 + c] = _mm512_shuffle_f32x4(x1, y1, 0x88);
    out[8 + c] = _mm512_shuffle_f32x4(x0, y0, 0xDD);
    out[12 + c] = _mm512_shuffle_f32x4(x1, y1, 0xDD);
  }
}

}  // namespace inference
