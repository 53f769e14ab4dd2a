// QueuedWriter: a server-streaming reactor that accepts messages from any thread at any time.
// gRPC allows one outstanding write per stream, so messages wait in a queue until the previous
// write completes; FinishAfterQueue ends the stream once the queue has drained (or at once,
// dropping the queue, for an error). Subclasses add what their stream produces and clean up in
// Done(), called once from OnDone just before the reactor deletes itself. Thread-safe.
#pragma once

#include <grpcpp/grpcpp.h>

#include <deque>
#include <mutex>
#include <optional>

namespace flashcoded {

template <typename T>
class QueuedWriter : public grpc::ServerWriteReactor<T> {
 public:
  // Queues `message`; ignored once the stream is finishing. Returns false then.
  bool Enqueue(T message) {
    std::lock_guard<std::mutex> lock(mu_);
    if (final_status_) return false;
    if (max_queued_ > 0 && pending_.size() >= max_queued_) pending_.pop_front();
    pending_.push_back(std::move(message));
    Pump();
    return true;
  }

  // Ends the stream with `status` after the queued messages (an OK status) or at once (an
  // error: the client would not use a partial result anyway). Later calls do nothing.
  void FinishAfterQueue(grpc::Status status) {
    std::lock_guard<std::mutex> lock(mu_);
    if (final_status_) return;
    if (!status.ok()) pending_.clear();
    final_status_ = std::move(status);
    Pump();
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard<std::mutex> lock(mu_);
    writing_ = false;
    if (!ok) {  // the client went away; nothing more can be written
      pending_.clear();
      if (!final_status_) final_status_ = grpc::Status::CANCELLED;
    }
    Pump();
  }

  void OnDone() override {
    Done();
    delete this;
  }

 protected:
  // At most this many queued messages; older ones are dropped first (0: unbounded).
  explicit QueuedWriter(size_t max_queued = 0) : max_queued_(max_queued) {}
  virtual ~QueuedWriter() = default;
  virtual void Done() {}

 private:
  void Pump() {  // requires mu_
    if (writing_ || finished_) return;
    if (!pending_.empty()) {
      current_ = std::move(pending_.front());
      pending_.pop_front();
      writing_ = true;
      this->StartWrite(&current_);
    } else if (final_status_) {
      finished_ = true;
      this->Finish(*final_status_);
    }
  }

  const size_t max_queued_;
  std::mutex mu_;
  std::deque<T> pending_;
  T current_;
  bool writing_ = false;
  bool finished_ = false;
  std::optional<grpc::Status> final_status_;
};

}  // namespace flashcoded
