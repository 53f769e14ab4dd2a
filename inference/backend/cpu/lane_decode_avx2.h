// Decoding 8 rows of an interleaved weight (interleaved_weight.h) at once into the
// lane-interleaved block that the AVX2 lane products read (wt[k * 8 + j] = row n0 + j, column
// k): each column of the 8 rows is 8 adjacent codes, decoded in one ymm register (FP8 e4m3 by
// bit arithmetic, MXFP4 by an 8-entry permute and the sign bit, bf16 by a shift) and scaled by
// the same multiply as the scalar decoder, so every value is the scalar decoder's, bit for bit.
// The scalar decoder, one value at a time, took 80 % of an AVX2 decode step.
// Only for CPUs with AVX2 (the caller checks), interleaved weights and n0 a multiple of 8 (an
// interleaved block's padding rows exist and decode as zeros). Pure functions; thread-safe.
#pragma once

#include <cstddef>

#include "inference/backend/cpu/matmul.h"

namespace inference {

// Decodes rows [n0, n0 + 8) of w into wt (w.in * 8 floats, 32-byte aligned).
void DecodeLanes8Avx2(const Fp8Weight& w, size_t n0, float* wt);
void DecodeLanes8Avx2(const Fp4Weight& w, size_t n0, float* wt);
void DecodeLanes8Avx2(const Bf16Weight& w, size_t n0, float* wt);

}  // namespace inference
