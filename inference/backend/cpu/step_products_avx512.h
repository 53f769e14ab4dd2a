// Matrix products for a few activation rows (a decode step: M <= 4) over 16 weight rows at once,
// streaming the weight bytes once from the interleaved layout (interleaved_weight.h) and never
// writing a decoded block to memory.
//
// Why not the lane-block decoder: decoding each row into a register and transposing 16 float
// registers costs about 20 vector instructions per 16 weights, far more than the memory read.
// Interleaved, one load gives a column of all 16 rows, already one value per lane: FP8 e4m3 is
// decoded by placing its bits into an fp16 value (exact, subnormals included, no denormal-input
// slow path) and one vcvtph2ps per 16 weights, its power-of-two block scale moved onto the
// activations where that is exact; MXFP4 by a 16-entry permute; bf16 by a shift. The stream is
// prefetched in software ahead of use.
//
// Every weight value and every product is the scalar decoder's, added in the same order (K-block
// partials of width `block`, one after another; multiply and add rounded separately, or fused
// where ActivationFacts prove the product exact, which rounds the same), so the results are
// bit-identical to the other paths. Blocks with huge FP8 scales take the scalar decoder's values.
//
// Requires the AVX-512 path of CpuSimd (AVX-512F/BW, FMA, F16C; the caller checks) and
// StepProductsFit. Pure functions; thread-safe.
#pragma once

#include <cstddef>

#include "inference/backend/cpu/activation_facts.h"
#include "inference/backend/cpu/matmul.h"

namespace inference {

// Whether StepProductsAvx512 handles this weight: interleaved, and its width and partial-sum
// block fit the kernel.
bool StepProductsFit(const Fp8Weight& w, size_t block);
bool StepProductsFit(const Fp4Weight& w, size_t block);
bool StepProductsFit(const Bf16Weight& w, size_t block);

// Prefetches the start of the interleaved rows n0.. (a thread's first block of a product).
void PrefetchStepStart(const Fp8Weight& w, size_t n0);
void PrefetchStepStart(const Fp4Weight& w, size_t n0);
void PrefetchStepStart(const Bf16Weight& w, size_t n0);

// For M <= 4 rows of x (described by facts): out[m * 16 + i] = the blocked sum of x[m] and weight
// row n0 + i, for i < 16 (n0 a multiple of 16; rows past w.out are the layout's zero padding). out
// is 64-byte aligned.
void StepProductsAvx512(const Fp8Weight& w, size_t n0, const float* x, size_t M, size_t x_stride,
                        size_t block, const ActivationFacts& facts, float* out);
void StepProductsAvx512(const Fp4Weight& w, size_t n0, const float* x, size_t M, size_t x_stride,
                        size_t block, const ActivationFacts& facts, float* out);
void StepProductsAvx512(const Bf16Weight& w, size_t n0, const float* x, size_t M, size_t x_stride,
                        size_t block, const ActivationFacts& facts, float* out);

// For one activation row and one sum per output (block == w.in, wo_a's product): out[i] for the
// 32 rows n0 .. n0 + 31 (two 16-row blocks, n0 a multiple of 16) at once, the same values as two
// StepProductsAvx512 calls; two independent add chains instead of one. False, with nothing
// written, where a scale does not fold exactly (StepProductsAvx512 then takes those rows).
bool StepProductsPairAvx512(const Fp8Weight& w, size_t n0, const float* x,
                            const ActivationFacts& facts, float* out);

}  // namespace inference
