// The summation order of the reference's multi-row bf16 matrix products. DeepSeek's reference
// runs wo_a as a bf16 einsum; torch 1.13 on CPU hands it to oneDNN 2.6 (its bf16 matmul, bf16
// emulated on AVX512_CORE). Measured against it (adversarial cancelling inputs, 2 groups of 128
// outputs, 2..500 rows, 1 or 2 threads: bit for bit): K is cut into two halves (one block when
// K < 512), each half summed from zero and the halves then added; inside a half the products
// come in pairs (2i, 2i+1), the odd one added first (oneDNN's emulated vdpbf16ps). Products of
// bf16 values are exact in fp32, so fused or separate multiply-adds agree. Verified for
// K = 256..1536; at K = 2048 oneDNN splits differently (not reproduced). A single row (decode)
// takes another oneDNN path (measured, not implemented: 16-element chunks alternating between two
// 8-lane accumulators, pairs odd first, lanes reduced in adjacent pairs); callers keep their
// sequential sum there, which matches the golden decode steps.
// Owned by the CPU backend. Pure functions; thread-safe.
#pragma once

#include <cstddef>

#include "inference/backend/cpu/matmul.h"

namespace inference {

class ThreadPool;

// Width of oneDNN's K blocks for a bf16 product with K inputs (see above).
size_t OneDnnBf16KBlock(size_t K);

// As MatmulDequantizedFp8F32 (rows [row_begin, row_begin + row_count) of the dequantised,
// bf16-valued weight), but summed in oneDNN's multi-row order. Where K or its block is odd
// (not measured) the plain sequential sum is used.
void MatmulDequantizedFp8OneDnnOrder(const float* x, size_t M, size_t x_stride, const Fp8Weight& w,
                                     size_t row_begin, size_t row_count, float* y, size_t y_stride,
                                     ThreadPool* pool = nullptr);

}  // namespace inference
