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
  std::vector<float> acc(d), partial(d);
  float scores[kBlock];
  for (size_t h = 0; h < n_heads; ++h) {
    const float* qh = q + h * d;
    std::fill(acc.begin(), acc.end(), 0.0f);
    float running_max = kNegInf;
    float running_sum = 0.0f;
    for (size_t b = 0; b < n_rows; b += kBlock) {
      const size_t n = std::min(kBlock, n_rows - b);
      float block_max = running_max;
      DotRows(rows + b, n, qh, d, scores);  // the empty slots' scores are set here
      for (size_t j = 0; j < n; ++j) {
        scores[j] = rows[b + j] ? scores[j] * scale : kNegInf;
        block_max = std::max(block_max, scores[j]);
      }
      if (block_max == kNegInf) continue;  // an all-empty block changes nothing
      const float rescale = TorchExp(running_max - block_max);
      for (size_t j = 0; j < n; ++j) scores[j] = TorchExp(scores[j] - block_max);
      // The block's probabilities (zeros at empty slots) are summed the way torch sums a row,
      // and the block's P·V is a product of its own, added to the rescaled accumulator: the
      // reference's kernel emulation (golden/README.md §2) works block by block in torch ops.
      running_sum = running_sum * rescale + CascadeSum(scores, n);
      std::fill(partial.begin(), partial.end(), 0.0f);
      for (size_t j = 0; j < n; ++j) {
        if (!rows[b + j]) continue;
        AddScaled(partial.data(), RoundToBf16(scores[j]), rows[b + j], d);
      }
      for (size_t c = 0; c < d; ++c) acc[c] = acc[c] * rescale + partial[c];
      running_max = block_max;
    }
    running_sum += TorchExp(sink[h] - running_max);
    for (size_t c = 0; c < d; ++c) out[h * d + c] = RoundToBf16(acc[c] / running_sum);
  }
}

}  // namespace inference
