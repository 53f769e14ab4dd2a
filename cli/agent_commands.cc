#include "cli/agent_commands.h"

#include <google/protobuf/util/json_util.h>

#include <ctime>
#include <filesystem>
#include <optional>

#include "cli/exit_codes.h"
#include "cli/turn_stream.h"
#include "flashcode/v1/agent.grpc.pb.h"

namespace cli {
namespace {

namespace v1 = flashcode::v1;

std::string ToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(message, &json, options).ok()) return "{}";
  return json;
}

const char* PolicyName(v1::ApprovalPolicy policy) {
  switch (policy) {
    case v1::APPROVAL_POLICY_READ_ONLY:
      return "read-only";
    case v1::APPROVAL_POLICY_ASK:
      return "ask";
    case v1::APPROVAL_POLICY_AUTO_EDIT:
      return "auto-edit";
    case v1::APPROVAL_POLICY_FULL_AUTO:
      return "full-auto";
    default:
      return "default";
  }
}

std::string UtcTime(int64_t unix_ms) {
  std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Connects (starting the daemon if allowed); prints the failure and returns its exit code.
int ConnectOrExplain(DaemonConnection& conn, std::ostream& err) {
  v1::StatusResponse status;
  ConnectError e;
  if (conn.Connect(status, e)) return kExitOk;
  err << "flashcode: " << e.message << "\n";
  return e.exit_code;
}

int Fail(const DaemonConnection& conn, const grpc::Status& status, std::ostream& err) {
  ConnectError fail = conn.Explain(status);
  err << "flashcode: " << fail.message << "\n";
  return fail.exit_code;
}

int ExitCodeFor(const v1::TurnEvent& terminal) {
  if (terminal.has_error()) return kExitError;
  switch (terminal.done().finish_reason()) {
    case v1::FINISH_REASON_STOP:
      return kExitOk;
    case v1::FINISH_REASON_CANCELLED:
      return kExitCancelled;
    case v1::FINISH_REASON_LENGTH:
    case v1::FINISH_REASON_LIMIT:
      return kExitLimit;
    default:
      return kExitError;
  }
}

}  // namespace

int RunExec(const ConnectionOptions& connection, const ExecOptions& options, std::ostream& out,
            std::ostream& err) {
  v1::CreateSessionRequest create;
  v1::ApprovalPolicy policy;
  if (!ParsePolicy(options.policy, policy)) {
    err << "flashcode: --policy must be read-only, ask, auto-edit or full-auto\n";
    return kExitUsage;
  }
  if (options.approve != "all" && options.approve != "none") {
    err << "flashcode: --approve must be all or none\n";
    return kExitUsage;
  }
  if (options.task.empty()) {
    err << "flashcode: exec needs a task\n";
    return kExitUsage;
  }
  DaemonConnection conn(connection);
  if (int rc = ConnectOrExplain(conn, err); rc != kExitOk) return rc;
  auto stub = v1::Agent::NewStub(conn.channel());

  create.set_workspace_root(options.workspace);
  create.set_policy(policy);
  create.mutable_limits()->set_max_output_tokens(options.max_output_tokens);
  create.mutable_limits()->set_max_model_calls(options.max_model_calls);
  create.mutable_limits()->set_max_wall_ms(options.max_seconds * 1000);
  v1::CreateSessionResponse created;
  {
    grpc::ClientContext ctx;
    conn.Prepare(ctx, std::chrono::seconds(30));
    grpc::Status s = stub->CreateSession(&ctx, create, &created);
    if (!s.ok()) return Fail(conn, s, err);
  }
  const std::string session_id = created.session().id();

  auto approve = [&](const v1::ApprovalRequested& asked) {
    v1::ApprovalDecision decision;
    decision.set_approval_id(asked.approval_id());
    if (options.approve == "all") {
      decision.set_decision(v1::ApprovalDecision::DECISION_APPROVE);
    } else {
      decision.set_decision(v1::ApprovalDecision::DECISION_DENY);
      decision.set_reason("denied: flashcode exec runs without a terminal (--approve none)");
    }
    if (!options.json) {
      err << "[approval for " << asked.call().name() << ": "
          << (options.approve == "all" ? "approved" : "denied") << " by --approve]\n";
    }
    return decision;
  };
  TurnPrinter printer(out, err);
  auto print = [&](const v1::TurnEvent& event) {
    if (options.json) {
      out << ToJson(event) << "\n" << std::flush;
    } else {
      printer.Print(event);
    }
  };
  TurnOutcome outcome = StreamTurn(conn, *stub, session_id, options.task, print, approve);
  if (outcome.terminal) return ExitCodeFor(*outcome.terminal);
  if (outcome.interrupted) return kExitCancelled;
  grpc::Status status = outcome.status;
  if (status.ok())
    status = grpc::Status(grpc::StatusCode::INTERNAL, "the turn ended without a result");
  return Fail(conn, status, err);
}

int RunSessionsList(const ConnectionOptions& connection, const std::string& workspace, bool json,
                    std::ostream& out, std::ostream& err) {
  DaemonConnection conn(connection);
  if (int rc = ConnectOrExplain(conn, err); rc != kExitOk) return rc;
  auto stub = v1::Agent::NewStub(conn.channel());
  v1::ListSessionsRequest request;
  std::error_code ec;
  // Sessions store the canonical workspace path (symlinks resolved).
  auto canonical = std::filesystem::weakly_canonical(workspace, ec);
  request.set_workspace_root(workspace.empty() || ec ? workspace : canonical.string());
  do {
    grpc::ClientContext ctx;
    conn.Prepare(ctx, std::chrono::seconds(30));
    v1::ListSessionsResponse response;
    grpc::Status s = stub->ListSessions(&ctx, request, &response);
    if (!s.ok()) return Fail(conn, s, err);
    for (const auto& session : response.sessions()) {
      if (json) {
        out << ToJson(session) << "\n";
        continue;
      }
      out << session.id() << "  " << session.turn_count() << " turns  "
          << UtcTime(session.updated_unix_ms()) << "  " << session.workspace_root() << "  "
          << session.title() << (session.turn_running() ? "  (running)" : "") << "\n";
    }
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  return kExitOk;
}

int RunSessionsShow(const ConnectionOptions& connection, const std::string& session_id, bool json,
                    std::ostream& out, std::ostream& err) {
  DaemonConnection conn(connection);
  if (int rc = ConnectOrExplain(conn, err); rc != kExitOk) return rc;
  grpc::ClientContext ctx;
  conn.Prepare(ctx, std::chrono::seconds(30));
  v1::GetSessionRequest request;
  request.set_session_id(session_id);
  v1::GetSessionResponse response;
  grpc::Status s = v1::Agent::NewStub(conn.channel())->GetSession(&ctx, request, &response);
  if (!s.ok()) return Fail(conn, s, err);
  if (json) {
    out << ToJson(response) << "\n";
    return kExitOk;
  }
  const auto& session = response.session();
  out << "session    " << session.id() << "\n"
      << "title      " << session.title() << "\n"
      << "workspace  " << session.workspace_root() << "\n"
      << "policy     " << PolicyName(session.policy()) << "\n"
      << "turns      " << session.turn_count() << (session.turn_running() ? " (one running)" : "")
      << "\n"
      << "tokens     " << session.usage().prompt_tokens() << " prompt, "
      << session.usage().completion_tokens() << " completion\n"
      << "created    " << UtcTime(session.created_unix_ms()) << "\n"
      << "updated    " << UtcTime(session.updated_unix_ms()) << "\n";
  for (const auto& m : response.messages()) {
    std::string role = v1::Message::Role_Name(m.role()).substr(5);  // drop "ROLE_"
    for (char& c : role) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out << "\n--- " << role << (m.turn_id().empty() ? "" : " (" + m.turn_id() + ")");
    if (!m.tool_call_id().empty()) out << " for " << m.tool_call_id();
    if (m.is_error()) out << " [error]";
    out << "\n";
    if (!m.reasoning().empty()) out << "[reasoning] " << m.reasoning() << "\n";
    out << m.content() << "\n";
    for (const auto& call : m.tool_calls()) {
      out << "-> " << call.name() << " " << call.arguments_json() << " (" << call.id() << ")\n";
    }
  }
  return kExitOk;
}

int RunSessionsDelete(const ConnectionOptions& connection, const std::string& session_id,
                      std::ostream& out, std::ostream& err) {
  DaemonConnection conn(connection);
  if (int rc = ConnectOrExplain(conn, err); rc != kExitOk) return rc;
  grpc::ClientContext ctx;
  conn.Prepare(ctx, std::chrono::seconds(60));
  v1::DeleteSessionRequest request;
  request.set_session_id(session_id);
  v1::DeleteSessionResponse response;
  grpc::Status s = v1::Agent::NewStub(conn.channel())->DeleteSession(&ctx, request, &response);
  if (!s.ok()) return Fail(conn, s, err);
  out << "deleted " << session_id << "\n";
  return kExitOk;
}

}  // namespace cli
