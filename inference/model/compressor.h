// The gated compressor of CSA/HCA layers (and of the CSA indexer): learned per-channel softmax
// pooling of each block of `ratio` tokens into one KV entry; with ratio 4 the windows overlap
// (an entry pools the previous block's first-half projections and its own block's second half).
// After pooling: RMSNorm, RoPE at the block's first position, then FP8 simulation of the nope
// dims (main KV) or Hadamard + FP4 simulation (indexer keys). v4-architecture.md §3.3.
//
// Prefill, chunked prefill and decode share one path: tokens are appended to the running
// state, and an entry is emitted whenever a block completes. Pure functions over caller state;
// thread-compatible.
#pragma once

#include <cstdint>
#include <vector>

#include "inference/model/kv_cache.h"
#include "inference/model/model_weights.h"
#include "inference/model/rope.h"

namespace inference {

class ProductBatch;

// The compressor's two projections of the layer input, fp32 [T, width] each (width is 2 *
// head_dim where the windows overlap). They go into a batch (product_batch.h) so that they
// share one parallel loop with the layer's other products of the same input.
struct CompressorProjections {
  std::vector<float> kv, score;
};
void AddCompressorProjections(const CompressorWeights& w, ProductBatch& batch, size_t x_activations,
                              size_t T, CompressorProjections& out);

// Appends tokens start_pos .. start_pos+T-1, given their projections (computed), to `state`;
// each completed block's entry (head_dim floats) is appended to `entries`.
void CompressorAppend(const CompressorWeights& w, const Rope& rope, float norm_eps,
                      int64_t rope_dim, const CompressorProjections& projections, size_t T,
                      int64_t start_pos, CompressorState& state, std::vector<float>& entries);

}  // namespace inference
