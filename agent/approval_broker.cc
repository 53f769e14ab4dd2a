#include "agent/approval_broker.h"

#include <condition_variable>
#include <optional>

namespace agent {

// Shared with the cancel token's callback, which may run after Wait has returned (the token
// outlives the wait), hence the shared_ptr.
struct ApprovalBroker::Pending {
  std::mutex mu;
  std::condition_variable cv;
  std::optional<ApprovalAnswer> answer;
  bool cancelled = false;
};

base::Status ApprovalBroker::Open(const std::string& approval_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, inserted] = pending_.emplace(approval_id, std::make_shared<Pending>());
  if (!inserted) return base::AlreadyExists("approval " + approval_id + " is already pending");
  return base::Status::Ok();
}

base::StatusOr<ApprovalAnswer> ApprovalBroker::Wait(const std::string& approval_id,
                                                    base::CancelToken& cancel) {
  std::shared_ptr<Pending> pending;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = pending_.find(approval_id);
    if (it == pending_.end()) return base::NotFound("unknown approval " + approval_id);
    pending = it->second;
  }
  cancel.OnCancel([pending] {
    std::lock_guard<std::mutex> lock(pending->mu);
    pending->cancelled = true;
    pending->cv.notify_all();
  });
  std::optional<ApprovalAnswer> answer;
  {
    std::unique_lock<std::mutex> lock(pending->mu);
    pending->cv.wait(lock, [&] { return pending->answer.has_value() || pending->cancelled; });
    answer = pending->answer;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    pending_.erase(approval_id);
  }
  if (!answer) return base::Cancelled("turn cancelled while waiting for approval " + approval_id);
  return *answer;
}

base::Status ApprovalBroker::Resolve(const std::string& approval_id, ApprovalAnswer answer) {
  std::shared_ptr<Pending> pending;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = pending_.find(approval_id);
    if (it == pending_.end()) return base::NotFound("no pending approval " + approval_id);
    pending = it->second;
  }
  std::lock_guard<std::mutex> lock(pending->mu);
  if (pending->answer || pending->cancelled) {
    return base::NotFound("approval " + approval_id + " was already answered");
  }
  pending->answer = std::move(answer);
  pending->cv.notify_all();
  return base::Status::Ok();
}

bool ApprovalBroker::IsPending(const std::string& approval_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  return pending_.count(approval_id) > 0;
}

}  // namespace agent
