#include "inference/scheduler.h"

#include <doctest/doctest.h>

#include <memory>
#include <vector>

namespace inference {
namespace {

// Sequences with only what the scheduler looks at: priority, arrival, residency.
struct Fixture {
  std::vector<std::unique_ptr<Sequence>> owned;
  Sequence* Make(Priority priority) {
    Request r;
    r.prompt = {1, 2, 3};
    r.priority = priority;
    const uint64_t arrival = owned.size() + 1;
    owned.push_back(std::make_unique<Sequence>(arrival, r, TokenSink{}, arrival,
                                               std::chrono::steady_clock::time_point{}, 0));
    return owned.back().get();
  }
};

class DummyState final : public SequenceState {};

TEST_CASE("Scheduler serves higher priorities first, then arrival order") {
  Fixture f;
  Scheduler s({.max_step_sequences = 2, .max_resident_sequences = 8});
  Sequence* batch = f.Make(Priority::kBatch);
  Sequence* agent1 = f.Make(Priority::kAgent);
  Sequence* interactive = f.Make(Priority::kInteractive);
  Sequence* agent2 = f.Make(Priority::kAgent);
  for (Sequence* seq : {batch, agent1, interactive, agent2}) s.Add(seq);
  auto plan = s.Schedule();
  CHECK(plan.step == std::vector<Sequence*>{interactive, agent1});
  CHECK(plan.evict.empty());
  CHECK(s.sequences() == std::vector<Sequence*>{interactive, agent1, agent2, batch});
}

TEST_CASE("Scheduler preempts an outranked sequence between steps and counts it once") {
  Fixture f;
  Scheduler s({.max_step_sequences = 1, .max_resident_sequences = 4});
  Sequence* batch = f.Make(Priority::kBatch);
  s.Add(batch);
  CHECK(s.Schedule().step == std::vector<Sequence*>{batch});
  CHECK(s.Schedule().step == std::vector<Sequence*>{batch});
  CHECK(batch->usage.preemptions == 0);

  Sequence* interactive = f.Make(Priority::kInteractive);
  s.Add(interactive);
  CHECK(s.Schedule().step == std::vector<Sequence*>{interactive});
  CHECK(s.Schedule().step == std::vector<Sequence*>{interactive});
  CHECK(batch->usage.preemptions == 1);  // once per takeover, not once per waiting step
  CHECK(interactive->usage.preemptions == 0);

  s.Remove(interactive);
  CHECK(s.Schedule().step == std::vector<Sequence*>{batch});
  CHECK(batch->usage.preemptions == 1);
}

TEST_CASE("Scheduler evicts resident caches ranked beyond the resident limit") {
  Fixture f;
  Scheduler s({.max_step_sequences = 1, .max_resident_sequences = 2});
  Sequence* batch = f.Make(Priority::kBatch);
  Sequence* agent = f.Make(Priority::kAgent);
  Sequence* interactive = f.Make(Priority::kInteractive);
  batch->state = std::make_unique<DummyState>();
  agent->state = std::make_unique<DummyState>();
  for (Sequence* seq : {batch, agent, interactive}) s.Add(seq);
  auto plan = s.Schedule();
  CHECK(plan.step == std::vector<Sequence*>{interactive});
  CHECK(plan.evict == std::vector<Sequence*>{batch});  // rank 2 >= 2 resident slots
}

TEST_CASE("EvictionVictim picks the lowest-ranked resident below the needy sequence") {
  Fixture f;
  Scheduler s({.max_step_sequences = 1, .max_resident_sequences = 4});
  Sequence* batch1 = f.Make(Priority::kBatch);
  Sequence* batch2 = f.Make(Priority::kBatch);
  Sequence* agent = f.Make(Priority::kAgent);
  Sequence* interactive = f.Make(Priority::kInteractive);
  for (Sequence* seq : {batch1, batch2, agent, interactive}) s.Add(seq);
  CHECK(s.EvictionVictim(interactive) == nullptr);  // nobody is resident
  batch1->state = std::make_unique<DummyState>();
  agent->state = std::make_unique<DummyState>();
  CHECK(s.EvictionVictim(interactive) == batch1);
  batch2->state = std::make_unique<DummyState>();
  CHECK(s.EvictionVictim(interactive) == batch2);  // same priority, later arrival ranks lower
  CHECK(s.EvictionVictim(batch1) == batch2);
  CHECK(s.EvictionVictim(batch2) == nullptr);  // never evict a higher-ranked sequence
}

}  // namespace
}  // namespace inference
