#include "cli/review_formats.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

#include "base/build_info.h"

namespace cli {
namespace {

namespace v1 = flashcode::v1;
using nlohmann::ordered_json;

std::string_view SeverityWord(v1::Severity s) {
  switch (s) {
    case v1::SEVERITY_ERROR:
      return "error";
    case v1::SEVERITY_WARNING:
      return "warning";
    default:
      return "info";
  }
}

std::string_view SarifLevel(v1::Severity s) {
  switch (s) {
    case v1::SEVERITY_ERROR:
      return "error";
    case v1::SEVERITY_WARNING:
      return "warning";
    default:
      return "note";
  }
}

std::string Lines(const v1::Finding& f) {
  return f.start_line() == f.end_line()
             ? "L" + std::to_string(f.start_line())
             : "L" + std::to_string(f.start_line()) + "-L" + std::to_string(f.end_line());
}

// SARIF messages are sentences: end with a period when the model did not.
std::string Sentence(const std::string& text) {
  if (text.empty() || text.back() == '.' || text.back() == '!' || text.back() == '?') return text;
  return text + ".";
}

// A relative path as a URI reference: unreserved characters and '/' stay, the rest is
// percent-encoded (a space in a path would otherwise make the SARIF invalid).
std::string UriOf(const std::string& path) {
  std::string out;
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

// FNV-1a 64: stable across runs and machines (std::hash is not), enough to tell findings apart.
std::string Fingerprint(const v1::Finding& f) {
  uint64_t h = 1469598103934665603ull;
  for (const std::string* part : {&f.file_path(), &f.rule(), &f.message()}) {
    for (unsigned char c : *part) {
      h ^= c;
      h *= 1099511628211ull;
    }
    h ^= 0xff;  // separator, so ("ab","c") and ("a","bc") differ
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

size_t LongestBacktickRun(const std::string& text) {
  size_t longest = 0, run = 0;
  for (char c : text) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  return longest;
}

std::string Fence(const std::string& text) {  // a fence longer than any run of ` in text
  return std::string(std::max<size_t>(3, LongestBacktickRun(text) + 1), '`');
}

// Model or diff text for running markdown (a list item, a comment body): one line, no HTML,
// no @mentions that would notify anyone.
std::string SafeMarkdownText(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '\n':
      case '\r':
        if (!out.empty() && out.back() != ' ') out += ' ';
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '@':
        out += "@\u200B";  // U+200B: the mention is shown but not linked
        break;
      default:
        out += c;
    }
  }
  return out;
}

// `text` as a markdown code span on one line: delimited by more backticks than any run
// inside, padded when it starts or ends with one (CommonMark strips one space each side).
std::string CodeSpan(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  const std::string ticks(LongestBacktickRun(text) + 1, '`');
  const bool pad = !text.empty() && (text.front() == '`' || text.back() == '`');
  return ticks + (pad ? " " : "") + text + (pad ? " " : "") + ticks;
}

// A suggestion's lines end with '\n'; the fenced block and SARIF add their own line end, so a
// final newline would become an extra blank line.
std::string WithoutFinalNewline(const std::string& text) {
  if (!text.empty() && text.back() == '\n') return text.substr(0, text.size() - 1);
  return text;
}

}  // namespace

std::optional<v1::Severity> SeverityFromName(std::string_view name) {
  if (name == "info") return v1::SEVERITY_INFO;
  if (name == "warning") return v1::SEVERITY_WARNING;
  if (name == "error") return v1::SEVERITY_ERROR;
  return std::nullopt;
}

bool HasFindingAtLeast(const ReviewReport& report, v1::Severity threshold) {
  if (threshold == v1::SEVERITY_UNSPECIFIED) return false;
  for (const auto& f : report.findings) {
    if (f.severity() >= threshold) return true;
  }
  return false;
}

std::string FormatMarkdown(const ReviewReport& report) {
  const v1::ReviewDone& d = report.done;
  std::string out = "## flashcode review\n\n";
  if (!report.failure.empty()) {
    out += "**Partial review**: the review failed (" + SafeMarkdownText(report.failure) +
           "); the findings below are those made before.\n\n";
  }
  out += "Compared " + CodeSpan(report.base) + " with " + CodeSpan(report.head) + ". " +
         SafeMarkdownText(d.summary()) + "\n";
  std::map<std::string, std::vector<const v1::Finding*>> by_file;
  for (const auto& f : report.findings) by_file[f.file_path()].push_back(&f);
  for (const auto& [path, findings] : by_file) {
    out += "\n### " + CodeSpan(path) + "\n\n";
    for (const v1::Finding* f : findings) {
      char confidence[16];
      std::snprintf(confidence, sizeof confidence, "%.2f", f->confidence());
      out += "- **" + std::string(SeverityWord(f->severity())) + "** " + Lines(*f) + " " +
             CodeSpan(f->rule()) + ": " + SafeMarkdownText(f->message()) + " (confidence " +
             confidence + ")\n";
      if (!f->suggestion().empty()) {
        const std::string s = WithoutFinalNewline(f->suggestion());
        std::string fence = Fence(s);
        out += "\n  Suggested replacement:\n\n  " + fence + "\n";
        size_t pos = 0;
        while (pos <= s.size()) {
          size_t nl = s.find('\n', pos);
          if (nl == std::string::npos) nl = s.size();
          out += "  " + s.substr(pos, nl - pos) + "\n";
          pos = nl + 1;
        }
        out += "  " + fence + "\n\n";
      }
    }
  }
  out += "\n<sub>" + std::to_string(d.hunks_reviewed()) + " hunks in " +
         std::to_string(d.files_reviewed()) + " files, " +
         std::to_string(d.usage().completion_tokens()) + " tokens generated, " +
         std::to_string(d.timings().total_ms()) + " ms.</sub>\n";
  return out;
}

std::string FormatSarif(const ReviewReport& report) {
  ordered_json rules = ordered_json::array();
  std::map<std::string, size_t> rule_index;
  ordered_json results = ordered_json::array();
  for (const auto& f : report.findings) {
    auto [it, added] = rule_index.emplace(f.rule(), rule_index.size());
    if (added) {
      rules.push_back({{"id", f.rule()},
                       {"shortDescription", {{"text", "Review finding: " + f.rule() + "."}}},
                       {"defaultConfiguration", {{"level", "warning"}}}});
    }
    ordered_json artifact = {{"uri", UriOf(f.file_path())}, {"uriBaseId", "%SRCROOT%"}};
    ordered_json region = {{"startLine", f.start_line()}, {"endLine", f.end_line()}};
    ordered_json result = {
        {"ruleId", f.rule()},
        {"ruleIndex", it->second},
        {"level", SarifLevel(f.severity())},
        {"message", {{"text", Sentence(f.message())}}},
        {"locations",
         {{{"physicalLocation", {{"artifactLocation", artifact}, {"region", region}}}}}},
        {"partialFingerprints", {{"flashcodeFinding/v1", Fingerprint(f)}}},
    };
    if (!f.suggestion().empty()) {
      result["fixes"] = {
          {{"description", {{"text", "Replace the lines with the suggestion."}}},
           {"artifactChanges",
            {{{"artifactLocation", artifact},
              {"replacements",
               {{{"deletedRegion", region},
                 // whole lines replace whole lines: the text ends with exactly one line end
                 {"insertedContent",
                  {{"text", WithoutFinalNewline(f.suggestion()) + "\n"}}}}}}}}}}};
    }
    result["properties"] = {{"confidence", f.confidence()}};
    results.push_back(std::move(result));
  }
  ordered_json sarif = {{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
                        {"version", "2.1.0"},
                        {"runs",
                         {{{"tool",
                            {{"driver",
                              {{"name", "flashcode"},
                               {"version", std::string(base::kVersion)},
                               {"semanticVersion", std::string(base::kVersion)},
                               {"rules", rules}}}}},
                           {"results", results},
                           {"properties", {{"summary", report.done.summary()}}}}}}};
  if (!report.failure.empty()) {  // a partial review: the run did not finish
    sarif["runs"][0]["invocations"] = {
        {{"executionSuccessful", false},
         {"toolExecutionNotifications",
          {{{"level", "error"},
            {"message", {{"text", Sentence("The review failed: " + report.failure)}}}}}}}};
    sarif["runs"][0]["properties"]["partial"] = true;
  }
  return sarif.dump(2) + "\n";
}

std::string FormatGithubReview(const ReviewReport& report) {
  ordered_json comments = ordered_json::array();
  for (const auto& f : report.findings) {
    std::string body = "**" + std::string(SeverityWord(f.severity())) + "** " + CodeSpan(f.rule()) +
                       ": " + SafeMarkdownText(f.message());
    if (!f.suggestion().empty()) {
      const std::string suggestion = WithoutFinalNewline(f.suggestion());
      std::string fence = Fence(suggestion);
      body += "\n\n" + fence + "suggestion\n" + suggestion + "\n" + fence;
    }
    ordered_json c = {{"path", f.file_path()}, {"line", f.end_line()}, {"side", "RIGHT"}};
    if (f.start_line() < f.end_line()) {
      c["start_line"] = f.start_line();
      c["start_side"] = "RIGHT";
    }
    c["body"] = body;
    comments.push_back(std::move(c));
  }
  std::string body = "**flashcode review**: ";
  if (!report.failure.empty()) {
    body += "partial, the review failed (" + SafeMarkdownText(report.failure) +
            "); the comments are the findings made before. ";
  }
  body += SafeMarkdownText(report.done.summary());
  ordered_json review = {{"body", body}, {"event", "COMMENT"}, {"comments", comments}};
  return review.dump(2) + "\n";
}

}  // namespace cli
