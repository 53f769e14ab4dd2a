#include "inference/backend/cpu/matmul.h"

#include <immintrin.h>

#include <algorithm>
#include <cstdlib>
#include <new>
#include <optional>
#include <type_traits>
#include <vector>

#include "inference/backend/cpu/cpu_simd.h"
#include "inference/backend/cpu/exact_products.h"
#include "inference/backend/cpu/interleaved_weight.h"
#include "inference/backend/cpu/lane_decode_avx2.h"
#include "inference/backend/cpu/lane_decode_avx512.h"
#include "inference/backend/cpu/number_formats.h"
#include "inference/backend/cpu/quantize.h"
#include "inference/backend/cpu/step_products_avx2.h"
#include "inference/backend/cpu/step_products_avx512.h"
#include "inference/backend/cpu/thread_pool.h"
#include "inference/backend/cpu/weight_rows.h"

namespace inference {
namespace {

constexpr size_t kFp8Block = 128;  // weight scale block and activation quantisation block
constexpr size_t kFp4Group = 32;   // FP4 weight scale group along K

// Whether the AVX2 decode-step kernels run here (they also need FMA and F16C).
bool Avx2StepKernels() {
  static const bool yes =
      CpuSimd() == Simd::kAvx2 && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
  return yes;
}

// L output rows are computed at once, one per vector lane: each lane still adds its products one
// by one in K order (no reassociation; a fused multiply-add only where the product is exact, see
// FusedLaneRows), so the result is identical to the sequential sum per output while the rows
// share SIMD registers. L is 16 on the AVX-512 path (one zmm
// register) and 8 elsewhere (one ymm register, or two xmm registers on the SSE2 baseline).
// (An alias template would drop the dependent vector_size attribute, hence the traits.)
template <size_t L>
struct LaneVector;
template <>
struct LaneVector<8> {
  typedef float type __attribute__((vector_size(8 * sizeof(float))));
};
template <>
struct LaneVector<16> {
  typedef float type __attribute__((vector_size(16 * sizeof(float))));
};
template <size_t L>
using Lanes = typename LaneVector<L>::type;

// n lane vectors, 64-byte aligned: the AVX kernels use aligned loads, but without AVX enabled
// the compiler gives these types (and so std::vector of them) only 16-byte alignment.
template <size_t L>
class LaneBuffer {
 public:
  explicit LaneBuffer(size_t n) : data_(static_cast<Lanes<L>*>(std::aligned_alloc(64, Bytes(n)))) {
    if (data_ == nullptr) throw std::bad_alloc();
  }
  ~LaneBuffer() { std::free(data_); }
  LaneBuffer(const LaneBuffer&) = delete;
  LaneBuffer& operator=(const LaneBuffer&) = delete;
  Lanes<L>* data() { return data_; }
  Lanes<L>& operator[](size_t i) { return data_[i]; }

 private:
  static size_t Bytes(size_t n) {
    return (std::max<size_t>(n, 1) * sizeof(Lanes<L>) + 63) / 64 * 64;
  }
  Lanes<L>* data_;
};

// Decodes rows [n0, n0 + L) of a weight into lane-interleaved form wt[k][lane]; rows past `rows`
// decode as zeros.
// (GCC vector types alias their element type, so the lanes may be written through float*.)
template <size_t L, typename Weight, typename DecodeRow>
void DecodeLaneBlock(const Weight& w, size_t n0, size_t rows, DecodeRow decode_row, Lanes<L>* wt) {
  const size_t K = w.in;
  float* lanes = reinterpret_cast<float*>(wt);
  if constexpr (L == 8) {
    // The AVX2 path: an interleaved block's 8-row half decoded in registers (padding rows
    // decode as zeros).
    if (w.interleaved && n0 % 8 == 0 && CpuSimd() == Simd::kAvx2) {
      DecodeLanes8Avx2(w, n0, lanes);
      return;
    }
  }
  if (n0 + L > rows) {
    for (size_t k = 0; k < K; ++k) wt[k] = Lanes<L>{};
  }
  if constexpr (L == 16) {
    // Only reached on the AVX-512 path: whole blocks decoded in registers (an interleaved
    // block's padding rows exist, and decode as zeros).
    if (w.interleaved ? n0 % kInterleaveRows == 0 : (n0 + L <= rows && K % 16 == 0)) {
      DecodeLanes16Avx512(w, n0, lanes);
      return;
    }
  }
  for (size_t j = 0; j < L && n0 + j < rows; ++j) decode_row(w, n0 + j, lanes + j, L);
}

// R activation rows at a time: their sums are independent dependency chains, so the adds of
// one row overlap the others' latency; each row's own order of operations is unchanged.
template <size_t L, size_t R>
__attribute__((always_inline)) inline void LaneProductsRows(const float* x, size_t x_stride,
                                                            size_t K, size_t block,
                                                            const Lanes<L>* wt, Lanes<L>* out) {
  Lanes<L> acc[R] = {};
  for (size_t k0 = 0; k0 < K; k0 += block) {
    Lanes<L> partial[R] = {};
    const size_t end = std::min(K, k0 + block);
    for (size_t k = k0; k < end; ++k) {
      const Lanes<L> w = wt[k];
#pragma GCC unroll 8
      for (size_t r = 0; r < R; ++r) {
        Lanes<L> product = x[r * x_stride + k] * w;
        if constexpr (L == 16) asm("" : "+v"(product));
        partial[r] += product;
      }
    }
#pragma GCC unroll 8
    for (size_t r = 0; r < R; ++r) acc[r] = k0 == 0 ? partial[r] : acc[r] + partial[r];
  }
#pragma GCC unroll 8
  for (size_t r = 0; r < R; ++r) out[r] = acc[r];
}

// out[m][lane] for all m: K-blocked sums (partials of `block` products, added in order). The
// empty asm keeps each product a separate rounding step: with AVX-512 (or -ffp-contract=fast and
// FMA) the compiler could otherwise fuse the multiply and the add, which changes the last bit.
// R is 8 on AVX-512 (32 registers hold eight rows' partials and sums: eight independent chains
// hide the add latency), 4 on AVX2, else 2. The row loops must be unrolled (pragma): kept as
// loops, GCC holds the partials in memory and every add waits on a store.
template <size_t L, size_t R>
__attribute__((always_inline)) inline void LaneProductsBody(const float* x, size_t M,
                                                            size_t x_stride, size_t K, size_t block,
                                                            const Lanes<L>* wt, Lanes<L>* out) {
  size_t m = 0;
  for (; m + R <= M; m += R)
    LaneProductsRows<L, R>(x + m * x_stride, x_stride, K, block, wt, out + m);
  if constexpr (R > 4) {
    for (; m + 4 <= M; m += 4)
      LaneProductsRows<L, 4>(x + m * x_stride, x_stride, K, block, wt, out + m);
  }
  for (; m < M; ++m) LaneProductsRows<L, 1>(x + m * x_stride, x_stride, K, block, wt, out + m);
}

void LaneProducts8(const float* x, size_t M, size_t x_stride, size_t K, size_t block,
                   const Lanes<8>* wt, Lanes<8>* out) {
  LaneProductsBody<8, 2>(x, M, x_stride, K, block, wt, out);
}

__attribute__((target("avx2"))) void LaneProducts8Avx2(const float* x, size_t M, size_t x_stride,
                                                       size_t K, size_t block, const Lanes<8>* wt,
                                                       Lanes<8>* out) {
  LaneProductsBody<8, 4>(x, M, x_stride, K, block, wt, out);
}

__attribute__((target("avx512f"))) void LaneProducts16Avx512(const float* x, size_t M,
                                                             size_t x_stride, size_t K,
                                                             size_t block, const Lanes<16>* wt,
                                                             Lanes<16>* out) {
  LaneProductsBody<16, 8>(x, M, x_stride, K, block, wt, out);
}

// LaneProductsRows on AVX-512 where every product x * w is exact (LaneProductsExact): a fused
// multiply-add then rounds only the sum, exactly as the separate add does, in half the
// instructions. The same K-block partials, added in the same order.
template <size_t R>
__attribute__((target("avx512f,fma"), always_inline)) inline void FusedLaneRows(
    const float* x, size_t x_stride, size_t K, size_t block, const Lanes<16>* wt, Lanes<16>* out) {
  __m512 acc[R];
#pragma GCC unroll 8
  for (size_t r = 0; r < R; ++r) acc[r] = _mm512_setzero_ps();
  for (size_t k0 = 0; k0 < K; k0 += block) {
    __m512 partial[R];
#pragma GCC unroll 8
    for (size_t r = 0; r < R; ++r) partial[r] = _mm512_setzero_ps();
    const size_t end = std::min(K, k0 + block);
    for (size_t k = k0; k < end; ++k) {
      const __m512 w = reinterpret_cast<const __m512&>(wt[k]);
#pragma GCC unroll 8
      for (size_t r = 0; r < R; ++r)
        partial[r] = _mm512_fmadd_ps(_mm512_set1_ps(x[r * x_stride + k]), w, partial[r]);
    }
#pragma GCC unroll 8
    for (size_t r = 0; r < R; ++r)
      acc[r] = k0 == 0 ? partial[r] : _mm512_add_ps(acc[r], partial[r]);
  }
#pragma GCC unroll 8
  for (size_t r = 0; r < R; ++r) _mm512_store_ps(reinterpret_cast<float*>(out + r), acc[r]);
}

__attribute__((target("avx512f,fma"))) void LaneProducts16FusedAvx512(const float* x, size_t M,
                                                                      size_t x_stride, size_t K,
                                                                      size_t block,
                                                                      const Lanes<16>* wt,
                                                                      Lanes<16>* out) {
  size_t m = 0;
  for (; m + 8 <= M; m += 8) FusedLaneRows<8>(x + m * x_stride, x_stride, K, block, wt, out + m);
  for (; m + 4 <= M; m += 4) FusedLaneRows<4>(x + m * x_stride, x_stride, K, block, wt, out + m);
  for (; m < M; ++m) FusedLaneRows<1>(x + m * x_stride, x_stride, K, block, wt, out + m);
}

// The same on AVX2 (8 lanes, four rows at a time: their partials and sums fill 8 of the 16
// registers).
template <size_t R>
__attribute__((target("avx2,fma"), always_inline)) inline void FusedLaneRows8(
    const float* x, size_t x_stride, size_t K, size_t block, const Lanes<8>* wt, Lanes<8>* out) {
  __m256 acc[R];
#pragma GCC unroll 4
  for (size_t r = 0; r < R; ++r) acc[r] = _mm256_setzero_ps();
  for (size_t k0 = 0; k0 < K; k0 += block) {
    __m256 partial[R];
#pragma GCC unroll 4
    for (size_t r = 0; r < R; ++r) partial[r] = _mm256_setzero_ps();
    const size_t end = std::min(K, k0 + block);
    for (size_t k = k0; k < end; ++k) {
      const __m256 w = reinterpret_cast<const __m256&>(wt[k]);
#pragma GCC unroll 4
      for (size_t r = 0; r < R; ++r)
        partial[r] = _mm256_fmadd_ps(_mm256_set1_ps(x[r * x_stride + k]), w, partial[r]);
    }
#pragma GCC unroll 4
    for (size_t r = 0; r < R; ++r)
      acc[r] = k0 == 0 ? partial[r] : _mm256_add_ps(acc[r], partial[r]);
  }
#pragma GCC unroll 4
  for (size_t r = 0; r < R; ++r) _mm256_store_ps(reinterpret_cast<float*>(out + r), acc[r]);
}

__attribute__((target("avx2,fma"))) void LaneProducts8FusedAvx2(const float* x, size_t M,
                                                                size_t x_stride, size_t K,
                                                                size_t block, const Lanes<8>* wt,
                                                                Lanes<8>* out) {
  size_t m = 0;
  for (; m + 4 <= M; m += 4) FusedLaneRows8<4>(x + m * x_stride, x_stride, K, block, wt, out + m);
  for (; m < M; ++m) FusedLaneRows8<1>(x + m * x_stride, x_stride, K, block, wt, out + m);
}

// Runs `body(n0, n_end)` over the output rows [row_begin, row_end) in chunks of whole 16-row
// blocks (an interleaved block, which the AVX2 step kernel takes whole although its lanes are
// 8 rows), split across the pool. About 2^17 multiply-adds per chunk at least, so tiny products
// stay serial. work_per_block is the work of L rows.
template <size_t L, typename Body>
void ForEachLaneBlock(size_t row_begin, size_t row_end, size_t work_per_block, ThreadPool* pool,
                      Body body) {
  constexpr size_t kUnit = kInterleaveRows;  // a multiple of L (8 or 16)
  const size_t blocks = (row_end - row_begin + kUnit - 1) / kUnit;
  constexpr size_t kMinChunkWork = size_t{1} << 17;
  const size_t unit_work = std::max<size_t>(1, work_per_block * (kUnit / L));
  const size_t grain = std::max<size_t>(1, kMinChunkWork / unit_work);
  auto run = [&](size_t b0, size_t b1) {
    body(row_begin + b0 * kUnit, std::min(row_end, row_begin + b1 * kUnit));
  };
  if (pool == nullptr) {
    run(0, blocks);
  } else {
    pool->ParallelFor(blocks, grain, run);
  }
}

// y[m * y_stride + (n - row_begin)] for n in [row_begin, row_end): x · decoded-rowᵀ with K-block
// partial sums of width `block`, then `finish` applied (bf16 rounding or identity).
template <size_t L, typename Weight, typename DecodeRow, typename LaneFn, typename Finish>
void LaneMatmul(const float* x, size_t M, size_t x_stride, const Weight& w, size_t block,
                DecodeRow decode_row, LaneFn lane_products, size_t row_begin, size_t row_end,
                float* y, size_t y_stride, ThreadPool* pool, Finish finish,
                const ActivationFacts* known_facts) {
  const size_t K = w.in;
  if (M == 0) return;
  ActivationFacts facts;
  bool fused_lanes = false;  // the lane path's products are all exact (LaneProductsExact)
  auto measured = [&] {
    return known_facts != nullptr ? *known_facts : MeasureActivations(x, M, x_stride, K);
  };
  {
    // The lanes fuse on AVX-512, and on AVX2 where the step kernels run (FMA and F16C; the lanes
    // need only FMA, but no AVX2 CPU has one without the other).
    const bool can_fuse = L == 16 || Avx2StepKernels();
    if (L == 16 ? M <= 4 && StepProductsFit(w, block)
                : M == 1 && Avx2StepKernels() && StepProductsAvx2Fit(w, block)) {
      // The step kernels (few rows) use facts for FP8 and MXFP4; bf16 ones need none.
      if constexpr (!std::is_same_v<Weight, Bf16Weight>) facts = measured();
    } else if (can_fuse) {
      if (const ScaleExponents e = FusableScales(w); e.ok)
        fused_lanes = LaneProductsExact(w, e, measured());
    }
  }
  ForEachLaneBlock<L>(row_begin, row_end, M * K * L, pool, [&](size_t n_first, size_t n_last) {
    const size_t n_end = std::min(n_last, row_end);
    if constexpr (L == 16) {
      if (M <= 4 && n_first % kInterleaveRows == 0 && StepProductsFit(w, block))
        PrefetchStepStart(w, n_first);
    }
    LaneBuffer<L> out(std::max<size_t>(M, 2));
    std::optional<LaneBuffer<L>> wt;
    for (size_t n0 = n_first; n0 < n_end;) {
      if constexpr (L == 8) {
        // AVX2 path, one activation row (decode): a whole interleaved block streamed in once
        // (step_products_avx2.h); rows past n_end are dropped.
        if (M == 1 && n0 % kInterleaveRows == 0 && Avx2StepKernels() &&
            StepProductsAvx2Fit(w, block)) {
          alignas(32) float sums[kInterleaveRows];
          StepProductsAvx2(w, n0, x, block, facts, sums);
          const size_t rows = std::min(kInterleaveRows, n_end - n0);
          for (size_t i = 0; i < rows; ++i) y[(n0 - row_begin) + i] = finish(sums[i]);
          n0 += rows;
          continue;
        }
      }
      if constexpr (L == 16) {
        // AVX-512 path, few activation rows (decode): the interleaved weight bytes stream in
        // once, 16 rows at a time (see step_products_avx512.h); rows past n_end are dropped.
        if constexpr (std::is_same_v<Weight, Fp8Weight>) {
          // One row summed over all of K (wo_a): two blocks at once, two add chains.
          if (M == 1 && block == K && n0 + 2 * L <= n_end && n0 % kInterleaveRows == 0 &&
              StepProductsFit(w, block) &&
              StepProductsPairAvx512(w, n0, x, facts, reinterpret_cast<float*>(out.data()))) {
            const float* sums = reinterpret_cast<const float*>(out.data());
            for (size_t i = 0; i < 2 * L; ++i) y[(n0 - row_begin) + i] = finish(sums[i]);
            n0 += 2 * L;
            continue;
          }
        }
        if (M <= 4 && n0 % kInterleaveRows == 0 && StepProductsFit(w, block)) {
          StepProductsAvx512(w, n0, x, M, x_stride, block, facts,
                             reinterpret_cast<float*>(out.data()));
          const float* sums = reinterpret_cast<const float*>(out.data());
          for (size_t m = 0; m < M; ++m) {
            for (size_t i = 0; i < std::min(L, n_end - n0); ++i)
              y[m * y_stride + (n0 - row_begin) + i] = finish(sums[m * L + i]);
          }
          n0 += L;
          continue;
        }
      }
      if (!wt) wt.emplace(K);
      DecodeLaneBlock<L>(w, n0, row_end, decode_row, wt->data());
      if (!fused_lanes) {
        lane_products(x, M, x_stride, K, block, wt->data(), out.data());
      } else if constexpr (L == 16) {
        LaneProducts16FusedAvx512(x, M, x_stride, K, block, wt->data(), out.data());
      } else {
        LaneProducts8FusedAvx2(x, M, x_stride, K, block, wt->data(), out.data());
      }
      for (size_t m = 0; m < M; ++m) {
        for (size_t j = 0; j < L && n0 + j < row_end; ++j)
          y[m * y_stride + (n0 - row_begin) + j] = finish(out[m][j]);
      }
      n0 += L;
    }
  });
}

// Dispatches LaneMatmul to the widest lane kernel this CPU runs.
template <typename Weight, typename DecodeRow, typename Finish>
void DispatchLaneMatmul(const float* x, size_t M, size_t x_stride, const Weight& w, size_t block,
                        DecodeRow decode_row, size_t row_begin, size_t row_end, float* y,
                        size_t y_stride, ThreadPool* pool, Finish finish,
                        const ActivationFacts* known_facts = nullptr) {
  switch (CpuSimd()) {
    case Simd::kAvx512:
      LaneMatmul<16>(x, M, x_stride, w, block, decode_row, LaneProducts16Avx512, row_begin, row_end,
                     y, y_stride, pool, finish, known_facts);
      return;
    case Simd::kAvx2:
      LaneMatmul<8>(x, M, x_stride, w, block, decode_row, LaneProducts8Avx2, row_begin, row_end, y,
                    y_stride, pool, finish, known_facts);
      return;
    case Simd::kBaseline:
      LaneMatmul<8>(x, M, x_stride, w, block, decode_row, LaneProducts8, row_begin, row_end, y,
                    y_stride, pool, finish, known_facts);
      return;
  }
}

// Output steps of LaneMatmul, as types so that the call inlines (a function pointer cost an
// indirect call per output).
struct Identity {
  float operator()(float v) const { return v; }
};
struct RoundBf16 {
  float operator()(float v) const { return RoundToBf16(v); }
};

// Shared body of the FP8 and FP4 products: quantised activations, per-block fp32 partials
// added in K order, bf16 output. `block` is the K width of one partial sum.
template <typename Weight, typename DecodeRow>
void BlockedQuantizedMatmul(const float* x, size_t M, const Weight& w, size_t block,
                            DecodeRow decode_row, float* y, ThreadPool* pool) {
  const size_t K = w.in;
  std::vector<float> xq(M * K);
  auto quantize_rows = [&](size_t m0, size_t m1) {
    for (size_t m = m0; m < m1; ++m)
      QuantizeDequantizeFp8(x + m * K, K, kFp8Block, xq.data() + m * K);
  };
  if (pool != nullptr && M > 1) {
    pool->ParallelFor(M, std::max<size_t>(1, 16384 / std::max<size_t>(K, 1)), quantize_rows);
  } else {
    quantize_rows(0, M);
  }
  DispatchLaneMatmul(xq.data(), M, K, w, block, decode_row, 0, w.out, y, w.out, pool, RoundBf16{});
}

}  // namespace

const char* MatmulSimdPath() {
  switch (CpuSimd()) {
    case Simd::kAvx512:
      return "avx512";
    case Simd::kAvx2:
      return "avx2";
    case Simd::kBaseline:
      break;
  }
  return "baseline";
}

void MatmulFp8(const float* x, size_t M, const Fp8Weight& w, float* y, ThreadPool* pool) {
  BlockedQuantizedMatmul(x, M, w, kFp8Block, DecodeFp8RowStrided, y, pool);
}

void MatmulFp4(const float* x, size_t M, const Fp4Weight& w, float* y, ThreadPool* pool) {
  BlockedQuantizedMatmul(x, M, w, kFp4Group, DecodeFp4RowStrided, y, pool);
}

void MatmulFp8Rows(const float* xq, size_t M, const Fp8Weight& w, size_t row_begin, size_t row_end,
                   float* y, size_t y_stride, const ActivationFacts* facts) {
  DispatchLaneMatmul(xq, M, w.in, w, kFp8Block, DecodeFp8RowStrided, row_begin, row_end, y,
                     y_stride, nullptr, RoundBf16{}, facts);
}

void MatmulFp4Rows(const float* xq, size_t M, const Fp4Weight& w, size_t row_begin, size_t row_end,
                   float* y, size_t y_stride, const ActivationFacts* facts) {
  DispatchLaneMatmul(xq, M, w.in, w, kFp4Group, DecodeFp4RowStrided, row_begin, row_end, y,
                     y_stride, nullptr, RoundBf16{}, facts);
}

void MatmulBf16WeightF32Rows(const float* x, size_t M, const Bf16Weight& w, size_t row_begin,
                             size_t row_end, float* y, size_t y_stride) {
  DispatchLaneMatmul(x, M, w.in, w, w.in, DecodeBf16RowStrided, row_begin, row_end, y, y_stride,
                     nullptr, Identity{});
}

void MatmulBf16WeightF32(const float* x, size_t M, const Bf16Weight& w, float* y,
                         ThreadPool* pool) {
  DispatchLaneMatmul(x, M, w.in, w, w.in, DecodeBf16RowStrided, 0, w.out, y, w.out, pool,
                     Identity{});
}

void MatmulBf16WeightBlockedF32(const float* x, size_t M, size_t x_stride, const Bf16Weight& w,
                                size_t block, float* y, size_t y_stride, ThreadPool* pool) {
  DispatchLaneMatmul(x, M, x_stride, w, block, DecodeBf16RowStrided, 0, w.out, y, y_stride, pool,
                     Identity{});
}

void MatmulDequantizedFp8F32(const float* x, size_t M, size_t x_stride, const Fp8Weight& w,
                             size_t row_begin, size_t row_count, float* y, size_t y_stride,
                             ThreadPool* pool, const ActivationFacts* facts) {
  DispatchLaneMatmul(x, M, x_stride, w, w.in, DecodeFp8RowStrided, row_begin, row_begin + row_count,
                     y, y_stride, pool, Identity{}, facts);
}

}  // namespace inference
