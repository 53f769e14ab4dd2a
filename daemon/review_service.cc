#include "daemon/review_service.h"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "agent/review.h"
#include "agent/review_context.h"
#include "base/log.h"
#include "base/utf8.h"
#include "daemon/metrics.h"
#include "daemon/model_host.h"
#include "daemon/queued_writer.h"
#include "daemon/rpc_util.h"
#include "daemon/workspace_indexes.h"
#include "tools/git/diff_hunks.h"
#include "tools/git/history.h"

namespace flashcoded {
namespace {

namespace v1 = flashcode::v1;

constexpr size_t kMaxDiffBytes = 8u << 20;

// The worker's way to the reactor: forwards until the reactor is done, then drops. The reactor
// closes it in Done(), which waits for a forward in progress, so the worker never touches a
// deleted reactor. Shared by the worker and the reactor.
class ReviewChannel {
 public:
  explicit ReviewChannel(QueuedWriter<v1::ReviewEvent>* target) : target_(target) {}
  void Send(v1::ReviewEvent event) {
    std::lock_guard<std::mutex> lock(mu_);
    if (target_ != nullptr) target_->Enqueue(std::move(event));
  }
  void Finish(grpc::Status status) {
    std::lock_guard<std::mutex> lock(mu_);
    if (target_ != nullptr) target_->FinishAfterQueue(std::move(status));
  }
  void Close() {
    std::lock_guard<std::mutex> lock(mu_);
    target_ = nullptr;
  }
  // Set by daemon shutdown: the review then ends with UNAVAILABLE rather than CANCELLED.
  std::atomic<bool> shutting_down{false};

 private:
  std::mutex mu_;
  QueuedWriter<v1::ReviewEvent>* target_ GUARDED_BY(mu_);
};

class ReviewReactor final : public QueuedWriter<v1::ReviewEvent> {
 public:
  ReviewReactor(CallGate& gate, std::shared_ptr<base::CancelToken> cancel)
      : gate_(gate), cancel_(std::move(cancel)), channel_(std::make_shared<ReviewChannel>(this)) {}

  // Registers with the gate; false (and the stream finished) when the daemon is shutting down.
  bool Open() {
    stream_id_ = gate_.StreamOpened([this] {
      channel_->shutting_down = true;
      cancel_->Cancel();
    });
    if (stream_id_ == 0) {
      FinishAfterQueue(grpc::Status(grpc::StatusCode::UNAVAILABLE, "daemon shutting down"));
      return false;
    }
    return true;
  }

  std::shared_ptr<ReviewChannel> channel() const { return channel_; }

  void OnCancel() override { cancel_->Cancel(); }

 private:
  void Done() override {
    channel_->Close();
    cancel_->Cancel();  // the client left: stop generating
    if (stream_id_ != 0) gate_.StreamClosed(stream_id_);
  }

  CallGate& gate_;
  std::shared_ptr<base::CancelToken> cancel_;
  std::shared_ptr<ReviewChannel> channel_;
  uint64_t stream_id_ = 0;
};

v1::Severity ToProto(agent::Severity s) {
  switch (s) {
    case agent::Severity::kInfo:
      return v1::SEVERITY_INFO;
    case agent::Severity::kWarning:
      return v1::SEVERITY_WARNING;
    case agent::Severity::kError:
      return v1::SEVERITY_ERROR;
  }
  return v1::SEVERITY_UNSPECIFIED;
}

struct DiffSource {
  std::vector<tools::FileHunks> files;
  std::unique_ptr<tools::Repository> repo;  // null for a diff text outside a repository
  std::string head_side;               // where new-side files are read: a revision or "workdir"
  std::vector<std::string> too_large;  // files left out by tools::HunkLimits
};

// The hunks the request names. Errors: NotFound (no repository), InvalidArgument (revisions,
// diff text).
base::StatusOr<DiffSource> LoadDiff(const v1::ReviewRequest& r) {
  DiffSource source;
  if (!r.diff().empty()) {
    FC_ASSIGN_OR_RETURN(source.files, tools::HunksOfDiffText(r.diff()));
    if (!r.workspace_root().empty()) {
      auto repo = tools::Repository::Open(r.workspace_root());
      if (repo.ok()) source.repo = std::move(repo).value();
    }
    source.head_side = "workdir";
    return source;
  }
  auto repo = tools::Repository::Open(r.workspace_root());
  if (!repo.ok()) {
    if (repo.status().code() == base::StatusCode::kNotFound) {
      return base::NotFound(r.workspace_root() + " is not inside a git repository");
    }
    return repo.status();
  }
  source.repo = std::move(repo).value();
  const std::string head = r.head_rev().empty() ? "workdir" : r.head_rev();
  std::string base = r.base_rev();
  auto resolves = [&](const std::string& rev) -> base::Status {
    if (auto c = source.repo->LookupCommit(rev); !c.ok()) {
      return base::InvalidArgument("unknown revision '" + rev + "': " + c.status().message());
    }
    return base::Status::Ok();
  };
  if (head != "workdir") FC_RETURN_IF_ERROR(resolves(head));
  if (base.empty()) {
    auto merge_base = tools::MergeBase(*source.repo, head, "origin/HEAD");
    if (!merge_base.ok()) {
      return base::InvalidArgument("no base revision given and no merge-base of '" + head +
                                   "' with origin/HEAD: " + merge_base.status().message());
    }
    base = *merge_base;
  }
  FC_RETURN_IF_ERROR(resolves(base));
  FC_ASSIGN_OR_RETURN(source.files, tools::DiffHunks(*source.repo, {.from = base, .to = head}, {},
                                                     &source.too_large));
  source.head_side = head;
  return source;
}

// Each hunk's repository context from the code index of the repository at `root`. A
// repository reviewed for the first time is indexed in the background, waiting at most
// kIndexBudget: hunks reviewed before the build ends go without context, later ones get it.
constexpr std::chrono::milliseconds kIndexBudget{3000};

std::function<std::string(const std::string&, const tools::Hunk&)> RepoContextFrom(
    WorkspaceIndexes& indexes, const std::string& root, const std::string& label) {
  auto first = indexes.GetForPrompt(root, kIndexBudget);
  if (!first.ok()) {
    base::Logger("daemon")->info("{} reviews without repository context for now: {}", label,
                                 first.status().ToString());
  }
  tools::RepoIndex* ready = first.ok() ? *first : nullptr;
  return [&indexes, root, ready](const std::string& path, const tools::Hunk& hunk) mutable {
    if (ready == nullptr) {
      auto index = indexes.Get(root, /*create=*/false);  // Unavailable while still building
      if (!index.ok()) return std::string();
      ready = *index;
    }
    return agent::DefinitionsUsedBy(*ready, path, hunk);
  };
}

// The whole review on the worker thread. Returns the call's final status.
grpc::Status RunReviewJob(ModelHost& model, WorkspaceIndexes* indexes,
                          const v1::ReviewRequest& request, ReviewChannel& channel,
                          std::shared_ptr<base::CancelToken> cancel, const std::string& label) {
  const auto started = std::chrono::steady_clock::now();
  auto source = LoadDiff(request);
  if (!source.ok()) return ToGrpc(source.status());
  agent::ReviewOptions options;
  if (request.min_severity() != v1::SEVERITY_UNSPECIFIED) {
    options.min_severity = static_cast<agent::Severity>(request.min_severity());
  }
  options.min_confidence = request.min_confidence();
  if (request.max_findings() > 0) options.max_findings = request.max_findings();
  if (request.max_findings_per_file() > 0) {
    options.max_findings_per_file = request.max_findings_per_file();
  }
  if (request.max_hunks() > 0) options.max_hunks = request.max_hunks();
  if (request.max_tokens_per_hunk() > 0) {
    options.max_tokens_per_hunk = static_cast<int32_t>(request.max_tokens_per_hunk());
  }
  options.paths.assign(request.paths().begin(), request.paths().end());
  options.instructions = request.instructions();
  options.cancel = cancel;
  options.log_label = label;
  tools::Repository* repo = source->repo.get();
  if (indexes != nullptr && repo != nullptr) {
    options.repo_context = RepoContextFrom(*indexes, repo->workdir(), label);
  }
  const std::string side = source->head_side;
  agent::NewFileReader reader = [repo, side](const std::string& path) {
    if (repo == nullptr) return base::StatusOr<std::string>(base::NotFound("no repository"));
    return tools::ReadFileAt(*repo, side, path);
  };
  agent::ReviewCallbacks callbacks;
  size_t hunks_started = 0;  // for the log line of a cancelled review
  callbacks.on_progress = [&channel, &hunks_started](const agent::ReviewProgress& p) {
    hunks_started = p.hunks_done;
    v1::ReviewEvent e;
    e.mutable_progress()->set_hunks_done(static_cast<uint32_t>(p.hunks_done));
    e.mutable_progress()->set_hunks_total(static_cast<uint32_t>(p.hunks_total));
    e.mutable_progress()->set_file_path(base::ValidUtf8(p.file_path));
    channel.Send(std::move(e));
  };
  callbacks.on_finding = [&channel](const agent::ReviewFinding& f) {
    v1::ReviewEvent e;
    v1::Finding* out = e.mutable_finding();
    out->set_file_path(base::ValidUtf8(f.file_path));  // git paths may be any bytes
    out->set_start_line(static_cast<uint32_t>(f.start_line));
    out->set_end_line(static_cast<uint32_t>(f.end_line));
    out->set_severity(ToProto(f.severity));
    out->set_rule(base::ValidUtf8(f.rule));
    out->set_message(base::ValidUtf8(f.message));
    out->set_suggestion(base::ValidUtf8(f.suggestion));
    out->set_confidence(f.confidence);
    channel.Send(std::move(e));
  };
  auto summary = agent::RunReview(model.engine(), model.tokenizer(), source->files, reader, options,
                                  callbacks);
  if (!summary.ok()) {
    if (summary.status().code() == base::StatusCode::kCancelled) {
      base::Logger("daemon")->info("{} cancelled at hunk {}; its worker ends", label,
                                   hunks_started + 1);
      return grpc::Status(grpc::StatusCode::CANCELLED, "review cancelled");
    }
    v1::ReviewEvent e;  // a failure mid-review: the findings so far stand, the error says why
    e.mutable_error()->set_code(static_cast<int32_t>(summary.status().code()));
    e.mutable_error()->set_message(base::ValidUtf8(summary.status().message()));
    channel.Send(std::move(e));
    return grpc::Status::OK;
  }
  std::string summary_text = summary->text;
  if (!source->too_large.empty()) {  // said, so a clean verdict does not hide them
    summary_text += " " + std::to_string(source->too_large.size()) +
                    " files were too large to review (over 1 MiB or 20000 changed lines):";
    for (size_t i = 0; i < source->too_large.size() && i < 10; ++i) {
      summary_text += (i == 0 ? " " : ", ") + source->too_large[i];
    }
    summary_text += source->too_large.size() > 10 ? ", ..." : ".";
    base::Logger("daemon")->info("{} left out {} files over the size limits", label,
                                 source->too_large.size());
  }
  v1::ReviewEvent e;
  v1::ReviewDone* done = e.mutable_done();
  done->set_summary(base::ValidUtf8(summary_text));
  done->set_files_reviewed(static_cast<uint32_t>(summary->files_reviewed));
  done->set_hunks_reviewed(static_cast<uint32_t>(summary->hunks_reviewed));
  done->set_findings(static_cast<uint32_t>(summary->findings));
  done->set_hunks_skipped(static_cast<uint32_t>(summary->hunks_skipped));
  done->set_malformed_lines(static_cast<uint32_t>(summary->malformed_lines));
  done->set_dropped_findings(static_cast<uint32_t>(summary->dropped_findings));
  done->mutable_usage()->set_prompt_tokens(summary->usage.prompt_tokens);
  done->mutable_usage()->set_completion_tokens(summary->usage.completion_tokens);
  done->mutable_timings()->set_total_ms(std::chrono::duration_cast<std::chrono::milliseconds>(
                                            std::chrono::steady_clock::now() - started)
                                            .count());
  channel.Send(std::move(e));
  return grpc::Status::OK;
}

}  // namespace

std::string ValidateReviewRequest(const v1::ReviewRequest& r) {
  const bool has_revs = !r.base_rev().empty() || !r.head_rev().empty();
  if (!r.diff().empty() && has_revs) return "give either revisions or a diff, not both";
  if (r.diff().empty() && !has_revs) return "give base_rev/head_rev or a diff";
  if (r.diff().size() > kMaxDiffBytes) return "diff is larger than 8 MiB";
  if (has_revs && r.workspace_root().empty()) return "workspace_root is required with revisions";
  if (!r.workspace_root().empty() && !std::filesystem::path(r.workspace_root()).is_absolute()) {
    return "workspace_root must be an absolute path";
  }
  if (r.max_tokens_per_hunk() > 4096) return "max_tokens_per_hunk must be at most 4096";
  if (!(r.min_confidence() >= 0 && r.min_confidence() <= 1)) {
    return "min_confidence must be within 0..1";
  }
  if (!v1::Severity_IsValid(r.min_severity())) return "unknown min_severity";
  if (r.instructions().size() > 16 * 1024) return "instructions are larger than 16 KiB";
  if (r.paths_size() > 256) return "at most 256 paths";
  return "";
}

ReviewService::~ReviewService() {
  std::unique_lock<std::mutex> lock(mu_);
  for (const auto& cancel : running_) cancel->Cancel();
  workers_done_.wait(lock, [this] { return running_.empty(); });
}

void ReviewService::WorkerStarted(const std::shared_ptr<base::CancelToken>& cancel) {
  std::lock_guard<std::mutex> lock(mu_);
  running_.insert(cancel);
}

void ReviewService::WorkerEnded(const std::shared_ptr<base::CancelToken>& cancel) {
  std::lock_guard<std::mutex> lock(mu_);
  running_.erase(cancel);
  workers_done_.notify_all();  // under the lock: the destructor cannot finish before we leave
}

grpc::ServerWriteReactor<v1::ReviewEvent>* ReviewService::Review(grpc::CallbackServerContext* ctx,
                                                                 const v1::ReviewRequest* request) {
  if (auto s = AdmitCall(gate_, ctx); !s.ok()) return RefuseStream<v1::ReviewEvent>(ToGrpc(s));
  metrics_.Add("flashcode_rpc_total", "RPCs received, by method", "method", "Review.Review");
  if (std::string problem = ValidateReviewRequest(*request); !problem.empty()) {
    return RefuseStream<v1::ReviewEvent>(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, problem));
  }
  if (model_ == nullptr) {
    return RefuseStream<v1::ReviewEvent>(grpc::Status(
        grpc::StatusCode::FAILED_PRECONDITION,
        "no model loaded: configure [model] path in config.toml or start flashcoded --model DIR"));
  }
  auto cancel = std::make_shared<base::CancelToken>();
  auto* reactor = new ReviewReactor(gate_, cancel);
  if (!reactor->Open()) return reactor;
  const std::string label = "review=" + std::to_string(next_review_id_++);
  WorkerStarted(cancel);
  std::thread([this, model = model_, request = *request, channel = reactor->channel(), cancel,
               label] {
    grpc::Status status = RunReviewJob(*model, indexes_, request, *channel, cancel, label);
    if (channel->shutting_down) {
      status = grpc::Status(grpc::StatusCode::UNAVAILABLE, "daemon shutting down");
    }
    channel->Finish(std::move(status));
    WorkerEnded(cancel);
  }).detach();
  return reactor;
}

}  // namespace flashcoded
