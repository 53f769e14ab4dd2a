// ApprovalBroker: hands a client's approval decisions to the turn worker waiting for them.
//
// A turn that needs approval calls Open (before it emits ApprovalRequested, so an instant
// answer cannot be lost) and then Wait, which blocks only that turn's worker until Resolve is
// called with the same id or the turn's cancel token fires. The daemon calls Resolve from any
// thread (the Turn stream's reactor, or the Approve RPC). One per Agent, shared by all
// sessions; approval ids are unique across sessions. Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "agent/event.h"
#include "base/cancel_token.h"
#include "base/status.h"
#include "base/thread_annotations.h"

namespace agent {

struct ApprovalAnswer {
  Decision decision = Decision::kDeny;
  std::string reason;  // shown to the model when denied
  bool operator==(const ApprovalAnswer&) const = default;
};

class ApprovalBroker {
 public:
  ApprovalBroker() = default;
  ApprovalBroker(const ApprovalBroker&) = delete;
  ApprovalBroker& operator=(const ApprovalBroker&) = delete;

  // Registers a pending approval. AlreadyExists if the id is pending.
  base::Status Open(const std::string& approval_id);
  // Blocks until the approval is resolved (returns the answer) or `cancel` fires (Cancelled).
  // The approval is closed either way. NotFound if it was never opened.
  base::StatusOr<ApprovalAnswer> Wait(const std::string& approval_id, base::CancelToken& cancel);
  // Delivers a decision. NotFound when the id is unknown or already answered.
  base::Status Resolve(const std::string& approval_id, ApprovalAnswer answer);
  // Ids of approvals waiting for an answer (for a client that reattaches).
  bool IsPending(const std::string& approval_id) const;

 private:
  struct Pending;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Pending>> pending_ GUARDED_BY(mu_);
};

}  // namespace agent
