// AVX2 form of SwiGluRow (swiglu.h), as swiglu_avx512.h on 8 lanes: clamps as std::clamp /
// std::min leave NaN and signed zeros, torch's exponential 8 at a time, the same divisions and
// products, bf16 rounding.
// Requires AVX2 and FMA (the caller checks). Pure function; thread-safe.
#pragma once

#include <cstddef>

namespace inference {

void SwiGluRowAvx2(float limit, float route_weight, bool weighted, size_t inter, float* g, float* u,
                   float* scratch);

}  // namespace inference
