// Matrix products over weights kept in their stored checkpoint precision: FP8 e4m3 with 128x128
// e8m0 block scales, packed MXFP4 (e2m1 pairs, one e8m0 scale per 32 inputs) and bf16. Each
// weight row is decoded on the fly into a small fp32 buffer (dequantisation fused into the
// product); nothing is dequantised ahead of time.
//
// Rounding follows DeepSeek's reference kernels (shared/golden/README.md §2): FP8/FP4 products
// first quantise the activation rows to e4m3 in 128-blocks, sum each K block (128 for FP8, 32 for
// FP4) in fp32, add the block partials in order and round the result to bf16.
//
// Speed without changing a bit: with a ThreadPool the output rows are split across threads in
// blocks of 8 (each output is still one thread's sequential sum), and the 8-row lane products
// run in AVX2 registers when the CPU has AVX2 (checked at run time; plain multiply then add, no
// FMA, so the rounding is the same as the SSE2 baseline), 16 rows at once with AVX-512, with
// fused multiply-adds only where the activations make every product exact (a fused step then
// rounds as the separate ones do); for up to 4 activation rows (decode steps) AVX-512 streams
// the weight bytes once, 16 rows at a time, from weights in the interleaved layout
// (interleaved_weight.h, step_products_avx512.h). The fp32 dot products below are in
// dot_rows.cc.
// FLASHCODE_CPU_SIMD=baseline|avx2 caps the path. A null pool runs on the caller only.
// Owned by the CPU backend. Weight views borrow memory that must outlive the call; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>

namespace inference {

class ThreadPool;
struct ActivationFacts;

// Every weight is [out, in], row-major as stored in the checkpoint or, when `interleaved`, in
// the layout of interleaved_weight.h. Set `interleaved` only on bytes Interleave wrote (or an
// exact copy of them): it checks what the kernels then assume.

// FP8 weight with scales [ceil(out/128), ceil(in/128)] (row-major either way).
struct Fp8Weight {
  const uint8_t* data = nullptr;
  const uint8_t* scale = nullptr;
  size_t out = 0;
  size_t in = 0;
  bool interleaved = false;
};

// MXFP4 weight: data [out, in/2] bytes (low nibble = even column), scales [out, in/32].
struct Fp4Weight {
  const uint8_t* data = nullptr;
  const uint8_t* scale = nullptr;
  size_t out = 0;
  size_t in = 0;
  bool interleaved = false;
  // Bounds of the scale bytes (Interleave measures them; the defaults promise nothing).
  uint8_t scale_min = 0, scale_max = 255;
};

// bf16 weight (row-major data may be unaligned).
struct Bf16Weight {
  const uint8_t* data = nullptr;
  size_t out = 0;
  size_t in = 0;
  bool interleaved = false;
  // Bounds of the nonzero values' exponent fields (subnormals count as 1), where every value is
  // finite: Interleave measures them; the defaults promise nothing.
  bool exponents_known = false;
  uint8_t exponent_min = 0, exponent_max = 0;
};

// Decodes row r of each weight kind into `row` (in floats), scales applied (exact).
void DecodeFp8Row(const Fp8Weight& w, size_t r, float* row);
void DecodeFp4Row(const Fp4Weight& w, size_t r, float* row);
void DecodeBf16Row(const Bf16Weight& w, size_t r, float* row);

// y[M, out] = bf16(fp8_gemm(act_quant(x[M, in]), w)). x holds bf16 values.
void MatmulFp8(const float* x, size_t M, const Fp8Weight& w, float* y, ThreadPool* pool = nullptr);

// y[M, out] = bf16(fp4_gemm(act_quant(x[M, in]), w)).
void MatmulFp4(const float* x, size_t M, const Fp4Weight& w, float* y, ThreadPool* pool = nullptr);

// Rows [row_begin, row_end) of MatmulFp8 / MatmulFp4, on the calling thread, for activations
// already quantised as those quantise them (QuantizeDequantizeFp8 in 128-blocks): xq[M, in],
// y[m * y_stride + (n - row_begin)]. Same kernels and order, so the same bits; ProductBatch
// (product_batch.h) runs several products' rows in one parallel loop with these.
// `facts`, where given, are MeasureActivations of xq (activation_facts.h): a batch
// measures each set of activations once, not once per piece.
void MatmulFp8Rows(const float* xq, size_t M, const Fp8Weight& w, size_t row_begin, size_t row_end,
                   float* y, size_t y_stride, const ActivationFacts* facts = nullptr);
void MatmulFp4Rows(const float* xq, size_t M, const Fp4Weight& w, size_t row_begin, size_t row_end,
                   float* y, size_t y_stride, const ActivationFacts* facts = nullptr);
// Rows [row_begin, row_end) of MatmulBf16WeightF32, on the calling thread:
// y[m * y_stride + (n - row_begin)].
void MatmulBf16WeightF32Rows(const float* x, size_t M, const Bf16Weight& w, size_t row_begin,
                             size_t row_end, float* y, size_t y_stride);
// y[M, out] = x · wᵀ in fp32 (one fp32 sum per output), not rounded: the reference's fp32
// F.linear with a bf16-stored weight (router, compressor, head). Callers round where the
// reference's output is bf16.
void MatmulBf16WeightF32(const float* x, size_t M, const Bf16Weight& w, float* y,
                         ThreadPool* pool = nullptr);

// y[m * y_stride + n] = x[m * x_stride ..] · w[n]ᵀ in fp32, not rounded: partial sums over K
// blocks of width `block`, each in K order from zero, added in order (block = w.in: one sum).
void MatmulBf16WeightBlockedF32(const float* x, size_t M, size_t x_stride, const Bf16Weight& w,
                                size_t block, float* y, size_t y_stride,
                                ThreadPool* pool = nullptr);

// y[M, out] = x · Wᵀ in fp32 where W is the FP8 weight dequantised (exactly) to bf16 values;
// no activation quantisation, not rounded. Used for wo_a, which the reference runs in bf16.
// `facts`, where given, are MeasureActivations of x's M rows (or of wider rows that hold
// them): callers running many row ranges of one product measure once.
void MatmulDequantizedFp8F32(const float* x, size_t M, size_t x_stride, const Fp8Weight& w,
                             size_t row_begin, size_t row_count, float* y, size_t y_stride,
                             ThreadPool* pool = nullptr, const ActivationFacts* facts = nullptr);

// The lane-product path in use: "avx512", "avx2" or "baseline" (for benchmarks' reports).
const char* MatmulSimdPath();

// Dot product of two fp32 vectors: one sequential fp32 sum, no fused multiply-add.
float Dot(const float* a, const float* b, size_t n);

// out[r] = Dot(rows[r], x, n) for r < n_rows, bit for bit, with AVX-512 16 rows at a time
// (dot_rows_avx512.h). rows[r] may be null: out[r] is then left unchanged.
void DotRows(const float* const* rows, size_t n_rows, const float* x, size_t n, float* out);

// out[i * n_rows + r] = Dot(rows[r], x + i * x_stride, n) for r < n_rows, i < n_x: DotRows for
// several vectors against the same rows (on AVX-512 each tile of rows is transposed once for up
// to 8 of them). rows[r] may be null: out[i * n_rows + r] is then left unchanged.
void DotRowsMulti(const float* const* rows, size_t n_rows, const float* x, size_t n_x,
                  size_t x_stride, size_t n, float* out);

// y[i] += a * x[i] for i < n, product and sum rounded separately (AVX-512 where present).
void AddScaled(float* y, float a, const float* x, size_t n);

// out[r] = Dot(rows + r * stride, x, n) for r < n_rows, as DotRows.
void DotRowsStrided(const float* rows, size_t stride, size_t n_rows, const float* x, size_t n,
                    float* out);

}  // namespace inference
