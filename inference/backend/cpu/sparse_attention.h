// Sparse multi-query attention with an attention sink, as DeepSeek-V4 runs it: every query
// attends to an explicit list of KV rows (window slots and chosen compressed entries), the KV
// row is both key and value, and a per-head sink logit enlarges the softmax denominator.
//
// Rounding follows the reference kernel (shared/golden/README.md §2): the list is processed in
// blocks of 64 with an online softmax (running max), scores are fp32 dot products times
// fp32(scale), probabilities are rounded to bf16 before the P·V product while the running sum
// uses the fp32 values, exp(sink - max) joins the denominator at the end, output rounded to bf16.
// Like the reference's emulation in torch ops, each block's probabilities are summed in torch's
// row-sum order, its P·V is a product of its own added to the rescaled accumulator, and exp is
// torch's (TorchExp); this makes the output bit-identical to the stored reference attention.
// Owned by the CPU backend. Pure function on caller-owned buffers; thread-safe.
#pragma once

#include <cstddef>

namespace inference {

// q: [n_heads, d] (bf16 values); rows[i]: pointer to a d-wide KV row, or nullptr for an empty
// slot (index -1); sink: [n_heads]; out: [n_heads, d].
void SparseAttention(const float* q, size_t n_heads, size_t d, const float* const* rows,
                     size_t n_rows, const float* sink, float scale, float* out);

}  // namespace inference
