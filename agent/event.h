// agent::Event: what a turn streams to its client, as plain structs that mirror the TurnEvent
// oneof of proto/flashcode/v1/agent.proto (the daemon's turn reactor translates them field by
// field; nothing here knows about protobuf).
//
// Every event is stored by the SessionStore before a client sees it; the store assigns `seq`
// (per session, strictly increasing), so a client that reconnects replays from its last seq.
// Plain value types: thread-compatible.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <variant>

#include "agent/message.h"

namespace agent {

// agent.proto's FinishReason values for a turn (the numbers match the wire enum).
enum class TurnFinish : int {
  kStop = 1,       // the model gave its final answer
  kLength = 2,     // the model hit its output-token limit mid-answer
  kCancelled = 3,  // the client cancelled
  kLimit = 6,      // the loop's model-call, token or wall-time limit
};

// ApprovalDecision.Decision on the wire.
enum class Decision : int {
  kApprove = 1,
  kDeny = 2,
  kApproveForSession = 3,
};

struct Usage {
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t reasoning_tokens = 0;  // part of completion_tokens (approximate: tokens whose text
                                 // was reasoning)
  Usage& operator+=(const Usage& o) {
    prompt_tokens += o.prompt_tokens;
    completion_tokens += o.completion_tokens;
    reasoning_tokens += o.reasoning_tokens;
    return *this;
  }
  bool operator==(const Usage&) const = default;
};

struct TurnStarted {
  std::string user_message;
  std::string snapshot_ref;  // empty: none needed yet (the undo snapshot is taken lazily,
                             // right before the turn's first mutating call)
  bool operator==(const TurnStarted&) const = default;
};
struct TextDelta {
  std::string text;
  bool operator==(const TextDelta&) const = default;
};
struct ReasoningDelta {
  std::string text;
  bool operator==(const ReasoningDelta&) const = default;
};
struct ToolCallStarted {
  ToolCall call;
  bool mutating = false;
  bool operator==(const ToolCallStarted&) const = default;
};
struct ToolCallOutput {
  std::string call_id;
  std::string text;
  bool operator==(const ToolCallOutput&) const = default;
};
struct ToolCallFinished {
  std::string call_id;
  bool is_error = false;
  std::string output;
  bool truncated = false;
  int32_t exit_code = 0;
  int64_t duration_ms = 0;
  bool operator==(const ToolCallFinished&) const = default;
};
struct ApprovalRequested {
  std::string approval_id;
  ToolCall call;
  std::string reason;
  bool operator==(const ApprovalRequested&) const = default;
};
struct ApprovalResolved {
  std::string approval_id;
  Decision decision = Decision::kDeny;
  bool operator==(const ApprovalResolved&) const = default;
};
struct ContextCompacted {
  uint64_t tokens_before = 0;
  uint64_t tokens_after = 0;
  bool operator==(const ContextCompacted&) const = default;
};
struct TurnDone {
  TurnFinish finish = TurnFinish::kStop;
  Usage usage;
  int64_t total_ms = 0;
  uint32_t model_calls = 0;
  bool operator==(const TurnDone&) const = default;
};
// A system failure (engine dead, sandbox gone, store failing). `code` is a base::StatusCode
// value, which matches google.rpc.Code.
struct StreamError {
  int32_t code = 0;
  std::string message;
  bool operator==(const StreamError&) const = default;
};

using EventPayload = std::variant<TurnStarted, TextDelta, ReasoningDelta, ToolCallStarted,
                                  ToolCallOutput, ToolCallFinished, ApprovalRequested,
                                  ApprovalResolved, ContextCompacted, TurnDone, StreamError>;

struct Event {
  uint64_t seq = 0;
  std::string session_id;
  std::string turn_id;
  int64_t time_unix_ms = 0;
  EventPayload payload;

  // Exactly one terminal event ends every turn: TurnDone, or StreamError for a system failure.
  bool IsTerminal() const {
    return std::holds_alternative<TurnDone>(payload) ||
           std::holds_alternative<StreamError>(payload);
  }
  bool operator==(const Event&) const = default;
};

// Receives a turn's events in order, on the turn's worker thread, after they are stored. It
// must return quickly (the daemon queues them for its reactor) and must not call back into the
// Agent for the same session's turn control except Approve/CancelTurn.
using EventSink = std::function<void(const Event&)>;

}  // namespace agent
