// AVX2 steps of SparseAttention (sparse_attention.h) for a block of KV rows, bit for bit the
// scalar ones, as sparse_attention_avx512.h describes them: the weighted row sums take up to four
// heads per pass over a row (16 columns a pass, so the sums stay in registers), the rescale and
// the output's division and bf16 rounding.
// Requires AVX2 (the caller checks). Pure functions; thread-safe.
#pragma once

#include <cstddef>

namespace inference {

// sums[h * d + c] = sum over rows j (in order, null rows skipped) of p[h * n + j] * rows[j][c],
// starting from zero, for heads h < n_heads; d a multiple of 16.
void WeightedRowSumsAvx2(const float* p, size_t n_heads, const float* const* rows, size_t n,
                         size_t d, float* sums);

// acc[c] = acc[c] * rescale + partial[c] for c < d (d a multiple of 8).
void RescaleAddAvx2(float* acc, float rescale, const float* partial, size_t d);

// out[c] = bf16(acc[c] / sum) for c < d (d a multiple of 8).
void DivideToBf16Avx2(const float* acc, float sum, size_t d, float* out);

}  // namespace inference
