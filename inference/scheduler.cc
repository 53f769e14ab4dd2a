#include "inference/scheduler.h"

#include <algorithm>

namespace inference {

Scheduler::Scheduler(Options options) : options_(options) {
  options_.max_step_sequences = std::max(1, options_.max_step_sequences);
  options_.max_resident_sequences =
      std::max(options_.max_step_sequences, options_.max_resident_sequences);
}

void Scheduler::Add(Sequence* seq) { sequences_.push_back(seq); }

void Scheduler::Remove(Sequence* seq) { std::erase(sequences_, seq); }

bool Scheduler::Outranks(const Sequence* a, const Sequence* b) {
  if (a->priority() != b->priority()) return a->priority() > b->priority();
  return a->arrival < b->arrival;
}

Scheduler::Plan Scheduler::Schedule() {
  // A handful of sequences: sorting every step costs nothing next to a forward pass.
  std::sort(sequences_.begin(), sequences_.end(), Outranks);
  Plan plan;
  for (size_t rank = 0; rank < sequences_.size(); ++rank) {
    Sequence* seq = sequences_[rank];
    const bool steps = rank < static_cast<size_t>(options_.max_step_sequences);
    if (steps) {
      plan.step.push_back(seq);
    } else if (seq->stepped_last) {
      ++seq->usage.preemptions;
    }
    seq->stepped_last = steps;
    if (rank >= static_cast<size_t>(options_.max_resident_sequences) && seq->IsResident()) {
      plan.evict.push_back(seq);
    }
  }
  return plan;
}

Sequence* Scheduler::EvictionVictim(const Sequence* needy) const {
  Sequence* victim = nullptr;
  for (Sequence* seq : sequences_) {
    if (seq != needy && seq->IsResident() && Outranks(needy, seq) &&
        (victim == nullptr || Outranks(victim, seq))) {
      victim = seq;
    }
  }
  return victim;
}

}  // namespace inference
