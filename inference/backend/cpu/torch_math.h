// Elementwise fp32 functions as DeepSeek's reference evaluated them: PyTorch's CPU kernels run
// exp through SLEEF's vectorised expf (1-ulp accuracy, not libm's), so an engine that must
// reproduce the reference to the last bit needs the same polynomial and rounding steps, not
// std::exp (which differs in the last bit for about one value in ten).
// Owned by the CPU backend. Pure functions; thread-safe.
#pragma once

#include <cstddef>

namespace inference {

// torch.exp on fp32 (SLEEF expf, u10, with fused multiply-adds as on AVX2).
float TorchExp(float x);

// out[i] = TorchExp(x[i]) for i < n (out may be x itself, not a partial overlap): the same
// bits, 16 at a time on AVX-512, 8 on AVX2 with FMA.
void TorchExpMany(const float* x, size_t n, float* out);

// torch.sigmoid on fp32 in its vectorised form: 1 / (1 + TorchExp(-x)).
float TorchSigmoid(float x);

// torch.log1p on fp32 (SLEEF log1pf, u10).
float TorchLog1p(float x);

// F.softplus (beta 1, threshold 20) on fp32 in its vectorised form: log1p(exp(x)), or x above 20.
float TorchSoftplus(float x);

}  // namespace inference
