// ModelRunner: the one interface the engine drives a model through.
//
// The engine thread owns the runner and every SequenceState it hands out and is the only thread
// that calls it, so implementations need no locks (thread-compatible). The DeepSeek-V4 model is
// adapted to it by a small adapter; tests use FakeModelRunner. A SequenceState holds one
// sequence's caches (KV, compressor state); destroying it releases them, and it must not
// outlive the runner that made it.
//
// Prefill and Decode feed tokens at the sequence's next positions and return the logits that
// predict the token after the last one fed (VocabSize() floats). Decode(seq, t) means the same
// as Prefill(seq, {t}); a model may give it a faster path. One sequence per call for now;
// batching several sequences per forward is a later extension of this interface.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "base/status.h"

namespace inference {

class SequenceState {
 public:
  virtual ~SequenceState() = default;
};

class ModelRunner {
 public:
  virtual ~ModelRunner() = default;

  // The most tokens (prompt plus output) one sequence may hold.
  virtual int64_t ContextLength() const = 0;
  virtual int32_t VocabSize() const = 0;

  // An empty sequence. ResourceExhausted when no cache memory is left (the engine then evicts a
  // lower-priority sequence and retries).
  virtual base::StatusOr<std::unique_ptr<SequenceState>> NewSequence() = 0;

  // `tokens` is not empty and fits the context; errors (Internal, ResourceExhausted) leave the
  // sequence unusable, and the engine ends that request.
  virtual base::StatusOr<std::vector<float>> Prefill(SequenceState& seq,
                                                     std::span<const int32_t> tokens) = 0;
  virtual base::StatusOr<std::vector<float>> Decode(SequenceState& seq, int32_t token) = 0;
};

}  // namespace inference
