// Building blocks shared by the decode-step kernels (step_products_avx512.cc,
// step_products_pair_avx512.cc): the stream prefetch, running sums, multiply-add steps that keep
// the scalar rounding, and the FP8 line decoder. Everything here is inlined into its caller,
// which is compiled for AVX-512 through FC_AVX512 (defined here; the kernels' files include this
// header only).
#pragma once

// GCC 12 warns inside its own avx512fintrin.h (the "undefined" source operands of some
// intrinsics); the warning is about the header, not this code.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "inference/backend/cpu/activation_facts.h"
#include "inference/backend/cpu/exact_products.h"
#include "inference/backend/cpu/number_formats.h"

namespace inference::step_kernel {

#define FC_AVX512 __attribute__((target("avx512f,avx512bw,f16c,fma"), always_inline)) inline

constexpr size_t kFp8Block = 128;  // FP8 scale block (rows and columns)
constexpr size_t kFp4Group = 32;   // MXFP4 scale group along K
constexpr size_t kLine = 64;       // bytes per cache line, and per zmm load
// A chunk is the 1 KiB of a 16-row block that one kernel step takes: 64 FP8 columns, 128
// MXFP4 columns or 32 bf16 columns.
constexpr size_t kChunkBytes = 1024;

// Each line is prefetched this far ahead of its use, into L2. The rows' bytes are one stream,
// but the hardware prefetcher alone leaves the memory idle much of the time (measured: FP8 from
// memory 7.6 GB/s without software prefetch, 17 with it). 8 KiB measured best of 2, 8, 16 and 32;
// into L2 (T1) rather than L1 (T0) gave bf16 +15 %. Past a block the stream runs on into the
// next block's rows, which follow in memory; past the weight's end a prefetch touches nothing
// (it never faults), hence an integer address, not out-of-range pointer arithmetic.
constexpr uintptr_t kAheadBytes = 8 * kChunkBytes;

FC_AVX512 void PrefetchAhead(const uint8_t* line) {
  _mm_prefetch(reinterpret_cast<const char*>(reinterpret_cast<uintptr_t>(line) + kAheadBytes),
               _MM_HINT_T1);
}

// Running sums of R activation rows against one 16-row block: partials of `block` columns.
template <size_t R>
struct Sums {
  __m512 partial[R];
  __m512 acc[R];
  size_t block;
  size_t next;  // the first column of the next partial
};

template <size_t R>
FC_AVX512 void Start(Sums<R>& s, size_t block) {
#pragma GCC unroll 4
  for (size_t r = 0; r < R; ++r) s.partial[r] = s.acc[r] = _mm512_setzero_ps();
  s.block = s.next = block;
}

// At column k (a multiple of 16; every partial starts at one): a new partial starts when k
// begins one (the first block's partial is taken as it is, later ones are added, as in the lane
// products). The start is counted, not found by a division at each call (the divisions cost
// the bf16 kernel a third of its time in cache).
template <size_t R>
FC_AVX512 void AtColumn(Sums<R>& s, size_t k) {
  if (k != s.next) return;
#pragma GCC unroll 4
  for (size_t r = 0; r < R; ++r) {
    s.acc[r] = k == s.block ? s.partial[r] : _mm512_add_ps(s.acc[r], s.partial[r]);
    s.partial[r] = _mm512_setzero_ps();
  }
  s.next += s.block;
}

// partial[r] += x[r][k] * v, for every row r. The empty asm keeps the multiply and the add two
// roundings (no contraction into a fused multiply-add).
template <size_t R>
FC_AVX512 void AddTo(__m512 (&partial)[R], const float* x, size_t x_stride, size_t k, __m512 v) {
#pragma GCC unroll 4
  for (size_t r = 0; r < R; ++r) {
    __m512 product = _mm512_mul_ps(_mm512_set1_ps(x[r * x_stride + k]), v);
    asm("" : "+v"(product));
    partial[r] = _mm512_add_ps(partial[r], product);
  }
}

// The same where the products are exact (ActivationFacts): one fused multiply-add, which then
// rounds only the sum, as the add above does.
template <size_t R>
FC_AVX512 void FusedAddTo(__m512 (&partial)[R], const float* x, size_t x_stride, size_t k,
                          __m512 v) {
#pragma GCC unroll 4
  for (size_t r = 0; r < R; ++r)
    partial[r] = _mm512_fmadd_ps(_mm512_set1_ps(x[r * x_stride + k]), v, partial[r]);
}

template <bool kFused, size_t R>
FC_AVX512 void AddProducts(__m512 (&partial)[R], const float* x, size_t x_stride, size_t k,
                           __m512 v) {
  if constexpr (kFused) {
    FusedAddTo(partial, x, x_stride, k, v);
  } else {
    AddTo(partial, x, x_stride, k, v);
  }
}

// x[r * x_stride + k0 ..+64] * c for each row r into xs[r * xs_stride ..] (64-byte aligned);
// false when any product is not exact (overflow, or bits lost below the normal range), checked
// by scaling back.
template <size_t R>
FC_AVX512 bool ScaleExactly(const float* x, size_t x_stride, size_t k0, float c, float inverse,
                            float* xs, size_t xs_stride) {
  __mmask16 inexact = 0;
  const __m512 cv = _mm512_set1_ps(c), iv = _mm512_set1_ps(inverse);
#pragma GCC unroll 4
  for (size_t r = 0; r < R; ++r) {
#pragma GCC unroll 4
    for (size_t i = 0; i < 64; i += 16) {
      const __m512 v = _mm512_loadu_ps(x + r * x_stride + k0 + i);
      const __m512 scaled = _mm512_mul_ps(v, cv);
      inexact |= _mm512_cmp_ps_mask(_mm512_mul_ps(scaled, iv), v, _CMP_NEQ_UQ);
      _mm512_store_ps(xs + r * xs_stride + i, scaled);
    }
  }
  return inexact == 0;
}

// The four columns of 16 rows in one line of FP8 codes (column c in bytes 16c .. 16c + 15) as
// value * 2^-120 (exact_products.h), in-lane: each e4m3 byte, sign-extended to 32 bits and
// shifted left by 20, has its exponent and mantissa in fp32's low exponent and top mantissa bits
// and copies of its sign above them; masking keeps the sign bit and those seven. e4m3's exponent
// (bias 7) then reads as fp32's (bias 127), and e4m3 subnormals become fp32 subnormals with the
// same mantissa, exact too (the multiply-adds take them as they are: subnormals are not flushed,
// MXCSR as the C runtime leaves it). NaN codes are not decoded (interleaved weights have none).
// Measured on Zen 4, one core, in cache: 6.4 cycles a line against 8.9 through vcvtph2ps, whose
// widening shares the shuffle unit.
FC_AVX512 void Fp8Line(const uint8_t* line, __m512 (&v)[4]) {
  const __m512i keep = _mm512_set1_epi32(static_cast<int>(0x87f00000u));
#pragma GCC unroll 4
  for (size_t c = 0; c < 4; ++c) {
    const __m512i code =
        _mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(line + 16 * c)));
    v[c] = _mm512_castsi512_ps(_mm512_and_si512(_mm512_slli_epi32(code, 20), keep));
  }
}

// x[r * x_stride + k0 ..+128) * 2^120 * scale (one 128-column FP8 scale block, R activation
// rows) into xs[r * xs_stride ..] (64-byte aligned), where the fused, folded path applies: the
// scale byte folds (at most kFp8MaxFoldedByte), the products are exact (Fp8ProductsExact) and so
// is every scaled activation (ScaleExactly). False otherwise (xs then partly written).
template <size_t R>
FC_AVX512 bool FoldFp8Block(const float* x, size_t x_stride, size_t k0, uint8_t byte,
                            const ActivationFacts& facts, float* xs, size_t xs_stride) {
  if (byte > kFp8MaxFoldedByte || !Fp8ProductsExact(facts, byte)) return false;
  const float c = Fp8FoldFactor(byte), inverse = Fp8FoldInverse(byte);
  return ScaleExactly<R>(x, x_stride, k0, c, inverse, xs, xs_stride) &&
         ScaleExactly<R>(x, x_stride, k0 + 64, c, inverse, xs + 64, xs_stride);
}

// Prefetches the first kAheadBytes of rows n0.. (the kernels' own prefetch runs that far ahead
// of their reads, so a range's start would otherwise come from memory on demand).
template <typename Weight>
inline void PrefetchStart(const Weight& w, size_t n0, size_t row_bytes) {
  const uint8_t* first = w.data + n0 * row_bytes;
  for (uintptr_t i = 0; i < kAheadBytes; i += kLine) {
    _mm_prefetch(reinterpret_cast<const char*>(reinterpret_cast<uintptr_t>(first) + i),
                 _MM_HINT_T1);
  }
}

}  // namespace inference::step_kernel
