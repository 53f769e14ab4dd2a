// The tool-call half of Loop (loop.h): policy, approval, snapshot, run.
#include <cstdlib>

#include "agent/loop.h"
#include "agent/loop_turn.h"
#include "base/log.h"
#include "tools/git/snapshot.h"

namespace agent {
namespace {

// The shell tool's output starts with "exit code: N"; the wire event carries N.
int32_t ExitCode(const ToolCall& call, const tools::ToolResult& result) {
  constexpr std::string_view kPrefix = "exit code: ";
  if (call.name != "shell" || !result.output.starts_with(kPrefix)) return 0;
  return std::atoi(result.output.c_str() + kPrefix.size());
}

}  // namespace

base::Status Loop::Snapshot(Turn& turn, bool destructive) {
  if (turn.undo_snapshot_taken && !destructive) return base::Status::Ok();
  if (turn.repo == nullptr) {
    FC_ASSIGN_OR_RETURN(turn.repo, tools::Repository::Open(turn.input.session.workspace_root));
  }
  const std::string label = "flashcode session " + turn.input.session.id + " turn " +
                            turn.input.turn_id +
                            (destructive ? " (before a destructive call)" : "");
  FC_ASSIGN_OR_RETURN(tools::SnapshotInfo snapshot, tools::SaveSnapshot(*turn.repo, label));
  if (!turn.undo_snapshot_taken) {
    FC_RETURN_IF_ERROR(
        deps_.store.SetTurnSnapshot(turn.input.session.id, turn.input.turn_id, snapshot.ref));
    turn.undo_snapshot_taken = true;
  }
  base::Logger("agent")->info("session={} turn={} snapshot {}{}", turn.input.session.id,
                              turn.input.turn_id, snapshot.ref,
                              destructive ? " before a destructive call" : "");
  return base::Status::Ok();
}

base::StatusOr<bool> Loop::Approve(Turn& turn, const ToolCall& call, const std::string& reason,
                                   std::string* denial) {
  const std::string approval_id = turn.input.session.id + "-" + call.id;
  FC_RETURN_IF_ERROR(deps_.approvals.Open(approval_id));
  base::Status emitted = Emit(turn, ApprovalRequested{approval_id, call, reason});
  base::CancelToken never;
  base::CancelToken& cancel = turn.input.cancel ? *turn.input.cancel : never;
  if (!emitted.ok()) cancel.Cancel();  // nobody can answer an approval we could not announce
  base::StatusOr<ApprovalAnswer> answer = deps_.approvals.Wait(approval_id, cancel);
  FC_RETURN_IF_ERROR(emitted);
  if (!answer.ok()) return answer.status();
  FC_RETURN_IF_ERROR(deps_.store.RecordApproval(turn.input.session.id, approval_id, call,
                                                answer->decision, answer->reason));
  FC_RETURN_IF_ERROR(Emit(turn, ApprovalResolved{approval_id, answer->decision}));
  if (answer->decision == Decision::kApproveForSession) {
    turn.approved_for_session.insert({call.name, call.arguments_json});
  }
  if (answer->decision == Decision::kDeny) {
    *denial = "the user denied this call" +
              (answer->reason.empty() ? std::string(".") : ": " + answer->reason);
    return false;
  }
  return true;
}

base::StatusOr<Loop::CallOutcome> Loop::RunCall(Turn& turn, const ToolCall& call) {
  const tools::Tool* tool = deps_.tools.Find(call.name);
  if (tool == nullptr) {
    std::string names;
    for (const tools::Tool* t : deps_.tools.List()) {
      names += (names.empty() ? "" : ", ") + std::string(t->name());
    }
    FC_RETURN_IF_ERROR(Emit(turn, ToolCallStarted{call, false}));
    return CallOutcome::Refused("unknown tool '" + call.name + "'; the tools are: " + names);
  }
  const bool mutating = !tool->IsReadOnly();
  const bool destructive = IsDestructive(call.name, call.arguments_json);
  Policy policy(turn.input.session.policy, options_.rules);
  Verdict verdict = policy.Decide(call.name, tool->IsReadOnly(), call.arguments_json);
  if (verdict.action != Action::kDeny &&
      turn.approved_for_session.count({call.name, call.arguments_json}) > 0) {
    verdict = {Action::kAllow, "approved for the session"};
  }
  if (verdict.action == Action::kDeny) {
    FC_RETURN_IF_ERROR(Emit(turn, ToolCallStarted{call, mutating}));
    return CallOutcome::Refused("refused by the approval policy: " + verdict.reason);
  }
  if (verdict.action == Action::kAsk) {
    std::string denial;
    FC_ASSIGN_OR_RETURN(bool approved, Approve(turn, call, verdict.reason, &denial));
    if (!approved) {
      FC_RETURN_IF_ERROR(Emit(turn, ToolCallStarted{call, mutating}));
      return CallOutcome::Refused(denial);
    }
  }
  if (mutating) {
    base::Status snapshot = Snapshot(turn, destructive);
    if (!snapshot.ok()) {
      // Fail closed: a destructive command never runs without its snapshot. An ordinary edit
      // in a workspace that is not a git repository runs without undo.
      if (destructive || snapshot.code() != base::StatusCode::kNotFound) {
        FC_RETURN_IF_ERROR(Emit(turn, ToolCallStarted{call, mutating}));
        return CallOutcome::Refused("refused: the workspace could not be snapshotted first (" +
                                    snapshot.ToString() + "); nothing ran");
      }
      base::Logger("agent")->warn("session={} no undo snapshot: {}", turn.input.session.id,
                                  snapshot.ToString());
    }
  }
  FC_RETURN_IF_ERROR(Emit(turn, ToolCallStarted{call, mutating}));
  tools::ToolContext context{
      turn.input.session.workspace_root, turn.input.cancel, options_.tool_limits, {}};
  // Live output is stored and streamed while the tool runs (between its Started and Finished
  // events); a store failure here ends the turn once the tool returns.
  base::Status streamed = base::Status::Ok();
  context.on_output = [&](std::string_view text) {
    if (streamed.ok()) streamed = Emit(turn, ToolCallOutput{call.id, std::string(text)});
  };
  const auto start = deps_.clock.Now();
  base::StatusOr<tools::ToolResult> run = tool->Run(call.arguments_json, context);
  if (run.ok() && !streamed.ok()) run = streamed;
  const int64_t ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(deps_.clock.Now() - start).count();
  if (run.ok() && turn.input.cancel && turn.input.cancel->IsCancelled()) {
    run = base::Cancelled("turn cancelled while " + call.name + " ran");
  }
  if (!run.ok()) {
    // The call ends for the client too; the turn then ends (cancel or system failure).
    FC_RETURN_IF_ERROR(
        Emit(turn, ToolCallFinished{call.id, true, run.status().ToString(), false, 0, ms}));
    return run.status();
  }
  tools::ToolResult result = std::move(run).value();
  FC_RETURN_IF_ERROR(Emit(turn, ToolCallFinished{call.id, result.is_error, result.output,
                                                 result.truncated, ExitCode(call, result), ms}));
  return CallOutcome{true, std::move(result)};
}

}  // namespace agent
