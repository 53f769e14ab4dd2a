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

class ThreadPool;

// Appends tokens start_pos .. start_pos+T-1 (x: [T, dim], bf16 values) to `state`; each
// completed block's entry (head_dim floats) is appended to `entries`.
void CompressorAppend(const CompressorWeights& w, const Rope& rope, float norm_eps,
                      int64_t rope_dim, const float* x, size_t T, int64_t start_pos,
                      CompressorState& state, std::vector<float>& entries,
                      ThreadPool* pool = nullptr);

}  // namespace inference
