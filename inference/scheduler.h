// Scheduler: decides, before every engine step, which sequences advance and which lose their
// cache.
//
// Policy: sequences are ranked by priority (interactive > agent > batch), then by arrival.
// The first `max_step_sequences` advance by one step (a prefill chunk or one decoded token).
// A lower-priority sequence that advanced last step but is now outranked is preempted: it keeps
// its cache and waits. Sequences ranked below `max_resident_sequences` that still hold a cache
// are evicted: the cache is released and rebuilt later by feeding the tokens again. So higher
// priorities are served first and take over between steps, never in the middle of one.
// Owned by the engine thread (no locks); borrows the Sequences, which must stay alive until
// Remove.
#pragma once

#include <cstdint>
#include <vector>

#include "inference/sequence.h"

namespace inference {

class Scheduler {
 public:
  struct Options {
    int32_t max_step_sequences = 4;
    int32_t max_resident_sequences = 16;  // at least max_step_sequences
  };

  explicit Scheduler(Options options);
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  void Add(Sequence* seq);
  void Remove(Sequence* seq);
  bool IsEmpty() const { return sequences_.empty(); }
  const std::vector<Sequence*>& sequences() const { return sequences_; }

  struct Plan {
    std::vector<Sequence*> step;   // advance these, in this order (highest rank first)
    std::vector<Sequence*> evict;  // release these caches before the step
  };
  // Ranks the sequences and plans the next step; counts preemptions in Sequence::usage.
  Plan Schedule();

  // When the model runs out of cache memory for `needy`: the lowest-ranked resident sequence
  // ranked below it, or null if there is none (then `needy` must wait for memory).
  Sequence* EvictionVictim(const Sequence* needy) const;

 private:
  // Highest priority first, then earliest arrival.
  static bool Outranks(const Sequence* a, const Sequence* b);

  Options options_;
  std::vector<Sequence*> sequences_;  // ranked by the last Schedule (and Add order since)
};

}  // namespace inference
