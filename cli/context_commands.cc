#include "cli/context_commands.h"

#include <filesystem>
#include <ostream>

#include "cli/exit_codes.h"
#include "flashcode/v1/context.grpc.pb.h"

namespace cli {
namespace {

namespace v1 = flashcode::v1;

// Connects (starting the daemon if allowed) and returns the Context stub, or an exit code.
int ConnectContext(DaemonConnection& conn, std::unique_ptr<v1::Context::Stub>& stub,
                   std::ostream& err) {
  v1::StatusResponse st;
  ConnectError e;
  if (!conn.Connect(st, e)) {
    err << "flashcode: " << e.message << "\n";
    return e.exit_code;
  }
  stub = v1::Context::NewStub(conn.channel());
  return kExitOk;
}

int Fail(const DaemonConnection& conn, const grpc::Status& s, std::ostream& err) {
  ConnectError e = conn.Explain(s);
  err << "flashcode: " << e.message << "\n";
  return e.exit_code;
}

}  // namespace

std::string AbsoluteWorkspace(const std::string& dir) {
  std::error_code ec;
  auto p = std::filesystem::absolute(dir.empty() ? "." : dir, ec);
  return ec ? dir : p.lexically_normal().string();
}

int RunIndex(const ConnectionOptions& options, const std::string& workspace, bool status_only,
             std::ostream& out, std::ostream& err) {
  DaemonConnection conn(options);
  std::unique_ptr<v1::Context::Stub> stub;
  if (int rc = ConnectContext(conn, stub, err); rc != kExitOk) return rc;
  if (!status_only) {
    grpc::ClientContext ctx;
    conn.Prepare(ctx, std::chrono::hours(1));
    v1::ReindexRequest req;
    req.set_workspace_root(workspace);
    auto reader = stub->Reindex(&ctx, req);
    v1::ReindexProgress p;
    while (reader->Read(&p)) {
      if (p.done())
        out << "indexed " << p.files_done() << " files in " << p.elapsed_ms() << " ms\n";
    }
    if (grpc::Status s = reader->Finish(); !s.ok()) return Fail(conn, s, err);
  }
  grpc::ClientContext ctx;
  conn.Prepare(ctx, std::chrono::seconds(60));
  v1::GetIndexStatusRequest req;
  req.set_workspace_root(workspace);
  v1::GetIndexStatusResponse st;
  if (grpc::Status s = stub->GetIndexStatus(&ctx, req, &st); !s.ok()) return Fail(conn, s, err);
  out << st.workspace_root() << ": " << st.files_indexed() << " files, " << st.symbols()
      << " definitions, " << st.bytes_indexed() / 1024 << " KiB\n";
  return kExitOk;
}

int RunSymbols(const ConnectionOptions& options, const std::string& workspace,
               const std::string& query, unsigned limit, std::ostream& out, std::ostream& err) {
  DaemonConnection conn(options);
  std::unique_ptr<v1::Context::Stub> stub;
  if (int rc = ConnectContext(conn, stub, err); rc != kExitOk) return rc;
  grpc::ClientContext ctx;
  conn.Prepare(ctx, std::chrono::seconds(60));
  v1::SearchSymbolsRequest req;
  req.set_workspace_root(workspace);
  req.set_query(query);
  req.set_limit(limit);
  v1::SearchSymbolsResponse resp;
  if (grpc::Status s = stub->SearchSymbols(&ctx, req, &resp); !s.ok()) return Fail(conn, s, err);
  for (const auto& sym : resp.symbols()) {
    out << sym.file_path() << ":" << sym.start_line() << ": " << sym.signature() << "\n";
  }
  if (resp.symbols().empty()) {
    err << "flashcode: no definitions match '" << query << "'\n";
    return kExitError;
  }
  return kExitOk;
}

int RunRepoMap(const ConnectionOptions& options, const std::string& workspace, unsigned budget,
               const std::vector<std::string>& focus, std::ostream& out, std::ostream& err) {
  DaemonConnection conn(options);
  std::unique_ptr<v1::Context::Stub> stub;
  if (int rc = ConnectContext(conn, stub, err); rc != kExitOk) return rc;
  grpc::ClientContext ctx;
  conn.Prepare(ctx, std::chrono::seconds(60));
  v1::GetRepoMapRequest req;
  req.set_workspace_root(workspace);
  req.set_token_budget(budget);
  for (const auto& f : focus) req.add_focus_paths(f);
  v1::GetRepoMapResponse resp;
  if (grpc::Status s = stub->GetRepoMap(&ctx, req, &resp); !s.ok()) return Fail(conn, s, err);
  out << resp.map();
  err << "(" << resp.tokens() << " tokens, " << resp.files_shown() << " of " << resp.files_total()
      << " files)\n";
  return kExitOk;
}

}  // namespace cli
