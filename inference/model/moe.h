// The MoE sublayer of DeepSeek-V4 (v4-architecture.md §5): a router with sqrt-softplus scores
// (hash layers pick experts from a token-id table; the others take the top-k of score + bias,
// the bias only steering the choice), normalised and scaled routing weights, clamped-SwiGLU
// experts (MXFP4 routed, FP8 shared) and the shared expert added on top.
// Pure function; thread-safe for concurrent calls on different outputs.
#pragma once

#include <cstdint>

#include "inference/model/forward_trace.h"
#include "inference/model/model_config.h"
#include "inference/model/model_weights.h"

namespace inference {

class ThreadPool;

// x: [T, dim] (bf16 values, ffn_norm-ed); tokens: [T] ids (used by hash layers). out: [T, dim].
// `then`: weights the caller reads next, hinted to the pool during the last loop.
void MoeForward(const ModelConfig& c, const MoeWeights& w, bool hash_layer, const float* x,
                const int32_t* tokens, size_t T, float* out, const ForwardTrace* trace,
                const std::string& trace_prefix, ThreadPool* pool = nullptr,
                const WeightSpans* then = nullptr);

}  // namespace inference
