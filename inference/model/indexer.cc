#include "inference/model/indexer.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "inference/backend/cpu/matmul.h"
#include "inference/backend/cpu/number_formats.h"
#include "inference/backend/cpu/product_batch.h"
#include "inference/backend/cpu/quantize.h"
#include "inference/backend/cpu/thread_pool.h"
#include "inference/backend/cpu/top_k.h"

namespace inference {

void AddIndexerQuery(const IndexerWeights& w, ProductBatch& batch, size_t qr_activations, size_t T,
                     IndexerProjections& out) {
  out.q.resize(T * w.wq_b.out);
  batch.AddFp8(qr_activations, w.wq_b, out.q.data());
}

void AddIndexerHeadWeights(const IndexerWeights& w, ProductBatch& batch, size_t x_activations,
                           size_t T, IndexerProjections& out) {
  out.head_weights.resize(T * w.weights_proj.out);
  batch.AddBf16(x_activations, w.weights_proj, out.head_weights.data());
}

void IndexerSelect(const ModelConfig& c, const Rope& rope, IndexerProjections& projections,
                   size_t T, int64_t start_pos, const std::vector<float>& keys,
                   bool all_keys_as_candidates, std::vector<std::vector<int32_t>>& selected,
                   ThreadPool* pool) {
  const size_t H = static_cast<size_t>(c.index_n_heads);
  const size_t D = static_cast<size_t>(c.index_head_dim);
  const size_t rd = static_cast<size_t>(c.rope_head_dim);
  std::vector<float>& q = projections.q;
  std::vector<float>& head_weights = projections.head_weights;
  if (q.size() != T * H * D || head_weights.size() != T * H)
    throw std::logic_error("IndexerSelect: the indexer's projections were not computed");
  // weights_proj runs in bf16, then is scaled by D^-0.5 * H^-0.5 (in bf16 arithmetic).
  const float head_scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(D)) /
                                              std::sqrt(static_cast<double>(H)));
  for (float& v : head_weights) v = RoundToBf16(RoundToBf16(v) * head_scale);
  selected.assign(T, {});
  const size_t n_keys = keys.size() / D;
  // Queries are independent: each range of tokens is one thread's, with its own scores.
  auto queries = [&](size_t t_begin, size_t t_end) {
    std::vector<float> scores, dots;
    for (size_t t = t_begin; t < t_end; ++t) {
      const int64_t pos = start_pos + static_cast<int64_t>(t);
      for (size_t h = 0; h < H; ++h) {
        float* qh = &q[(t * H + h) * D];
        rope.Apply(qh + D - rd, pos);
        HadamardRotateBf16(qh, D);
        SimulateFp4InPlace(qh, D, 32);
      }
      // Like the reference, rank every entry that exists after this chunk, with -inf for blocks
      // not yet visible to this query, and drop those afterwards: the candidate count decides
      // how torch's top-k orders ties.
      const size_t visible = static_cast<size_t>((pos + 1) / 4);
      const size_t candidates = all_keys_as_candidates ? n_keys : visible;
      scores.assign(candidates, -std::numeric_limits<float>::infinity());
      // Keys [j0, j1): dots[h * n + r] = q_h . key_(j0 + r), each Dot's sequential sum (all
      // heads against 16 keys at a time), then each key's score.
      auto score_keys = [&, t](size_t j0, size_t j1, std::vector<float>& dots) {
        const size_t n = j1 - j0;
        std::vector<const float*> rows(n);
        for (size_t r = 0; r < n; ++r) rows[r] = &keys[(j0 + r) * D];
        dots.resize(H * n);
        DotRowsMulti(rows.data(), n, &q[t * H * D], H, D, D, dots.data());
        for (size_t r = 0; r < n; ++r) {
          float sum = 0.0f;
          for (size_t h = 0; h < H; ++h) {
            const float s = RoundToBf16(dots[h * n + r]);
            sum += RoundToBf16(std::max(s, 0.0f) * head_weights[t * H + h]);
          }
          scores[j0 + r] = RoundToBf16(sum);
        }
      };
      // One query (a decode step): its keys go across the pool, which at long contexts is most
      // of the step (every compressed key of the layer, scored by every head).
      constexpr size_t kKeysPerChunk = 256;
      if (pool != nullptr && T == 1 && visible > kKeysPerChunk) {
        pool->ParallelFor(visible, kKeysPerChunk, [&](size_t j0, size_t j1) {
          std::vector<float> chunk_dots;
          score_keys(j0, j1, chunk_dots);
        });
      } else if (visible > 0) {
        score_keys(0, visible, dots);
      }
      const size_t k = std::min(static_cast<size_t>(c.index_topk), candidates);
      for (int32_t b : TopKIndices(scores.data(), candidates, k)) {
        if (static_cast<size_t>(b) < visible) selected[t].push_back(b);
      }
    }
  };
  if (pool != nullptr) {
    pool->ParallelFor(T, 1, queries);
  } else {
    queries(0, T);
  }
}

}  // namespace inference
