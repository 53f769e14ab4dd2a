// Sequence: one accepted request as the engine thread tracks it, from admission to its final
// event: the tokens so far, the model cache (if resident), the sampler's RNG and the text
// pipeline (UTF-8 assembly, then stop strings). Owned by the engine thread; no locks.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <utility>
#include <vector>

#include "inference/model_runner.h"
#include "inference/request.h"
#include "inference/stop_string_matcher.h"
#include "inference/utf8_assembler.h"

namespace inference {

struct Sequence {
  using TimePoint = std::chrono::steady_clock::time_point;

  Sequence(RequestId id_in, Request request_in, TokenSink sink_in, uint64_t arrival_in,
           TimePoint submitted_in, uint64_t seed)
      : id(id_in),
        request(std::move(request_in)),
        sink(std::move(sink_in)),
        arrival(arrival_in),
        submitted(submitted_in),
        tokens(request.prompt),
        rng(seed),
        stops(request.stop_strings) {
    usage.prompt_tokens = static_cast<int32_t>(request.prompt.size());
  }
  Sequence(const Sequence&) = delete;
  Sequence& operator=(const Sequence&) = delete;

  std::span<const int32_t> prompt() const { return {tokens.data(), request.prompt.size()}; }
  std::span<const int32_t> output() const {
    return std::span<const int32_t>(tokens).subspan(request.prompt.size());
  }
  Priority priority() const { return request.priority; }
  bool IsResident() const { return state != nullptr; }

  const RequestId id;
  const Request request;
  const TokenSink sink;
  const uint64_t arrival;  // admission order: first come, first served within a priority
  const TimePoint submitted;

  std::vector<int32_t> tokens;           // prompt, then the output tokens that produce text
  std::unique_ptr<SequenceState> state;  // the model cache; null when not resident
  size_t fed = 0;                        // tokens[0, fed) are in `state`
  size_t retain_at = 0;       // > fed: copy the cache into the prefix cache when fed reaches it
  bool stepped_last = false;  // was in the previous step (to count preemptions)

  std::mt19937_64 rng;
  Utf8Assembler utf8;
  StopStringMatcher stops;

  Usage usage;
  std::optional<TimePoint> first_scheduled;
  std::optional<TimePoint> first_token;
};

}  // namespace inference
