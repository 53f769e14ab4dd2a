#include "inference/backend/cpu/sparse_attention.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "inference/backend/cpu/matmul.h"
#include "inference/backend/cpu/number_formats.h"

namespace inference {

void SparseAttention(const float* q, size_t n_heads, size_t d, const float* const* rows,
                     size_t n_rows, const float* sink, float scale, float* out) {
  constexpr size_t kBlock = 64;
  constexpr float kNegInf = -std::numeric_limits<float>::infinity();
  std::vector<float> acc(d);
  float scores[kBlock];
  for (size_t h = 0; h < n_heads; ++h) {
    const float* qh = q + h * d;
    std::fill(acc.begin(), acc.end(), 0.0f);
    float running_max = kNegInf;
    float running_sum = 0.0f;
    for (size_t b = 0; b < n_rows; b += kBlock) {
      const size_t n = std::min(kBlock, n_rows - b);
      float block_max = running_max;
      for (size_t j = 0; j < n; ++j) {
        scores[j] = rows[b + j] ? Dot(qh, rows[b + j], d) * scale : kNegInf;
        block_max = std::max(block_max, scores[j]);
      }
      if (block_max == kNegInf) continue;  // an all-empty block changes nothing
      const float rescale = std::exp(running_max - block_max);
      float block_sum = 0.0f;
      for (size_t j = 0; j < n; ++j) {
        scores[j] = std::exp(scores[j] - block_max);
        block_sum += scores[j];
      }
      running_sum = running_sum * rescale + block_sum;
      for (size_t c = 0; c < d; ++c) acc[c] *= rescale;
      for (size_t j = 0; j < n; ++j) {
        if (!rows[b + j]) continue;
        const float p = RoundToBf16(scores[j]);
        const float* v = rows[b + j];
        for (size_t c = 0; c < d; ++c) acc[c] += p * v[c];
      }
      running_max = block_max;
    }
    running_sum += std::exp(sink[h] - running_max);
    for (size_t c = 0; c < d; ++c) out[h * d + c] = RoundToBf16(acc[c] / running_sum);
  }
}

}  // namespace inference
