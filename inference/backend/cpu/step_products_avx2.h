// Decode-step products on AVX2 for one activation row: the interleaved weight bytes
// (interleaved_weight.h) of a 16-row block stream in once and are decoded and multiplied in
// registers, two 8-lane halves side by side, with no decoded copy in memory (the lane path
// writes and rereads one). Each output is LaneMatmul's, bit for bit: the same weight values
// (FP8 through fp16, exact, or the scalar decoder's arithmetic; MXFP4 and bf16 as decoded), each
// product rounded on its own, partial sums of `block` columns added in order. Where `facts` (of
// x, activation_facts.h) prove the products exact, a fused multiply-add replaces the multiply
// and add, and an MXFP4 group's partial is scaled once (exact_products.h): the same bits.
// Only for CPUs with AVX2, FMA and F16C (the caller checks). Pure functions; thread-safe.
#pragma once

#include <cstddef>

#include "inference/backend/cpu/activation_facts.h"
#include "inference/backend/cpu/matmul.h"

namespace inference {

// Whether StepProductsAvx2 takes w with partial sums of `block` columns.
bool StepProductsAvx2Fit(const Fp8Weight& w, size_t block);
bool StepProductsAvx2Fit(const Fp4Weight& w, size_t block);
bool StepProductsAvx2Fit(const Bf16Weight& w, size_t block);

// out[j] for rows n0 + j, j < 16 (n0 a multiple of 16): x[0..w.in) times the row, in K-blocks of
// `block` columns whose partial sums are added in order.
// `facts` are MeasureActivations of x (or bounds that hold for it; unknown facts are always
// right); the bf16 kernel takes none.
void StepProductsAvx2(const Fp8Weight& w, size_t n0, const float* x, size_t block,
                      const ActivationFacts& facts, float* out);
void StepProductsAvx2(const Fp4Weight& w, size_t n0, const float* x, size_t block,
                      const ActivationFacts& facts, float* out);
void StepProductsAvx2(const Bf16Weight& w, size_t n0, const float* x, size_t block,
                      const ActivationFacts& facts, float* out);

}  // namespace inference
