#include "daemon/context_service.h"

#include <algorithm>
#include <atomic>
#include <thread>

#include "base/cancel_token.h"
#include "base/log.h"
#include "daemon/metrics.h"
#include "daemon/rpc_util.h"
#include "daemon/workspace_indexes.h"
#include "tools/code/repo_map.h"

namespace flashcoded {
namespace {

namespace v1 = flashcode::v1;

void CountCall(Metrics& metrics, const char* method) {
  metrics.Add("flashcode_rpc_total", "RPCs received, by method", "method", method);
}

v1::SymbolKind ToProto(tools::SymbolKind kind) {
  switch (kind) {
    case tools::SymbolKind::kFunction:
      return v1::SYMBOL_KIND_FUNCTION;
    case tools::SymbolKind::kMethod:
      return v1::SYMBOL_KIND_METHOD;
    case tools::SymbolKind::kClass:
      return v1::SYMBOL_KIND_CLASS;
    case tools::SymbolKind::kStruct:
      return v1::SYMBOL_KIND_STRUCT;
    case tools::SymbolKind::kEnum:
      return v1::SYMBOL_KIND_ENUM;
    case tools::SymbolKind::kInterface:
      return v1::SYMBOL_KIND_INTERFACE;
    case tools::SymbolKind::kConstant:
      return v1::SYMBOL_KIND_CONSTANT;
    case tools::SymbolKind::kModule:
      return v1::SYMBOL_KIND_MODULE;
    case tools::SymbolKind::kType:
      return v1::SYMBOL_KIND_TYPE;
    case tools::SymbolKind::kMacro:
      return v1::SYMBOL_KIND_MACRO;
  }
  return v1::SYMBOL_KIND_UNSPECIFIED;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return out;
}

// Refreshes one workspace on its own thread and reports the result as the stream's last
// message. The worker never touches the reactor after StartWriteAndFinish.
class ReindexReactor final : public grpc::ServerWriteReactor<v1::ReindexProgress> {
 public:
  ReindexReactor(tools::RepoIndex* index, std::string root, WorkspaceIndexes& indexes,
                 const base::Clock& clock, CallGate& gate)
      : gate_(gate) {
    stream_id_ = gate_.StreamOpened([this] {
      shutting_down_ = true;
      cancel_.Cancel();
    });
    if (stream_id_ == 0) {
      Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "daemon shutting down"));
      return;
    }
    worker_ = std::thread([this, index, root = std::move(root), &indexes, &clock] {
      auto start = clock.Now();
      auto stats = index->Refresh(&cancel_);
      auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(clock.Now() - start);
      if (stats.ok()) indexes.MarkRefreshed(root, clock.UnixMillis());
      if (shutting_down_) {
        Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "daemon shutting down"));
      } else if (cancel_.IsCancelled()) {
        Finish(grpc::Status(grpc::StatusCode::CANCELLED, "reindex cancelled"));
      } else if (!stats.ok()) {
        Finish(ToGrpc(stats.status()));
      } else {
        last_.set_files_done(stats->files_seen);
        last_.set_files_total(stats->files_seen);
        last_.set_done(true);
        last_.set_elapsed_ms(elapsed.count());
        base::Logger("daemon")->info("reindexed {}: {} files ({} parsed) in {} ms", root,
                                     stats->files_seen, stats->files_parsed, elapsed.count());
        StartWriteAndFinish(&last_, grpc::WriteOptions(), grpc::Status::OK);
      }
    });
  }

  void OnCancel() override { cancel_.Cancel(); }

  void OnDone() override {
    if (stream_id_ != 0) gate_.StreamClosed(stream_id_);
    // OnDone runs on a gRPC thread after the worker's last call into the reactor; the worker is
    // then about to return, so this join is short.
    if (worker_.joinable()) worker_.join();
    delete this;
  }

 private:
  CallGate& gate_;
  uint64_t stream_id_ = 0;
  base::CancelToken cancel_;
  std::atomic<bool> shutting_down_{false};
  v1::ReindexProgress last_;
  std::thread worker_;
};

}  // namespace

grpc::ServerUnaryReactor* ContextService::GetIndexStatus(grpc::CallbackServerContext* ctx,
                                                         const v1::GetIndexStatusRequest* request,
                                                         v1::GetIndexStatusResponse* response) {
  if (auto s = AdmitCall(gate_, ctx); !s.ok()) return FinishNow(ctx, ToGrpc(s));
  CountCall(metrics_, "Context.GetIndexStatus");
  auto index = indexes_.Get(request->workspace_root(), /*create=*/false);
  if (!index.ok()) return FinishNow(ctx, ToGrpc(index.status()));
  uint64_t files = 0, bytes = 0, symbols = 0;
  base::Status s = (*index)->ForEachFile([&](const tools::StoredFile& f, tools::FileSymbols&& fs) {
    ++files;
    bytes += f.size;
    symbols += fs.definitions.size();
  });
  if (!s.ok()) return FinishNow(ctx, ToGrpc(s));
  response->set_workspace_root((*index)->root().string());
  response->set_files_indexed(files);
  response->set_bytes_indexed(bytes);
  response->set_symbols(symbols);
  response->set_last_indexed_unix_ms(indexes_.LastRefreshed(request->workspace_root()));
  return FinishNow(ctx, grpc::Status::OK);
}

grpc::ServerWriteReactor<v1::ReindexProgress>* ContextService::Reindex(
    grpc::CallbackServerContext* ctx, const v1::ReindexRequest* request) {
  if (auto s = AdmitCall(gate_, ctx); !s.ok()) return RefuseStream<v1::ReindexProgress>(ToGrpc(s));
  CountCall(metrics_, "Context.Reindex");
  if (request->context()) {
    return RefuseStream<v1::ReindexProgress>(grpc::Status(
        grpc::StatusCode::UNIMPLEMENTED, "repository KV context is not built yet; omit context"));
  }
  auto index = indexes_.Get(request->workspace_root(), /*create=*/true);
  if (!index.ok()) return RefuseStream<v1::ReindexProgress>(ToGrpc(index.status()));
  return new ReindexReactor(*index, request->workspace_root(), indexes_, clock_, gate_);
}

grpc::ServerUnaryReactor* ContextService::SearchSymbols(grpc::CallbackServerContext* ctx,
                                                        const v1::SearchSymbolsRequest* request,
                                                        v1::SearchSymbolsResponse* response) {
  if (auto s = AdmitCall(gate_, ctx); !s.ok()) return FinishNow(ctx, ToGrpc(s));
  CountCall(metrics_, "Context.SearchSymbols");
  if (request->query().empty()) {
    return FinishNow(ctx, grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "query is empty"));
  }
  if (request->limit() > 1000) {
    return FinishNow(
        ctx, grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "limit must be at most 1000"));
  }
  size_t limit = request->limit() == 0 ? 50 : request->limit();
  auto index = indexes_.Get(request->workspace_root(), /*create=*/false);
  if (!index.ok()) return FinishNow(ctx, ToGrpc(index.status()));
  auto wanted = [&](tools::SymbolKind kind) {
    if (request->kinds().empty()) return true;
    return std::find(request->kinds().begin(), request->kinds().end(), ToProto(kind)) !=
           request->kinds().end();
  };
  // Exact matches first, then case-insensitive substring matches, each in path order.
  // A linear scan: fine for typical repositories; an FTS index can replace it when needed.
  std::vector<std::pair<int, v1::Symbol>> found;
  std::string needle = Lower(request->query());
  base::Status s = (*index)->ForEachFile([&](const tools::StoredFile& f, tools::FileSymbols&& fs) {
    for (const tools::Definition& d : fs.definitions) {
      if (!wanted(d.kind)) continue;
      int rank = d.name == request->query()
                     ? 0
                     : (Lower(d.name).find(needle) != std::string::npos ? 1 : -1);
      if (rank < 0) continue;
      v1::Symbol sym;
      sym.set_name(d.name);
      sym.set_kind(ToProto(d.kind));
      sym.set_file_path(f.path);
      sym.set_start_line(d.range.start_line + 1);
      sym.set_end_line(d.range.end_line + 1);
      sym.set_signature(d.signature);
      sym.set_doc(d.doc);
      sym.set_language(f.language);
      found.emplace_back(rank, std::move(sym));
    }
  });
  if (!s.ok()) return FinishNow(ctx, ToGrpc(s));
  std::stable_sort(found.begin(), found.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (size_t i = 0; i < found.size() && i < limit; ++i)
    *response->add_symbols() = std::move(found[i].second);
  return FinishNow(ctx, grpc::Status::OK);
}

grpc::ServerUnaryReactor* ContextService::GetRepoMap(grpc::CallbackServerContext* ctx,
                                                     const v1::GetRepoMapRequest* request,
                                                     v1::GetRepoMapResponse* response) {
  if (auto s = AdmitCall(gate_, ctx); !s.ok()) return FinishNow(ctx, ToGrpc(s));
  CountCall(metrics_, "Context.GetRepoMap");
  if (request->token_budget() > 65536) {
    return FinishNow(ctx, grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                       "token_budget must be at most 65536"));
  }
  auto index = indexes_.Get(request->workspace_root(), /*create=*/false);
  if (!index.ok()) return FinishNow(ctx, ToGrpc(index.status()));
  tools::RepoMapBuilder builder;
  size_t files_total = 0;
  base::Status s = (*index)->ForEachFile([&](const tools::StoredFile& f, tools::FileSymbols&& fs) {
    builder.AddFile(f.path, fs);
    ++files_total;
  });
  if (!s.ok()) return FinishNow(ctx, ToGrpc(s));
  tools::RepoMapRequest req;
  req.focus_files.assign(request->focus_paths().begin(), request->focus_paths().end());
  req.focus_identifiers.assign(request->focus_identifiers().begin(),
                               request->focus_identifiers().end());
  req.token_budget = request->token_budget() == 0 ? 2048 : request->token_budget();
  req.exclude_focus_files = false;  // a client asking for the map wants to see its files too
  // Until the engine's tokenizer is wired in, tokens are estimated at 4 bytes each.
  tools::CharEstimateTokenCounter counter;
  tools::RepoMap map = builder.Build(req, counter);
  response->set_map(map.text);
  response->set_tokens(static_cast<uint32_t>(map.tokens));
  response->set_files_total(static_cast<uint32_t>(files_total));
  // The map names each file it shows on a line of its own: "<path>:".
  size_t files_shown = 0;
  for (const auto& f : map.files) {
    std::string header = f.path + ":\n";
    if (map.text.rfind(header, 0) == 0 || map.text.find("\n" + header) != std::string::npos) {
      ++files_shown;
    }
  }
  response->set_files_shown(static_cast<uint32_t>(files_shown));
  return FinishNow(ctx, grpc::Status::OK);
}

}  // namespace flashcoded
