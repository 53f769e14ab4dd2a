// AVX-512 form of TorchExp (torch_math.h): the same SLEEF steps, 16 values at a time, bit for bit
// the scalar result. The scalar form calls fmaf through the PLT eight times per value, and a 1b
// decode step takes about 150,000 exponentials (attention probabilities, SwiGLU gates), about
// 3 ms of a 45 ms step on this path.
// Requires AVX-512F and FMA (the caller checks). Pure function; thread-safe.
#pragma once

#include <cstddef>

namespace inference {

// out[i] = TorchExp(x[i]) for i < n; out may be x itself (not a partial overlap).
void TorchExpAvx512(const float* x, size_t n, float* out);

}  // namespace inference
