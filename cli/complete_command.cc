#include "cli/complete_command.h"

#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>

#include "cli/exit_codes.h"
#include "flashcode/v1/completion.grpc.pb.h"

namespace cli {
namespace {

// Splits "path:line:column" from the right, so paths may contain ':'.
bool ParseLocation(const std::string& loc, std::string& path, long& line, long& column) {
  auto c2 = loc.rfind(':');
  if (c2 == std::string::npos || c2 == 0) return false;
  auto c1 = loc.rfind(':', c2 - 1);
  if (c1 == std::string::npos || c1 == 0) return false;
  try {
    line = std::stol(loc.substr(c1 + 1, c2 - c1 - 1));
    column = std::stol(loc.substr(c2 + 1));
  } catch (...) {  // std::stol reports bad numbers by exception; they stop here
    return false;
  }
  path = loc.substr(0, c1);
  return line >= 1 && column >= 1;
}

}  // namespace

int RunComplete(const ConnectionOptions& connection, const CompleteOptions& options,
                std::ostream& out, std::ostream& err) {
  std::string path;
  long line = 0, column = 0;
  if (!ParseLocation(options.location, path, line, column)) {
    err << "flashcode: expected FILE:LINE:COLUMN (1-based), got '" << options.location << "'\n";
    return kExitUsage;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    err << "flashcode: cannot read " << path << "\n";
    return kExitError;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  size_t offset = 0;
  for (long l = 1; l < line; ++l) {
    offset = text.find('\n', offset);
    if (offset == std::string::npos) {
      err << "flashcode: " << path << " has fewer than " << line << " lines\n";
      return kExitUsage;
    }
    ++offset;
  }
  size_t line_end = text.find('\n', offset);
  if (line_end == std::string::npos) line_end = text.size();
  if (offset + column - 1 > line_end) {
    err << "flashcode: line " << line << " of " << path << " has fewer than " << column - 1
        << " bytes\n";
    return kExitUsage;
  }
  offset += column - 1;

  DaemonConnection conn(connection);
  flashcode::v1::StatusResponse st;
  ConnectError e;
  if (!conn.Connect(st, e)) {
    err << "flashcode: " << e.message << "\n";
    return e.exit_code;
  }
  flashcode::v1::CompleteRequest req;
  req.set_workspace_root(options.workspace);
  std::error_code ec;
  auto rel = std::filesystem::relative(std::filesystem::absolute(path, ec), options.workspace, ec);
  req.set_file_path(ec ? path : rel.string());
  req.set_prefix(text.substr(0, offset));
  req.set_suffix(text.substr(offset));
  req.set_max_tokens(options.max_tokens);
  req.set_single_line(options.single_line);
  auto stub = flashcode::v1::Completion::NewStub(conn.channel());
  grpc::ClientContext ctx;
  conn.Prepare(ctx, std::chrono::minutes(10));
  auto reader = stub->Complete(&ctx, req);
  flashcode::v1::CompleteResponse resp;
  while (reader->Read(&resp)) {
    if (resp.has_delta()) out << resp.delta().text() << std::flush;
    if (resp.has_done()) {
      const auto& d = resp.done();
      err << "\n(" << d.usage().completion_tokens() << " tokens, first after "
          << d.timings().time_to_first_token_ms() << " ms, "
          << static_cast<int>(d.timings().decode_tokens_per_second()) << " tokens/s)\n";
    }
    if (resp.has_error()) {
      err << "flashcode: the model failed: " << resp.error().message() << "\n";
      return kExitError;
    }
  }
  grpc::Status s = reader->Finish();
  if (!s.ok()) {
    ConnectError fail = conn.Explain(s);
    err << "flashcode: " << fail.message << "\n";
    return fail.exit_code;
  }
  return kExitOk;
}

}  // namespace cli
