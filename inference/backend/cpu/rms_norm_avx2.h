// The vector halves of rms_norm.cc's sums and scalings, on 8 fp32 lanes (AVX2, which every
// AVX-512 CPU also runs). torch's cascade (see CascadeSum) keeps each of its 8 lanes apart until
// the end, so the same operations on a 256-bit vector per row of lanes give the same bits as the
// scalar code: rms_norm.cc calls these where CpuSimd() is not baseline. Decode runs these norms
// between the parallel loops on one thread, several times per layer.
// Owned by the CPU backend. Pure functions; thread-safe.
#pragma once

#include <cstddef>

namespace inference {

// What the cascade adds up for element i.
enum class CascadeTerm {
  kValue,       // x[i]
  kSquare,      // x[i] * x[i] in fp32
  kBf16Square,  // bf16(x[i] * x[i])
};

// CascadeSum (bf16_pairs false, n >= 8) or CascadeSumBf16 (bf16_pairs true, n >= 16) of the
// terms of x[0..n), including the scalar tail, in exactly their order.
float CascadeSumAvx2(const float* x, size_t n, CascadeTerm term, bool bf16_pairs);

// out[i] = bf16(weight[i] * (x[i] * r)), or bf16(x[i] * r) when weight is null; out may alias x.
void ScaleToBf16Avx2(const float* x, const float* weight, float r, size_t n, float* out);

}  // namespace inference
