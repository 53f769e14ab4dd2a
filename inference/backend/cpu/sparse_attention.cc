#include "inference/backend/cpu/sparse_attention.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "inference/backend/cpu/cpu_simd.h"
#include "inference/backend/cpu/matmul.h"
#include "inference/backend/cpu/number_formats.h"
#include "inference/backend/cpu/rms_norm.h"
#include "inference/backend/cpu/sparse_attention_avx2.h"
#include "inference/backend/cpu/sparse_attention_avx512.h"
#include "inference/backend/cpu/torch_math.h"

namespace inference {

void SparseAttention(const float* q, size_t n_heads, size_t d, const float* const* rows,
                     size_t n_rows, const float* sink, float scale, float* out) {
  constexpr size_t kBlock = 64;
  constexpr float kNegInf = -std::numeric_limits<float>::infinity();
  const bool avx512 = CpuSimd() == Simd::kAvx512 && d % 64 == 0;
  const bool avx2 = CpuSimd() == Simd::kAvx2 && d % 16 == 0;
  // Blocks outside, heads inside: a block's scores for all heads come from one pass over its
  // rows (DotRowsMulti), and so do its P·V sums on AVX-512 and AVX2. Each head's own sequence
  // of operations is unchanged.
  std::vector<float> acc(n_heads * d, 0.0f), partial(n_heads * d), scores(n_heads * kBlock);
  std::vector<float> running_max(n_heads, kNegInf), running_sum(n_heads, 0.0f);
  std::vector<float> rescale(n_heads), probabilities(n_heads * kBlock);
  std::vector<size_t> active;  // heads the block changes
  for (size_t b = 0; b < n_rows; b += kBlock) {
    const size_t n = std::min(kBlock, n_rows - b);
    // The empty slots' scores are set below; DotRowsMulti leaves them alone.
    DotRowsMulti(rows + b, n, q, n_heads, d, d, scores.data());
    active.clear();
    for (size_t h = 0; h < n_heads; ++h) {
      float* sc = &scores[h * n];
      float block_max = running_max[h];
      for (size_t j = 0; j < n; ++j) {
        sc[j] = rows[b + j] ? sc[j] * scale : kNegInf;
        block_max = std::max(block_max, sc[j]);
      }
      if (block_max == kNegInf) continue;  // an all-empty block changes nothing
      rescale[h] = TorchExp(running_max[h] - block_max);
      for (size_t j = 0; j < n; ++j) sc[j] -= block_max;
      TorchExpMany(sc, n, sc);
      // The block's probabilities (zeros at empty slots) are summed the way torch sums a row,
      // and the block's P·V is a product of its own, added to the rescaled accumulator: the
      // reference's kernel emulation (golden/README.md §2) works block by block in torch ops.
      running_sum[h] = running_sum[h] * rescale[h] + CascadeSum(sc, n);
      running_max[h] = block_max;
      float* pr = &probabilities[active.size() * n];
      for (size_t j = 0; j < n; ++j) pr[j] = RoundToBf16(sc[j]);
      active.push_back(h);
    }
    if (avx512) {
      WeightedRowSumsAvx512(probabilities.data(), active.size(), rows + b, n, d, partial.data());
      for (size_t i = 0; i < active.size(); ++i)
        RescaleAddAvx512(&acc[active[i] * d], rescale[active[i]], &partial[i * d], d);
      continue;
    }
    if (avx2) {
      WeightedRowSumsAvx2(probabilities.data(), active.size(), rows + b, n, d, partial.data());
      for (size_t i = 0; i < active.size(); ++i)
        RescaleAddAvx2(&acc[active[i] * d], rescale[active[i]], &partial[i * d], d);
      continue;
    }
    for (size_t i = 0; i < active.size(); ++i) {
      const float* pr = &probabilities[i * n];
      float* part = &partial[i * d];
      std::fill(part, part + d, 0.0f);
      for (size_t j = 0; j < n; ++j) {
        if (rows[b + j]) AddScaled(part, pr[j], rows[b + j], d);
      }
      float* a = &acc[active[i] * d];
      for (size_t c = 0; c < d; ++c) a[c] = a[c] * rescale[active[i]] + part[c];
    }
  }
  for (size_t h = 0; h < n_heads; ++h) {
    const float sum = running_sum[h] + TorchExp(sink[h] - running_max[h]);
    if (avx512) {
      DivideToBf16Avx512(&acc[h * d], sum, d, &out[h * d]);
      continue;
    }
    if (avx2) {
      DivideToBf16Avx2(&acc[h * d], sum, d, &out[h * d]);
      continue;
    }
    for (size_t c = 0; c < d; ++c) out[h * d + c] = RoundToBf16(acc[h * d + c] / sum);
  }
}

}  // namespace inference
