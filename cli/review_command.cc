#include "cli/review_command.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/exit_codes.h"
#include "cli/review_formats.h"
#include "flashcode/v1/review.grpc.pb.h"

namespace cli {
namespace {

namespace v1 = flashcode::v1;

// Writes `text` to `path` through a temporary file in the same directory and a rename, so a
// reader (a CI upload step) never sees half a report.
bool WriteAtomically(const std::string& path, const std::string& text, std::string& error) {
  namespace fs = std::filesystem;
  fs::path target(path);
  fs::path tmp = target;
  tmp += ".tmp." + std::to_string(getpid());
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) {
      error = "cannot write " + tmp.string();
      return false;
    }
    f << text;
    f.flush();
    if (!f) {
      error = "cannot write " + tmp.string();
      std::error_code ec;
      fs::remove(tmp, ec);
      return false;
    }
  }
  std::error_code ec;
  fs::rename(tmp, target, ec);
  if (ec) {
    error = "cannot rename " + tmp.string() + " to " + path + ": " + ec.message();
    fs::remove(tmp, ec);
    return false;
  }
  return true;
}

}  // namespace

bool WriteReviewReport(const ReviewReport& report, const ReviewOptions& options, std::ostream& out,
                       std::string& error) {
  std::string text = options.format == "sarif"    ? FormatSarif(report)
                     : options.format == "github" ? FormatGithubReview(report)
                                                  : FormatMarkdown(report);
  if (options.output.empty() || options.output == "-") {
    out << text << std::flush;
    return true;
  }
  return WriteAtomically(options.output, text, error);
}

int RunReview(const ConnectionOptions& connection, const ReviewOptions& options, std::istream& in,
              std::ostream& out, std::ostream& err) {
  auto min_severity = SeverityFromName(options.min_severity);
  auto fail_on = options.fail_on == "never" ? std::optional(v1::SEVERITY_UNSPECIFIED)
                                            : SeverityFromName(options.fail_on);
  if (!min_severity || !fail_on) {
    err << "flashcode: severities are info, warning or error (--fail-on also never)\n";
    return kExitUsage;
  }
  if (options.format != "markdown" && options.format != "sarif" && options.format != "github") {
    err << "flashcode: --format is markdown, sarif or github\n";
    return kExitUsage;
  }
  v1::ReviewRequest req;
  req.set_workspace_root(options.workspace);
  ReviewReport report;
  if (!options.diff_file.empty()) {
    if (!options.base.empty() || !options.head.empty()) {
      err << "flashcode: give --diff or --base/--head, not both\n";
      return kExitUsage;
    }
    std::stringstream text;
    if (options.diff_file == "-") {
      text << in.rdbuf();
    } else {
      std::ifstream f(options.diff_file, std::ios::binary);
      if (!f) {
        err << "flashcode: cannot read " << options.diff_file << "\n";
        return kExitError;
      }
      text << f.rdbuf();
    }
    req.set_diff(text.str());
    report.base = "diff";
    report.head = options.diff_file == "-" ? "stdin" : options.diff_file;
  } else {
    // No revisions at all: the uncommitted changes.
    req.set_base_rev(options.base.empty() && options.head.empty() ? "HEAD" : options.base);
    req.set_head_rev(options.head);
    report.base = req.base_rev().empty() ? "merge-base with origin/HEAD" : req.base_rev();
    report.head = options.head.empty() ? "working tree" : options.head;
  }
  for (const auto& p : options.paths) req.add_paths(p);
  req.set_min_severity(*min_severity);
  req.set_max_findings(options.max_findings);
  req.set_max_findings_per_file(options.max_findings_per_file);
  req.set_max_hunks(options.max_hunks);
  req.set_max_tokens_per_hunk(options.max_tokens_per_hunk);
  req.set_min_confidence(options.min_confidence);
  req.set_instructions(options.instructions);

  DaemonConnection conn(connection);
  v1::StatusResponse st;
  ConnectError e;
  if (!conn.Connect(st, e)) {
    err << "flashcode: " << e.message << "\n";
    return e.exit_code;
  }
  auto stub = v1::Review::NewStub(conn.channel());
  grpc::ClientContext ctx;
  conn.Prepare(ctx, std::chrono::hours(2));
  auto reader = stub->Review(&ctx, req);
  v1::ReviewEvent event;
  bool done = false;
  std::string stream_error;
  while (reader->Read(&event)) {
    if (event.has_progress() && !options.quiet) {
      const auto& p = event.progress();
      if (!p.file_path().empty()) {
        err << "[" << p.hunks_done() + 1 << "/" << p.hunks_total() << "] " << p.file_path() << "\n";
      }
    } else if (event.has_finding()) {
      report.findings.push_back(event.finding());
    } else if (event.has_done()) {
      report.done = event.done();
      done = true;
    } else if (event.has_error()) {
      stream_error = event.error().message();
    }
  }
  grpc::Status s = reader->Finish();
  if (!s.ok()) {
    ConnectError fail = conn.Explain(s);
    err << "flashcode: " << fail.message << "\n";
    return fail.exit_code;
  }
  if (!stream_error.empty() || !done) {
    // The findings so far stand: the report is written (marked partial) so a CI step that
    // uploads it still finds it, and the exit code says the review failed.
    report.failure = stream_error.empty() ? "the daemon ended the stream early" : stream_error;
    if (std::string error; !WriteReviewReport(report, options, out, error)) {
      err << "flashcode: " << error << "\n";
    }
    err << "flashcode: the review failed: " << report.failure << "\n";
    return kExitError;
  }
  if (std::string error; !WriteReviewReport(report, options, out, error)) {
    err << "flashcode: " << error << "\n";
    return kExitError;
  }
  if (!options.quiet) err << report.done.summary() << "\n";
  return HasFindingAtLeast(report, *fail_on) ? kExitFindings : kExitOk;
}

}  // namespace cli
