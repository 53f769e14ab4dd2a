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
// as Prefill(seq, {t}); a model may give it a faster path. DecodeBatch advances several
// sequences by one token each in one call (the engine uses it for every sequence that is past
// its prompt); the default loops over Decode, a GPU model overrides it to batch the forward.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <utility>
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

  // An independent copy of `seq` (same tokens fed, same caches), which the engine keeps as a
  // prefix cache entry. Unimplemented by default: the engine then keeps no prefix cache.
  virtual base::StatusOr<std::unique_ptr<SequenceState>> CopySequence(const SequenceState& seq) {
    (void)seq;
    return base::Unimplemented("this model cannot copy a sequence cache");
  }

  // `tokens` is not empty and fits the context; errors (Internal, ResourceExhausted) leave the
  // sequence unusable, and the engine ends that request.
  virtual base::StatusOr<std::vector<float>> Prefill(SequenceState& seq,
                                                     std::span<const int32_t> tokens) = 0;
  virtual base::StatusOr<std::vector<float>> Decode(SequenceState& seq, int32_t token) = 0;
  // seqs[i] gets tokens[i]; returns one logits row per sequence, in order. Distinct sequences.
  virtual base::StatusOr<std::vector<std::vector<float>>> DecodeBatch(
      std::span<SequenceState* const> seqs, std::span<const int32_t> tokens) {
    std::vector<std::vector<float>> rows;
    for (size_t i = 0; i < seqs.size(); ++i) {
      FC_ASSIGN_OR_RETURN(std::vector<float> row, Decode(*seqs[i], tokens[i]));
      rows.push_back(std::move(row));
    }
    return rows;
  }
};

}  // namespace inference
