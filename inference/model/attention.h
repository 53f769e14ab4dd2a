// The attention sublayer of DeepSeek-V4 (v4-architecture.md §3): low-rank MQA query, a single
// 512-d KV vector per token that is both key and value, a 128-token sliding window on every
// layer, plus compressed entries on CSA (indexer-chosen top-k) and HCA (all) layers, attention
// sink, inverse RoPE on the output and the grouped low-rank output projection.
//
// One path serves prefill from any start position, chunked prefill and single-token decode:
// the chunk's own KV rows are read directly, earlier positions from the cache's window ring.
// Thread-compatible (mutates the LayerCache it is given).
#pragma once

#include <cstdint>

#include "inference/model/forward_trace.h"
#include "inference/model/kv_cache.h"
#include "inference/model/model_config.h"
#include "inference/model/model_weights.h"
#include "inference/model/rope.h"

namespace inference {

class ThreadPool;

// x: [T, dim] (bf16 values, already attn_norm-ed), tokens at start_pos .. start_pos+T-1, which
// must continue what `cache` holds. Writes out [T, dim]. `trace_prefix` ("layers.2.") names
// traced tensors when `trace` is set. `shape_rounding`: reproduce the reference's roundings
// that depend on how many tokens one call carries (see ModelOptions); without it the result
// of a position does not depend on how the text was chunked. `then`: weights the caller reads
// next, hinted to the pool during the last loop (weight_spans.h).
void AttentionForward(const ModelConfig& c, const AttentionWeights& w, const Rope& rope,
                      const float* x, size_t T, int64_t start_pos, LayerCache& cache, float* out,
                      bool shape_rounding, const ForwardTrace* trace,
                      const std::string& trace_prefix, ThreadPool* pool = nullptr,
                      const WeightSpans* then = nullptr);

}  // namespace inference
