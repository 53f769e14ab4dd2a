// LocalEngine: the Engine that runs our own model in this process.
//
// One engine thread, started by the constructor, owns the ModelRunner, every sequence cache,
// the Scheduler and the Sampler, so none of them needs a lock; Submit, Cancel and the accessors
// are thread-safe and only touch a small inbox under a mutex. Each step the engine thread
// admits new requests, applies cancellations and deadlines, asks the Scheduler which sequences
// advance (higher priority first; lower priorities are preempted between steps), feeds each a
// prefill chunk or (all together, in one batch) their last token, samples, and emits events.
// A prompt that starts with a prefix seen before continues from a copy of that prefix's cache
// (PrefixCache), which makes an agent's repeated system prompt and tool declarations free.
// Destroying it ends every request in flight with a FinalEvent (kCancelled).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <random>
#include <span>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "base/thread_annotations.h"
#include "inference/engine.h"
#include "inference/model_runner.h"
#include "inference/prefix_cache.h"
#include "inference/request.h"
#include "inference/sampler.h"
#include "inference/scheduler.h"
#include "inference/sequence.h"
#include "inference/text_codec.h"

namespace inference {

struct LocalEngineOptions {
  int32_t max_step_sequences = 4;       // sequences advanced per step
  int32_t max_resident_sequences = 16;  // sequences whose caches are kept between steps
  int32_t prefill_chunk_tokens = 512;   // prompt tokens fed per step, so a long prompt
                                        // cannot hold off a higher priority for long
  uint64_t seed = 0;  // seeds the generator that picks a seed for requests without one
  // Copies of caches kept at shared prompt prefixes (PrefixCache); 0 turns it off. Used only
  // with a model that can copy a sequence (ModelRunner::CopySequence).
  int32_t prefix_cache_entries = 4;
};

class LocalEngine final : public Engine {
 public:
  // Starts the engine thread. `codec` and `clock` are borrowed and must outlive the engine.
  LocalEngine(std::unique_ptr<ModelRunner> model, const TextCodec& codec, const base::Clock& clock,
              LocalEngineOptions options = {});
  // Ends every request in flight with a FinalEvent (kCancelled, status Cancelled), then joins
  // the engine thread. Must not be called from a sink.
  ~LocalEngine() override;
  LocalEngine(const LocalEngine&) = delete;
  LocalEngine& operator=(const LocalEngine&) = delete;

  base::StatusOr<RequestId> Submit(Request request, TokenSink sink) override;
  base::Status Cancel(RequestId id) override;
  int64_t ContextLength() const override { return context_length_; }
  EngineStats Stats() const override;
  int32_t VocabSize() const { return vocab_size_; }

 private:
  base::Status Validate(const Request& request) const;

  // Engine thread only.
  void Run();
  void EndExpired();
  void Step(const std::vector<Sequence*>& planned);
  void SampleNext(Sequence& seq, std::span<const float> logits);
  bool MakeResident(Sequence& seq);
  // Starts `seq` from the longest cached prefix of its tokens; false when none fits.
  bool ResumeFromPrefixCache(Sequence& seq);
  // Keeps a copy of `seq`'s cache (tokens[0, fed)) in the prefix cache.
  void RetainPrefix(const Sequence& seq);
  void Evict(Sequence& seq);
  void EmitToken(Sequence& seq, const SampledToken& sampled);
  void Finish(Sequence& seq, FinishReason reason, base::Status status = base::Status::Ok(),
              std::optional<int32_t> stop_token = std::nullopt,
              std::optional<std::string> stop_string = std::nullopt);

  const std::unique_ptr<ModelRunner> model_;
  const TextCodec& codec_;
  const base::Clock& clock_;
  const LocalEngineOptions options_;
  const int64_t context_length_;
  const int32_t vocab_size_;

  mutable std::mutex mu_;
  std::condition_variable wake_;  // inbox, cancellations or shutdown
  bool stopping_ GUARDED_BY(mu_) = false;
  RequestId next_id_ GUARDED_BY(mu_) = 1;
  std::mt19937_64 seed_source_ GUARDED_BY(mu_);
  std::vector<std::unique_ptr<Sequence>> inbox_ GUARDED_BY(mu_);
  std::vector<RequestId> cancels_ GUARDED_BY(mu_);
  std::unordered_set<RequestId> live_ GUARDED_BY(mu_);  // accepted, final event not yet sent
  EngineStats finished_stats_ GUARDED_BY(mu_);          // all but in_flight

  // Owned by the engine thread.
  Scheduler scheduler_;
  Sampler sampler_;
  std::unordered_map<RequestId, std::unique_ptr<Sequence>> sequences_;
  PrefixCache prefix_cache_;  // after model_: its states go before the model that made them

  std::thread thread_;  // last: starts once everything above exists
};

}  // namespace inference
