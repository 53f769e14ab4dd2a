#include "inference/backend/cpu/step_products_avx2.h"

#include <immintrin.h>

#include <cstdint>

#include "inference/backend/cpu/avx2_formats.h"
#include "inference/backend/cpu/interleaved_weight.h"
#include "inference/backend/cpu/number_formats.h"

namespace inference {
namespace {

#define FC_AVX2 __attribute__((target("avx2,f16c"), always_inline)) inline

constexpr size_t kFp8Block = 128;
constexpr size_t kFp4Group = 32;
// The running sums of the 16 rows (two halves): partials of `block` columns, the first taken as
// it is and later ones added, as LaneMatmul's lane products do.
struct Sums {
  __m256 partial[2];
  __m256 acc[2];
  bool started = false;
};

FC_AVX2 void Clear(Sums& s) {
  s.partial[0] = s.partial[1] = s.acc[0] = s.acc[1] = _mm256_setzero_ps();
}

// Column k begins: close the previous partial when k starts a block.
FC_AVX2 void AtColumn(Sums& s, size_t k, size_t block) {
  if (k == 0 || k % block != 0) return;
  for (size_t h = 0; h < 2; ++h) {
    s.acc[h] = s.started ? _mm256_add_ps(s.acc[h], s.partial[h]) : s.partial[h];
    s.partial[h] = _mm256_setzero_ps();
  }
  s.started = true;
}

// partial += x * weight for both halves, each product rounded on its own.
FC_AVX2 void AddColumn(Sums& s, float x, __m256 w0, __m256 w1) {
  const __m256 xv = _mm256_set1_ps(x);
  __m256 p0 = _mm256_mul_ps(xv, w0), p1 = _mm256_mul_ps(xv, w1);
  asm("" : "+x"(p0), "+x"(p1));
  s.partial[0] = _mm256_add_ps(s.partial[0], p0);
  s.partial[1] = _mm256_add_ps(s.partial[1], p1);
}

FC_AVX2 void Finish(Sums& s, float* out) {
  for (size_t h = 0; h < 2; ++h) {
    const __m256 total = s.started ? _mm256_add_ps(s.acc[h], s.partial[h]) : s.partial[h];
    _mm256_storeu_ps(out + 8 * h, total);
  }
}

}  // namespace

bool StepProductsAvx2Fit(const Fp8Weight& w, size_t block) { return w.interleaved && block > 0; }
bool StepProductsAvx2Fit(const Fp4Weight& w, size_t block) {
  return w.interleaved && block > 0 && w.in % kFp4Group == 0;
}
bool StepProductsAvx2Fit(const Bf16Weight& w, size_t block) {
  return w.interleaved && block > 0 && w.in % 2 == 0;
}

__attribute__((target("avx2,f16c"))) void StepProductsAvx2(const Fp8Weight& w, size_t n0,
                                                           const float* x, size_t block,
                                                           float* out) {
  const size_t K = w.in, scale_cols = (K + kFp8Block - 1) / kFp8Block;
  const uint8_t* codes = w.data + n0 * K;  // column k of the 16 rows: 16 bytes at k * 16
  const uint8_t* scales = w.scale + (n0 / kFp8Block) * scale_cols;
  const __m256i keep = _mm256_set1_epi16(static_cast<short>(0xbfff));
  Sums s;
  Clear(s);
  __m256 c = _mm256_setzero_ps();
  bool through_fp16 = true;
  for (size_t k = 0; k < K; ++k) {
    if (k % kFp8Block == 0) {
      // Weight = (value * 2^-8) * (2^8 * scale): the e4m3 byte as an fp16 pattern is value * 2^-8
      // exactly, and the product is the scalar decoder's value * scale (one rounding of the same
      // real number) wherever 2^8 * scale is finite (byte <= 246); beyond, the decoder's own
      // arithmetic.
      const uint8_t byte = scales[k / kFp8Block];
      through_fp16 = byte <= 246;
      c = _mm256_set1_ps(through_fp16 ? E8m0ToFloat(static_cast<uint8_t>(byte + 8))
                                      : E8m0ToFloat(byte));
    }
    AtColumn(s, k, block);
    const uint8_t* column = codes + k * kInterleaveRows;
    if (k % 4 == 0) PrefetchAhead(column);  // a line holds four columns
    __m256 w0, w1;
    if (through_fp16) {
      const __m256i half = _mm256_and_si256(
          _mm256_slli_epi16(
              _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(column))), 7),
          keep);
      w0 = _mm256_mul_ps(_mm256_cvtph_ps(_mm256_castsi256_si128(half)), c);
      w1 = _mm256_mul_ps(_mm256_cvtph_ps(_mm256_extracti128_si256(half, 1)), c);
    } else {
      w0 = _mm256_mul_ps(DecodeE4m3x8(column), c);
      w1 = _mm256_mul_ps(DecodeE4m3x8(column + 8), c);
    }
    AddColumn(s, x[k], w0, w1);
  }
  Finish(s, out);
}

__attribute__((target("avx2,f16c"))) void StepProductsAvx2(const Fp4Weight& w, size_t n0,
                                                           const float* x, size_t block,
                                                           float* out) {
  const size_t K = w.in;
  const uint8_t* bytes = w.data + n0 * (K / 2);  // byte unit u of the 16 rows at u * 16
  const uint8_t* scales = w.scale + n0 * (K / kFp4Group);
  const __m256i nibble = _mm256_set1_epi32(0xf);
  Sums s;
  Clear(s);
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  for (size_t k = 0; k < K; k += 2) {  // byte k / 2: columns k (low nibble) and k + 1
    if (k % kFp4Group == 0) {
      const uint8_t* group = scales + (k / kFp4Group) * kInterleaveRows;
      s0 = DecodeE8m0x8(group);
      s1 = DecodeE8m0x8(group + 8);
    }
    const uint8_t* unit = bytes + (k / 2) * kInterleaveRows;
    if (k % 8 == 0) PrefetchAhead(unit);  // a line holds four byte units
    const __m256i b0 =
        _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(unit)));
    const __m256i b1 =
        _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(unit + 8)));
    AtColumn(s, k, block);
    AddColumn(s, x[k], _mm256_mul_ps(DecodeE2m1x8(_mm256_and_si256(b0, nibble)), s0),
              _mm256_mul_ps(DecodeE2m1x8(_mm256_and_si256(b1, nibble)), s1));
    AtColumn(s, k + 1, block);
    AddColumn(s, x[k + 1], _mm256_mul_ps(DecodeE2m1x8(_mm256_srli_epi32(b0, 4)), s0),
              _mm256_mul_ps(DecodeE2m1x8(_mm256_srli_epi32(b1, 4)), s1));
  }
  Finish(s, out);
}

__attribute__((target("avx2,f16c"))) void StepProductsAvx2(const Bf16Weight& w, size_t n0,
                                                           const float* x, size_t block,
                                                           float* out) {
  const size_t K = w.in;
  const uint8_t* pairs = w.data + n0 * K * 2;  // unit u (columns 2u, 2u + 1) at u * 64 bytes
  const __m256i high = _mm256_set1_epi32(static_cast<int>(0xffff0000u));
  Sums s;
  Clear(s);
  for (size_t k = 0; k < K; k += 2) {
    const uint8_t* unit = pairs + (k / 2) * kInterleaveRows * 4;
    PrefetchAhead(unit);  // one line per unit
    const __m256i p0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(unit));
    const __m256i p1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(unit + 32));
    AtColumn(s, k, block);
    AddColumn(s, x[k], _mm256_castsi256_ps(_mm256_slli_epi32(p0, 16)),
              _mm256_castsi256_ps(_mm256_slli_epi32(p1, 16)));
    AtColumn(s, k + 1, block);
    AddColumn(s, x[k + 1], _mm256_castsi256_ps(_mm256_and_si256(p0, high)),
              _mm256_castsi256_ps(_mm256_and_si256(p1, high)));
  }
  Finish(s, out);
}

#undef FC_AVX2

}  // namespace inference
