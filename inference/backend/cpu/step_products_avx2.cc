#include "inference/backend/cpu/step_products_avx2.h"

#include <immintrin.h>

#include <algorithm>
#include <cstdint>

#include "inference/backend/cpu/avx2_formats.h"
#include "inference/backend/cpu/exact_products.h"
#include "inference/backend/cpu/interleaved_weight.h"
#include "inference/backend/cpu/number_formats.h"

namespace inference {
namespace {

#define FC_AVX2 __attribute__((target("avx2,fma,f16c"), always_inline)) inline

constexpr size_t kFp8Block = 128;
constexpr size_t kFp4Group = 32;

// The running sums of the 16 rows (two halves): partials of `block` columns, the first taken as
// it is and later ones added, as LaneMatmul's lane products do. The next partial's first column
// is counted, not found by a division per column (a division per column was the kernels' largest
// cost).
struct Sums {
  __m256 partial[2];
  __m256 acc[2];
  bool started = false;
  size_t block = 0;
  size_t next = 0;  // the column that closes the current partial
};

FC_AVX2 void Start(Sums& s, size_t block) {
  s.partial[0] = s.partial[1] = s.acc[0] = s.acc[1] = _mm256_setzero_ps();
  s.block = s.next = block;
}

// Column k begins: close the partial when k starts the next one.
FC_AVX2 void AtColumn(Sums& s, size_t k) {
  if (k != s.next) return;
  for (size_t h = 0; h < 2; ++h) {
    s.acc[h] = s.started ? _mm256_add_ps(s.acc[h], s.partial[h]) : s.partial[h];
    s.partial[h] = _mm256_setzero_ps();
  }
  s.started = true;
  s.next += s.block;
}

// partial += x * weight for both halves, each product rounded on its own.
FC_AVX2 void AddColumn(Sums& s, float x, __m256 w0, __m256 w1) {
  const __m256 xv = _mm256_set1_ps(x);
  __m256 p0 = _mm256_mul_ps(xv, w0), p1 = _mm256_mul_ps(xv, w1);
  asm("" : "+x"(p0), "+x"(p1));
  s.partial[0] = _mm256_add_ps(s.partial[0], p0);
  s.partial[1] = _mm256_add_ps(s.partial[1], p1);
}

// The same where each product is exact: one fused multiply-add, which rounds only the sum.
FC_AVX2 void FusedAddColumn(Sums& s, float x, __m256 w0, __m256 w1) {
  const __m256 xv = _mm256_set1_ps(x);
  s.partial[0] = _mm256_fmadd_ps(xv, w0, s.partial[0]);
  s.partial[1] = _mm256_fmadd_ps(xv, w1, s.partial[1]);
}

FC_AVX2 void Finish(Sums& s, float* out) {
  for (size_t h = 0; h < 2; ++h) {
    const __m256 total = s.started ? _mm256_add_ps(s.acc[h], s.partial[h]) : s.partial[h];
    _mm256_storeu_ps(out + 8 * h, total);
  }
}

// How an FP8 scale block's columns are multiplied (see StepProductsAvx2 below).
enum class Fp8Mode { kDecoder, kScaled, kFolded, kFoldedFused };

// 8 e4m3 codes as value * 2^-120 (exact_products.h), in-lane as the AVX-512 kernels' Fp8Line
// (step_kernel_parts_avx512.h): cheaper than the fp16 route (vcvtph2ps, whose widening needs the
// shuffle unit).
FC_AVX2 __m256 Fp8x8(const uint8_t* codes) {
  const __m256i code =
      _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(codes)));
  return _mm256_castsi256_ps(_mm256_and_si256(_mm256_slli_epi32(code, 20),
                                              _mm256_set1_epi32(static_cast<int>(0x87f00000u))));
}

// Columns [k, end) of one FP8 scale block. Column k's activation is xv[k - x0]: x itself, or
// the block's folded copy.
template <Fp8Mode kMode>
FC_AVX2 void Fp8Columns(const uint8_t* codes, size_t k, size_t end, const float* xv, size_t x0,
                        __m256 c, Sums& s) {
  for (; k < end; ++k) {
    AtColumn(s, k);
    const uint8_t* column = codes + k * kInterleaveRows;
    if (k % 4 == 0) PrefetchAhead(column);  // a line holds four columns
    __m256 w0, w1;
    if constexpr (kMode == Fp8Mode::kDecoder) {
      w0 = _mm256_mul_ps(DecodeE4m3x8(column), c);
      w1 = _mm256_mul_ps(DecodeE4m3x8(column + 8), c);
    } else {
      w0 = Fp8x8(column);
      w1 = Fp8x8(column + 8);
      if constexpr (kMode == Fp8Mode::kScaled) {
        w0 = _mm256_mul_ps(w0, c);
        w1 = _mm256_mul_ps(w1, c);
      }
    }
    if constexpr (kMode == Fp8Mode::kFoldedFused) {
      FusedAddColumn(s, xv[k - x0], w0, w1);
    } else {
      AddColumn(s, xv[k - x0], w0, w1);
    }
  }
}

// Two whole scale blocks from k0, both folded and fused, where partials are the scale blocks
// (block == kFp8Block): alone, a block's partial is one chain of dependent multiply-adds, and
// their latency bounds it; the two blocks' partials are independent chains, run side by side and
// joined to the running sums in order, as AtColumn would. xs[b] is block b's folded copy.
FC_AVX2 void Fp8FusedPair(const uint8_t* codes, size_t k0, const float (&xs)[2][kFp8Block],
                          Sums& s) {
  __m256 part[2][2];
  for (size_t b = 0; b < 2; ++b) part[b][0] = part[b][1] = _mm256_setzero_ps();
  for (size_t i = 0; i < kFp8Block; ++i) {
#pragma GCC unroll 2
    for (size_t b = 0; b < 2; ++b) {
      const uint8_t* column = codes + (k0 + kFp8Block * b + i) * kInterleaveRows;
      if (i % 4 == 0) PrefetchAhead(column);
      const __m256 xv = _mm256_set1_ps(xs[b][i]);
      part[b][0] = _mm256_fmadd_ps(xv, Fp8x8(column), part[b][0]);
      part[b][1] = _mm256_fmadd_ps(xv, Fp8x8(column + 8), part[b][1]);
    }
  }
  for (size_t b = 0; b < 2; ++b) {
    AtColumn(s, k0 + kFp8Block * b);
    s.partial[0] = part[b][0];
    s.partial[1] = part[b][1];
  }
}

// xs[i] = x[i] * c for i < n (c a power of two); false when any is not exact (overflow, or bits
// lost below the normal range), found by scaling back.
FC_AVX2 bool ScaleExactly(const float* x, size_t n, float c, float inverse, float* xs) {
  const __m256 cv = _mm256_set1_ps(c), iv = _mm256_set1_ps(inverse);
  __m256 inexact = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i), scaled = _mm256_mul_ps(v, cv);
    inexact = _mm256_or_ps(inexact, _mm256_cmp_ps(_mm256_mul_ps(scaled, iv), v, _CMP_NEQ_UQ));
    _mm256_storeu_ps(xs + i, scaled);
  }
  bool exact = _mm256_movemask_ps(inexact) == 0;
  for (size_t j = 0; j < n % 8; ++j) {  // the tail (counted so: GCC misjudged `i < n` here)
    xs[i + j] = x[i + j] * c;
    exact = exact && xs[i + j] * inverse == x[i + j];
  }
  return exact;
}

// Whether the whole scale block at x (scale byte `byte`) folds and fuses; its folded copy in xs.
FC_AVX2 bool FoldsFused(const float* x, uint8_t byte, const ActivationFacts& facts, float* xs) {
  return byte <= kFp8MaxFoldedByte && Fp8ProductsExact(facts, byte) &&
         ScaleExactly(x, kFp8Block, Fp8FoldFactor(byte), Fp8FoldInverse(byte), xs);
}

// 2 * code of each e2m1 code (the integers 0..12 with the code's sign), a byte-shuffle table.
FC_AVX2 __m128i DoubledE2m1() {
  return _mm_setr_epi8(0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12);
}

// 8 int8 lanes -> 8 fp32 lanes (exact).
FC_AVX2 __m256 Int8ToFloat(__m128i v) { return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(v)); }

// MXFP4 groups g0 .. g0 + G - 1 (32 columns each), each its own partial (block == 32), summed
// from x * (2 * code) with fused multiply-adds and multiplied by half the group's scale once
// (Fp4ScaledSumsExact: the same bits). The G groups' sums are independent chains run side by
// side (alone, the add latency bounds a chain) and join the running sums in order.
template <size_t G>
FC_AVX2 void Fp4ScaledGroups(const uint8_t* bytes, const uint8_t* scales, const float* x, size_t g0,
                             Sums& s) {
  const __m128i doubled = DoubledE2m1(), nibble = _mm_set1_epi8(0x0f);
  __m256 part[G][2];
  for (size_t q = 0; q < G; ++q) part[q][0] = part[q][1] = _mm256_setzero_ps();
  for (size_t u = 0; u < kFp4Group / 2; ++u) {
#pragma GCC unroll 4
    for (size_t q = 0; q < G; ++q) {
      const size_t k = (g0 + q) * kFp4Group + 2 * u;  // byte u: low nibble k, high nibble k + 1
      const uint8_t* unit = bytes + (k / 2) * kInterleaveRows;
      if (u % 4 == 0) PrefetchAhead(unit);  // a line holds four byte units
      const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(unit));
      const __m128i lo = _mm_shuffle_epi8(doubled, _mm_and_si128(b, nibble));
      const __m128i hi = _mm_shuffle_epi8(doubled, _mm_and_si128(_mm_srli_epi16(b, 4), nibble));
      const __m256 xl = _mm256_set1_ps(x[k]), xh = _mm256_set1_ps(x[k + 1]);
      part[q][0] = _mm256_fmadd_ps(xl, Int8ToFloat(lo), part[q][0]);
      part[q][1] = _mm256_fmadd_ps(xl, Int8ToFloat(_mm_unpackhi_epi64(lo, lo)), part[q][1]);
      part[q][0] = _mm256_fmadd_ps(xh, Int8ToFloat(hi), part[q][0]);
      part[q][1] = _mm256_fmadd_ps(xh, Int8ToFloat(_mm_unpackhi_epi64(hi, hi)), part[q][1]);
    }
  }
  const __m256 half = _mm256_set1_ps(0.5f);
  for (size_t q = 0; q < G; ++q) {
    AtColumn(s, (g0 + q) * kFp4Group);
    const uint8_t* group = scales + (g0 + q) * kInterleaveRows;
    for (size_t h = 0; h < 2; ++h) {
      s.partial[h] = _mm256_mul_ps(part[q][h], _mm256_mul_ps(DecodeE8m0x8(group + 8 * h), half));
    }
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

// Per 128-column scale block, the cheapest form that keeps the scalar decoder's products:
//   weight = (value * 2^-120) * (2^120 * scale) is exact (Fp8x8's value times a power of two,
//   finite while 2^120 * scale is: byte <= kFp8MaxFoldedByte), so x * weight is one rounding of
//   x * value * scale ("scaled"). Where x * 2^120 * scale is exact too,
//   (x * 2^120 * scale) * (value * 2^-120) is that same rounding with one multiply less
//   ("folded"), and where the products are exact (Fp8ProductsExact) one fused multiply-add
//   ("folded, fused"; two such blocks run side by side where partials are the blocks). Larger
//   scales (no real checkpoint has them) take the decoder's own arithmetic.
__attribute__((target("avx2,fma,f16c"))) void StepProductsAvx2(const Fp8Weight& w, size_t n0,
                                                               const float* x, size_t block,
                                                               const ActivationFacts& facts,
                                                               float* out) {
  const size_t K = w.in, scale_cols = (K + kFp8Block - 1) / kFp8Block;
  const uint8_t* codes = w.data + n0 * K;  // column k of the 16 rows: 16 bytes at k * 16
  const uint8_t* scales = w.scale + (n0 / kFp8Block) * scale_cols;
  Sums s;
  Start(s, block);
  alignas(32) float xs[2][kFp8Block];
  for (size_t k0 = 0; k0 < K;) {
    const size_t k1 = std::min(K, k0 + kFp8Block);
    if (block == kFp8Block && k0 + 2 * kFp8Block <= K &&
        FoldsFused(x + k0, scales[k0 / kFp8Block], facts, xs[0]) &&
        FoldsFused(x + k0 + kFp8Block, scales[k0 / kFp8Block + 1], facts, xs[1])) {
      Fp8FusedPair(codes, k0, xs, s);
      k0 += 2 * kFp8Block;
      continue;
    }
    const uint8_t byte = scales[k0 / kFp8Block];
    if (byte > kFp8MaxFoldedByte) {
      Fp8Columns<Fp8Mode::kDecoder>(codes, k0, k1, x, 0, _mm256_set1_ps(E8m0ToFloat(byte)), s);
    } else if (ScaleExactly(x + k0, k1 - k0, Fp8FoldFactor(byte), Fp8FoldInverse(byte), xs[0])) {
      if (Fp8ProductsExact(facts, byte)) {
        Fp8Columns<Fp8Mode::kFoldedFused>(codes, k0, k1, xs[0], k0, _mm256_setzero_ps(), s);
      } else {
        Fp8Columns<Fp8Mode::kFolded>(codes, k0, k1, xs[0], k0, _mm256_setzero_ps(), s);
      }
    } else {
      Fp8Columns<Fp8Mode::kScaled>(codes, k0, k1, x, 0, _mm256_set1_ps(Fp8FoldFactor(byte)), s);
    }
    k0 = k1;
  }
  Finish(s, out);
}

__attribute__((target("avx2,fma,f16c"))) void StepProductsAvx2(const Fp4Weight& w, size_t n0,
                                                               const float* x, size_t block,
                                                               const ActivationFacts& facts,
                                                               float* out) {
  const size_t K = w.in;
  const uint8_t* bytes = w.data + n0 * (K / 2);  // byte unit u of the 16 rows at u * 16
  const uint8_t* scales = w.scale + n0 * (K / kFp4Group);
  Sums s;
  Start(s, block);
  if (block == kFp4Group && Fp4ScaledSumsExact(w, facts)) {
    const size_t groups = K / kFp4Group;
    size_t g = 0;
    for (; g + 2 <= groups; g += 2) Fp4ScaledGroups<2>(bytes, scales, x, g, s);
    if (g < groups) Fp4ScaledGroups<1>(bytes, scales, x, g, s);
    Finish(s, out);
    return;
  }
  const __m256i nibble = _mm256_set1_epi32(0xf);
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
    AtColumn(s, k);
    AddColumn(s, x[k], _mm256_mul_ps(DecodeE2m1x8(_mm256_and_si256(b0, nibble)), s0),
              _mm256_mul_ps(DecodeE2m1x8(_mm256_and_si256(b1, nibble)), s1));
    AtColumn(s, k + 1);
    AddColumn(s, x[k + 1], _mm256_mul_ps(DecodeE2m1x8(_mm256_srli_epi32(b0, 4)), s0),
              _mm256_mul_ps(DecodeE2m1x8(_mm256_srli_epi32(b1, 4)), s1));
  }
  Finish(s, out);
}

__attribute__((target("avx2,fma,f16c"))) void StepProductsAvx2(const Bf16Weight& w, size_t n0,
                                                               const float* x, size_t block,
                                                               const ActivationFacts&, float* out) {
  const size_t K = w.in;
  const uint8_t* pairs = w.data + n0 * K * 2;  // unit u (columns 2u, 2u + 1) at u * 64 bytes
  const __m256i high = _mm256_set1_epi32(static_cast<int>(0xffff0000u));
  Sums s;
  Start(s, block);
  for (size_t k = 0; k < K; k += 2) {
    const uint8_t* unit = pairs + (k / 2) * kInterleaveRows * 4;
    PrefetchAhead(unit);  // one line per unit
    const __m256i p0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(unit));
    const __m256i p1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(unit + 32));
    AtColumn(s, k);
    AddColumn(s, x[k], _mm256_castsi256_ps(_mm256_slli_epi32(p0, 16)),
              _mm256_castsi256_ps(_mm256_slli_epi32(p1, 16)));
    AtColumn(s, k + 1);
    AddColumn(s, x[k + 1], _mm256_castsi256_ps(_mm256_and_si256(p0, high)),
              _mm256_castsi256_ps(_mm256_and_si256(p1, high)));
  }
  Finish(s, out);
}

#undef FC_AVX2

}  // namespace inference
