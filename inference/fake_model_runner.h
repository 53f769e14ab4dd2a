// FakeModelRunner: a deterministic stand-in for the model, for engine tests and for callers
// (daemon, agent) that need an engine before the real model is wired in.
//
// The logits for the next token are a pseudo-random function of the seed and the WHOLE context
// fed so far (a running hash), so a cache rebuilt after eviction gives exactly the same logits
// as the original, and a wrong feed order shows up as different tokens. `next_token` can bias
// one token strongly, to script the output; `on_forward` runs at the start of every forward
// (tests block there to hold the engine mid-step). Owned and called by the engine thread like
// any ModelRunner; the counters may be read from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "inference/model_runner.h"

namespace inference {

struct FakeModelOptions {
  int64_t context_length = 4096;
  int32_t vocab_size = 64;
  uint64_t seed = 1;
  int32_t max_sequences = 0;  // > 0: NewSequence beyond this many live gives ResourceExhausted
  // Given the context so far, a token to raise far above the rest (nullopt: no bias).
  std::function<std::optional<int32_t>(std::span<const int32_t> context)> next_token;
  std::function<void()> on_forward;
  std::optional<int32_t> nan_after_token;  // logits are NaN right after this token is fed
  bool copyable = false;                   // CopySequence works (the engine's prefix cache)
};

class FakeModelRunner final : public ModelRunner {
 public:
  static constexpr float kBias = 40.0f;  // added to next_token's logit; others lie in [-4, 4)

  explicit FakeModelRunner(FakeModelOptions options);
  FakeModelRunner(const FakeModelRunner&) = delete;
  FakeModelRunner& operator=(const FakeModelRunner&) = delete;

  int64_t ContextLength() const override { return options_.context_length; }
  int32_t VocabSize() const override { return options_.vocab_size; }
  base::StatusOr<std::unique_ptr<SequenceState>> NewSequence() override;
  base::StatusOr<std::unique_ptr<SequenceState>> CopySequence(const SequenceState& seq) override;
  base::StatusOr<std::vector<float>> Prefill(SequenceState& seq,
                                             std::span<const int32_t> tokens) override;
  base::StatusOr<std::vector<float>> Decode(SequenceState& seq, int32_t token) override;
  // The default loop over Decode, recording the batch size.
  base::StatusOr<std::vector<std::vector<float>>> DecodeBatch(
      std::span<SequenceState* const> seqs, std::span<const int32_t> tokens) override;

  int32_t live_sequences() const { return live_sequences_.load(); }
  int64_t forward_calls() const { return forward_calls_.load(); }
  int64_t tokens_fed() const { return tokens_fed_.load(); }
  int32_t largest_decode_batch() const { return largest_decode_batch_.load(); }

  // The logits a context gets, computed from scratch: what Prefill/Decode must agree with.
  std::vector<float> LogitsFor(std::span<const int32_t> context) const;

 private:
  class State;
  std::vector<float> LogitsFromHash(uint64_t hash, std::span<const int32_t> context) const;

  const FakeModelOptions options_;
  std::atomic<int32_t> live_sequences_{0};
  std::atomic<int64_t> forward_calls_{0};
  std::atomic<int64_t> tokens_fed_{0};
  std::atomic<int32_t> largest_decode_batch_{0};
};

}  // namespace inference
