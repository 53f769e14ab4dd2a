// ScriptedEngine: the test double for the agent's tests — an inference::Engine that replays
// given model outputs instead of running a model (the one fake the agent tests use; tools,
// store, policy and git are real).
//
// Each Submit takes the next scripted output (its text, split into chunks of `chunk_bytes`,
// each chunk one TokenEvent) and streams it from the engine's own thread, as LocalEngine does,
// ending with one FinalEvent (kStop, or the scripted reason). The request's cancel token and
// Cancel end a stream early with kCancelled; a stream waits `chunk_delay` between tokens. It
// records every prompt it received, so tests can decode and inspect them. When the script is
// exhausted, Submit returns Unavailable. Test-only; thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "inference/engine.h"

namespace agent::testing {

struct ScriptedOutput {
  ScriptedOutput() = default;
  ScriptedOutput(std::string t) : text(std::move(t)) {}  // NOLINT: scripts read as strings
  ScriptedOutput(std::string t, inference::FinishReason r, base::Status s)
      : text(std::move(t)), reason(r), status(std::move(s)) {}

  std::string text;
  inference::FinishReason reason = inference::FinishReason::kStop;
  base::Status status;  // for kError
};

class ScriptedEngine final : public inference::Engine {
 public:
  explicit ScriptedEngine(std::vector<ScriptedOutput> script, int64_t context_length = 65536,
                          size_t chunk_bytes = 7)
      : script_(script.begin(), script.end()),
        context_length_(context_length),
        chunk_bytes_(chunk_bytes),
        thread_([this] { Run(); }) {}
  ~ScriptedEngine() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  void set_context_length(int64_t n) { context_length_ = n; }
  void set_chunk_delay(std::chrono::milliseconds d) { chunk_delay_ = d; }
  void Add(ScriptedOutput output) {
    std::lock_guard<std::mutex> lock(mu_);
    script_.push_back(std::move(output));
  }

  base::StatusOr<inference::RequestId> Submit(inference::Request request,
                                              inference::TokenSink sink) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (request.prompt.empty()) return base::InvalidArgument("empty prompt");
    if (static_cast<int64_t>(request.prompt.size()) + request.max_tokens > context_length_) {
      return base::InvalidArgument("prompt of " + std::to_string(request.prompt.size()) +
                                   " tokens plus max_tokens exceeds the context");
    }
    if (script_.empty()) return base::Unavailable("script exhausted");
    prompts_.push_back(request.prompt);
    const inference::RequestId id = next_id_++;
    jobs_.push_back({id, std::move(request), std::move(sink), std::move(script_.front())});
    script_.pop_front();
    cv_.notify_all();
    return id;
  }

  base::Status Cancel(inference::RequestId id) override {
    std::lock_guard<std::mutex> lock(mu_);
    cancelled_.push_back(id);
    return base::Status::Ok();
  }
  int64_t ContextLength() const override { return context_length_; }
  inference::EngineStats Stats() const override { return {}; }

  std::vector<std::vector<int32_t>> prompts() const {
    std::lock_guard<std::mutex> lock(mu_);
    return prompts_;
  }
  size_t remaining() const {
    std::lock_guard<std::mutex> lock(mu_);
    return script_.size() + jobs_.size();
  }

 private:
  struct Job {
    inference::RequestId id;
    inference::Request request;
    inference::TokenSink sink;
    ScriptedOutput output;
  };

  bool IsCancelled(const Job& job) {
    std::lock_guard<std::mutex> lock(mu_);
    if (job.request.cancel && job.request.cancel->IsCancelled()) return true;
    for (auto c : cancelled_) {
      if (c == job.id) return true;
    }
    return stopping_;
  }

  void Run() {
    while (true) {
      Job job;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
        if (jobs_.empty()) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      inference::FinalEvent final_event;
      final_event.reason = job.output.reason;
      final_event.status = job.output.status;
      int32_t tokens = 0;
      const std::string& text = job.output.text;
      for (size_t pos = 0; pos < text.size(); pos += chunk_bytes_) {
        if (IsCancelled(job)) {
          final_event.reason = inference::FinishReason::kCancelled;
          break;
        }
        if (job.request.max_tokens > 0 && tokens >= job.request.max_tokens) {
          final_event.reason = inference::FinishReason::kLength;
          break;
        }
        if (chunk_delay_.count() > 0) std::this_thread::sleep_for(chunk_delay_);
        inference::TokenEvent token;
        token.token = 1000 + tokens++;
        token.text = text.substr(pos, chunk_bytes_);
        job.sink({job.id, token});
      }
      final_event.usage.prompt_tokens = static_cast<int32_t>(job.request.prompt.size());
      final_event.usage.completion_tokens = tokens;
      job.sink({job.id, final_event});
    }
  }

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<ScriptedOutput> script_;
  std::deque<Job> jobs_;
  std::vector<inference::RequestId> cancelled_;
  std::vector<std::vector<int32_t>> prompts_;
  inference::RequestId next_id_ = 1;
  bool stopping_ = false;
  std::atomic<int64_t> context_length_;
  const size_t chunk_bytes_;
  std::chrono::milliseconds chunk_delay_{0};
  std::thread thread_;  // last: starts once the rest exists
};

}  // namespace agent::testing
