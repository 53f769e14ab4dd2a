// One DeepSeek-V4 layer ("Block"): mHC pre-mix -> attn_norm -> attention -> mHC post-mix, then
// the same around ffn_norm -> MoE. There is no plain residual add: the residual path is the
// hc_mult streams. Used for the main layers and, unchanged, inside the MTP block.
// Thread-compatible (mutates the LayerCache it is given).
#pragma once

#include <cstdint>
#include <string>

#include "inference/model/forward_trace.h"
#include "inference/model/kv_cache.h"
#include "inference/model/model_config.h"
#include "inference/model/model_weights.h"
#include "inference/model/rope.h"

namespace inference {

class ThreadPool;

// X: [T, hc_mult, dim] streams (bf16 values), updated in place; tokens: the ids routing the
// hash layers. Positions start_pos .. start_pos+T-1 must continue `cache`. shape_rounding: see
// AttentionForward. pool (may be null): spreads rows, tokens and experts across threads without
// changing any result. `next`: the block that runs after this one, if any, whose first weights
// idle workers may prefetch (weight_spans.h).
void BlockForward(const ModelConfig& c, const BlockWeights& w, const Rope& rope, float* X,
                  const int32_t* tokens, size_t T, int64_t start_pos, LayerCache& cache,
                  bool shape_rounding, const ForwardTrace* trace, const std::string& trace_prefix,
                  ThreadPool* pool = nullptr, const BlockWeights* next = nullptr);

}  // namespace inference
