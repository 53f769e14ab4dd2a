#include "cli/chat_command.h"

#include <istream>
#include <ostream>

#include "cli/agent_commands.h"
#include "cli/exit_codes.h"
#include "cli/turn_stream.h"

namespace cli {
namespace {

namespace v1 = flashcode::v1;

// Asks the user on the terminal; anything but y, a or yes counts as no (the safe answer).
v1::ApprovalDecision AskUser(const v1::ApprovalRequested& asked, std::istream& in,
                             std::ostream& err) {
  err << "\n[" << asked.call().name() << " " << asked.call().arguments_json() << "]\n"
      << (asked.reason().empty() ? "" : asked.reason() + "\n")
      << "allow? [y]es / [n]o / [a]lways in this session: " << std::flush;
  std::string answer;
  std::getline(in, answer);
  v1::ApprovalDecision decision;
  decision.set_approval_id(asked.approval_id());
  if (answer == "y" || answer == "yes") {
    decision.set_decision(v1::ApprovalDecision::DECISION_APPROVE);
  } else if (answer == "a" || answer == "always") {
    decision.set_decision(v1::ApprovalDecision::DECISION_APPROVE_FOR_SESSION);
  } else {
    decision.set_decision(v1::ApprovalDecision::DECISION_DENY);
    decision.set_reason("the user said no");
  }
  return decision;
}

}  // namespace

int RunChat(const ConnectionOptions& connection, const ChatOptions& options, std::istream& in,
            std::ostream& out, std::ostream& err) {
  v1::ApprovalPolicy policy;
  if (!ParsePolicy(options.policy, policy)) {
    err << "flashcode: --policy must be read-only, ask, auto-edit or full-auto\n";
    return kExitUsage;
  }
  DaemonConnection conn(connection);
  v1::StatusResponse status;
  ConnectError failure;
  if (!conn.Connect(status, failure)) {
    err << "flashcode: " << failure.message << "\n";
    return failure.exit_code;
  }
  auto stub = v1::Agent::NewStub(conn.channel());
  auto fail = [&](const grpc::Status& s) {
    ConnectError e = conn.Explain(s);
    err << "flashcode: " << e.message << "\n";
    return e.exit_code;
  };

  v1::Session session;
  if (!options.resume_id.empty()) {
    grpc::ClientContext ctx;
    conn.Prepare(ctx, std::chrono::seconds(30));
    v1::GetSessionRequest req;
    req.set_session_id(options.resume_id);
    v1::GetSessionResponse resp;
    if (grpc::Status s = stub->GetSession(&ctx, req, &resp); !s.ok()) return fail(s);
    session = resp.session();
    err << "resumed session " << session.id() << " (" << resp.messages_size()
        << " messages: " << session.title() << ")\n";
  } else {
    grpc::ClientContext ctx;
    conn.Prepare(ctx, std::chrono::seconds(30));
    v1::CreateSessionRequest req;
    req.set_workspace_root(options.workspace);
    req.set_policy(policy);
    req.mutable_limits()->set_max_output_tokens(options.max_output_tokens);
    v1::CreateSessionResponse resp;
    if (grpc::Status s = stub->CreateSession(&ctx, req, &resp); !s.ok()) return fail(s);
    session = resp.session();
    err << "session " << session.id() << " in " << session.workspace_root() << " (policy "
        << options.policy << "; /exit to leave, Ctrl-C cancels a turn)\n";
  }

  std::string line;
  while (true) {
    err << "> " << std::flush;
    if (!std::getline(in, line)) break;  // end of input: leave like /exit
    if (line.empty()) continue;
    if (line == "/exit" || line == "/quit") break;
    if (line == "/undo") {
      grpc::ClientContext ctx;
      conn.Prepare(ctx, std::chrono::minutes(2));
      v1::UndoRequest req;
      req.set_session_id(session.id());
      v1::UndoResponse resp;
      if (grpc::Status s = stub->Undo(&ctx, req, &resp); !s.ok()) {
        err << "undo: " << s.error_message() << "\n";
        continue;
      }
      err << "restored " << resp.restored_snapshot_ref() << " (" << resp.changed_paths_size()
          << " files)\n";
      for (const auto& p : resp.changed_paths()) err << "  " << p << "\n";
      continue;
    }
    if (line == "/compact") {
      grpc::ClientContext ctx;
      conn.Prepare(ctx, std::chrono::minutes(10));
      v1::CompactRequest req;
      req.set_session_id(session.id());
      v1::CompactResponse resp;
      if (grpc::Status s = stub->Compact(&ctx, req, &resp); !s.ok()) {
        err << "compact: " << s.error_message() << "\n";
      } else {
        err << "compacted: " << resp.tokens_before() << " -> " << resp.tokens_after()
            << " tokens\n";
      }
      continue;
    }
    if (line == "/model" || line.rfind("/model ", 0) == 0) {
      grpc::ClientContext ctx;
      conn.Prepare(ctx, std::chrono::seconds(30));
      v1::UpdateSessionRequest req;
      req.set_session_id(session.id());
      if (line.size() > 7) req.set_model(line.substr(7));  // empty: unchanged, just shown
      v1::UpdateSessionResponse resp;
      if (grpc::Status s = stub->UpdateSession(&ctx, req, &resp); !s.ok()) {
        err << "model: " << s.error_message() << "\n";
      } else {
        session = resp.session();
        err << "model: "
            << (session.model().empty() ? status.loaded_model().name() : session.model()) << "\n";
      }
      continue;
    }
    if (line == "/sessions") {
      RunSessionsList(connection, options.workspace, false, err, err);
      continue;
    }
    if (line[0] == '/') {
      err << "unknown command " << line << " (/undo, /compact, /model [NAME], /sessions, /exit)\n";
      continue;
    }
    TurnOutcome outcome = StreamTurn(
        conn, *stub, session.id(), line,
        [printer = TurnPrinter(out, err)](const v1::TurnEvent& e) mutable { printer.Print(e); },
        [&](const v1::ApprovalRequested& asked) { return AskUser(asked, in, err); });
    if (!outcome.terminal && !outcome.status.ok()) return fail(outcome.status);
    // A failed or cancelled turn is reported by TurnPrinter; the conversation goes on.
  }
  err << "bye (resume with: flashcode chat --resume " << session.id() << ")\n";
  return kExitOk;
}

}  // namespace cli
