#include "inference/backend/cpu/step_products_avx512.h"

#include <algorithm>
#include <cstdint>
#include <type_traits>

#include "inference/backend/cpu/avx512_formats.h"
#include "inference/backend/cpu/exact_products.h"
#include "inference/backend/cpu/interleaved_weight.h"
#include "inference/backend/cpu/number_formats.h"
#include "inference/backend/cpu/step_kernel_parts_avx512.h"

namespace inference {
namespace {

using namespace step_kernel;  // NOLINT: the kernels' own building blocks

// The 64 FP8 columns of a chunk (column k0 + c of row j at byte c * 16 + j) against x. With
// kFolded, x is the scaled copy (the weights need no scale); otherwise each weight vector is
// multiplied by c = 2^120 * scale; with kFused (folded only) the products are exact. Column
// k0 + i is x's column x_k0 + i.
template <bool kFolded, bool kFused, size_t R>
FC_AVX512 void Fp8Columns(const uint8_t* chunk, const float* x, size_t x_stride, size_t x_k0,
                          size_t k0, __m512 c, Sums<R>& s) {
  for (size_t q = 0; q < 4; ++q) {
    AtColumn(s, k0 + 16 * q);
#pragma GCC unroll 4
    for (size_t g = 0; g < 4; ++g) {
      const uint8_t* line = chunk + (4 * q + g) * kLine;  // columns 16q + 4g .. + 3
      PrefetchAhead(line);
      __m512 v[4];
      Fp8Line(line, v);
#pragma GCC unroll 4
      for (size_t i = 0; i < 4; ++i) {
        if (!kFolded) v[i] = _mm512_mul_ps(v[i], c);
        AddProducts<kFused>(s.partial, x, x_stride, x_k0 + 16 * q + 4 * g + i, v[i]);
      }
    }
  }
}

// FP8 chunk: 64 columns from k0, inside one 128 x 128 scale block (16-row blocks never straddle
// one), so one scale for all 16 rows.
//   weight = (value * 2^-120) * (2^120 * scale) is exact: both factors are exact (Fp8Line), and
//   an e4m3 value has at most 4 significant bits, the lowest no finer than 2^-9, so the product
//   is representable for every scale up to 2^6 (byte kFp8MaxFoldedByte). x * weight is then the
//   one rounding of x * value * scale. Where x * 2^120 * scale is exact too (checked),
//   (x * 2^120 * scale) * (value * 2^-120) is that same rounding and saves a multiply per weight
//   vector: the "folded" loop, fused where its products are exact (Fp8ProductsExact). Larger
//   scales (no real checkpoint has them) take the scalar decoder's table. (Interleave keeps
//   weights with NaN codes row-major, so none reach this kernel.)
template <size_t R>
FC_AVX512 void Chunk(const Fp8Weight& w, size_t n0, size_t k0, const float* x, size_t x_stride,
                     const ActivationFacts& facts, Sums<R>& s) {
  const size_t K = w.in, scale_cols = (K + kFp8Block - 1) / kFp8Block;
  const uint8_t* chunk = w.data + n0 * K + k0 * kInterleaveRows;
  const uint8_t byte = w.scale[(n0 / kFp8Block) * scale_cols + k0 / kFp8Block];
  if (byte <= kFp8MaxFoldedByte) {
    alignas(64) float xs[R][64];
    if (ScaleExactly<R>(x, x_stride, k0, Fp8FoldFactor(byte), Fp8FoldInverse(byte), &xs[0][0],
                        64)) {
      if (Fp8ProductsExact(facts, byte)) {
        return Fp8Columns<true, true>(chunk, &xs[0][0], 64, 0, k0, _mm512_setzero_ps(), s);
      }
      return Fp8Columns<true, false>(chunk, &xs[0][0], 64, 0, k0, _mm512_setzero_ps(), s);
    }
    const __m512 c = _mm512_set1_ps(Fp8FoldFactor(byte));
    return Fp8Columns<false, false>(chunk, x, x_stride, k0, k0, c, s);
  }
  const float* table = E4m3Table();
  const float scale = E8m0ToFloat(byte);
  alignas(64) float v[16];
  for (size_t q = 0; q < 4; ++q) {
    AtColumn(s, k0 + 16 * q);
    for (size_t col = 16 * q; col < 16 * q + 16; ++col) {
      for (size_t j = 0; j < 16; ++j) v[j] = table[chunk[col * 16 + j]] * scale;
      AddTo(s.partial, x, x_stride, k0 + col, _mm512_load_ps(v));
    }
  }
}

// Two FP8 scale blocks side by side (columns k0 .. k0 + 255, partials of width 128), where both
// fold and their products are exact (as in Chunk): alone, a block's partial is one chain of
// dependent multiply-adds, and their latency bounds it. The two partials are independent, so
// they run as two chains and join the running sum in order, as AtColumn would. False, with
// nothing added, where that does not apply.
template <size_t R>
FC_AVX512 bool Fp8FusedPair(const Fp8Weight& w, size_t n0, size_t k0, const float* x,
                            size_t x_stride, const ActivationFacts& facts, Sums<R>& s) {
  const size_t K = w.in, scale_cols = (K + kFp8Block - 1) / kFp8Block;
  const uint8_t* scales = w.scale + (n0 / kFp8Block) * scale_cols + k0 / kFp8Block;
  alignas(64) float xs[2][R][128];
  for (size_t b = 0; b < 2; ++b) {
    if (!FoldFp8Block<R>(x, x_stride, k0 + kFp8Block * b, scales[b], facts, &xs[b][0][0], 128))
      return false;
  }
  const uint8_t* first = w.data + n0 * K + k0 * kInterleaveRows;
  __m512 part[2][R];
#pragma GCC unroll 2
  for (size_t b = 0; b < 2; ++b) {
#pragma GCC unroll 4
    for (size_t r = 0; r < R; ++r) part[b][r] = _mm512_setzero_ps();
  }
  for (size_t l = 0; l < 32; ++l) {  // line l of each block holds its columns 4l .. 4l + 3
#pragma GCC unroll 2
    for (size_t b = 0; b < 2; ++b) {
      const uint8_t* line = first + (32 * b + l) * kLine;
      PrefetchAhead(line);
      __m512 v[4];
      Fp8Line(line, v);
#pragma GCC unroll 4
      for (size_t i = 0; i < 4; ++i) FusedAddTo(part[b], &xs[b][0][0], 128, 4 * l + i, v[i]);
    }
  }
#pragma GCC unroll 2
  for (size_t b = 0; b < 2; ++b) {
    AtColumn(s, k0 + kFp8Block * b);
#pragma GCC unroll 4
    for (size_t r = 0; r < R; ++r) s.partial[r] = part[b][r];
  }
  return true;
}

// MXFP4 chunk: 128 columns from k0 = four scale groups of 16 bytes per row (byte u of row j at
// u * 16 + j); each group is one partial sum (block == 32, StepProductsFit). With kScaleSums the
// products are exact and every sum stays normal (Fp4ScaledSumsExact), so each group's partial is
// summed from x * code with fused multiply-adds and multiplied by the row's scale once: every
// intermediate sum is the reference's divided by that power of two, hence the same bits.
template <bool kScaleSums, size_t R>
FC_AVX512 void Fp4Chunk(const Fp4Weight& w, size_t n0, size_t k0, const float* x, size_t x_stride,
                        Sums<R>& s) {
  const size_t K = w.in;
  const uint8_t* chunk = w.data + n0 * (K / 2) + (k0 / 2) * kInterleaveRows;
  const uint8_t* scales = w.scale + n0 * (K / kFp4Group) + (k0 / kFp4Group) * kInterleaveRows;
  const __m512 values = E2m1Values();
  __m512 scale[4];
  for (size_t q = 0; q < 4; ++q) scale[q] = E8m0x16(scales + q * kInterleaveRows);
  // Each group is a whole partial sum: the four run side by side (independent dependency
  // chains instead of one) and join the running sum in order, as AtColumn would.
  __m512 part[4][R];
  for (size_t q = 0; q < 4; ++q) {
#pragma GCC unroll 4
    for (size_t r = 0; r < R; ++r) part[q][r] = _mm512_setzero_ps();
  }
  for (size_t u = 0; u < 16; ++u) {
#pragma GCC unroll 4
    for (size_t q = 0; q < 4; ++q) {
      const uint8_t* bytes = chunk + (16 * q + u) * kInterleaveRows;
      if (u % 4 == 0) PrefetchAhead(bytes);  // one line holds four bytes of each row
      const size_t k = k0 + 32 * q + 2 * u;  // byte u: low nibble column k, high nibble k + 1
      __m512 lo, hi;
      E2m1Pairs(bytes, values, lo, hi);
      if constexpr (kScaleSums) {
        FusedAddTo(part[q], x, x_stride, k, lo);
        FusedAddTo(part[q], x, x_stride, k + 1, hi);
      } else {
        AddTo(part[q], x, x_stride, k, _mm512_mul_ps(lo, scale[q]));
        AddTo(part[q], x, x_stride, k + 1, _mm512_mul_ps(hi, scale[q]));
      }
    }
  }
  for (size_t q = 0; q < 4; ++q) {
    AtColumn(s, k0 + 32 * q);
#pragma GCC unroll 4
    for (size_t r = 0; r < R; ++r)
      s.partial[r] = kScaleSums ? _mm512_mul_ps(part[q][r], scale[q]) : part[q][r];
  }
}

// bf16 chunk: 32 columns from k0; line c holds the pair (k0 + 2c, k0 + 2c + 1) of each row, the
// even column in the low half of the dword.
template <size_t R>
FC_AVX512 void Chunk(const Bf16Weight& w, size_t n0, size_t k0, const float* x, size_t x_stride,
                     const ActivationFacts&, Sums<R>& s) {
  const uint8_t* chunk = w.data + (n0 * w.in + k0 * kInterleaveRows) * 2;
  const __m512i high = _mm512_set1_epi32(static_cast<int>(0xffff0000u));
  for (size_t half = 0; half < 2; ++half) {
    AtColumn(s, k0 + 16 * half);
#pragma GCC unroll 8
    for (size_t c = 8 * half; c < 8 * half + 8; ++c) {
      const uint8_t* line = chunk + c * kLine;
      PrefetchAhead(line);
      const __m512i pair = _mm512_loadu_si512(line);
      AddTo(s.partial, x, x_stride, k0 + 2 * c, _mm512_castsi512_ps(_mm512_slli_epi32(pair, 16)));
      AddTo(s.partial, x, x_stride, k0 + 2 * c + 1,
            _mm512_castsi512_ps(_mm512_and_si512(pair, high)));
    }
  }
}

template <typename Weight>
constexpr size_t kChunkColumns = 0;
template <>
constexpr size_t kChunkColumns<Fp8Weight> = 64;
template <>
constexpr size_t kChunkColumns<Fp4Weight> = 128;
template <>
constexpr size_t kChunkColumns<Bf16Weight> = 32;

template <size_t R, typename Weight>
__attribute__((target("avx512f,avx512bw,f16c,fma"))) void Rows(const Weight& w, size_t n0,
                                                               const float* x, size_t x_stride,
                                                               size_t block,
                                                               const ActivationFacts& facts,
                                                               float* out) {
  Sums<R> s;
  Start(s, block);
  if constexpr (std::is_same_v<Weight, Fp4Weight>) {
    if (Fp4ScaledSumsExact(w, facts)) {
      for (size_t k0 = 0; k0 < w.in; k0 += kChunkColumns<Weight>)
        Fp4Chunk<true>(w, n0, k0, x, x_stride, s);
    } else {
      for (size_t k0 = 0; k0 < w.in; k0 += kChunkColumns<Weight>)
        Fp4Chunk<false>(w, n0, k0, x, x_stride, s);
    }
  } else {
    size_t k0 = 0;
    if constexpr (std::is_same_v<Weight, Fp8Weight>) {
      for (; block == kFp8Block && k0 + 2 * kFp8Block <= w.in; k0 += 2 * kFp8Block) {
        if (Fp8FusedPair(w, n0, k0, x, x_stride, facts, s)) continue;
        for (size_t k = k0; k < k0 + 2 * kFp8Block; k += kChunkColumns<Weight>)
          Chunk(w, n0, k, x, x_stride, facts, s);
      }
    }
    for (; k0 < w.in; k0 += kChunkColumns<Weight>) Chunk(w, n0, k0, x, x_stride, facts, s);
  }
#pragma GCC unroll 4
  for (size_t r = 0; r < R; ++r) {
    const __m512 total = w.in <= block ? s.partial[r] : _mm512_add_ps(s.acc[r], s.partial[r]);
    _mm512_store_ps(out + r * 16, total);
  }
}

template <typename Weight>
void RowsM(const Weight& w, size_t n0, const float* x, size_t M, size_t x_stride, size_t block,
           const ActivationFacts& facts, float* out) {
  switch (M) {
    case 1:
      return Rows<1>(w, n0, x, x_stride, block, facts, out);
    case 2:
      return Rows<2>(w, n0, x, x_stride, block, facts, out);
    case 3:
      return Rows<3>(w, n0, x, x_stride, block, facts, out);
    default:
      return Rows<4>(w, n0, x, x_stride, block, facts, out);
  }
}

}  // namespace

void PrefetchStepStart(const Fp8Weight& w, size_t n0) { PrefetchStart(w, n0, w.in); }
void PrefetchStepStart(const Fp4Weight& w, size_t n0) {
  PrefetchStart(w, n0, w.in / 2);
  for (uintptr_t i = 0; i < kAheadBytes / kChunkBytes * kLine; i += kLine) {
    _mm_prefetch(reinterpret_cast<const char*>(
                     reinterpret_cast<uintptr_t>(w.scale + n0 * (w.in / kFp4Group)) + i),
                 _MM_HINT_T1);
  }
}
void PrefetchStepStart(const Bf16Weight& w, size_t n0) { PrefetchStart(w, n0, w.in * 2); }

bool StepProductsFit(const Fp8Weight& w, size_t block) {
  return w.interleaved && w.in % kChunkColumns<Fp8Weight> == 0 && block % 16 == 0;
}
bool StepProductsFit(const Fp4Weight& w, size_t block) {
  return w.interleaved && w.in % kChunkColumns<Fp4Weight> == 0 && block == kFp4Group;
}
bool StepProductsFit(const Bf16Weight& w, size_t block) {
  return w.interleaved && w.in % kChunkColumns<Bf16Weight> == 0 && block % 16 == 0;
}

void StepProductsAvx512(const Fp8Weight& w, size_t n0, const float* x, size_t M, size_t x_stride,
                        size_t block, const ActivationFacts& facts, float* out) {
  RowsM(w, n0, x, M, x_stride, block, facts, out);
}
void StepProductsAvx512(const Fp4Weight& w, size_t n0, const float* x, size_t M, size_t x_stride,
                        size_t block, const ActivationFacts& facts, float* out) {
  RowsM(w, n0, x, M, x_stride, block, facts, out);
}
void StepProductsAvx512(const Bf16Weight& w, size_t n0, const float* x, size_t M, size_t x_stride,
                        size_t block, const ActivationFacts& facts, float* out) {
  RowsM(w, n0, x, M, x_stride, block, facts, out);
}

}  // namespace inference
