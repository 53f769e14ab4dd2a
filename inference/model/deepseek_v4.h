// DeepSeekV4Model: the DeepSeek-V4 (Flash / Pro / tiny test) model on the CPU backend — load a
// checkpoint directory, run prefill (from any start position, in chunks) and incremental decode
// against a per-sequence cache, and the MTP draft block. This is the interface the engine's
// model runner calls.
//
// Numerics follow DeepSeek's reference inference code rounding point by rounding point
// (shared/golden/README.md §2). The model is immutable after Load and owns the mapped
// checkpoint; Forward calls with distinct caches may run concurrently (thread-safe for reads);
// a SequenceCache must not be used by two calls at once.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "inference/model/checkpoint.h"
#include "inference/model/forward_trace.h"
#include "inference/model/kv_cache.h"
#include "inference/model/model_config.h"
#include "inference/model/model_weights.h"
#include "inference/model/rope.h"

namespace inference {

class ThreadPool;

// Model-wide numerics choices, fixed at Load.
struct ModelOptions {
  // Reproduce the reference's roundings that depend on the shape of a call: torch's scalar
  // tail in the bf16 per-head query norm, the prefill window width min(T, 128) and the indexer
  // ranking all existing keys. Needed to match DeepSeek's reference outputs to the last bit;
  // with it, logits of a position depend slightly (chaotically amplified, ~0.1 rms_rel) on how
  // the text was split into calls. Off: every position's result is independent of chunking.
  bool reference_shape_rounding = true;
  // Threads for the forward pass (borrowed; must outlive the model; may be shared with other
  // users, whose loops then take turns). Null runs everything on the calling thread. Results
  // are bit-identical either way.
  ThreadPool* pool = nullptr;
};

struct ForwardOptions {
  bool all_logits = false;   // logits of every position, else of the last one only
  bool keep_hidden = false;  // return the final hc streams (the MTP block's input)
  const ForwardTrace* trace = nullptr;
};

struct ForwardResult {
  std::vector<float> logits;  // [rows, vocab_size], fp32
  size_t rows = 0;
  std::vector<float> hidden;  // [T, hc_mult, dim] final streams before hc_head (keep_hidden)
};

class DeepSeekV4Model {
 public:
  // Opens and validates the checkpoint in `dir` (see Checkpoint::Open for the errors).
  static base::StatusOr<std::unique_ptr<DeepSeekV4Model>> Load(const std::string& dir,
                                                               const ModelOptions& options = {});
  DeepSeekV4Model(const DeepSeekV4Model&) = delete;
  DeepSeekV4Model& operator=(const DeepSeekV4Model&) = delete;

  const ModelConfig& config() const { return checkpoint_->config(); }

  // A fresh, empty cache for one sequence.
  std::unique_ptr<SequenceCache> NewCache() const;

  // Runs tokens at positions start_pos .. start_pos+T-1. start_pos must equal cache.length()
  // (FailedPrecondition otherwise); token ids outside the vocabulary and an empty input are
  // InvalidArgument. Advances the cache by T.
  base::StatusOr<ForwardResult> Forward(std::span<const int32_t> tokens, int64_t start_pos,
                                        SequenceCache& cache,
                                        const ForwardOptions& options = {}) const;

  // The MTP block: for positions start_pos.. (== cache.mtp_length()), input the main model's
  // final streams `main_hidden` [T, hc_mult, dim] of those positions and the ids of the
  // following tokens; returns logits predicting two positions ahead. Advances the MTP cache.
  base::StatusOr<ForwardResult> ForwardMtp(std::span<const float> main_hidden,
                                           std::span<const int32_t> next_tokens, int64_t start_pos,
                                           SequenceCache& cache,
                                           const ForwardOptions& options = {}) const;

  // Runs layer `layer` alone on X [T, hc_mult, dim] in place at start_pos (for tests and
  // tracing: feed a stored layer input, compare the stored output). Does not touch length().
  base::Status RunLayer(int64_t layer, float* X, std::span<const int32_t> tokens, int64_t start_pos,
                        SequenceCache& cache, const ForwardTrace* trace = nullptr) const;

  // hc_head -> final norm -> head on final streams X [T, hc_mult, dim]: logits [T, vocab].
  std::vector<float> Logits(const float* X, size_t T) const;

 private:
  DeepSeekV4Model() = default;
  base::Status CheckTokens(std::span<const int32_t> tokens) const;
  const Rope& RopeFor(int64_t layer) const;

  std::unique_ptr<Checkpoint> checkpoint_;
  std::unique_ptr<ModelWeights> weights_;
  std::unique_ptr<Rope> window_rope_, compressed_rope_;
  ModelOptions options_;
};

}  // namespace inference
