// The streaming halves of the Agent service: TurnReactor runs one Agent.Turn call (a
// bidirectional stream: `start`, then approvals and a cancel in; the turn's events out) and
// ResumeReactor one Agent.ResumeSession call (stored events replayed, then a running turn
// followed live). Both only translate and queue: the agent's worker hands each event to an
// EventRelay, which forwards it to the reactor while the call lasts and drops it afterwards
// (the Agent keeps a sink until the turn's terminal event, but a client may leave earlier).
// Writes wait in an unbounded queue, so a slow client never blocks the turn's worker; the
// events are stored anyway. Daemon shutdown (the CallGate's hook) ends both with UNAVAILABLE
// and cancels the turn. Each reactor owns itself and deletes itself in OnDone. Thread-safe.
#pragma once

#include <grpcpp/grpcpp.h>

#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "agent/agent.h"
#include "base/thread_annotations.h"
#include "daemon/queued_writer.h"
#include "flashcode/v1/agent.pb.h"

namespace flashcoded {

class CallGate;

// Forwards events to a target until Close(); shared by the Agent's sink and one reactor.
class EventRelay {
 public:
  explicit EventRelay(std::function<void(const agent::Event&)> target)
      : target_(std::move(target)) {}
  void Deliver(const agent::Event& event) {
    std::lock_guard<std::mutex> lock(mu_);
    if (target_) target_(event);
  }
  // After Close returns, the target is never called again.
  void Close() {
    std::lock_guard<std::mutex> lock(mu_);
    target_ = nullptr;
  }
  static agent::EventSink SinkFor(std::shared_ptr<EventRelay> relay) {
    return [relay = std::move(relay)](const agent::Event& e) { relay->Deliver(e); };
  }

 private:
  std::mutex mu_;
  std::function<void(const agent::Event&)> target_ GUARDED_BY(mu_);
};

class TurnReactor final
    : public grpc::ServerBidiReactor<flashcode::v1::TurnRequest, flashcode::v1::TurnEvent> {
 public:
  // `agent` may be null (no model loaded): a `start` then ends the call with
  // FAILED_PRECONDITION. Borrows both; they must outlive the gRPC server.
  TurnReactor(agent::Agent* agent, CallGate& gate);
  // Registers with the gate and reads the first request.
  void Start();

  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  void Handle(const flashcode::v1::TurnRequest& request);
  void BeginTurn(const flashcode::v1::StartTurn& start);
  void OnEvent(const agent::Event& event);
  // Cancels the turn this call started, if it still runs (never another client's turn).
  void CancelOurTurn();
  // Ends the call: after the queued events for OK, at once (dropping them) otherwise.
  void FinishLocked(grpc::Status status) REQUIRES(mu_);
  void PumpLocked() REQUIRES(mu_);

  agent::Agent* const agent_;
  CallGate& gate_;
  uint64_t stream_id_ = 0;
  flashcode::v1::TurnRequest request_;  // the read buffer; only the read callbacks touch it
  std::shared_ptr<EventRelay> relay_;

  std::mutex mu_;
  std::string session_id_ GUARDED_BY(mu_);
  bool turn_started_ GUARDED_BY(mu_) = false;
  bool turn_ended_ GUARDED_BY(mu_) = false;
  bool start_seen_ GUARDED_BY(mu_) = false;
  std::deque<flashcode::v1::TurnEvent> pending_ GUARDED_BY(mu_);
  flashcode::v1::TurnEvent current_ GUARDED_BY(mu_);
  bool writing_ GUARDED_BY(mu_) = false;
  bool finished_ GUARDED_BY(mu_) = false;
  std::optional<grpc::Status> final_status_ GUARDED_BY(mu_);
};

class ResumeReactor final : public QueuedWriter<flashcode::v1::TurnEvent> {
 public:
  // Exactly one of `agent` (model loaded) and `store` (none: replay only) is non-null.
  // Borrows them and the gate; they must outlive the gRPC server.
  ResumeReactor(agent::Agent* agent, agent::SessionStore* store, CallGate& gate)
      : agent_(agent), store_(store), gate_(gate) {}
  // Registers with the gate, replays, and follows a running turn (or finishes).
  void Start(const std::string& session_id, uint64_t after_seq);
  void OnCancel() override;

 private:
  void OnEvent(const agent::Event& event);
  void Done() override;

  agent::Agent* const agent_;
  agent::SessionStore* const store_;
  CallGate& gate_;
  uint64_t stream_id_ = 0;
  std::shared_ptr<EventRelay> relay_;
  std::thread::id replay_thread_;  // set before Attach, read by OnEvent
};

}  // namespace flashcoded
