#include "cli/agent_commands.h"

#include <google/protobuf/util/json_util.h>
#include <signal.h>

#include <atomic>
#include <ctime>
#include <filesystem>
#include <optional>
#include <thread>

#include "cli/exit_codes.h"
#include "flashcode/v1/agent.grpc.pb.h"

namespace cli {
namespace {

namespace v1 = flashcode::v1;

// Set by the SIGINT handler. A signal handler can only reach process-wide state, so this is
// the one static of the command; the watcher thread in RunExec turns it into a CancelTurn.
std::atomic<bool> interrupted{false};
void OnInterrupt(int) { interrupted.store(true); }

std::string ToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(message, &json, options).ok()) return "{}";
  return json;
}

bool ParsePolicy(const std::string& name, v1::ApprovalPolicy& policy) {
  if (name == "read-only")
    policy = v1::APPROVAL_POLICY_READ_ONLY;
  else if (name == "ask")
    policy = v1::APPROVAL_POLICY_ASK;
  else if (name == "auto-edit")
    policy = v1::APPROVAL_POLICY_AUTO_EDIT;
  else if (name == "full-auto")
    policy = v1::APPROVAL_POLICY_FULL_AUTO;
  else
    return false;
  return true;
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

const char* FinishName(v1::FinishReason reason) {
  switch (reason) {
    case v1::FINISH_REASON_STOP:
      return "stop";
    case v1::FINISH_REASON_LENGTH:
      return "length";
    case v1::FINISH_REASON_CANCELLED:
      return "cancelled";
    case v1::FINISH_REASON_LIMIT:
      return "limit";
    default:
      return "unknown";
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

// What plain mode prints for one event: the answer's text on `out`, the rest on `err`.
void PrintPlain(const v1::TurnEvent& e, std::ostream& out, std::ostream& err) {
  if (e.has_text()) {
    out << e.text().text() << std::flush;
  } else if (e.has_reasoning()) {
    err << e.reasoning().text() << std::flush;  // thinking is not the answer: keep it apart
  } else if (e.has_tool_started()) {
    err << "\n[tool " << e.tool_started().call().name() << " "
        << e.tool_started().call().arguments_json() << "]\n";
  } else if (e.has_tool_finished()) {
    err << "[tool " << (e.tool_finished().is_error() ? "failed" : "done") << " in "
        << e.tool_finished().duration_ms() << " ms]\n";
  } else if (e.has_compacted()) {
    err << "[context compacted: " << e.compacted().tokens_before() << " -> "
        << e.compacted().tokens_after() << " tokens]\n";
  } else if (e.has_error()) {
    err << "\nflashcode: the turn failed: " << e.error().message() << "\n";
  } else if (e.has_done()) {
    const auto& d = e.done();
    out << "\n";
    err << "\n(" << FinishName(d.finish_reason()) << "; " << d.usage().completion_tokens()
        << " tokens, " << d.model_calls() << " model calls, " << d.timings().total_ms()
        << " ms; session " << e.session_id() << ")\n";
  }
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

  grpc::ClientContext ctx;
  conn.Prepare(ctx, std::chrono::hours(24));
  auto stream = stub->Turn(&ctx);
  v1::TurnRequest start;
  start.mutable_start()->set_session_id(session_id);
  start.mutable_start()->set_user_message(options.task);
  stream->Write(start);

  // Ctrl-C: ask the daemon to cancel (once; SA_RESETHAND makes a second Ctrl-C kill us), then
  // keep reading until the turn's terminal event confirms it.
  interrupted.store(false);
  struct sigaction action {};
  action.sa_handler = OnInterrupt;
  action.sa_flags = SA_RESETHAND;
  sigaction(SIGINT, &action, nullptr);
  std::atomic<bool> finished{false};
  std::thread watcher([&] {
    while (!finished.load()) {
      if (interrupted.load()) {
        grpc::ClientContext cancel_ctx;
        conn.Prepare(cancel_ctx, std::chrono::seconds(10));
        v1::CancelTurnRequest request;
        request.set_session_id(session_id);
        v1::CancelTurnResponse response;
        grpc::Status s = stub->CancelTurn(&cancel_ctx, request, &response);
        if (!s.ok()) ctx.TryCancel();  // the daemon cannot confirm; stop waiting for it
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });

  std::optional<v1::TurnEvent> terminal;
  v1::TurnEvent event;
  while (stream->Read(&event)) {
    if (options.json) {
      out << ToJson(event) << "\n" << std::flush;
    } else {
      PrintPlain(event, out, err);
    }
    if (event.has_approval_requested()) {
      const auto& asked = event.approval_requested();
      v1::TurnRequest answer;
      auto* decision = answer.mutable_approval();
      decision->set_approval_id(asked.approval_id());
      if (options.approve == "all") {
        decision->set_decision(v1::ApprovalDecision::DECISION_APPROVE);
      } else {
        decision->set_decision(v1::ApprovalDecision::DECISION_DENY);
        decision->set_reason("denied: flashcode exec runs without a terminal (--approve none)");
      }
      if (!options.json) {
        err << "[approval for " << asked.call().name() << ": "
            << (options.approve == "all" ? "approved" : "denied") << " by --approve]\n";
      }
      stream->Write(answer);
    }
    if (event.has_done() || event.has_error()) {
      terminal = event;
      break;
    }
  }
  stream->WritesDone();
  grpc::Status status = stream->Finish();
  finished.store(true);
  watcher.join();
  signal(SIGINT, SIG_DFL);
  if (terminal) return ExitCodeFor(*terminal);
  if (interrupted.load()) return kExitCancelled;
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
