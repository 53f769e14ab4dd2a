// Engine: the interface every caller of a model goes through (agent turns, completions,
// reviews); the daemon and agent hold an Engine& and never know which implementation runs.
//
// Submit queues a Request and streams its events to a TokenSink; every accepted request gets
// exactly one FinalEvent, last. Cancel ends a request early. Implementations: LocalEngine (our
// own model on one engine thread, local_engine.h); later a RemoteEngine (an OpenAI-compatible
// server such as vLLM or SGLang). Tests of callers use a LocalEngine over FakeModelRunner.
// All methods are thread-safe and never block on the model.
#pragma once

#include <cstdint>

#include "base/status.h"
#include "inference/request.h"

namespace inference {

// Counters since the engine started, for `flashcode status` and /metrics.
struct EngineStats {
  int64_t in_flight = 0;          // accepted, final event not yet sent
  int64_t finished = 0;           // final events sent
  int64_t prompt_tokens = 0;      // of finished requests
  int64_t completion_tokens = 0;  // of finished requests
  int64_t preemptions = 0;        // of finished requests
  bool operator==(const EngineStats&) const = default;
};

class Engine {
 public:
  virtual ~Engine() = default;

  // Validates and queues `request`. InvalidArgument (with the numbers) for an empty prompt, a
  // token outside the vocabulary, a prompt (plus max_tokens) beyond the context, an empty stop
  // string or bad sampling parameters; Unavailable when the engine is shutting down. On error
  // the sink is never called; on success it receives the events, the last one final.
  virtual base::StatusOr<RequestId> Submit(Request request, TokenSink sink) = 0;

  // Asks a request to end with kCancelled (it may still finish otherwise first; its final
  // event tells). NotFound when the id is unknown or its final event has been sent.
  virtual base::Status Cancel(RequestId id) = 0;

  // The most tokens (prompt plus output) one request may hold: the budget for prompt assembly.
  virtual int64_t ContextLength() const = 0;

  virtual EngineStats Stats() const = 0;
};

}  // namespace inference
