#include "inference/backend/cpu/step_products_avx512.h"

// GCC 12 warns inside its own avx512fintrin.h (the "undefined" source operands of some
// intrinsics); the warning is about the header, not this code.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <immintrin.h>

#include <cstdint>
#include <type_traits>

#include "inference/backend/cpu/avx512_transpose.h"
#include "inference/backend/cpu/number_formats.h"

namespace inference {
namespace {

#define FC_AVX512 __attribute__((target("avx512f,avx512bw,f16c"), always_inline)) inline

constexpr size_t kFp8Block = 128;  // FP8 scale block (rows and columns)
constexpr size_t kFp4Group = 32;   // MXFP4 scale group along K
constexpr size_t kRowBytes = 64;   // bytes of one row staged per chunk (one zmm)
constexpr size_t kStage = 16 * kRowBytes;

// Loads 64 bytes of 16 rows (row j at first + j * stride) and stores them transposed (bytes or
// dwords) to out.
template <bool kBytes>
FC_AVX512 void Stage(const uint8_t* first, size_t stride, uint8_t* out) {
  __m512i r[16];
  for (size_t j = 0; j < 16; ++j) r[j] = _mm512_loadu_si512(first + j * stride);
  if (kBytes) {
    TransposeBytes(r);
  } else {
    __m512* f = reinterpret_cast<__m512*>(r);  // the dwords move as float bit patterns
    Transpose16x16(f, f);
  }
  for (size_t c = 0; c < 16; ++c) _mm512_store_si512(out + c * kRowBytes, r[c]);
}

// Where the chunk ahead starts (row n0 + j at first + j * row_bytes). An address, not a
// pointer: near the end of a weight it lies past the array, which a prefetch may touch (it
// never faults) but pointer arithmetic may not.
struct Ahead {
  uintptr_t first;
  size_t row_bytes;
};

FC_AVX512 void Prefetch(const Ahead& a, size_t row) {
  _mm_prefetch(reinterpret_cast<const char*>(a.first + row * a.row_bytes), _MM_HINT_T0);
}

// Step t of the 64 per chunk (FP8, FP4): prefetches its share of the 16 * NB rows ahead.
FC_AVX512 void PrefetchStep(const Ahead& a, size_t t, size_t NB) {
  if (t % (4 / NB) == 0) Prefetch(a, t * NB / 4);
}

// Running sums of R activation rows against NB 16-row blocks.
template <size_t R, size_t NB>
struct Sums {
  __m512 partial[R][NB];
  __m512 acc[R][NB];
};

template <size_t R, size_t NB>
FC_AVX512 void Clear(Sums<R, NB>& s) {
#pragma GCC unroll 4
  for (size_t r = 0; r < R; ++r) {
#pragma GCC unroll 4
    for (size_t b = 0; b < NB; ++b) s.partial[r][b] = s.acc[r][b] = _mm512_setzero_ps();
  }
}

// At column k: a new partial starts when k begins a block (the first block's partial is taken
// as it is, later ones are added, as in the lane products).
template <size_t R, size_t NB>
FC_AVX512 void AtColumn(Sums<R, NB>& s, size_t k, size_t block) {
  if (k == 0 || k % block != 0) return;
#pragma GCC unroll 4
  for (size_t r = 0; r < R; ++r) {
#pragma GCC unroll 4
    for (size_t b = 0; b < NB; ++b) {
      s.acc[r][b] = k == block ? s.partial[r][b] : _mm512_add_ps(s.acc[r][b], s.partial[r][b]);
      s.partial[r][b] = _mm512_setzero_ps();
    }
  }
}

// partial[r][b] += x[r][k] * v, for every row r. The empty asm keeps the multiply and the add
// two roundings (no contraction into a fused multiply-add).
template <size_t R, size_t NB>
FC_AVX512 void AddTo(__m512 (&partial)[R][NB], size_t b, const float* x, size_t x_stride, size_t k,
                     __m512 v) {
#pragma GCC unroll 4
  for (size_t r = 0; r < R; ++r) {
    __m512 product = _mm512_mul_ps(_mm512_set1_ps(x[r * x_stride + k]), v);
    asm("" : "+v"(product));
    partial[r][b] = _mm512_add_ps(partial[r][b], product);
  }
}

template <size_t R, size_t NB>
FC_AVX512 void Add(Sums<R, NB>& s, size_t b, const float* x, size_t x_stride, size_t k, __m512 v) {
  AddTo(s.partial, b, x, x_stride, k, v);
}

// FP8 chunks are staged as fp16 bit patterns: each e4m3 byte becomes value * 2^-8 in fp16 (sign
// to bit 15, exponent and mantissa to bits 13..7; fp16 subnormals are exactly e4m3's), which one
// vcvtph2ps from memory turns into fp32 exactly. Layout: word (4 * col + q) * 16 + j is row j,
// column 16 * q + col of the chunk.
constexpr size_t kFp16Stage = 64 * 16;  // words per 16-row block

// Loads 64 bytes of 16 rows (row j at first + j * stride), transposes them and stores the fp16
// patterns to out. Returns the e4m3 NaN codes' positions (bytes equal to 0x7f or 0xff).
FC_AVX512 __mmask64 StageFp8(const uint8_t* first, size_t stride, uint16_t* out) {
  __m512i r[16];
  __mmask64 nan = 0;
  const __m512i sign = _mm512_set1_epi8(static_cast<char>(0x80));
  for (size_t j = 0; j < 16; ++j) {
    r[j] = _mm512_loadu_si512(first + j * stride);
    nan |= _mm512_cmpeq_epi8_mask(_mm512_or_si512(r[j], sign), _mm512_set1_epi8(-1));
  }
  TransposeBytes(r);
  const __m512i keep = _mm512_set1_epi16(static_cast<short>(0xbfff));
  for (size_t c = 0; c < 16; ++c) {  // r[c]: column c of the four 16-column quarters
    const __m512i q01 = _mm512_cvtepi8_epi16(_mm512_castsi512_si256(r[c]));
    const __m512i q23 = _mm512_cvtepi8_epi16(_mm512_extracti64x4_epi64(r[c], 1));
    _mm512_store_si512(out + c * 64, _mm512_and_si512(_mm512_slli_epi16(q01, 7), keep));
    _mm512_store_si512(out + c * 64 + 32, _mm512_and_si512(_mm512_slli_epi16(q23, 7), keep));
  }
  return nan;
}

// x[r * x_stride + k0 ..+64] * c for each row r into xs[r][..]; false when any product is not
// exact (overflow, or bits lost below the normal range), checked by scaling back.
template <size_t R>
FC_AVX512 bool ScaleExactly(const float* x, size_t x_stride, size_t k0, float c, float inverse,
                            float (*xs)[64]) {
  __mmask16 inexact = 0;
  const __m512 cv = _mm512_set1_ps(c), iv = _mm512_set1_ps(inverse);
#pragma GCC unroll 4
  for (size_t r = 0; r < R; ++r) {
#pragma GCC unroll 4
    for (size_t i = 0; i < 64; i += 16) {
      const __m512 v = _mm512_loadu_ps(x + r * x_stride + k0 + i);
      const __m512 scaled = _mm512_mul_ps(v, cv);
      inexact |= _mm512_cmp_ps_mask(_mm512_mul_ps(scaled, iv), v, _CMP_NEQ_UQ);
      _mm512_store_ps(xs[r] + i, scaled);
    }
  }
  return inexact == 0;
}

// The 64 staged FP8 columns against x: with kFolded, x is the scaled copy (the weights need no
// scale); otherwise weight vector b is multiplied by c[b]. Column k0 + i is x's column x_k0 + i.
template <bool kFolded, size_t R, size_t NB>
FC_AVX512 void Fp8Columns(const uint16_t (*stage)[kFp16Stage], const float* x, size_t x_stride,
                          size_t x_k0, size_t k0, size_t block, const __m512* c, const Ahead& ahead,
                          Sums<R, NB>& s) {
  for (size_t q = 0; q < 4; ++q) {
    AtColumn(s, k0 + 16 * q, block);
    for (size_t col = 0; col < 16; ++col) {
      PrefetchStep(ahead, 16 * q + col, NB);
#pragma GCC unroll 4
      for (size_t b = 0; b < NB; ++b) {
        __m512 v = _mm512_cvtph_ps(
            _mm256_load_si256(reinterpret_cast<const __m256i*>(stage[b] + (4 * col + q) * 16)));
        if (!kFolded) v = _mm512_mul_ps(v, c[b]);
        Add(s, b, x, x_stride, x_k0 + 16 * q + col, v);
      }
    }
  }
}

// FP8 chunk: 64 columns from k0 (inside one 128-column scale block).
//   weight = (value * 2^-8) * (2^8 * scale) is exact: both factors are exact, and an e4m3 value
//   has at most 4 significant bits, the lowest no finer than 2^-9, so the product is
//   representable for every scale up to 2^119 (byte 246). x * weight is then the one rounding of
//   x * value * scale. Where x * 2^8 * scale is exact too (checked), (x * 2^8 * scale) *
//   (value * 2^-8) is that same rounding and saves a multiply per weight vector: the "folded"
//   loop, when all 16 * NB rows have one scale (usually so: they lie in one 128-row scale
//   block). Otherwise the scale multiplies each weight vector, and NaN codes or larger scales
//   take the scalar decoder's table.
template <size_t R, size_t NB>
FC_AVX512 void Chunk(const Fp8Weight& w, size_t n0, size_t k0, const float* x, size_t x_stride,
                     size_t block, uint16_t (*stage)[kFp16Stage], const Ahead& ahead,
                     Sums<R, NB>& s) {
  const size_t K = w.in, scale_cols = (K + kFp8Block - 1) / kFp8Block;
  // Scale of row n: its byte is 2^(byte - 127).
  auto scale_byte = [&](size_t n) {
    return w.scale[(n / kFp8Block) * scale_cols + k0 / kFp8Block];
  };
  __mmask64 nan = 0;
  bool huge_scale = false, one_scale = true;
  const uint8_t first = scale_byte(n0);
#pragma GCC unroll 4
  for (size_t b = 0; b < NB; ++b) {
    nan |= StageFp8(w.data + (n0 + 16 * b) * K + k0, K, stage[b]);
    const uint8_t top = scale_byte(n0 + 16 * b), bottom = scale_byte(n0 + 16 * b + 15);
    huge_scale |= top > 246 || bottom > 246;  // 2^8 * scale would overflow (255 is NaN)
    one_scale &= top == first && bottom == first;
  }
  if (nan == 0 && !huge_scale && one_scale) {
    alignas(64) float xs[R][64];
    if (ScaleExactly<R>(x, x_stride, k0, E8m0ToFloat(static_cast<uint8_t>(first + 8)),
                        E8m0ToFloat(static_cast<uint8_t>(246 - first)), xs)) {
      return Fp8Columns<true>(stage, &xs[0][0], 64, 0, k0, block, nullptr, ahead, s);
    }
  }
  alignas(64) float scales[NB][16];
  for (size_t b = 0; b < NB; ++b) {
    for (size_t j = 0; j < 16; ++j) scales[b][j] = E8m0ToFloat(scale_byte(n0 + 16 * b + j));
  }
  if (nan == 0 && !huge_scale) {
    __m512 c[NB];  // 2^8 * scale per row
#pragma GCC unroll 4
    for (size_t b = 0; b < NB; ++b)
      c[b] = _mm512_mul_ps(_mm512_load_ps(scales[b]), _mm512_set1_ps(256.0f));
    return Fp8Columns<false>(stage, x, x_stride, k0, k0, block, c, ahead, s);
  }
  // Rare: NaN codes or scales near the float range; the table gives the scalar decoder's values.
  const float* table = E4m3Table();
  alignas(64) float v[16];
  for (size_t q = 0; q < 4; ++q) {
    AtColumn(s, k0 + 16 * q, block);
    for (size_t col = 0; col < 16; ++col) {
      PrefetchStep(ahead, 16 * q + col, NB);
      const size_t k = k0 + 16 * q + col;
#pragma GCC unroll 4
      for (size_t b = 0; b < NB; ++b) {
        for (size_t j = 0; j < 16; ++j)
          v[j] = table[w.data[(n0 + 16 * b + j) * K + k]] * scales[b][j];
        Add(s, b, x, x_stride, k, _mm512_load_ps(v));
      }
    }
  }
}

// Byte q of each dword as an e8m0 scale, as E8m0ToFloat (0: 2^-127, 255: NaN).
FC_AVX512 __m512 E8m0x16(__m512i dwords, size_t q) {
  const __m512i e = _mm512_and_si512(_mm512_srli_epi32(dwords, static_cast<unsigned>(8 * q)),
                                     _mm512_set1_epi32(0xff));
  __m512i bits = _mm512_slli_epi32(e, 23);
  bits = _mm512_mask_mov_epi32(bits, _mm512_cmpeq_epi32_mask(e, _mm512_setzero_si512()),
                               _mm512_set1_epi32(0x00400000));
  bits = _mm512_mask_mov_epi32(bits, _mm512_cmpeq_epi32_mask(e, _mm512_set1_epi32(0xff)),
                               _mm512_set1_epi32(0x7fc00000));
  return _mm512_castsi512_ps(bits);
}

// FP4 weights of group q, byte column col of a staged block: low nibble (even column) and high
// nibble, each code times its row's scale.
FC_AVX512 void Fp4Weights(const uint8_t* stage, size_t q, size_t col, __m512 scale, __m512& lo,
                          __m512& hi) {
  const __m512 codes = _mm512_setr_ps(0.0f, 0.5f, 1.0f, 1.5f, 2.0f, 3.0f, 4.0f, 6.0f, -0.0f, -0.5f,
                                      -1.0f, -1.5f, -2.0f, -3.0f, -4.0f, -6.0f);
  const __m512i bytes = _mm512_cvtepu8_epi32(
      _mm_load_si128(reinterpret_cast<const __m128i*>(stage + col * kRowBytes + q * 16)));
  // The permute reads the low 4 bits of each index.
  lo = _mm512_mul_ps(_mm512_permutexvar_ps(bytes, codes), scale);
  hi = _mm512_mul_ps(_mm512_permutexvar_ps(_mm512_srli_epi32(bytes, 4), codes), scale);
}

// MXFP4 chunk: 128 columns from k0 = four scale groups, 16 bytes of each row per group; each group
// is one partial sum (block == 32, StepProductsFit).
template <size_t R, size_t NB>
FC_AVX512 void Chunk(const Fp4Weight& w, size_t n0, size_t k0, const float* x, size_t x_stride,
                     size_t block, uint8_t (*stage)[kStage], const Ahead& ahead, Sums<R, NB>& s) {
  const size_t K = w.in, groups = K / kFp4Group;
  // Scale bytes of the chunk's four groups, one dword per row (byte q = group q).
  __m512i scale_bytes[NB];
  const __m512i row_offsets =
      _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                         _mm512_set1_epi32(static_cast<int>(groups)));
#pragma GCC unroll 4
  for (size_t b = 0; b < NB; ++b) {
    Stage<true>(w.data + (n0 + 16 * b) * (K / 2) + k0 / 2, K / 2, stage[b]);
    scale_bytes[b] =
        _mm512_i32gather_epi32(row_offsets, w.scale + (n0 + 16 * b) * groups + k0 / kFp4Group, 1);
  }
  __m512 scale[4][NB];
  for (size_t q = 0; q < 4; ++q) {
#pragma GCC unroll 4
    for (size_t b = 0; b < NB; ++b) scale[q][b] = E8m0x16(scale_bytes[b], q);
  }
  // Each group is a whole partial sum: the four run side by side (independent dependency
  // chains instead of one) and join the running sum in order, as AtColumn would.
  __m512 part[4][R][NB];
  for (size_t q = 0; q < 4; ++q) {
#pragma GCC unroll 4
    for (size_t r = 0; r < R; ++r) {
#pragma GCC unroll 4
      for (size_t b = 0; b < NB; ++b) part[q][r][b] = _mm512_setzero_ps();
    }
  }
  for (size_t col = 0; col < 16; ++col) {
#pragma GCC unroll 4
    for (size_t q = 0; q < 4; ++q) {
      PrefetchStep(ahead, 4 * col + q, NB);
      const size_t k = k0 + 32 * q + 2 * col;  // byte col: low nibble k, high nibble k + 1
#pragma GCC unroll 4
      for (size_t b = 0; b < NB; ++b) {
        __m512 lo, hi;
        Fp4Weights(stage[b], q, col, scale[q][b], lo, hi);
        AddTo(part[q], b, x, x_stride, k, lo);
        AddTo(part[q], b, x, x_stride, k + 1, hi);
      }
    }
  }
  for (size_t q = 0; q < 4; ++q) {
    AtColumn(s, k0 + 32 * q, block);
#pragma GCC unroll 4
    for (size_t r = 0; r < R; ++r) {
#pragma GCC unroll 4
      for (size_t b = 0; b < NB; ++b) s.partial[r][b] = part[q][r][b];
    }
  }
}

// bf16 chunk: 32 columns from k0; dword c of a row holds columns k0 + 2c (low half), + 1 (high).
template <size_t R, size_t NB>
FC_AVX512 void Chunk(const Bf16Weight& w, size_t n0, size_t k0, const float* x, size_t x_stride,
                     size_t block, uint8_t (*stage)[kStage], const Ahead& ahead, Sums<R, NB>& s) {
  const size_t K = w.in;
#pragma GCC unroll 4
  for (size_t b = 0; b < NB; ++b)
    Stage<false>(w.data + ((n0 + 16 * b) * K + k0) * 2, K * 2, stage[b]);
  const __m512i high = _mm512_set1_epi32(static_cast<int>(0xffff0000u));
  for (size_t half = 0; half < 2; ++half) {
    AtColumn(s, k0 + 16 * half, block);
    for (size_t c = 8 * half; c < 8 * half + 8; ++c) {
#pragma GCC unroll 4
      for (size_t b = 0; b < NB; ++b) {
        Prefetch(ahead, 16 * b + c);
        const __m512i pair = _mm512_load_si512(stage[b] + c * kRowBytes);
        Add(s, b, x, x_stride, k0 + 2 * c, _mm512_castsi512_ps(_mm512_slli_epi32(pair, 16)));
        Add(s, b, x, x_stride, k0 + 2 * c + 1, _mm512_castsi512_ps(_mm512_and_si512(pair, high)));
      }
    }
  }
}

// A 16-row block's staged chunk: fp16 patterns for FP8, transposed bytes otherwise.
template <typename Weight>
using StageOf =
    std::conditional_t<std::is_same_v<Weight, Fp8Weight>, uint16_t[kFp16Stage], uint8_t[kStage]>;

template <typename Weight>
constexpr size_t kChunkColumns = 0;
template <>
constexpr size_t kChunkColumns<Fp8Weight> = 64;
template <>
constexpr size_t kChunkColumns<Fp4Weight> = 128;
template <>
constexpr size_t kChunkColumns<Bf16Weight> = 32;

size_t RowBytes(const Fp8Weight& w) { return w.in; }
size_t RowBytes(const Fp4Weight& w) { return w.in / 2; }
size_t RowBytes(const Bf16Weight& w) { return w.in * 2; }

template <size_t R, size_t NB, typename Weight>
__attribute__((target("avx512f,avx512bw,f16c"))) void Rows(const Weight& w, size_t n0,
                                                           const float* x, size_t x_stride,
                                                           size_t block, float* out) {
  alignas(64) StageOf<Weight> stage[NB];
  Sums<R, NB> s;
  Clear(s);
  // Each chunk reads 64 bytes from 16 * NB rows at once, too many short streams for the
  // hardware prefetcher, and the loads come in bursts between long stretches of arithmetic;
  // so the chunk kAhead ahead (or the next rows' first chunks) is prefetched, one line at a
  // time spread over the arithmetic, keeping the memory busy. 8 chunks (8 KiB of FP8 for one
  // block) measured best: 2 left the memory idle, 16 no better.
  constexpr size_t kAhead = 8;
  const size_t row_bytes = RowBytes(w), chunks = w.in / kChunkColumns<Weight>;
  const uintptr_t data = reinterpret_cast<uintptr_t>(w.data);
  for (size_t i = 0, k0 = 0; k0 < w.in; ++i, k0 += kChunkColumns<Weight>) {
    // Past the rows' last chunk: the next rows' first chunks (for short rows, further on).
    const Ahead ahead{i + kAhead < chunks
                          ? data + n0 * row_bytes + (i + kAhead) * kRowBytes
                          : data + (n0 + 16 * NB) * row_bytes + (i + kAhead - chunks) * kRowBytes,
                      row_bytes};
    Chunk(w, n0, k0, x, x_stride, block, stage, ahead, s);
  }
#pragma GCC unroll 4
  for (size_t r = 0; r < R; ++r) {
#pragma GCC unroll 4
    for (size_t b = 0; b < NB; ++b) {
      const __m512 total =
          w.in <= block ? s.partial[r][b] : _mm512_add_ps(s.acc[r][b], s.partial[r][b]);
      _mm512_store_ps(out + (r * NB + b) * 16, total);
    }
  }
}

// 16-row blocks per call. The kernels take NB blocks side by side (independent dependency
// chains), but each block adds 16 rows of memory streams, and measured (bench/matmul_cpu, two
// threads, weights from memory) one block wins: bf16 21 GB/s against 15 with four, FP8 12
// against 10.5. With this many streams the memory, not the add latency, is the limit.
constexpr size_t kBlocks = 1;

template <size_t NB, typename Weight>
void RowsM(const Weight& w, size_t n0, const float* x, size_t M, size_t x_stride, size_t block,
           float* out) {
  switch (M) {
    case 1:
      return Rows<1, NB>(w, n0, x, x_stride, block, out);
    case 2:
      return Rows<2, NB>(w, n0, x, x_stride, block, out);
    case 3:
      return Rows<3, NB>(w, n0, x, x_stride, block, out);
    default:
      return Rows<4, NB>(w, n0, x, x_stride, block, out);
  }
}

#undef FC_AVX512

}  // namespace

bool StepProductsFit(const Fp8Weight& w, size_t block) {
  return w.in % kChunkColumns<Fp8Weight> == 0 && block % 16 == 0;
}
bool StepProductsFit(const Fp4Weight& w, size_t block) {
  return w.in % kChunkColumns<Fp4Weight> == 0 && block == kFp4Group;
}
bool StepProductsFit(const Bf16Weight& w, size_t block) {
  return w.in % kChunkColumns<Bf16Weight> == 0 && block % 16 == 0;
}

void StepProductsAvx512(const Fp8Weight& w, size_t n0, const float* x, size_t M, size_t x_stride,
                        size_t block, float* out) {
  RowsM<kBlocks>(w, n0, x, M, x_stride, block, out);
}
void StepProductsAvx512(const Fp4Weight& w, size_t n0, const float* x, size_t M, size_t x_stride,
                        size_t block, float* out) {
  RowsM<kBlocks>(w, n0, x, M, x_stride, block, out);
}
void StepProductsAvx512(const Bf16Weight& w, size_t n0, const float* x, size_t M, size_t x_stride,
                        size_t block, float* out) {
  RowsM<kBlocks>(w, n0, x, M, x_stride, block, out);
}

}  // namespace inference
