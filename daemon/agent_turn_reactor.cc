#include "daemon/agent_turn_reactor.h"

#include "base/log.h"
#include "daemon/agent_proto.h"
#include "daemon/call_gate.h"
#include "daemon/rpc_util.h"

namespace flashcoded {

namespace v1 = flashcode::v1;

namespace {
const grpc::Status kShuttingDown(grpc::StatusCode::UNAVAILABLE, "daemon shutting down");
const char kNoModel[] =
    "no model loaded: configure [model] path in config.toml or start flashcoded --model DIR";
}  // namespace

TurnReactor::TurnReactor(agent::Agent* agent, CallGate& gate)
    : agent_(agent),
      gate_(gate),
      relay_(std::make_shared<EventRelay>([this](const agent::Event& e) { OnEvent(e); })) {}

void TurnReactor::Start() {
  stream_id_ = gate_.StreamOpened([this] {  // under the gate's lock: no gate calls here
    {
      std::lock_guard<std::mutex> lock(mu_);
      FinishLocked(kShuttingDown);
    }
    CancelOurTurn();
  });
  std::lock_guard<std::mutex> lock(mu_);
  if (stream_id_ == 0) {
    FinishLocked(kShuttingDown);
    return;
  }
  StartRead(&request_);
}

void TurnReactor::OnReadDone(bool ok) {
  if (!ok) {
    // The client closed its side (or the call ended): the turn must not run on unobserved.
    CancelOurTurn();
    std::lock_guard<std::mutex> lock(mu_);
    if (!start_seen_) {
      FinishLocked(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                "the stream closed before a start message"));
    }
    return;
  }
  v1::TurnRequest request = std::move(request_);
  Handle(request);
  std::lock_guard<std::mutex> lock(mu_);
  if (!final_status_) StartRead(&request_);
}

void TurnReactor::Handle(const v1::TurnRequest& request) {
  if (request.has_start()) {
    BeginTurn(request.start());
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!start_seen_) {
      FinishLocked(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                "the first message of a turn must be `start`"));
      return;
    }
  }
  if (request.has_approval()) {
    // An approval answered elsewhere first (or after a cancel) is not this client's error.
    base::Status s =
        agent_->Approve(request.approval().approval_id(), FromProto(request.approval()));
    if (!s.ok()) base::Logger("agent")->debug("approval ignored: {}", s.ToString());
  } else if (request.has_cancel()) {
    CancelOurTurn();
  }
}

void TurnReactor::BeginTurn(const v1::StartTurn& start) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (start_seen_) {
      FinishLocked(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "`start` may come only once"));
    } else if (agent_ == nullptr) {
      FinishLocked(grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, kNoModel));
    }
    start_seen_ = true;
    if (final_status_) return;
    session_id_ = start.session_id();
  }
  // Outside our lock: the Agent takes its own locks, and events may start at once.
  auto turn =
      agent_->StartTurn(start.session_id(), start.user_message(), EventRelay::SinkFor(relay_));
  bool cancel_now = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!turn.ok()) {
      FinishLocked(ToGrpc(turn.status()));
      return;
    }
    turn_started_ = true;
    // The client left or the daemon began stopping while the turn was being started.
    cancel_now = final_status_.has_value() && !turn_ended_;
  }
  if (cancel_now) agent_->CancelTurn(start.session_id());
}

void TurnReactor::OnEvent(const agent::Event& event) {  // on the turn's worker: never block
  std::lock_guard<std::mutex> lock(mu_);
  if (event.IsTerminal()) turn_ended_ = true;
  if (final_status_) return;
  v1::TurnEvent message;
  ToProto(event, &message);
  pending_.push_back(std::move(message));
  if (event.IsTerminal()) FinishLocked(grpc::Status::OK);
  PumpLocked();
}

void TurnReactor::CancelOurTurn() {
  std::string session_id;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!turn_started_ || turn_ended_) return;
    session_id = session_id_;
  }
  agent_->CancelTurn(session_id);
}

void TurnReactor::OnWriteDone(bool ok) {
  std::lock_guard<std::mutex> lock(mu_);
  writing_ = false;
  if (!ok) FinishLocked(grpc::Status::CANCELLED);  // the client is gone
  PumpLocked();
}

void TurnReactor::OnCancel() {
  CancelOurTurn();
  std::lock_guard<std::mutex> lock(mu_);
  FinishLocked(grpc::Status::CANCELLED);
}

void TurnReactor::FinishLocked(grpc::Status status) {
  if (final_status_) return;
  if (!status.ok()) pending_.clear();
  final_status_ = std::move(status);
  PumpLocked();
}

void TurnReactor::PumpLocked() {
  if (writing_ || finished_) return;
  if (!pending_.empty()) {
    current_ = std::move(pending_.front());
    pending_.pop_front();
    writing_ = true;
    StartWrite(&current_);
  } else if (final_status_) {
    finished_ = true;
    Finish(*final_status_);
  }
}

void TurnReactor::OnDone() {
  if (stream_id_ != 0) gate_.StreamClosed(stream_id_);  // first: the hook cannot run after it
  relay_->Close();  // the worker may hold a sink until the turn ends; it now goes nowhere
  delete this;
}

void ResumeReactor::Start(const std::string& session_id, uint64_t after_seq) {
  relay_ = std::make_shared<EventRelay>([this](const agent::Event& e) { OnEvent(e); });
  stream_id_ = gate_.StreamOpened([this] { FinishAfterQueue(kShuttingDown); });
  if (stream_id_ == 0) {
    FinishAfterQueue(kShuttingDown);
    return;
  }
  replay_thread_ = std::this_thread::get_id();
  if (agent_ == nullptr) {  // no model: nothing can run, the stored events are all there is
    auto events = store_->Get(session_id).ok() ? store_->EventsAfter(session_id, after_seq)
                                               : store_->Get(session_id).status();
    if (!events.ok()) {
      FinishAfterQueue(ToGrpc(events.status()));
      return;
    }
    for (const agent::Event& e : *events) OnEvent(e);
    FinishAfterQueue(grpc::Status::OK);
    return;
  }
  auto follows = agent_->Attach(session_id, after_seq, EventRelay::SinkFor(relay_));
  if (!follows.ok()) {
    FinishAfterQueue(ToGrpc(follows.status()));
  } else if (!*follows) {
    FinishAfterQueue(grpc::Status::OK);
  }
}

void ResumeReactor::OnEvent(const agent::Event& event) {
  v1::TurnEvent message;
  ToProto(event, &message);
  Enqueue(std::move(message));
  // The replay (earlier turns' terminal events included) runs on Start's thread, inside
  // Attach; only the followed turn's own terminal event, from its worker, ends the stream.
  if (event.IsTerminal() && std::this_thread::get_id() != replay_thread_) {
    FinishAfterQueue(grpc::Status::OK);
  }
}

void ResumeReactor::OnCancel() { FinishAfterQueue(grpc::Status::CANCELLED); }

void ResumeReactor::Done() {
  if (stream_id_ != 0) gate_.StreamClosed(stream_id_);
  if (relay_) relay_->Close();
}

}  // namespace flashcoded
