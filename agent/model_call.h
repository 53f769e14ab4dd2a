// ModelCall: one generation on the Engine, consumed on the calling (turn worker) thread.
//
// The engine's TokenSink runs on the engine thread and must not block, so it only queues the
// events; Run pops them here, feeds the DsmlParser and reports text, reasoning and completed
// tool calls through the callbacks as they stream. Cancellation goes through the request's
// cancel token (the engine ends the request with kCancelled). One per generation;
// thread-compatible.
#pragma once

#include <functional>
#include <vector>

#include "base/status.h"
#include "inference/engine.h"
#include "inference/tokenizer/dsml_parser.h"

namespace agent {

struct ModelCallResult {
  inference::FinishReason reason = inference::FinishReason::kStop;
  base::Status status;  // the engine's status for kError
  std::string text;
  std::string reasoning;
  std::vector<inference::DsmlToolCall> calls;  // well-formed calls, in order
  // Malformed calls: (index among invokes, name or "", what is wrong).
  struct Malformed {
    int index = -1;
    std::string name;
    std::string error;
  };
  std::vector<Malformed> malformed;
  inference::Usage usage;
  int64_t reasoning_tokens = 0;  // tokens whose text went to the reasoning
};

struct ModelCallCallbacks {
  std::function<base::Status(const std::string&)> on_text;       // may be empty
  std::function<base::Status(const std::string&)> on_reasoning;  // may be empty
};

// Submits `request` and blocks until its final event. A non-OK Status when Submit refuses
// the request (InvalidArgument, e.g. the prompt does not fit the context) or a callback fails
// (then the request is cancelled and waited for).
base::StatusOr<ModelCallResult> RunModelCall(inference::Engine& engine, inference::Request request,
                                             bool starts_in_reasoning,
                                             const ModelCallCallbacks& callbacks);

}  // namespace agent
