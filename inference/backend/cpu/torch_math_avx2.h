// AVX2 form of TorchExp (torch_math.h): the same SLEEF steps, 8 values at a time, bit for bit the
// scalar result, for AVX2 CPUs without AVX-512 (torch_math_avx512.h says why a vector form pays:
// a decode step takes about 150,000 exponentials).
// Requires AVX2 and FMA (the caller checks). Pure function; thread-safe.
#pragma once

#include <cstddef>

namespace inference {

// out[i] = TorchExp(x[i]) for i < n; out may be x itself (not a partial overlap).
void TorchExpAvx2(const float* x, size_t n, float* out);

}  // namespace inference
