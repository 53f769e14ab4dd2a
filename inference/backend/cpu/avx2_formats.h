// The parts the AVX2 kernels (lane_decode_avx2.cc, step_products_avx2.cc, rms_norm_avx2.cc,
// quantize_avx2.cc) share: the checkpoint's number formats on 8 lanes, each function giving
// exactly the scalar value (number_formats.h), and the prefetch of a weight's stream. Include only
// from files whose callers are compiled for AVX2: the functions carry their target themselves.
#pragma once

#include <immintrin.h>

#include <cstdint>

namespace inference {

#define FC_AVX2_FORMATS __attribute__((target("avx2"), always_inline)) inline

// 8 e4m3 codes -> their values, as E4m3ToFloat: normals by moving the exponent and mantissa
// into place and rebiasing, subnormals as an exact integer times 2^-9, NaN codes as NaN.
FC_AVX2_FORMATS __m256 DecodeE4m3x8(const uint8_t* src) {
  const __m256i b = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(src)));
  const __m256i mag = _mm256_and_si256(b, _mm256_set1_epi32(0x7f));
  const __m256i normal_bits =
      _mm256_add_epi32(_mm256_slli_epi32(mag, 20), _mm256_set1_epi32((127 - 7) << 23));
  const __m256 subnormal =
      _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_and_si256(mag, _mm256_set1_epi32(7))),
                    _mm256_set1_ps(1.0f / 512.0f));
  const __m256i is_subnormal = _mm256_cmpgt_epi32(_mm256_set1_epi32(8), mag);
  const __m256i is_nan = _mm256_cmpeq_epi32(mag, _mm256_set1_epi32(0x7f));
  __m256i bits = _mm256_blendv_epi8(normal_bits, _mm256_castps_si256(subnormal), is_subnormal);
  bits = _mm256_blendv_epi8(bits, _mm256_set1_epi32(0x7fc00000), is_nan);
  const __m256i sign = _mm256_slli_epi32(_mm256_and_si256(b, _mm256_set1_epi32(0x80)), 24);
  return _mm256_castsi256_ps(_mm256_or_si256(bits, sign));
}

// 8 e8m0 scale bytes -> 2^(byte - 127), as E8m0ToFloat (0: 2^-127, 255: NaN).
FC_AVX2_FORMATS __m256 DecodeE8m0x8(const uint8_t* src) {
  const __m256i e = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(src)));
  __m256i bits = _mm256_slli_epi32(e, 23);
  bits = _mm256_blendv_epi8(bits, _mm256_set1_epi32(0x00400000),
                            _mm256_cmpeq_epi32(e, _mm256_setzero_si256()));
  bits = _mm256_blendv_epi8(bits, _mm256_set1_epi32(0x7fc00000),
                            _mm256_cmpeq_epi32(e, _mm256_set1_epi32(0xff)));
  return _mm256_castsi256_ps(bits);
}

// 8 e2m1 codes (the low 4 bits of each lane) -> their values, as E2m1ToFloat.
FC_AVX2_FORMATS __m256 DecodeE2m1x8(__m256i codes) {
  const __m256 magnitudes = _mm256_setr_ps(0.0f, 0.5f, 1.0f, 1.5f, 2.0f, 3.0f, 4.0f, 6.0f);
  const __m256 magnitude = _mm256_permutevar8x32_ps(magnitudes, codes);  // the low 3 bits
  const __m256i sign = _mm256_slli_epi32(_mm256_and_si256(codes, _mm256_set1_epi32(8)), 28);
  return _mm256_or_ps(magnitude, _mm256_castsi256_ps(sign));
}

// RoundToBf16 on 8 lanes: round to nearest even, a NaN kept (made quiet), as the scalar one.
FC_AVX2_FORMATS __m256 RoundToBf16x8(__m256 v) {
  const __m256i u = _mm256_castps_si256(v);
  const __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(1));
  const __m256i high = _mm256_set1_epi32(static_cast<int>(0xffff0000u));
  const __m256i rounded =
      _mm256_and_si256(_mm256_add_epi32(_mm256_add_epi32(u, _mm256_set1_epi32(0x7fff)), lsb), high);
  // |u| and 0x7f800000 are both non-negative as signed integers, so a signed compare serves.
  const __m256i nan = _mm256_cmpgt_epi32(_mm256_and_si256(u, _mm256_set1_epi32(0x7fffffff)),
                                         _mm256_set1_epi32(0x7f800000));
  const __m256i quiet = _mm256_or_si256(_mm256_and_si256(u, high), _mm256_set1_epi32(0x00400000));
  return _mm256_castsi256_ps(_mm256_blendv_epi8(rounded, quiet, nan));
}

// Each 64-byte line of a block's stream is prefetched this far ahead, into L2: the kernels read
// the weight from memory once, and the hardware prefetcher alone leaves them waiting (as the
// AVX-512 step kernels found). Past the weight's end a prefetch touches nothing (it never
// faults), hence an integer address.
constexpr uintptr_t kAheadBytes = 8192;
FC_AVX2_FORMATS void PrefetchAhead(const uint8_t* p) {
  _mm_prefetch(reinterpret_cast<const char*>(reinterpret_cast<uintptr_t>(p) + kAheadBytes),
               _MM_HINT_T1);
}

#undef FC_AVX2_FORMATS

}  // namespace inference
