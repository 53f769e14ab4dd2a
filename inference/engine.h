// Engine: the facade every caller of the model goes through (agent turns, completions, reviews).
//
// Submit queues a Request and streams its tokens to a TokenSink; Cancel ends it early. Submit,
// Cancel and the accessors are thread-safe and never block on the model. One engine thread,
// started by the constructor, owns the ModelRunner, every sequence cache, the Scheduler and the
// Sampler, so none of them needs a lock. Each step it admits new requests, applies
// cancellations and deadlines, asks the Scheduler which sequences advance (higher priority
// first; lower priorities are preempted between steps), feeds each one a prefill chunk or one
// token, samples, and emits events. Every accepted request gets exactly one FinalEvent, also
// when the engine is destroyed with requests in flight (reason kCancelled).
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
#include "inference/model_runner.h"
#include "inference/request.h"
#include "inference/sampler.h"
#include "inference/scheduler.h"
#include "inference/sequence.h"
#include "inference/text_codec.h"

namespace inference {

struct EngineOptions {
  int32_t max_step_sequences = 4;       // sequences advanced per step
  int32_t max_resident_sequences = 16;  // sequences whose caches are kept between steps
  int32_t prefill_chunk_tokens = 512;   // prompt tokens fed per step, so a long prompt
                                        // cannot hold off a higher priority for long
  uint64_t seed = 0;  // seeds the generator that picks a seed for requests without one
};

class Engine {
 public:
  // Starts the engine thread. `codec` and `clock` are borrowed and must outlive the engine.
  Engine(std::unique_ptr<ModelRunner> model, const TextCodec& codec, const base::Clock& clock,
         EngineOptions options = {});
  // Ends every request in flight with a FinalEvent (kCancelled, status Cancelled), then joins
  // the engine thread. Must not be called from a sink.
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Validates and queues `request`. InvalidArgument (with the numbers) for an empty prompt, a
  // token outside the vocabulary, a prompt (plus max_tokens) beyond the context, an empty stop
  // string or bad sampling parameters; Unavailable once destruction has begun. On error the
  // sink is never called; on success it receives the events, the last one final.
  base::StatusOr<RequestId> Submit(Request request, TokenSink sink);

  // Asks a request to end with kCancelled (it may still finish otherwise first; its final event
  // tells). NotFound when the id is unknown or its final event has been sent.
  base::Status Cancel(RequestId id);

  int64_t ContextLength() const { return context_length_; }
  int32_t VocabSize() const { return vocab_size_; }

 private:
  base::Status Validate(const Request& request) const;

  // Engine thread only.
  void Run();
  void EndExpired();
  void Step(const std::vector<Sequence*>& planned);
  void SampleNext(Sequence& seq, std::span<const float> logits);
  bool MakeResident(Sequence& seq);
  void Evict(Sequence& seq);
  void EmitToken(Sequence& seq, const SampledToken& sampled);
  void Finish(Sequence& seq, FinishReason reason, base::Status status = base::Status::Ok(),
              std::optional<int32_t> stop_token = std::nullopt,
              std::optional<std::string> stop_string = std::nullopt);

  const std::unique_ptr<ModelRunner> model_;
  const TextCodec& codec_;
  const base::Clock& clock_;
  const EngineOptions options_;
  const int64_t context_length_;
  const int32_t vocab_size_;

  std::mutex mu_;
  std::condition_variable wake_;  // inbox, cancellations or shutdown
  bool stopping_ GUARDED_BY(mu_) = false;
  RequestId next_id_ GUARDED_BY(mu_) = 1;
  std::mt19937_64 seed_source_ GUARDED_BY(mu_);
  std::vector<std::unique_ptr<Sequence>> inbox_ GUARDED_BY(mu_);
  std::vector<RequestId> cancels_ GUARDED_BY(mu_);
  std::unordered_set<RequestId> live_ GUARDED_BY(mu_);  // accepted, final event not yet sent

  // Owned by the engine thread.
  Scheduler scheduler_;
  Sampler sampler_;
  std::unordered_map<RequestId, std::unique_ptr<Sequence>> sequences_;

  std::thread thread_;  // last: starts once everything above exists
};

}  // namespace inference
