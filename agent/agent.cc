#include "agent/agent.h"

#include <filesystem>
#include <future>
#include <system_error>

#include "base/log.h"
#include "tools/git/repository.h"
#include "tools/git/snapshot.h"

namespace agent {

// One running turn: its cancel token and the sinks that follow it. Shared by the Agent's map
// and the worker (which outlives its map entry briefly while it finishes).
struct Agent::RunningTurn {
  std::shared_ptr<base::CancelToken> cancel = std::make_shared<base::CancelToken>();
  std::thread thread;
  std::mutex fanout_mu;  // serialises delivery with Attach, so no event is lost or doubled
  struct Follower {
    EventSink sink;
    uint64_t delivered_seq = 0;  // events up to here were replayed already
  };
  std::vector<Follower> followers GUARDED_BY(fanout_mu);
  bool ended GUARDED_BY(fanout_mu) = false;
  // A compaction holds the session like a turn but streams no turn events (and sends no
  // terminal one), so nobody may follow it: Attach only replays.
  bool is_compaction = false;
};

Agent::Agent(inference::Engine& engine, const inference::Tokenizer& tokenizer,
             const tools::ToolRegistry& tools, const base::Clock& clock,
             std::unique_ptr<SessionStore> store, AgentOptions options)
    : clock_(clock),
      store_(std::move(store)),
      options_(std::move(options)),
      loop_(LoopDeps{engine, tokenizer, tools, *store_, approvals_, clock}, options_.loop) {
  auto unfinished = store_->UnfinishedTurns();
  if (!unfinished.ok()) {
    base::Logger("agent")->error("cannot look for unfinished turns: {}",
                                 unfinished.status().ToString());
    return;
  }
  for (const auto& [session_id, turn_id] : *unfinished) {
    Event event;
    event.session_id = session_id;
    event.turn_id = turn_id;
    event.payload = StreamError{static_cast<int32_t>(base::StatusCode::kAborted),
                                "the daemon stopped while this turn ran"};
    auto stored = store_->AppendEvent(std::move(event));
    base::Logger("agent")->warn("session={} turn={} was interrupted by a daemon stop{}", session_id,
                                turn_id, stored.ok() ? "" : " (not recorded)");
  }
}

Agent::~Agent() {
  std::vector<std::shared_ptr<RunningTurn>> running;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [id, turn] : running_) running.push_back(turn);
  }
  for (auto& turn : running) turn->cancel->Cancel();
  std::unique_lock<std::mutex> lock(mu_);
  turn_ended_.wait(lock, [&] { return running_.empty() && live_workers_ == 0; });
  for (std::thread& t : finished_) t.join();
}

bool Agent::IsRunning(const std::string& session_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  return running_.count(session_id) > 0;
}

base::StatusOr<SessionInfo> Agent::CreateSession(const NewSession& request) {
  std::error_code ec;
  std::filesystem::path root(request.workspace_root);
  if (!root.is_absolute() || !std::filesystem::is_directory(root, ec)) {
    return base::InvalidArgument("workspace '" + request.workspace_root +
                                 "' is not an absolute path to a directory");
  }
  SessionInfo info;
  info.workspace_root = std::filesystem::canonical(root, ec).string();
  if (ec) return base::InvalidArgument("workspace: " + ec.message());
  info.model = request.model;
  info.policy = request.policy.value_or(options_.default_policy);
  info.reasoning = request.reasoning;
  info.title = request.title;
  const SessionLimits& d = options_.default_limits;
  info.limits = {
      request.limits.max_model_calls ? request.limits.max_model_calls : d.max_model_calls,
      request.limits.max_output_tokens ? request.limits.max_output_tokens : d.max_output_tokens,
      request.limits.max_wall_ms ? request.limits.max_wall_ms : d.max_wall_ms};
  return store_->Create(std::move(info));
}

base::StatusOr<std::vector<SessionInfo>> Agent::ListSessions(const std::string& workspace_root,
                                                             size_t limit, size_t offset) {
  FC_ASSIGN_OR_RETURN(std::vector<SessionInfo> sessions,
                      store_->List(workspace_root, limit, offset));
  std::lock_guard<std::mutex> lock(mu_);
  for (SessionInfo& s : sessions) s.turn_running = running_.count(s.id) > 0;
  return sessions;
}

base::StatusOr<SessionInfo> Agent::GetSession(const std::string& session_id) {
  FC_ASSIGN_OR_RETURN(SessionInfo info, store_->Get(session_id));
  info.turn_running = IsRunning(session_id);
  return info;
}

base::StatusOr<std::vector<Message>> Agent::Messages(const std::string& session_id,
                                                     bool include_compacted) {
  FC_RETURN_IF_ERROR(store_->Get(session_id).status());
  return store_->Messages(session_id, include_compacted);
}

base::StatusOr<SessionInfo> Agent::UpdateSession(const SessionUpdate& update) {
  FC_ASSIGN_OR_RETURN(SessionInfo info, store_->Get(update.session_id));
  if (!update.model.empty()) info.model = update.model;
  if (update.policy) info.policy = *update.policy;
  if (update.reasoning) info.reasoning = *update.reasoning;
  if (!update.title.empty()) info.title = update.title;
  FC_RETURN_IF_ERROR(store_->Update(info));
  return GetSession(update.session_id);
}

base::Status Agent::DeleteSession(const std::string& session_id) {
  CancelTurn(session_id);
  WaitForTurn(session_id);
  return store_->Delete(session_id);
}

base::StatusOr<std::string> Agent::StartTurn(const std::string& session_id,
                                             const std::string& user_message, EventSink sink) {
  if (user_message.empty()) return base::InvalidArgument("empty user message");
  if (user_message.size() > (1u << 20)) return base::InvalidArgument("user message over 1 MiB");
  auto running = std::make_shared<RunningTurn>();
  TurnInput input;
  {
    std::lock_guard<std::mutex> lock(mu_);
    // Join workers that have ended, so threads do not pile up.
    for (std::thread& t : finished_) t.join();
    finished_.clear();
    if (running_.count(session_id) > 0) {
      return base::FailedPrecondition("a turn is already running in session " + session_id);
    }
    FC_ASSIGN_OR_RETURN(input.session, store_->Get(session_id));
    if (input.session.title.empty()) {
      input.session.title = user_message.substr(0, user_message.find('\n')).substr(0, 80);
      FC_RETURN_IF_ERROR(store_->Update(input.session));
    }
    FC_ASSIGN_OR_RETURN(input.turn_id, store_->BeginTurn(session_id));
    running_[session_id] = running;
  }
  {
    std::lock_guard<std::mutex> lock(running->fanout_mu);
    running->followers.push_back({std::move(sink), 0});
  }
  input.user_message = user_message;
  input.cancel = running->cancel;
  input.sink = [this, running, session_id](const Event& event) {
    // Free the session before anyone hears the turn ended, so a client that reacts to the
    // terminal event (GetSession, the next StartTurn) already finds it idle.
    if (event.IsTerminal()) ReleaseSession(session_id, running);
    std::lock_guard<std::mutex> lock(running->fanout_mu);
    for (auto& f : running->followers) {
      if (event.seq != 0 && event.seq <= f.delivered_seq) continue;
      f.sink(event);
    }
    if (event.IsTerminal()) running->ended = true;
  };
  const std::string turn_id = input.turn_id;
  std::lock_guard<std::mutex> lock(mu_);
  ++live_workers_;
  running->thread = std::thread(&Agent::Worker, this, running, std::move(input));
  return turn_id;
}

void Agent::ReleaseSession(const std::string& session_id,
                           const std::shared_ptr<RunningTurn>& running) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = running_.find(session_id);
  if (it != running_.end() && it->second == running) running_.erase(it);
  turn_ended_.notify_all();
}

void Agent::Worker(std::shared_ptr<RunningTurn> running, TurnInput input) {
  loop_.RunTurn(input);
  ReleaseSession(input.session.id, running);  // in case the turn ended without a terminal event
  std::lock_guard<std::mutex> lock(mu_);
  finished_.push_back(std::move(running->thread));
  --live_workers_;
  turn_ended_.notify_all();
}

base::Status Agent::Approve(const std::string& approval_id, ApprovalAnswer answer) {
  return approvals_.Resolve(approval_id, std::move(answer));
}

bool Agent::CancelTurn(const std::string& session_id) {
  std::shared_ptr<RunningTurn> running;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = running_.find(session_id);
    if (it == running_.end()) return false;
    running = it->second;
  }
  running->cancel->Cancel();
  return true;
}

void Agent::WaitForTurn(const std::string& session_id) {
  std::unique_lock<std::mutex> lock(mu_);
  turn_ended_.wait(lock, [&] { return running_.count(session_id) == 0; });
}

base::StatusOr<bool> Agent::Attach(const std::string& session_id, uint64_t after_seq,
                                   EventSink sink) {
  FC_RETURN_IF_ERROR(store_->Get(session_id).status());
  std::shared_ptr<RunningTurn> running;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = running_.find(session_id);
    if (it != running_.end()) running = it->second;
  }
  if (running == nullptr || running->is_compaction) {
    FC_ASSIGN_OR_RETURN(std::vector<Event> events, store_->EventsAfter(session_id, after_seq));
    for (const Event& e : events) sink(e);
    return false;
  }
  // Holding the fan-out lock: events stored from now on wait for us, and those stored but not
  // yet fanned out are in the replay, so the follower skips them by seq.
  std::lock_guard<std::mutex> lock(running->fanout_mu);
  FC_ASSIGN_OR_RETURN(std::vector<Event> events, store_->EventsAfter(session_id, after_seq));
  uint64_t last = after_seq;
  for (const Event& e : events) {
    sink(e);
    last = e.seq;
  }
  if (running->ended) return false;
  running->followers.push_back({std::move(sink), last});
  return true;
}

base::StatusOr<UndoResult> Agent::Undo(const std::string& session_id) {
  if (IsRunning(session_id)) {
    return base::FailedPrecondition("a turn is running in session " + session_id);
  }
  FC_ASSIGN_OR_RETURN(SessionInfo info, store_->Get(session_id));
  FC_ASSIGN_OR_RETURN(std::optional<TurnSnapshot> snapshot, store_->LastSnapshot(session_id));
  if (!snapshot) return base::FailedPrecondition("nothing to undo in session " + session_id);
  FC_ASSIGN_OR_RETURN(auto repo, tools::Repository::Open(info.workspace_root));
  FC_ASSIGN_OR_RETURN(tools::RestoreReport report,
                      tools::RestoreSnapshot(*repo, snapshot->snapshot_ref));
  FC_RETURN_IF_ERROR(store_->MarkUndone(session_id, snapshot->turn_id));
  UndoResult result;
  result.restored_snapshot_ref = snapshot->snapshot_ref;
  result.changed_paths = report.written;
  result.changed_paths.insert(result.changed_paths.end(), report.removed.begin(),
                              report.removed.end());
  base::Logger("agent")->info("session={} undo of turn {}: {} paths", session_id, snapshot->turn_id,
                              result.changed_paths.size());
  return result;
}

base::Status Agent::StartCompact(const std::string& session_id,
                                 std::shared_ptr<base::CancelToken> cancel, CompactDone done) {
  // Claim the session like a turn, so that no turn starts while the summary is written.
  auto running = std::make_shared<RunningTurn>();
  running->is_compaction = true;
  if (cancel != nullptr) running->cancel = std::move(cancel);
  SessionInfo info;
  std::lock_guard<std::mutex> lock(mu_);
  for (std::thread& t : finished_) t.join();
  finished_.clear();
  if (running_.count(session_id) > 0) {
    return base::FailedPrecondition("a turn is running in session " + session_id);
  }
  FC_ASSIGN_OR_RETURN(info, store_->Get(session_id));
  running_[session_id] = running;
  ++live_workers_;
  running->thread = std::thread([this, running, info = std::move(info), done = std::move(done)] {
    base::StatusOr<CompactResult> result = loop_.Compact(info, "", running->cancel);
    ReleaseSession(info.id, running);
    done(std::move(result));
    std::lock_guard<std::mutex> lock(mu_);
    finished_.push_back(std::move(running->thread));
    --live_workers_;
    turn_ended_.notify_all();
  });
  return base::Status::Ok();
}

base::StatusOr<CompactResult> Agent::Compact(const std::string& session_id) {
  std::promise<base::StatusOr<CompactResult>> promise;
  std::future<base::StatusOr<CompactResult>> result = promise.get_future();
  FC_RETURN_IF_ERROR(
      StartCompact(session_id, nullptr, [&promise](auto r) { promise.set_value(std::move(r)); }));
  return result.get();
}

}  // namespace agent
