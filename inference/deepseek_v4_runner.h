// DeepSeekV4Runner: the DeepSeek-V4 model behind the engine's ModelRunner interface.
//
// A thin adapter: a SequenceState wraps the model's SequenceCache, and Prefill/Decode are
// Forward at the cache's current length, returning the last position's logits. CopySequence
// copies every layer's cache (window ring, compressed entries, indexer keys, compressor state):
// exact, so a copy continues as the original would. The runner owns
// the model; like every ModelRunner it is driven by the engine thread only (thread-compatible).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "inference/model/deepseek_v4.h"
#include "inference/model_runner.h"

namespace inference {

class DeepSeekV4Runner final : public ModelRunner {
 public:
  // Loads the checkpoint in `dir` (errors as DeepSeekV4Model::Load). `context_limit` > 0 caps
  // the context below the model's max_position_embeddings (memory, or a configured limit).
  static base::StatusOr<std::unique_ptr<DeepSeekV4Runner>> Load(const std::string& dir,
                                                                int64_t context_limit = 0);
  DeepSeekV4Runner(std::unique_ptr<DeepSeekV4Model> model, int64_t context_limit);
  DeepSeekV4Runner(const DeepSeekV4Runner&) = delete;
  DeepSeekV4Runner& operator=(const DeepSeekV4Runner&) = delete;

  int64_t ContextLength() const override { return context_length_; }
  int32_t VocabSize() const override { return vocab_size_; }
  base::StatusOr<std::unique_ptr<SequenceState>> NewSequence() override;
  base::StatusOr<std::unique_ptr<SequenceState>> CopySequence(const SequenceState& seq) override;
  base::StatusOr<std::vector<float>> Prefill(SequenceState& seq,
                                             std::span<const int32_t> tokens) override;
  base::StatusOr<std::vector<float>> Decode(SequenceState& seq, int32_t token) override;

 private:
  const std::unique_ptr<DeepSeekV4Model> model_;
  const int64_t context_length_;
  const int32_t vocab_size_;
};

}  // namespace inference
