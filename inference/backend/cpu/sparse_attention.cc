#include "inference/backend/cpu/sparse_attention.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "inference/backend/cpu/matmul.h"
#include "inference/backend/cpu/number_formats.h"
#include "inference/backend/cpu/rms_norm.h"
#include "inference/backend/cpu/torch_math.h"

namespace inference {

void SparseAttention(const float* q, size_t n_heads, size_t d, const float* const* rows,
                     size_t n_rows, const float* sink, float scale, float* out) {
  constexpr size_t kBlock = 64;
  constexpr float kNegInf = -std::numeric_limits<float>::infinity();
  // Blocks outside, heads inside: a block's scores for all heads come from one pass over its
  // rows (DotRowsMulti). Each head's own sequence of operations is unchanged.
  std::vector<float> acc(n_heads * d, 0.0f), partial(d), scores(n_heads * kBlock);
  std::vector<float> running_max(n_heads, kNegInf), running_sum(n_heads, 0.0f);
  for (size_t b = 0; b < n_rows; b += kBlock) {
    const size_t n = std::min(kBlock, n_rows - b);
    // The empty slots' scores are set below; DotRowsMulti leaves them alone.
    DotRowsMulti(rows + b, n, q, n_heads, d, d, scores.data());
    for (size_t h = 0; h < n_heads; ++h) {
      float* sc = &scores[h * n];
      float block_max = running_max[h];
      for (size_t j = 0; j < n; ++j) {
        sc[j] = rows[b + j] ? sc[j] * scale : kNegInf;
        block_max = std::max(block_max, sc[j]);
      }
      if (block_max == kNegInf) continue;  // an all-empty block changes nothing
      const float rescale = TorchExp(running_max[h] - block_max);
      for (size_t j = 0; j < n; ++j) sc[j] -= block_max;
      TorchExpMany(sc, n, sc);
      // The block's probabilities (zeros at empty slots) are summed the way torch sums a row,
      // and the block's P·V is a product of its own, added to the rescaled accumulator: the
      // reference's kernel emulation (golden/README.md §2) works block by block in torch ops.
      running_sum[h] = running_sum[h] * rescale + CascadeSum(sc, n);
      std::fill(partial.begin(), partial.end(), 0.0f);
      for (size_t j = 0; j < n; ++j) {
        if (!rows[b + j]) continue;
        AddScaled(partial.data(), RoundToBf16(sc[j]), rows[b + j], d);
      }
      float* a = &acc[h * d];
      for (size_t c = 0; c < d; ++c) a[c] = a[c] * rescale + partial[c];
      running_max[h] = block_max;
    }
  }
  for (size_t h = 0; h < n_heads; ++h) {
    const float sum = running_sum[h] + TorchExp(sink[h] - running_max[h]);
    for (size_t c = 0; c < d; ++c) out[h * d + c] = RoundToBf16(acc[h * d + c] / sum);
  }
}

}  // namespace inference
