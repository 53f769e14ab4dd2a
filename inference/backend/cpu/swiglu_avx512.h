// AVX-512 form of SwiGluRow (swiglu.h): clamps as std::clamp / std::min leave NaN and signed
// zeros, torch's exponential 16 at a time, the same divisions and products, bf16 rounding.
// Requires AVX-512F and FMA (the caller checks). Pure function; thread-safe.
#pragma once

#include <cstddef>

namespace inference {

void SwiGluRowAvx512(float limit, float route_weight, bool weighted, size_t inter, float* g,
                     float* u, float* scratch);

}  // namespace inference
