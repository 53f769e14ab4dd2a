// Transpose16x16: a 16x16 block of floats (or any 32-bit values) transposed in zmm registers, for
// the AVX-512 kernels that keep one row per register but want one column per register (or the
// reverse); TransposeBytes: four 16x16 byte blocks at once. Include
// only from files compiled for AVX-512 callers: the functions carry their targets themselves.
#pragma once

#include <immintrin.h>

namespace inference {

// in[j] holds 16 values of row j; leaves value c of the 16 rows in out[c]. `out` may be `in`:
// every read of `in` happens before the first write of `out`.
__attribute__((target("avx512f"))) inline void Transpose16x16(const __m512 in[16], __m512 out[16]) {
  __m512 t[16], u[16];
  for (int i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_unpacklo_ps(in[2 * i], in[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(in[2 * i], in[2 * i + 1]);
  }
  // Per 128-bit lane q, u[4g + c] holds column 4q + c of rows 4g .. 4g + 3.
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
    out[0 + c] = _mm512_shuffle_f32x4(x0, y0, 0x88);
    out[4 + c] = _mm512_shuffle_f32x4(x1, y1, 0x88);
    out[8 + c] = _mm512_shuffle_f32x4(x0, y0, 0xDD);
    out[12 + c] = _mm512_shuffle_f32x4(x1, y1, 0xDD);
  }
}

// r[j] = 64 bytes of row j. Afterwards, in each 128-bit lane q, r[c] holds byte column c of the
// 16 rows (byte j = row j): four 16x16 byte transposes at once, in four unpack rounds.
__attribute__((target("avx512f,avx512bw"))) inline void TransposeBytes(__m512i r[16]) {
  __m512i a[16], b[16];
  for (int p = 0; p < 8; ++p) {  // a[p]: word c = rows 2p, 2p+1 of column c; a[8+p]: column 8+c
    a[p] = _mm512_unpacklo_epi8(r[2 * p], r[2 * p + 1]);
    a[8 + p] = _mm512_unpackhi_epi8(r[2 * p], r[2 * p + 1]);
  }
  for (int q = 0; q < 4; ++q) {  // b[4g + q]: dword c = rows 4q..4q+3 of column 4g + c
    b[q] = _mm512_unpacklo_epi16(a[2 * q], a[2 * q + 1]);
    b[4 + q] = _mm512_unpackhi_epi16(a[2 * q], a[2 * q + 1]);
    b[8 + q] = _mm512_unpacklo_epi16(a[8 + 2 * q], a[8 + 2 * q + 1]);
    b[12 + q] = _mm512_unpackhi_epi16(a[8 + 2 * q], a[8 + 2 * q + 1]);
  }
  for (int g = 0; g < 4; ++g) {  // a[4g + 2h (+1)]: qword = rows 8h..8h+7 of columns 4g, 4g+1 (+2)
    for (int h = 0; h < 2; ++h) {
      a[4 * g + 2 * h] = _mm512_unpacklo_epi32(b[4 * g + 2 * h], b[4 * g + 2 * h + 1]);
      a[4 * g + 2 * h + 1] = _mm512_unpackhi_epi32(b[4 * g + 2 * h], b[4 * g + 2 * h + 1]);
    }
  }
  for (int g = 0; g < 4; ++g) {
    r[4 * g + 0] = _mm512_unpacklo_epi64(a[4 * g + 0], a[4 * g + 2]);
    r[4 * g + 1] = _mm512_unpackhi_epi64(a[4 * g + 0], a[4 * g + 2]);
    r[4 * g + 2] = _mm512_unpacklo_epi64(a[4 * g + 1], a[4 * g + 3]);
    r[4 * g + 3] = _mm512_unpackhi_epi64(a[4 * g + 1], a[4 * g + 3]);
  }
}

}  // namespace inference
