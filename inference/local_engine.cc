#include "inference/local_engine.h"

#include <algorithm>
#include <chrono>
#include <string>
#include <utility>

#include "base/log.h"

namespace inference {
namespace {

double Millis(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

// A prefix two prompts share becomes a prefix cache entry only from this length on: shorter
// ones (a BOS and a role token) are cheap to prefill and would push out useful entries.
constexpr size_t kMinSharedPrefix = 128;

}  // namespace

LocalEngine::LocalEngine(std::unique_ptr<ModelRunner> model, const TextCodec& codec,
                         const base::Clock& clock, LocalEngineOptions options)
    : model_(std::move(model)),
      codec_(codec),
      clock_(clock),
      options_(options),
      context_length_(model_->ContextLength()),
      vocab_size_(model_->VocabSize()),
      seed_source_(options.seed),
      scheduler_(Scheduler::Options{options.max_step_sequences, options.max_resident_sequences}),
      prefix_cache_(static_cast<size_t>(std::max(0, options.prefix_cache_entries))),
      thread_([this] { Run(); }) {
  base::Logger("engine")->info("engine started: context {} tokens, vocabulary {}", context_length_,
                               vocab_size_);
}

LocalEngine::~LocalEngine() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  base::Logger("engine")->info("engine stopped");
}

base::Status LocalEngine::Validate(const Request& request) const {
  const int64_t prompt = static_cast<int64_t>(request.prompt.size());
  if (prompt == 0) return base::InvalidArgument("the prompt is empty");
  for (size_t i = 0; i < request.prompt.size(); ++i) {
    const int32_t t = request.prompt[i];
    if (t < 0 || t >= vocab_size_) {
      return base::InvalidArgument("prompt token " + std::to_string(t) + " at position " +
                                   std::to_string(i) + " is outside the vocabulary [0, " +
                                   std::to_string(vocab_size_) + ")");
    }
  }
  if (prompt >= context_length_) {
    return base::InvalidArgument("the prompt has " + std::to_string(prompt) +
                                 " tokens; the model's context holds " +
                                 std::to_string(context_length_) + ", leaving no room for output");
  }
  if (request.max_tokens < 0) {
    return base::InvalidArgument("max_tokens must be >= 0, got " +
                                 std::to_string(request.max_tokens));
  }
  if (prompt + request.max_tokens > context_length_) {
    return base::InvalidArgument(
        "the prompt has " + std::to_string(prompt) + " tokens and max_tokens is " +
        std::to_string(request.max_tokens) + ": " + std::to_string(prompt + request.max_tokens) +
        " exceeds the model's context of " + std::to_string(context_length_) + " tokens");
  }
  for (int32_t t : request.stop_token_ids) {
    if (t < 0 || t >= vocab_size_) {
      return base::InvalidArgument("stop token " + std::to_string(t) +
                                   " is outside the vocabulary [0, " + std::to_string(vocab_size_) +
                                   ")");
    }
  }
  for (size_t i = 0; i < request.stop_strings.size(); ++i) {
    if (request.stop_strings[i].empty()) {
      return base::InvalidArgument("stop string " + std::to_string(i) + " is empty");
    }
  }
  return Sampler::Validate(request.sampling);
}

base::StatusOr<RequestId> LocalEngine::Submit(Request request, TokenSink sink) {
  FC_RETURN_IF_ERROR(Validate(request));
  if (!sink) return base::InvalidArgument("no sink for the request's events");
  const auto now = clock_.Now();
  RequestId id;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return base::Unavailable("the engine is shutting down");
    id = next_id_++;
    const uint64_t seed = request.sampling.seed ? *request.sampling.seed : seed_source_();
    // Ids increase in submission order, so they double as the arrival order.
    inbox_.push_back(
        std::make_unique<Sequence>(id, std::move(request), std::move(sink), id, now, seed));
    live_.insert(id);
  }
  wake_.notify_one();
  return id;
}

base::Status LocalEngine::Cancel(RequestId id) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!live_.contains(id)) {
      return base::NotFound("no request " + std::to_string(id) + " in flight");
    }
    cancels_.push_back(id);
  }
  wake_.notify_one();
  return base::Status::Ok();
}

EngineStats LocalEngine::Stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  EngineStats stats = finished_stats_;
  stats.in_flight = static_cast<int64_t>(live_.size());
  return stats;
}

void LocalEngine::Run() {
  while (true) {
    std::vector<std::unique_ptr<Sequence>> admitted;
    std::vector<RequestId> cancels;
    bool stopping = false;
    {
      std::unique_lock<std::mutex> lock(mu_);
      while (!stopping_ && inbox_.empty() && cancels_.empty() && scheduler_.IsEmpty()) {
        wake_.wait(lock);
      }
      admitted.swap(inbox_);
      cancels.swap(cancels_);
      stopping = stopping_;
    }
    for (auto& seq : admitted) {
      scheduler_.Add(seq.get());
      base::Logger("engine")->debug("{} request={} admitted: {} prompt tokens, priority {}",
                                    seq->request.log_label, seq->id, seq->request.prompt.size(),
                                    static_cast<int>(seq->priority()));
      const RequestId id = seq->id;
      sequences_.emplace(id, std::move(seq));
    }
    if (stopping) {
      // Submit refuses new work once stopping_ is set, so this ends everything there will be.
      while (!sequences_.empty()) {
        Finish(*sequences_.begin()->second, FinishReason::kCancelled,
               base::Cancelled("the engine is shutting down"));
      }
      return;
    }
    for (RequestId id : cancels) {
      auto it = sequences_.find(id);
      if (it != sequences_.end()) Finish(*it->second, FinishReason::kCancelled);
    }
    EndExpired();
    if (scheduler_.IsEmpty()) continue;

    Scheduler::Plan plan = scheduler_.Schedule();
    for (Sequence* seq : plan.evict) Evict(*seq);
    Step(plan.step);
  }
}

void LocalEngine::EndExpired() {
  const auto now = clock_.Now();
  std::vector<std::pair<Sequence*, FinishReason>> ended;
  for (auto& [id, seq] : sequences_) {
    if (seq->request.cancel && seq->request.cancel->IsCancelled()) {
      ended.emplace_back(seq.get(), FinishReason::kCancelled);
    } else if (seq->request.deadline && now >= *seq->request.deadline) {
      ended.emplace_back(seq.get(), FinishReason::kDeadline);
    }
  }
  for (auto& [seq, reason] : ended) Finish(*seq, reason);
}

bool LocalEngine::ResumeFromPrefixCache(Sequence& seq) {
  if (options_.prefix_cache_entries <= 0) return false;
  PrefixCache::Lookup hit = prefix_cache_.Find(seq.tokens);
  // Where this prompt departs from a cached one, the part before is shared: keep it too.
  seq.retain_at = hit.shared > hit.length && hit.shared >= kMinSharedPrefix ? hit.shared : 0;
  if (hit.state == nullptr) return false;
  auto copy = model_->CopySequence(*hit.state);
  if (!copy.ok()) return false;  // no copy (memory, or a model that cannot): prefill it all
  seq.state = std::move(copy).value();
  seq.fed = hit.length;
  base::Logger("engine")->debug("{} request={} continues from {} cached prompt tokens",
                                seq.request.log_label, seq.id, hit.length);
  return true;
}

void LocalEngine::RetainPrefix(const Sequence& seq) {
  const auto prefix = std::span<const int32_t>(seq.tokens).first(seq.fed);
  if (prefix_cache_.Contains(prefix)) return;
  auto copy = model_->CopySequence(*seq.state);
  if (copy.ok()) prefix_cache_.Insert(prefix, std::move(copy).value());
}

bool LocalEngine::MakeResident(Sequence& seq) {
  if (ResumeFromPrefixCache(seq)) return true;
  auto state = model_->NewSequence();
  if (!state.ok() && state.status().code() == base::StatusCode::kResourceExhausted &&
      prefix_cache_.size() > 0) {
    prefix_cache_.Clear();  // cached prefixes are the first memory to give up
    state = model_->NewSequence();
  }
  if (!state.ok() && state.status().code() == base::StatusCode::kResourceExhausted) {
    if (Sequence* victim = scheduler_.EvictionVictim(&seq)) {
      ++victim->usage.preemptions;  // it lost its cache to a higher rank
      Evict(*victim);
      state = model_->NewSequence();
    }
  }
  if (state.ok()) {
    seq.state = std::move(state).value();
    seq.fed = 0;
    return true;
  }
  const bool others_hold_memory = std::any_of(
      sequences_.begin(), sequences_.end(),
      [&](const auto& entry) { return entry.second.get() != &seq && entry.second->IsResident(); });
  if (state.status().code() == base::StatusCode::kResourceExhausted && others_hold_memory) {
    return false;  // higher-ranked sequences hold the memory; wait for one of them to finish
  }
  Finish(seq, FinishReason::kError, state.status().WithContext("allocating the sequence cache"));
  return false;
}

void LocalEngine::Evict(Sequence& seq) {
  seq.usage.recomputed_tokens += static_cast<int32_t>(seq.fed);
  seq.state.reset();
  seq.fed = 0;
}

void LocalEngine::Step(const std::vector<Sequence*>& planned) {
  // Ids, not pointers: a sequence may finish (and be destroyed) during the step.
  std::vector<RequestId> ids;
  for (const Sequence* seq : planned) ids.push_back(seq->id);
  std::vector<Sequence*> decoding;
  for (RequestId id : ids) {
    auto it = sequences_.find(id);
    if (it == sequences_.end()) continue;
    Sequence& seq = *it->second;
    if (!seq.first_scheduled) seq.first_scheduled = clock_.Now();
    // MakeResident only evicts lower-ranked sequences, never one already in `decoding`.
    if (!seq.IsResident() && !MakeResident(seq)) continue;
    if (seq.fed > 0 && seq.fed + 1 == seq.tokens.size()) {
      decoding.push_back(&seq);
      continue;
    }
    // Feed what the cache lacks, a chunk per step: the prompt, or after an eviction the prompt
    // and the output so far.
    size_t n = std::min(seq.tokens.size() - seq.fed,
                        static_cast<size_t>(std::max(1, options_.prefill_chunk_tokens)));
    if (seq.retain_at > seq.fed) n = std::min(n, seq.retain_at - seq.fed);  // stop there
    auto logits =
        model_->Prefill(*seq.state, std::span<const int32_t>(seq.tokens).subspan(seq.fed, n));
    if (!logits.ok()) {
      Finish(seq, FinishReason::kError, logits.status().WithContext("model prefill"));
      continue;
    }
    seq.fed += n;
    // Keep the shared part, and an agent call's whole prompt (the turn's next call starts with
    // it). A completion's or a review hunk's whole prompt is not reused, so caching it would
    // only push the agent's system prompt out of the few entries there are.
    const bool prompt_done = seq.request.priority == Priority::kAgent &&
                             seq.fed == seq.request.prompt.size() && seq.output().empty();
    if (options_.prefix_cache_entries > 0 && (seq.fed == seq.retain_at || prompt_done)) {
      RetainPrefix(seq);
    }
    if (seq.fed == seq.tokens.size()) SampleNext(seq, *logits);
  }
  if (decoding.empty()) return;

  std::vector<SequenceState*> states;
  std::vector<int32_t> tokens;
  for (Sequence* seq : decoding) {
    states.push_back(seq->state.get());
    tokens.push_back(seq->tokens[seq->fed]);
  }
  auto rows = model_->DecodeBatch(states, tokens);
  if (rows.ok() && rows->size() != decoding.size()) {
    rows = base::Internal("model returned " + std::to_string(rows->size()) + " rows for " +
                          std::to_string(decoding.size()) + " sequences");
  }
  for (size_t i = 0; i < decoding.size(); ++i) {
    if (!rows.ok()) {
      Finish(*decoding[i], FinishReason::kError, rows.status().WithContext("model decode"));
      continue;
    }
    ++decoding[i]->fed;
    SampleNext(*decoding[i], (*rows)[i]);  // finishing one never destroys another
  }
}

void LocalEngine::SampleNext(Sequence& seq, std::span<const float> logits) {
  if (logits.size() != static_cast<size_t>(vocab_size_)) {
    Finish(seq, FinishReason::kError,
           base::Internal("model returned " + std::to_string(logits.size()) +
                          " logits for a vocabulary of " + std::to_string(vocab_size_)));
    return;
  }
  auto sampled = sampler_.Sample(logits, seq.request.sampling, seq.prompt(), seq.output(), seq.rng);
  if (!sampled.ok()) {
    Finish(seq, FinishReason::kError, sampled.status());
    return;
  }
  ++seq.usage.completion_tokens;
  if (!seq.first_token) seq.first_token = clock_.Now();

  const int32_t token = sampled->token;
  const auto& stop_ids = seq.request.stop_token_ids;
  if (std::find(stop_ids.begin(), stop_ids.end(), token) != stop_ids.end()) {
    Finish(seq, FinishReason::kStop, base::Status::Ok(), token);
    return;
  }
  seq.tokens.push_back(token);
  EmitToken(seq, *sampled);
}

void LocalEngine::EmitToken(Sequence& seq, const SampledToken& sampled) {
  StreamEvent event{seq.id, TokenEvent{}};
  auto& token_event = std::get<TokenEvent>(event.payload);
  token_event.token = sampled.token;
  token_event.logprob = sampled.logprob;
  token_event.alternatives = sampled.alternatives;
  auto matched = seq.stops.Push(seq.utf8.Push(codec_.TokenBytes(sampled.token)));
  token_event.text = std::move(matched.text);
  seq.sink(event);

  if (matched.stop) {
    Finish(seq, FinishReason::kStop, base::Status::Ok(), std::nullopt,
           seq.request.stop_strings[*matched.stop]);
  } else if ((seq.request.max_tokens > 0 &&
              seq.usage.completion_tokens >= seq.request.max_tokens) ||
             static_cast<int64_t>(seq.tokens.size()) >= context_length_) {
    Finish(seq, FinishReason::kLength);
  }
}

void LocalEngine::Finish(Sequence& seq, FinishReason reason, base::Status status,
                         std::optional<int32_t> stop_token,
                         std::optional<std::string> stop_string) {
  const auto now = clock_.Now();
  StreamEvent event{seq.id, FinalEvent{}};
  auto& final_event = std::get<FinalEvent>(event.payload);
  final_event.reason = reason;
  final_event.status = std::move(status);
  final_event.stop_token = stop_token;
  final_event.stop_string = std::move(stop_string);
  if (!final_event.stop_string) {
    // Release what was held back: an unfinished character (as U+FFFD) and a tail that might
    // have become a stop string but now never will.
    final_event.text = seq.stops.Push(seq.utf8.Flush()).text + seq.stops.Flush();
  }
  final_event.usage = seq.usage;
  Timings& t = final_event.timings;
  t.total_ms = Millis(now - seq.submitted);
  if (seq.first_scheduled) t.queue_ms = Millis(*seq.first_scheduled - seq.submitted);
  if (seq.first_token) {
    t.time_to_first_token_ms = Millis(*seq.first_token - seq.submitted);
    const double decode_seconds = Millis(now - *seq.first_token) / 1000.0;
    if (seq.usage.completion_tokens > 1 && decode_seconds > 0) {
      t.decode_tokens_per_second = (seq.usage.completion_tokens - 1) / decode_seconds;
    }
  }
  base::Logger("engine")->debug(
      "{} request={} finished: {} ({}), {} prompt + {} output tokens, ttft {:.1f} ms, "
      "{:.1f} tok/s, {} preemptions",
      seq.request.log_label, seq.id, FinishReasonName(reason), final_event.status.ToString(),
      seq.usage.prompt_tokens, seq.usage.completion_tokens, t.time_to_first_token_ms,
      t.decode_tokens_per_second, seq.usage.preemptions);

  // Take the sequence out of every table before the sink runs, so a sink that calls Cancel
  // sees it gone, and free its cache before the caller reacts.
  auto owned = std::move(sequences_.at(seq.id));
  sequences_.erase(seq.id);
  scheduler_.Remove(owned.get());
  owned->state.reset();
  {
    std::lock_guard<std::mutex> lock(mu_);
    live_.erase(owned->id);
    ++finished_stats_.finished;
    finished_stats_.prompt_tokens += owned->usage.prompt_tokens;
    finished_stats_.completion_tokens += owned->usage.completion_tokens;
    finished_stats_.preemptions += owned->usage.preemptions;
  }
  owned->sink(event);
}

}  // namespace inference
