// The lightning indexer of CSA layers: scores every visible compressed block for a query with
// a small multi-head ReLU attention over FP4-simulated, Hadamard-rotated keys and queries, and
// keeps the top index_topk blocks (v4-architecture.md §3.4). Its keys come from its own
// compressor (compressor.h), stored in LayerCache::index_keys.
// Pure functions; thread-compatible.
#pragma once

#include <cstdint>
#include <vector>

#include "inference/model/model_config.h"
#include "inference/model/model_weights.h"
#include "inference/model/rope.h"

namespace inference {

class ProductBatch;
class ThreadPool;

// The indexer's projections for T queries: q = wq_b(qr) [T, index_n_heads * index_head_dim]
// from the normalised query latent, and the head weights weights_proj(x) [T, index_n_heads]
// (fp32, before their scaling) from the attention input. Added to the batches (product_batch.h)
// of the layer's other products of the same inputs.
struct IndexerProjections {
  std::vector<float> q, head_weights;
};
void AddIndexerQuery(const IndexerWeights& w, ProductBatch& batch, size_t qr_activations, size_t T,
                     IndexerProjections& out);
void AddIndexerHeadWeights(const IndexerWeights& w, ProductBatch& batch, size_t x_activations,
                           size_t T, IndexerProjections& out);

// For T queries at start_pos.. with their projections (computed; q is rotated and the head
// weights scaled in place) and
// keys [n_keys, index_head_dim]: writes, per query, the chosen block indices sorted by
// descending score (ties as torch's top-k leaves them) into selected[t]; at most
// min(index_topk, visible) where visible = (pos + 1) / 4. `all_keys_as_candidates`: like the
// reference's prefill, rank every existing key (later ones at -inf), which changes how ties fall.
void IndexerSelect(const ModelConfig& c, const Rope& rope, IndexerProjections& projections,
                   size_t T, int64_t start_pos, const std::vector<float>& keys,
                   bool all_keys_as_candidates, std::vector<std::vector<int32_t>>& selected,
                   ThreadPool* pool = nullptr);

}  // namespace inference
