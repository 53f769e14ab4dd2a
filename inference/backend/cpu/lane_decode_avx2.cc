#include "inference/backend/cpu/lane_decode_avx2.h"

#include <immintrin.h>

#include <cstdint>

#include "inference/backend/cpu/avx2_formats.h"
#include "inference/backend/cpu/interleaved_weight.h"
#include "inference/backend/cpu/number_formats.h"

namespace inference {
namespace {

constexpr size_t kFp8Block = 128;
constexpr size_t kFp4Group = 32;
constexpr size_t kLanes = 8;

// Where the 8 rows' unit u lies in an interleaved weight of `units` units per row.
inline size_t UnitOffset(size_t n0, size_t units, size_t u) {
  return ((n0 / kInterleaveRows) * units + u) * kInterleaveRows + n0 % kInterleaveRows;
}

}  // namespace

__attribute__((target("avx2"))) void DecodeLanes8Avx2(const Fp8Weight& w, size_t n0, float* wt) {
  const size_t K = w.in, scale_cols = (K + kFp8Block - 1) / kFp8Block;
  const uint8_t* scales = w.scale + (n0 / kFp8Block) * scale_cols;
  __m256 s = _mm256_setzero_ps();
  for (size_t k = 0; k < K; ++k) {
    if (k % kFp8Block == 0) s = _mm256_set1_ps(E8m0ToFloat(scales[k / kFp8Block]));
    const uint8_t* codes = w.data + UnitOffset(n0, K, k);
    if (k % 4 == 0) PrefetchAhead(codes);  // a line holds four columns of the 16 rows
    _mm256_store_ps(wt + k * kLanes, _mm256_mul_ps(DecodeE4m3x8(codes), s));
  }
}

__attribute__((target("avx2"))) void DecodeLanes8Avx2(const Fp4Weight& w, size_t n0, float* wt) {
  const size_t K = w.in;
  const __m256i nibble = _mm256_set1_epi32(0xf);
  __m256 s = _mm256_setzero_ps();
  for (size_t k = 0; k < K; k += 2) {  // byte k / 2: columns k (low nibble) and k + 1
    if (k % kFp4Group == 0)
      s = DecodeE8m0x8(w.scale + UnitOffset(n0, K / kFp4Group, k / kFp4Group));
    const uint8_t* bytes = w.data + UnitOffset(n0, K / 2, k / 2);
    if (k % 8 == 0) PrefetchAhead(bytes);  // a line holds four bytes of the 16 rows
    const __m256i b =
        _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(bytes)));
    _mm256_store_ps(wt + k * kLanes, _mm256_mul_ps(DecodeE2m1x8(_mm256_and_si256(b, nibble)), s));
    _mm256_store_ps(wt + (k + 1) * kLanes, _mm256_mul_ps(DecodeE2m1x8(_mm256_srli_epi32(b, 4)), s));
  }
}

__attribute__((target("avx2"))) void DecodeLanes8Avx2(const Bf16Weight& w, size_t n0, float* wt) {
  const size_t K = w.in;
  const __m256i high = _mm256_set1_epi32(static_cast<int>(0xffff0000u));
  for (size_t k = 0; k < K; k += 2) {  // dword k / 2: column k in the low half, k + 1 high
    const uint8_t* pairs = w.data + UnitOffset(n0, K / 2, k / 2) * 4;
    PrefetchAhead(pairs);  // a line holds one pair of columns of the 16 rows
    const __m256i pair = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(pairs));
    _mm256_store_si256(reinterpret_cast<__m256i*>(wt + k * kLanes), _mm256_slli_epi32(pair, 16));
    _mm256_store_si256(reinterpret_cast<__m256i*>(wt + (k + 1) * kLanes),
                       _mm256_and_si256(pair, high));
  }
}

}  // namespace inference
