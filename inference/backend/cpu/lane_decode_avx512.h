// Decoding 16 weight rows at once (and, for a few activation rows, multiplying them at once) into
// the lane-interleaved block the AVX-512 matrix products read (wt[k * 16 + j] = row n0 + j, column
// k): each row's 16 columns are decoded in one zmm register (FP8 e4m3 by bit arithmetic, MXFP4 by a
// 16-entry permute, bf16 by a shift) and the 16x16 tile is transposed in registers. This replaces
// 16 strided scalar stores per column with vector stores; every value equals the scalar decoder's
// exactly (the same exact code value times the same power-of-two scale), so the products' results
// do not change.
//
// Only for CPUs with AVX-512F (the caller checks) and K a multiple of 16 with all 16 rows
// present; the caller falls back to the scalar decoder otherwise. Pure functions; thread-safe.
#pragma once

#include <cstddef>

#include "inference/backend/cpu/matmul.h"

namespace inference {

// Decodes rows [n0, n0 + 16) of w into wt (w.in * 16 floats, 64-byte aligned).
void DecodeLanes16Avx512(const Fp8Weight& w, size_t n0, float* wt);
void DecodeLanes16Avx512(const Fp4Weight& w, size_t n0, float* wt);
void DecodeLanes16Avx512(const Bf16Weight& w, size_t n0, float* wt);

// For M <= 4 activation rows (the decode case): decodes rows [n0, n0 + 16) tile by tile and
// multiplies in registers without storing the block, out[m * 16 + j] = the K-blocked sum (block
// partials of width `block`, a multiple of 16) of x[m] and row n0 + j, exactly as the stored
// block and the lane products would give. out is 64-byte aligned.
void FusedLaneProducts16Avx512(const Fp8Weight& w, size_t n0, const float* x, size_t M,
                               size_t x_stride, size_t block, float* out);
void FusedLaneProducts16Avx512(const Fp4Weight& w, size_t n0, const float* x, size_t M,
                               size_t x_stride, size_t block, float* out);
void FusedLaneProducts16Avx512(const Bf16Weight& w, size_t n0, const float* x, size_t M,
                               size_t x_stride, size_t block, float* out);

}  // namespace inference
