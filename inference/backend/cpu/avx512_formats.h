// Sixteen stored values decoded at once into a zmm register, for the AVX-512 kernels: e8m0
// scales and MXFP4 codes, each equal to the scalar decoder's value, and bf16 rounding equal to
// RoundToBf16 (number_formats.h). Include
// only from files compiled for AVX-512 callers: the functions carry their targets themselves.
#pragma once

#include <immintrin.h>

#include <cstdint>

namespace inference {

// 16 e8m0 bytes -> 2^(byte - 127) as E8m0ToFloat (0: 2^-127, a subnormal; 255: NaN).
__attribute__((target("avx512f"))) inline __m512 E8m0x16(const uint8_t* bytes) {
  const __m512i e = _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(bytes)));
  __m512i bits = _mm512_slli_epi32(e, 23);
  bits = _mm512_mask_mov_epi32(bits, _mm512_cmpeq_epi32_mask(e, _mm512_setzero_si512()),
                               _mm512_set1_epi32(0x00400000));
  bits = _mm512_mask_mov_epi32(bits, _mm512_cmpeq_epi32_mask(e, _mm512_set1_epi32(0xff)),
                               _mm512_set1_epi32(0x7fc00000));
  return _mm512_castsi512_ps(bits);
}

// The 16 e2m1 values, indexed by code (the permutes below read the low 4 bits of each index).
__attribute__((target("avx512f"))) inline __m512 E2m1Values() {
  return _mm512_setr_ps(0.0f, 0.5f, 1.0f, 1.5f, 2.0f, 3.0f, 4.0f, 6.0f, -0.0f, -0.5f, -1.0f, -1.5f,
                        -2.0f, -3.0f, -4.0f, -6.0f);
}

// 16 MXFP4 bytes (one per lane) -> the low nibbles' values and the high nibbles' values.
__attribute__((target("avx512f"))) inline void E2m1Pairs(const uint8_t* bytes, __m512 values,
                                                         __m512& low, __m512& high) {
  const __m512i b = _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(bytes)));
  low = _mm512_permutexvar_ps(b, values);
  high = _mm512_permutexvar_ps(_mm512_srli_epi32(b, 4), values);
}

// RoundToBf16 on 16 lanes: round to nearest even onto bf16, a NaN kept (made quiet) as there.
__attribute__((target("avx512f"))) inline __m512 RoundToBf16x16(__m512 v) {
  const __m512i u = _mm512_castps_si512(v);
  const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1));
  const __m512i high = _mm512_set1_epi32(static_cast<int>(0xffff0000u));
  const __m512i rounded =
      _mm512_and_si512(_mm512_add_epi32(_mm512_add_epi32(u, _mm512_set1_epi32(0x7fff)), lsb), high);
  const __mmask16 nan = _mm512_cmpgt_epu32_mask(_mm512_and_si512(u, _mm512_set1_epi32(0x7fffffff)),
                                                _mm512_set1_epi32(0x7f800000));
  const __m512i quiet = _mm512_or_si512(_mm512_and_si512(u, high), _mm512_set1_epi32(0x00400000));
  return _mm512_castsi512_ps(_mm512_mask_mov_epi32(rounded, nan, quiet));
}

}  // namespace inference
