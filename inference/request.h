// Request and StreamEvent: the plain structs that cross the engine's boundary.
//
// The daemon translates the wire API into a Request, hands it to Engine::Submit together with a
// TokenSink, and translates the StreamEvents it receives back to the wire. Nothing here knows
// about gRPC, the tokenizer or the model. Plain value types: thread-compatible.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "base/cancel_token.h"
#include "base/status.h"

namespace inference {

// Engine-assigned, unique for the engine's lifetime, never 0.
using RequestId = uint64_t;

// Who is waiting. Higher values are served first and may preempt lower ones between steps.
enum class Priority : int {
  kBatch = 0,        // CI review, indexing: throughput, nobody watching
  kAgent = 1,        // an agent turn: a person is waiting, but for many tokens
  kInteractive = 2,  // an inline completion: every millisecond shows
};

// How the next token is chosen. The defaults sample from the model's distribution unchanged.
// Order of application: penalties, temperature, top-k, min-p, top-p.
struct SamplingParams {
  float temperature = 1.0f;  // 0 (or < 1e-6): greedy (argmax, lowest id on ties)
  int32_t top_k = 0;         // 0: off; otherwise keep the k most likely tokens
  float top_p = 1.0f;        // (0, 1]; keep the smallest set whose probability reaches top_p
  float min_p = 0.0f;        // [0, 1]; drop tokens below min_p * p(most likely token)
  // Reproducibility: the same seed, prompt and parameters give the same tokens (on the same
  // model). Without a seed the engine draws one from its own seeded generator.
  std::optional<uint64_t> seed;
  float repetition_penalty = 1.0f;  // > 0; CTRL-style, over prompt and output tokens; 1: off
  float presence_penalty = 0.0f;    // OpenAI-style, subtracted once per distinct output token
  float frequency_penalty = 0.0f;   // OpenAI-style, subtracted per occurrence in the output
  // Logprobs: when true each token event carries the chosen token's log-probability under the
  // model's raw distribution, plus the top_logprobs most likely alternatives (0..20).
  bool logprobs = false;
  int32_t top_logprobs = 0;
};

struct Request {
  std::vector<int32_t> prompt;  // token ids, already rendered by the chat format; not empty
  SamplingParams sampling;
  // Generation ends (FinishReason::kStop) on any of these tokens (typically EOS); the token is
  // counted in usage but produces no text.
  std::vector<int32_t> stop_token_ids;
  // ...or when the output text contains any of these strings (which may span tokens). Text
  // before the stop string is emitted; the stop string and anything after it are not.
  std::vector<std::string> stop_strings;
  // 0: until the context is full. Otherwise prompt + max_tokens must fit the context.
  int32_t max_tokens = 0;
  Priority priority = Priority::kAgent;
  // Measured on the engine's Clock; the request ends with FinishReason::kDeadline after it.
  std::optional<std::chrono::steady_clock::time_point> deadline;
  // Optional: the turn's cancel token; cancelling it ends the request like Engine::Cancel.
  std::shared_ptr<const base::CancelToken> cancel;
  // For log lines only ("session=<id> turn=<id>").
  std::string log_label;
};

enum class FinishReason {
  kStop,       // a stop token or stop string
  kLength,     // max_tokens reached, or the context is full
  kCancelled,  // Engine::Cancel, the request's cancel token, or the engine shutting down
  kDeadline,   // the request's deadline passed
  kError,      // the model failed; FinalEvent::status says how
};

// Stable lower-case name ("stop", "length", ...), as the OpenAI-style API spells it.
const char* FinishReasonName(FinishReason reason);

struct TokenLogprob {
  int32_t token = 0;
  float logprob = 0.0f;
  bool operator==(const TokenLogprob&) const = default;
};

// One generated token. `text` holds only whole UTF-8 characters: bytes of a character that is
// not complete yet, and text that may turn out to be the start of a stop string, are held back
// and arrive with a later event (or in FinalEvent::text). So `text` may be empty.
struct TokenEvent {
  int32_t token = 0;
  std::string text;
  std::optional<TokenLogprob> logprob;     // set when SamplingParams::logprobs
  std::vector<TokenLogprob> alternatives;  // top_logprobs entries, most likely first
};

struct Usage {
  int32_t prompt_tokens = 0;
  int32_t completion_tokens = 0;  // sampled tokens, including a final stop token
  int32_t preemptions = 0;        // times a higher priority took this request's turn
  int32_t recomputed_tokens = 0;  // tokens fed again after the cache was evicted
  bool operator==(const Usage&) const = default;
};

struct Timings {
  double queue_ms = 0;                  // submit until first scheduled
  double time_to_first_token_ms = 0;    // submit until the first token was sampled
  double total_ms = 0;                  // submit until the final event
  double decode_tokens_per_second = 0;  // tokens after the first / time after the first
};

// The last event of every accepted request, exactly once.
struct FinalEvent {
  FinishReason reason = FinishReason::kStop;
  base::Status status;  // OK unless reason is kError (or kCancelled by shutdown)
  std::string text;     // held-back text released at the end (never a matched stop string)
  std::optional<int32_t> stop_token;       // which stop token ended it
  std::optional<std::string> stop_string;  // which stop string ended it
  Usage usage;
  Timings timings;
};

struct StreamEvent {
  RequestId request_id = 0;
  std::variant<TokenEvent, FinalEvent> payload;

  bool IsFinal() const { return std::holds_alternative<FinalEvent>(payload); }
};

// Receives a request's events, in order, on the engine thread. It must return quickly and must
// not block on the engine (it may call Submit and Cancel; it must not destroy the engine).
using TokenSink = std::function<void(const StreamEvent&)>;

}  // namespace inference
