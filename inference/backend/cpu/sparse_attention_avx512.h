// AVX-512 steps of SparseAttention (sparse_attention.h) for a block of KV rows, bit for bit the
// scalar ones: every product rounded on its own and added in row order (as AddScaled), the
// accumulator's rescale as a product then a sum, the output's division and bf16 rounding. The
// weighted row sums take up to four heads per pass over a row, so a row is read once, not once
// per head. A decode step spends its attention loop here.
// Requires AVX-512F (the caller checks). Pure functions; thread-safe.
#pragma once

#include <cstddef>

namespace inference {

// sums[h * d + c] = sum over rows j (in order, null rows skipped) of p[h * n + j] * rows[j][c],
// starting from zero, for heads h < n_heads; d a multiple of 64.
void WeightedRowSumsAvx512(const float* p, size_t n_heads, const float* const* rows, size_t n,
                           size_t d, float* sums);

// acc[c] = acc[c] * rescale + partial[c] for c < d (d a multiple of 16).
void RescaleAddAvx512(float* acc, float rescale, const float* partial, size_t d);

// out[c] = bf16(acc[c] / sum) for c < d (d a multiple of 16).
void DivideToBf16Avx512(const float* acc, float sum, size_t d, float* out);

}  // namespace inference
