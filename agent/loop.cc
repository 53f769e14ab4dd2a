#include "agent/loop.h"

#include <algorithm>
#include <set>
#include <utility>

#include "agent/loop_turn.h"
#include "agent/model_call.h"
#include "base/log.h"

namespace agent {
namespace {

std::string FirstLine(const std::string& text, size_t max) {
  std::string line = text.substr(0, text.find('\n'));
  return line.size() > max ? line.substr(0, max) + "..." : line;
}

// The transcript the summariser reads: roles and contents, tool results shortened.
std::string Transcript(const std::vector<Message>& messages) {
  std::string out;
  for (const Message& m : messages) {
    switch (m.role) {
      case Role::kSummary:
        out += "[earlier summary]\n" + m.content + "\n\n";
        break;
      case Role::kSystem:
      case Role::kUser:
        out += "[user]\n" + m.content + "\n\n";
        break;
      case Role::kAssistant:
        out += "[assistant]\n" + m.content + "\n";
        for (const ToolCall& c : m.tool_calls) {
          out += "[tool call " + c.name + "] " + c.arguments_json + "\n";
        }
        out += "\n";
        break;
      case Role::kTool: {
        std::string body =
            m.content.size() > 2000 ? m.content.substr(0, 2000) + "\n[...]" : m.content;
        out += std::string(m.is_error ? "[tool error]\n" : "[tool result]\n") + body + "\n\n";
        break;
      }
    }
  }
  return out;
}

}  // namespace

Loop::Loop(LoopDeps deps, LoopOptions options)
    : deps_(deps), options_(std::move(options)), tool_declarations_(ToolDeclarations(deps.tools)) {}

base::Status Loop::Emit(Turn& turn, EventPayload payload) {
  Event event;
  event.session_id = turn.input.session.id;
  event.turn_id = turn.input.turn_id;
  event.payload = std::move(payload);
  FC_ASSIGN_OR_RETURN(Event stored, deps_.store.AppendEvent(std::move(event)));
  if (turn.input.sink) turn.input.sink(stored);
  return base::Status::Ok();
}

base::StatusOr<Prompt> Loop::PromptFor(const Turn& turn) {
  FC_ASSIGN_OR_RETURN(std::vector<Message> messages, deps_.store.Messages(turn.input.session.id));
  return BuildPrompt(messages, turn.context, tool_declarations_, turn.input.session.reasoning,
                     deps_.tokenizer);
}

void Loop::RunTurn(const TurnInput& input) {
  Turn turn(input, deps_.clock.Now());
  turn.context = LoadWorkspaceContext(input.session.workspace_root, options_.repo_map,
                                      options_.prompt, deps_.clock.UnixMillis());
  base::StatusOr<TurnFinish> finish = Run(turn);
  base::Status status = finish.ok() ? base::Status::Ok() : finish.status();
  if (status.ok()) {
    (void)deps_.store.AddUsage(input.session.id, turn.usage);
    TurnDone done;
    done.finish = *finish;
    done.usage = turn.usage;
    done.total_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(deps_.clock.Now() - turn.started)
            .count();
    done.model_calls = turn.model_calls;
    status = Emit(turn, done);
    if (status.ok()) return;
  } else {
    (void)deps_.store.AddUsage(input.session.id, turn.usage);
  }
  base::Logger("agent")->error("session={} turn={} failed: {}", input.session.id, input.turn_id,
                               status.ToString());
  StreamError error{static_cast<int32_t>(status.code()), status.ToString()};
  if (!Emit(turn, error).ok() && input.sink) {
    // The store itself failed: the client still gets a terminal event, unstored.
    Event event;
    event.session_id = input.session.id;
    event.turn_id = input.turn_id;
    event.time_unix_ms = deps_.clock.UnixMillis();
    event.payload = error;
    input.sink(event);
  }
}

// A turn killed with the daemon can leave calls without results; the chat format wants every
// call answered, so they are answered before the conversation goes on.
base::Status Loop::AnswerDanglingCalls(Turn& turn) {
  FC_ASSIGN_OR_RETURN(std::vector<Message> messages, deps_.store.Messages(turn.input.session.id));
  std::set<std::string> answered;
  std::vector<ToolCall> calls;
  for (const Message& m : messages) {
    if (m.role == Role::kTool) answered.insert(m.tool_call_id);
    for (const ToolCall& c : m.tool_calls) calls.push_back(c);
  }
  for (const ToolCall& c : calls) {
    if (answered.count(c.id) > 0) continue;
    Message m(Role::kTool, "not run: the daemon stopped before this call finished");
    m.tool_call_id = c.id;
    m.is_error = true;
    m.turn_id = turn.input.turn_id;
    FC_RETURN_IF_ERROR(deps_.store.AppendMessage(turn.input.session.id, m));
  }
  return base::Status::Ok();
}

base::StatusOr<TurnFinish> Loop::Run(Turn& turn) {
  const TurnInput& in = turn.input;
  const SessionLimits& limits = in.session.limits;
  FC_RETURN_IF_ERROR(Emit(turn, TurnStarted{in.user_message, ""}));
  FC_RETURN_IF_ERROR(AnswerDanglingCalls(turn));
  Message user{Role::kUser, in.user_message};
  user.turn_id = in.turn_id;
  FC_RETURN_IF_ERROR(deps_.store.AppendMessage(in.session.id, user));
  FC_ASSIGN_OR_RETURN(std::vector<ToolCall> approved, deps_.store.SessionApprovals(in.session.id));
  for (const ToolCall& c : approved) turn.approved_for_session.insert({c.name, c.arguments_json});
  const auto deadline = turn.started + std::chrono::milliseconds(limits.max_wall_ms);
  const int64_t context = deps_.engine.ContextLength();

  while (true) {
    if (in.cancel && in.cancel->IsCancelled()) return TurnFinish::kCancelled;
    if (turn.model_calls >= limits.max_model_calls || deps_.clock.Now() >= deadline ||
        turn.usage.completion_tokens >= static_cast<int64_t>(limits.max_output_tokens)) {
      return TurnFinish::kLimit;
    }
    FC_ASSIGN_OR_RETURN(Prompt prompt, PromptFor(turn));
    if (static_cast<double>(prompt.tokens.size()) > options_.compact_at_fraction * context) {
      FC_ASSIGN_OR_RETURN(CompactResult compacted, Compact(in.session, in.turn_id, in.cancel));
      if (compacted.messages_compacted > 0) {
        FC_RETURN_IF_ERROR(
            Emit(turn, ContextCompacted{compacted.tokens_before, compacted.tokens_after}));
        FC_ASSIGN_OR_RETURN(prompt, PromptFor(turn));
      }
    }
    const int64_t room = context - static_cast<int64_t>(prompt.tokens.size());
    if (room <= 0) {
      return base::ResourceExhausted("the conversation (" + std::to_string(prompt.tokens.size()) +
                                     " tokens) no longer fits the model's context (" +
                                     std::to_string(context) + ") even after compaction");
    }
    const int64_t budget =
        static_cast<int64_t>(limits.max_output_tokens) - turn.usage.completion_tokens;
    inference::Request request;
    request.prompt = std::move(prompt.tokens);
    request.max_tokens = static_cast<int32_t>(std::min<int64_t>({room, budget, INT32_MAX}));
    if (deps_.tokenizer.special_ids().eos >= 0) {
      request.stop_token_ids.push_back(deps_.tokenizer.special_ids().eos);
    }
    request.priority = inference::Priority::kAgent;
    request.deadline = deadline;
    request.cancel = in.cancel;
    request.log_label = "session=" + in.session.id + " turn=" + in.turn_id;
    const int64_t prompt_tokens = static_cast<int64_t>(request.prompt.size());
    ModelCallCallbacks callbacks;
    callbacks.on_text = [&](const std::string& t) { return Emit(turn, TextDelta{t}); };
    callbacks.on_reasoning = [&](const std::string& t) { return Emit(turn, ReasoningDelta{t}); };
    FC_ASSIGN_OR_RETURN(
        ModelCallResult result,
        RunModelCall(deps_.engine, std::move(request), prompt.starts_in_reasoning, callbacks));
    ++turn.model_calls;
    turn.usage += Usage{prompt_tokens, result.usage.completion_tokens, result.reasoning_tokens};

    // The assistant message, with an id for every call (malformed ones included, so that each
    // gets its error result and the conversation stays well-formed).
    Message assistant{Role::kAssistant, result.text};
    assistant.reasoning = result.reasoning;
    assistant.turn_id = in.turn_id;
    std::vector<std::pair<ToolCall, std::string>> calls;  // call, parse error ("" if none)
    for (const auto& c : result.calls) {
      calls.push_back({ToolCall{turn.NextCallId(), c.name, c.arguments}, ""});
    }
    for (const auto& bad : result.malformed) {
      calls.push_back(
          {ToolCall{turn.NextCallId(), bad.name.empty() ? "invalid" : bad.name, "{}"}, bad.error});
    }
    for (const auto& [call, error] : calls) assistant.tool_calls.push_back(call);
    FC_RETURN_IF_ERROR(deps_.store.AppendMessage(in.session.id, assistant));

    switch (result.reason) {
      case inference::FinishReason::kError:
        return base::Unavailable("the model failed: " + result.status.ToString());
      case inference::FinishReason::kCancelled:
        FC_RETURN_IF_ERROR(turn.AnswerUnrun(deps_.store, assistant.tool_calls, 0,
                                            "not run: the turn was cancelled"));
        return TurnFinish::kCancelled;
      case inference::FinishReason::kDeadline:
        FC_RETURN_IF_ERROR(turn.AnswerUnrun(deps_.store, assistant.tool_calls, 0,
                                            "not run: the turn's time limit passed"));
        return TurnFinish::kLimit;
      case inference::FinishReason::kLength:
        if (calls.empty()) {
          return result.usage.completion_tokens >= budget ? TurnFinish::kLimit
                                                          : TurnFinish::kLength;
        }
        break;
      case inference::FinishReason::kStop:
        break;
    }
    if (calls.empty()) return TurnFinish::kStop;

    for (size_t i = 0; i < calls.size(); ++i) {
      const auto& [call, parse_error] = calls[i];
      if (in.cancel && in.cancel->IsCancelled()) {
        FC_RETURN_IF_ERROR(turn.AnswerUnrun(deps_.store, assistant.tool_calls, i,
                                            "not run: the turn was cancelled"));
        return TurnFinish::kCancelled;
      }
      base::StatusOr<CallOutcome> outcome =
          parse_error.empty() ? RunCall(turn, call)
                              : base::StatusOr<CallOutcome>(CallOutcome::Malformed(parse_error));
      if (!outcome.ok()) {
        const bool cancelled = outcome.status().code() == base::StatusCode::kCancelled;
        FC_RETURN_IF_ERROR(turn.AnswerUnrun(
            deps_.store, assistant.tool_calls, i,
            cancelled ? "cancelled by the user" : "failed: " + outcome.status().ToString()));
        if (cancelled) return TurnFinish::kCancelled;
        return outcome.status();
      }
      if (!parse_error.empty()) FC_RETURN_IF_ERROR(Emit(turn, ToolCallStarted{call, false}));
      if (!outcome->ran) {
        // Refused, denied or malformed: the client still sees the call end.
        FC_RETURN_IF_ERROR(
            Emit(turn, ToolCallFinished{call.id, true, outcome->result.output, false, 0, 0}));
      }
      FC_RETURN_IF_ERROR(turn.AnswerCall(deps_.store, call, outcome->result));
    }
  }
}

base::StatusOr<CompactResult> Loop::Compact(const SessionInfo& session, const std::string& turn_id,
                                            std::shared_ptr<base::CancelToken> cancel) {
  FC_ASSIGN_OR_RETURN(std::vector<Message> messages, deps_.store.Messages(session.id));
  WorkspaceContext context = LoadWorkspaceContext(session.workspace_root, options_.repo_map,
                                                  options_.prompt, deps_.clock.UnixMillis());
  FC_ASSIGN_OR_RETURN(Prompt before, BuildPrompt(messages, context, tool_declarations_,
                                                 session.reasoning, deps_.tokenizer));
  CompactResult out;
  out.tokens_before = out.tokens_after = before.tokens.size();
  // Keep the last user message and everything after it (the turn in progress).
  size_t keep_from = messages.size();
  for (size_t i = messages.size(); i-- > 0;) {
    if (messages[i].role == Role::kUser) {
      keep_from = i;
      break;
    }
  }
  std::vector<Message> old(messages.begin(), messages.begin() + keep_from);
  const bool only_summaries = std::all_of(
      old.begin(), old.end(), [](const Message& m) { return m.role == Role::kSummary; });
  if (old.empty() || (old.size() == 1 && only_summaries)) return out;

  std::vector<inference::ChatMessage> chat = {
      inference::ChatMessage(
          inference::ChatRole::kSystem,
          "You summarise a coding session so that it can continue without the full "
          "transcript. Keep: the user's goals and constraints, decisions made, files read or "
          "changed (with paths), commands run and their outcome, errors still open, and what "
          "was about to happen next. Be concise; plain text."),
      inference::ChatMessage(inference::ChatRole::kUser,
                             "Summarise this conversation:\n\n" + Transcript(old))};
  FC_ASSIGN_OR_RETURN(
      std::string text,
      inference::EncodeChat(chat, inference::ChatOptions{inference::ReasoningMode::kNonThink}));
  inference::Request request;
  request.prompt = deps_.tokenizer.Encode(text, inference::SpecialTokens::kParse);
  const int64_t room = deps_.engine.ContextLength() - static_cast<int64_t>(request.prompt.size());
  if (room <= 0) {
    return base::ResourceExhausted("the conversation is too long to summarise in one call");
  }
  request.max_tokens = static_cast<int32_t>(std::min<int64_t>(room, options_.summary_max_tokens));
  if (deps_.tokenizer.special_ids().eos >= 0) {
    request.stop_token_ids.push_back(deps_.tokenizer.special_ids().eos);
  }
  request.cancel = std::move(cancel);
  request.log_label = "session=" + session.id + " compaction";
  FC_ASSIGN_OR_RETURN(ModelCallResult result,
                      RunModelCall(deps_.engine, std::move(request), false, {}));
  if (result.reason == inference::FinishReason::kCancelled) {
    return base::Cancelled("compaction cancelled");
  }
  if (result.reason == inference::FinishReason::kError) {
    return base::Unavailable("the model failed while summarising: " + result.status.ToString());
  }
  if (result.text.empty()) return base::Internal("the model returned an empty summary");
  Message summary{Role::kSummary, result.text};
  summary.turn_id = turn_id;
  FC_RETURN_IF_ERROR(deps_.store.Compact(session.id, old.size(), summary));
  FC_ASSIGN_OR_RETURN(std::vector<Message> after_messages, deps_.store.Messages(session.id));
  FC_ASSIGN_OR_RETURN(Prompt after, BuildPrompt(after_messages, context, tool_declarations_,
                                                session.reasoning, deps_.tokenizer));
  out.tokens_after = after.tokens.size();
  out.messages_compacted = old.size();
  base::Logger("agent")->info("session={} compacted {} messages: {} -> {} tokens ({})", session.id,
                              old.size(), out.tokens_before, out.tokens_after,
                              FirstLine(result.text, 60));
  return out;
}

}  // namespace agent
