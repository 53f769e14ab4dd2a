// ActivationFacts: what the SIMD kernels (the AVX-512 and AVX2 decode-step kernels, and the
// AVX-512 lane products of prefill) may assume about the activation rows of a matrix product,
// measured once per product or per set of activations (ProductBatch).
//
// When every value has few significant bits and a known exponent range, each product x * w is
// exact, so a fused multiply-add rounds exactly as the multiply and
// add it replaces, and MXFP4's power-of-two scale may multiply a group's partial sum instead of
// each product (scaling is exact, so every intermediate sum is the same value scaled). The
// kernels check the ranges against the weight's scales and otherwise keep the separate steps.
#pragma once

#include <cstddef>
#include <cstdint>

namespace inference {

struct ActivationFacts {
  bool known = false;         // false: nothing is assumed
  int significant_bits = 24;  // every value has at most this many
  int min_exponent = 0;       // of the nonzero values, which are all finite and normal
  int max_exponent = 0;
};

// Measures rows [0, M) of x (row m at x + m * x_stride, K values each), on the widest SIMD path
// this process uses (CpuSimd); nothing known on the baseline path, whose kernels use no facts.
// Pure; thread-safe.
ActivationFacts MeasureActivations(const float* x, size_t M, size_t x_stride, size_t K);

// The same measurement on one instruction set (the caller checks the CPU has it): AVX-512F, or
// AVX2. Both give the same facts.
ActivationFacts MeasureActivationsAvx512(const float* x, size_t M, size_t x_stride, size_t K);
ActivationFacts MeasureActivationsAvx2(const float* x, size_t M, size_t x_stride, size_t K);

// The facts of nonzero values' exponent fields [lo, hi] and the OR of their mantissas (`used`),
// as both measurements gather them; lo > hi when every value is zero.
ActivationFacts FactsFromFields(int lo, int hi, uint32_t used);

}  // namespace inference
