#include "inference/backend/cpu/lane_decode_avx512.h"

// GCC 12 warns inside its own avx512fintrin.h (the "undefined" source operands of the
// _mm512_cvtepu*_epi32 intrinsics); the warning is about the header, not this code.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "inference/backend/cpu/avx512_formats.h"
#include "inference/backend/cpu/avx512_transpose.h"
#include "inference/backend/cpu/interleaved_weight.h"
#include "inference/backend/cpu/number_formats.h"

namespace inference {
namespace {

constexpr size_t kFp8Block = 128;
constexpr size_t kFp4Group = 32;

#define FC_AVX512 __attribute__((target("avx512f")))

FC_AVX512 inline void TransposeStore16(const __m512 r[16], float* out) {
  __m512 o[16];
  Transpose16x16(r, o);
  for (int c = 0; c < 16; ++c) _mm512_store_ps(out + c * 16, o[c]);
}

// 16 e4m3fn bytes -> floats equal to E4m3Table(): normals by moving the exponent and mantissa
// into place (bias 7 -> 127), subnormals as mantissa * 2^-9 (exact), 0x7f/0xff as the table's
// NaN, the sign bit copied last.
FC_AVX512 inline __m512 DecodeE4m3x16(const uint8_t* src) {
  const __m512i b = _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src)));
  const __m512i mag = _mm512_and_si512(b, _mm512_set1_epi32(0x7f));
  const __m512i normal_bits =
      _mm512_add_epi32(_mm512_slli_epi32(mag, 20), _mm512_set1_epi32((127 - 7) << 23));
  const __m512 subnormal =
      _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_and_si512(mag, _mm512_set1_epi32(7))),
                    _mm512_set1_ps(1.0f / 512.0f));
  const __mmask16 is_subnormal = _mm512_cmplt_epi32_mask(mag, _mm512_set1_epi32(8));
  const __mmask16 is_nan = _mm512_cmpeq_epi32_mask(mag, _mm512_set1_epi32(0x7f));
  __m512i bits = _mm512_mask_mov_epi32(normal_bits, is_subnormal, _mm512_castps_si512(subnormal));
  bits = _mm512_mask_mov_epi32(bits, is_nan, _mm512_set1_epi32(0x7fc00000));
  const __m512i sign = _mm512_slli_epi32(_mm512_and_si512(b, _mm512_set1_epi32(0x80)), 24);
  return _mm512_castsi512_ps(_mm512_or_si512(bits, sign));
}

// Tile decoders: r[j] = columns k..k+15 of row n0 + j, decoded and scaled.
FC_AVX512 inline void DecodeTile(const Fp8Weight& w, size_t n0, size_t k, __m512 r[16]) {
  const size_t K = w.in, scale_cols = (K + kFp8Block - 1) / kFp8Block, kb = k / kFp8Block;
  for (size_t j = 0; j < 16; ++j) {
    const size_t row = n0 + j;
    const float s = E8m0ToFloat(w.scale[(row / kFp8Block) * scale_cols + kb]);
    r[j] = _mm512_mul_ps(DecodeE4m3x16(w.data + row * K + k), _mm512_set1_ps(s));
  }
}

FC_AVX512 inline void DecodeTile(const Fp4Weight& w, size_t n0, size_t k, __m512 r[16]) {
  const size_t K = w.in;
  const __m512 values = E2m1Values();
  for (size_t j = 0; j < 16; ++j) {
    const size_t row = n0 + j;
    const float s = E8m0ToFloat(w.scale[row * (K / kFp4Group) + k / kFp4Group]);
    uint64_t packed;
    std::memcpy(&packed, w.data + row * (K / 2) + k / 2, sizeof packed);
    // Byte i holds column k + 2i in its low nibble and k + 2i + 1 in its high nibble.
    const __m128i bytes = _mm_cvtsi64_si128(static_cast<long long>(packed));
    const __m128i lo = _mm_and_si128(bytes, _mm_set1_epi8(0x0f));
    const __m128i hi = _mm_and_si128(_mm_srli_epi16(bytes, 4), _mm_set1_epi8(0x0f));
    const __m512i idx = _mm512_cvtepu8_epi32(_mm_unpacklo_epi8(lo, hi));
    r[j] = _mm512_mul_ps(_mm512_permutexvar_ps(idx, values), _mm512_set1_ps(s));
  }
}

FC_AVX512 inline void DecodeTile(const Bf16Weight& w, size_t n0, size_t k, __m512 r[16]) {
  const size_t K = w.in;
  for (size_t j = 0; j < 16; ++j) {
    const __m256i h =
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w.data + ((n0 + j) * K + k) * 2));
    r[j] = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
  }
}

template <typename Weight>
FC_AVX512 inline void DecodeLanes(const Weight& w, size_t n0, float* wt) {
  __m512 r[16];
  for (size_t k = 0; k < w.in; k += 16) {
    DecodeTile(w, n0, k, r);
    TransposeStore16(r, wt + k * 16);
  }
}

// Interleaved weights: a 16-row block is already one value per lane, column after column (n0 a
// multiple of 16; the FP8 rows share one 128-row scale block).
FC_AVX512 inline void DecodeInterleaved(const Fp8Weight& w, size_t n0, float* wt) {
  const size_t K = w.in, scale_cols = (K + kFp8Block - 1) / kFp8Block;
  const uint8_t* codes = w.data + n0 * K;
  const uint8_t* scales = w.scale + (n0 / kFp8Block) * scale_cols;
  __m512 s = _mm512_setzero_ps();
  for (size_t k = 0; k < K; ++k) {
    if (k % kFp8Block == 0) s = _mm512_set1_ps(E8m0ToFloat(scales[k / kFp8Block]));
    _mm512_store_ps(wt + k * 16, _mm512_mul_ps(DecodeE4m3x16(codes + k * 16), s));
  }
}

FC_AVX512 inline void DecodeInterleaved(const Fp4Weight& w, size_t n0, float* wt) {
  const size_t K = w.in;
  const uint8_t* bytes = w.data + n0 * (K / 2);
  const uint8_t* scales = w.scale + n0 * (K / kFp4Group);
  const __m512 values = E2m1Values();
  __m512 s = _mm512_setzero_ps();
  for (size_t k = 0; k < K; k += 2) {  // byte k / 2: columns k (low nibble) and k + 1
    if (k % kFp4Group == 0) s = E8m0x16(scales + (k / kFp4Group) * 16);
    __m512 lo, hi;
    E2m1Pairs(bytes + (k / 2) * 16, values, lo, hi);
    _mm512_store_ps(wt + k * 16, _mm512_mul_ps(lo, s));
    _mm512_store_ps(wt + (k + 1) * 16, _mm512_mul_ps(hi, s));
  }
}

FC_AVX512 inline void DecodeInterleaved(const Bf16Weight& w, size_t n0, float* wt) {
  const size_t K = w.in;
  const uint8_t* pairs = w.data + n0 * K * 2;
  const __m512i high = _mm512_set1_epi32(static_cast<int>(0xffff0000u));
  for (size_t k = 0; k < K; k += 2) {  // dword k / 2: column k in the low half, k + 1 high
    const __m512i pair = _mm512_loadu_si512(pairs + k * 32);
    _mm512_store_si512(wt + k * 16, _mm512_slli_epi32(pair, 16));
    _mm512_store_si512(wt + (k + 1) * 16, _mm512_and_si512(pair, high));
  }
}

template <typename Weight>
FC_AVX512 inline void DecodeBlock(const Weight& w, size_t n0, float* wt) {
  if (w.interleaved) return DecodeInterleaved(w, n0, wt);
  DecodeLanes(w, n0, wt);
}

}  // namespace

FC_AVX512 void DecodeLanes16Avx512(const Fp8Weight& w, size_t n0, float* wt) {
  DecodeBlock(w, n0, wt);
}
FC_AVX512 void DecodeLanes16Avx512(const Fp4Weight& w, size_t n0, float* wt) {
  DecodeBlock(w, n0, wt);
}
FC_AVX512 void DecodeLanes16Avx512(const Bf16Weight& w, size_t n0, float* wt) {
  DecodeBlock(w, n0, wt);
}

#undef FC_AVX512

}  // namespace inference
