// ReviewService: the Review RPC of flashcode.v1. The request is validated on the gRPC thread;
// the work (opening the repository, diffing, one model call per hunk through
// agent::RunReview) runs on a worker thread of its own, so no gRPC or engine thread ever
// blocks. Progress and findings stream as they come, then exactly one `done` (or `error` for
// a failure mid-review). Request errors end the call with a status: INVALID_ARGUMENT (unknown
// revision, unparsable diff, no source or two), NOT_FOUND (the workspace is not a git
// repository), FAILED_PRECONDITION (no model loaded). A client that cancels or disconnects
// cancels the review's generations; daemon shutdown ends it with UNAVAILABLE, and the service's
// destructor waits for its workers, so it must be destroyed before the model. Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>

#include "base/cancel_token.h"
#include "base/thread_annotations.h"
#include "flashcode/v1/review.grpc.pb.h"

namespace flashcoded {

class CallGate;
class Metrics;
class ModelHost;
class WorkspaceIndexes;

// Checks a ReviewRequest against the limits documented in review.proto. Returns an
// INVALID_ARGUMENT description, or an empty string when valid.
std::string ValidateReviewRequest(const flashcode::v1::ReviewRequest& request);

class ReviewService final : public flashcode::v1::Review::CallbackService {
 public:
  // Borrows everything; all must outlive the service. `model` may be null (none loaded);
  // `indexes` may be null (reviews without repository context).
  ReviewService(ModelHost* model, WorkspaceIndexes* indexes, CallGate& gate, Metrics& metrics)
      : model_(model), indexes_(indexes), gate_(gate), metrics_(metrics) {}
  // Cancels running reviews and waits for their workers.
  ~ReviewService() override;
  ReviewService(const ReviewService&) = delete;
  ReviewService& operator=(const ReviewService&) = delete;

  grpc::ServerWriteReactor<flashcode::v1::ReviewEvent>* Review(
      grpc::CallbackServerContext* ctx, const flashcode::v1::ReviewRequest* request) override;

 private:
  // Worker bookkeeping: each running review's cancel token, for the destructor.
  void WorkerStarted(const std::shared_ptr<base::CancelToken>& cancel);
  void WorkerEnded(const std::shared_ptr<base::CancelToken>& cancel);

  ModelHost* model_;
  WorkspaceIndexes* indexes_;
  CallGate& gate_;
  Metrics& metrics_;
  std::atomic<uint64_t> next_review_id_{1};
  std::mutex mu_;
  std::condition_variable workers_done_;
  std::set<std::shared_ptr<base::CancelToken>> running_ GUARDED_BY(mu_);
};

}  // namespace flashcoded
