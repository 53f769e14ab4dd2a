// Row decoders of the weight formats (matmul.h), row-major or interleaved: element k of row r,
// scaled, to out[k * stride]. Stride 1 gives a plain row, the lane count one lane of a
// lane-interleaved block directly (no intermediate row buffer). Every value is the exact code
// value times its power-of-two scale, one multiply; every faster decoder must match these.
// Owned by the CPU backend. Pure functions; thread-safe.
#pragma once

#include <cstddef>

#include "inference/backend/cpu/matmul.h"

namespace inference {

void DecodeFp8RowStrided(const Fp8Weight& w, size_t r, float* out, size_t stride);
void DecodeFp4RowStrided(const Fp4Weight& w, size_t r, float* out, size_t stride);
void DecodeBf16RowStrided(const Bf16Weight& w, size_t r, float* out, size_t stride);

}  // namespace inference
