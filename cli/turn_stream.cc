#include "cli/turn_stream.h"

#include <signal.h>

#include <atomic>
#include <ostream>
#include <thread>

namespace cli {
namespace {

namespace v1 = flashcode::v1;

// Set by the SIGINT handler. A signal handler can only reach process-wide state, so this is
// the one static of the command; the watcher thread in StreamTurn turns it into a CancelTurn.
std::atomic<bool> interrupted{false};
void OnInterrupt(int) { interrupted.store(true); }

}  // namespace

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

void TurnPrinter::Print(const v1::TurnEvent& e) {
  std::ostream& out = out_;
  std::ostream& err = err_;
  if (tool_line_open_ && !e.has_tool_output()) {
    err << "\n";
    tool_line_open_ = false;
  }
  if (e.has_text()) {
    out << e.text().text() << std::flush;
  } else if (e.has_reasoning()) {
    err << e.reasoning().text() << std::flush;  // thinking is not the answer: keep it apart
  } else if (e.has_tool_started()) {
    err << "\n[tool " << e.tool_started().call().name() << " "
        << e.tool_started().call().arguments_json() << "]\n";
  } else if (e.has_tool_output()) {
    const std::string& text = e.tool_output().text();
    err << text << std::flush;
    if (!text.empty()) tool_line_open_ = text.back() != '\n';
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

TurnOutcome StreamTurn(DaemonConnection& conn, v1::Agent::Stub& stub, const std::string& session_id,
                       const std::string& message, const TurnEventHandler& on_event,
                       const ApprovalHandler& approve) {
  TurnOutcome outcome;
  grpc::ClientContext ctx;
  conn.Prepare(ctx, std::chrono::hours(24));
  auto stream = stub.Turn(&ctx);
  v1::TurnRequest start;
  start.mutable_start()->set_session_id(session_id);
  start.mutable_start()->set_user_message(message);
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
        grpc::Status s = stub.CancelTurn(&cancel_ctx, request, &response);
        if (!s.ok()) ctx.TryCancel();  // the daemon cannot confirm; stop waiting for it
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });

  v1::TurnEvent event;
  while (stream->Read(&event)) {
    on_event(event);
    if (event.has_approval_requested()) {
      v1::TurnRequest answer;
      *answer.mutable_approval() = approve(event.approval_requested());
      stream->Write(answer);
    }
    if (event.has_done() || event.has_error()) {
      outcome.terminal = event;
      break;
    }
  }
  stream->WritesDone();
  outcome.status = stream->Finish();
  finished.store(true);
  watcher.join();
  signal(SIGINT, SIG_DFL);
  outcome.interrupted = interrupted.load();
  return outcome;
}

}  // namespace cli
