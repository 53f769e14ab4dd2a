#include "agent/model_call.h"

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>

namespace agent {
namespace {

// Filled by the engine thread, drained by the turn worker. Shared because the sink (held by
// the engine) may outlive RunModelCall's frame only until the final event, which Run waits
// for, but holding it by shared_ptr keeps that reasoning local.
struct EventQueue {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<inference::StreamEvent> events;
};

}  // namespace

base::StatusOr<ModelCallResult> RunModelCall(inference::Engine& engine, inference::Request request,
                                             bool starts_in_reasoning,
                                             const ModelCallCallbacks& callbacks) {
  auto queue = std::make_shared<EventQueue>();
  FC_ASSIGN_OR_RETURN(inference::RequestId id,
                      engine.Submit(std::move(request), [queue](const inference::StreamEvent& e) {
                        std::lock_guard<std::mutex> lock(queue->mu);
                        queue->events.push_back(e);
                        queue->cv.notify_one();
                      }));
  ModelCallResult result;
  inference::DsmlParser parser(starts_in_reasoning);
  base::Status callback_error;
  // Returns whether any of the events was reasoning (to count reasoning tokens).
  auto consume = [&](std::vector<inference::DsmlEvent> events) {
    bool reasoning = false;
    for (inference::DsmlEvent& e : events) {
      switch (e.kind) {
        case inference::DsmlEventKind::kText:
          result.text += e.text;
          if (callbacks.on_text && callback_error.ok()) callback_error = callbacks.on_text(e.text);
          break;
        case inference::DsmlEventKind::kReasoning:
          reasoning = true;
          result.reasoning += e.text;
          if (callbacks.on_reasoning && callback_error.ok()) {
            callback_error = callbacks.on_reasoning(e.text);
          }
          break;
        case inference::DsmlEventKind::kToolCallStart:
          break;
        case inference::DsmlEventKind::kToolCall:
          result.calls.push_back(std::move(e.call));
          break;
        case inference::DsmlEventKind::kError:
          result.malformed.push_back({e.call.index, e.call.name, e.text});
          break;
      }
    }
    return reasoning;
  };
  bool cancel_sent = false;
  while (true) {
    inference::StreamEvent event;
    {
      std::unique_lock<std::mutex> lock(queue->mu);
      queue->cv.wait(lock, [&] { return !queue->events.empty(); });
      event = std::move(queue->events.front());
      queue->events.pop_front();
    }
    if (!callback_error.ok() && !cancel_sent) {
      (void)engine.Cancel(id);  // NotFound just means it already finished
      cancel_sent = true;
    }
    if (auto* token = std::get_if<inference::TokenEvent>(&event.payload)) {
      if (consume(parser.Feed(token->text))) ++result.reasoning_tokens;
      continue;
    }
    auto& final_event = std::get<inference::FinalEvent>(event.payload);
    consume(parser.Feed(final_event.text));
    consume(parser.Finish());
    result.reason = final_event.reason;
    result.status = final_event.status;
    result.usage = final_event.usage;
    break;
  }
  if (!callback_error.ok()) return callback_error;
  return result;
}

}  // namespace agent
