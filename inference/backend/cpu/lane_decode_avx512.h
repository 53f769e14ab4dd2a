// Decoding 16 weight rows at once into the lane-interleaved block the AVX-512 matrix products
// read (wt[k * 16 + j] = row n0 + j, column k), for products over many activation rows (prefill):
// each row's 16 columns are decoded in one zmm register (FP8 e4m3 by bit arithmetic, MXFP4 by a
// 16-entry permute, bf16 by a shift) and the 16x16 tile is transposed in registers. Every value
// equals the scalar decoder's exactly (the same exact code value times the same power-of-two
// scale), so the products' results do not change. (Decode steps over interleaved weights use
// step_products_avx512.h.)
//
// An interleaved weight (interleaved_weight.h) needs no transpose: its block is already
// lane-interleaved, and each column is decoded (and scaled) in one register.
//
// Only for CPUs with AVX-512F (the caller checks) and, row-major, K a multiple of 16 with all 16
// rows present; interleaved, n0 a multiple of 16. The caller falls back to the scalar decoder
// otherwise. Pure functions; thread-safe.
#pragma once

#include <cstddef>

#include "inference/backend/cpu/matmul.h"

namespace inference {

// Decodes rows [n0, n0 + 16) of w into wt (w.in * 16 floats, 64-byte aligned).
void DecodeLanes16Avx512(const Fp8Weight& w, size_t n0, float* wt);
void DecodeLanes16Avx512(const Fp4Weight& w, size_t n0, float* wt);
void DecodeLanes16Avx512(const Bf16Weight& w, size_t n0, float* wt);

}  // namespace inference
