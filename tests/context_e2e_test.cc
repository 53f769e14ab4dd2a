// End-to-end tests of the daemon's Context service and the CLI commands over it: a real daemon
// indexes a real temporary repository with tree-sitter and answers symbol and repo-map queries.
#include <doctest/doctest.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "flashcode/v1/admin.grpc.pb.h"
#include "flashcode/v1/context.grpc.pb.h"
#include "tests/test_daemon.h"
#include "tests/test_process.h"

namespace {

using namespace std::chrono_literals;
using testing_support::Run;
using testing_support::TempDir;
using testing_support::TestProcess;
namespace v1 = flashcode::v1;

void WriteFile(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << text;
}

struct ContextFixture {
  TempDir dir;
  std::string repo = dir.path() + "/repo";
  std::string socket = dir.path() + "/d.sock";
  std::map<std::string, std::string> env = testing_support::IsolatedEnv(dir.path());
  std::unique_ptr<TestProcess> daemon;
  std::shared_ptr<grpc::Channel> channel;

  ContextFixture() {
    WriteFile(repo + "/app/billing.py",
              "def compute_invoice_total(items):\n"
              "    \"\"\"Sum of the line items.\"\"\"\n"
              "    return sum(i.price for i in items)\n\n"
              "class InvoicePrinter:\n"
              "    def render(self, invoice):\n"
              "        return str(compute_invoice_total(invoice.items))\n");
    WriteFile(repo + "/src/engine.cc",
              "int ComputeInvoiceTax(int cents) { return cents / 5; }\n"
              "struct Ledger { int balance; };\n");
    WriteFile(repo + "/main.py",
              "from app.billing import compute_invoice_total\n"
              "print(compute_invoice_total([]))\n");
    WriteFile(repo + "/.gitignore", "generated/\n");
    WriteFile(repo + "/generated/secret_symbols.py", "def should_not_be_indexed():\n    pass\n");
    Start();
  }

  void Start() {
    daemon = std::make_unique<TestProcess>(
        std::vector<std::string>{testing_support::BuiltBinary("daemon/flashcoded"), "--socket",
                                 socket},
        TestProcess::Options{env, {}});
    channel = testing_support::WaitForDaemon(*daemon, socket, 10s);
  }

  grpc::Status Reindex(const std::string& root, v1::ReindexProgress& last) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + 60s);
    v1::ReindexRequest req;
    req.set_workspace_root(root);
    auto reader = v1::Context::NewStub(channel)->Reindex(&ctx, req);
    while (reader->Read(&last)) {
    }
    return reader->Finish();
  }
};

TEST_CASE("the daemon indexes a repository and answers symbol and repo-map queries") {
  ContextFixture f;
  auto stub = v1::Context::NewStub(f.channel);
  {
    grpc::ClientContext ctx;
    v1::GetIndexStatusRequest req;
    req.set_workspace_root(f.repo);
    v1::GetIndexStatusResponse resp;
    CHECK(stub->GetIndexStatus(&ctx, req, &resp).error_code() == grpc::StatusCode::NOT_FOUND);
  }
  v1::ReindexProgress last;
  REQUIRE(f.Reindex(f.repo, last).ok());
  CHECK(last.done());
  CHECK(last.files_done() >= 3);

  grpc::ClientContext ctx;
  v1::GetIndexStatusRequest sreq;
  sreq.set_workspace_root(f.repo);
  v1::GetIndexStatusResponse status;
  REQUIRE(stub->GetIndexStatus(&ctx, sreq, &status).ok());
  CHECK(status.files_indexed() == 3);  // billing.py, engine.cc, main.py; generated/ is ignored
  CHECK(status.symbols() >= 5);
  CHECK(status.last_indexed_unix_ms() > 0);

  grpc::ClientContext ctx2;
  v1::SearchSymbolsRequest q;
  q.set_workspace_root(f.repo);
  q.set_query("invoice");
  v1::SearchSymbolsResponse found;
  REQUIRE(stub->SearchSymbols(&ctx2, q, &found).ok());
  std::set<std::string> names;
  for (const auto& s : found.symbols()) names.insert(s.name());
  CHECK(names ==
        std::set<std::string>{"compute_invoice_total", "InvoicePrinter", "ComputeInvoiceTax"});
  for (const auto& s : found.symbols()) {
    if (s.name() == "compute_invoice_total") {
      CHECK(s.file_path() == "app/billing.py");
      CHECK(s.start_line() == 1);
      CHECK(s.kind() == v1::SYMBOL_KIND_FUNCTION);
      CHECK(s.doc().find("Sum of the line items") != std::string::npos);
    }
  }

  grpc::ClientContext ctx3;
  v1::SearchSymbolsRequest missing;
  missing.set_workspace_root(f.repo);
  missing.set_query("should_not_be_indexed");
  v1::SearchSymbolsResponse none;
  REQUIRE(stub->SearchSymbols(&ctx3, missing, &none).ok());
  CHECK(none.symbols().empty());

  grpc::ClientContext ctx4;
  v1::GetRepoMapRequest mreq;
  mreq.set_workspace_root(f.repo);
  mreq.set_token_budget(512);
  v1::GetRepoMapResponse map;
  REQUIRE(stub->GetRepoMap(&ctx4, mreq, &map).ok());
  CHECK(map.map().find("app/billing.py:") != std::string::npos);
  CHECK(map.map().find("def compute_invoice_total(items)") != std::string::npos);
  CHECK(map.tokens() <= 512);
  CHECK(map.files_total() == 3);
  CHECK(map.files_shown() >= 1);
}

TEST_CASE("Context rejects bad workspaces and limits with precise codes") {
  ContextFixture f;
  v1::ReindexProgress last;
  CHECK(f.Reindex(f.dir.path() + "/no-such-dir", last).error_code() ==
        grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(f.Reindex("relative/path", last).error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  auto stub = v1::Context::NewStub(f.channel);
  grpc::ClientContext ctx;
  v1::SearchSymbolsRequest q;
  q.set_workspace_root(f.repo);
  v1::SearchSymbolsResponse resp;
  CHECK(stub->SearchSymbols(&ctx, q, &resp).error_code() == grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_CASE("the index survives a daemon restart and the CLI reads it") {
  ContextFixture f;
  std::string cli = testing_support::BuiltBinary("cli/flashcode");
  auto r = Run({cli, "--socket", f.socket, "index", f.repo}, {f.env, {}}, 60s);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.out.find("3 files") != std::string::npos);

  f.daemon->Signal(SIGTERM);
  REQUIRE(f.daemon->Wait(10s) == 0);
  f.Start();  // a new daemon: the index must come from disk, without a reindex
  r = Run({cli, "--socket", f.socket, "symbols", "Ledger", "-C", f.repo}, {f.env, {}}, 30s);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.out.find("src/engine.cc:2:") != std::string::npos);
  r = Run({cli, "--socket", f.socket, "symbols", "NoSuchThing", "-C", f.repo}, {f.env, {}}, 30s);
  CHECK(r.exit_code == 1);
  r = Run({cli, "--socket", f.socket, "repo-map", "-C", f.repo, "--budget", "256"}, {f.env, {}},
          30s);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.out.find("compute_invoice_total") != std::string::npos);
}

}  // namespace

namespace {

TEST_CASE("flashcode tool runs the real tools in a workspace, refusing escapes") {
  TempDir dir;
  std::string ws = dir.path() + "/ws";
  WriteFile(ws + "/notes.txt", "alpha\nbeta\ngamma\n");
  std::string cli = testing_support::BuiltBinary("cli/flashcode");
  testing_support::TestProcess::Options opts{{{"HOME", dir.path()}}, {}};

  auto r = Run({cli, "tool", "--list"}, opts);
  REQUIRE(r.exit_code == 0);
  for (const char* name :
       {"read_file", "write_file", "edit_file", "apply_patch", "shell", "search"}) {
    CHECK_MESSAGE(r.out.find(name) != std::string::npos, name);
  }
  r = Run({cli, "tool", "read_file", "-C", ws, "--args", R"({"path":"notes.txt"})"}, opts);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("beta") != std::string::npos);
  r = Run({cli, "tool", "read_file", "-C", ws, "--args", R"({"path":"../../etc/passwd"})"}, opts);
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("root:") == std::string::npos);
  r = Run({cli, "tool", "edit_file", "-C", ws, "--args",
           R"({"path":"notes.txt","old_string":"beta","new_string":"BETA"})"},
          opts);
  CHECK_MESSAGE(r.exit_code == 0, r.out << r.err);
  std::ifstream in(ws + "/notes.txt");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(text == "alpha\nBETA\ngamma\n");
  r = Run({cli, "tool", "no_such_tool", "-C", ws}, opts);
  CHECK(r.exit_code == 2);
  r = Run({cli, "tool", "read_file", "-C", ws, "--args", "[1,2]"}, opts);
  CHECK(r.exit_code == 2);
}

}  // namespace
