#include "agent/review_parser.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <string>

namespace agent {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// A positive line number from an integer, or a string of digits ("12"); 0 when neither.
int LineNumber(const nlohmann::json& v) {
  if (v.is_number_integer()) {
    auto n = v.get<int64_t>();
    return n >= 1 && n <= 10'000'000 ? static_cast<int>(n) : 0;
  }
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    if (s.empty() || s.size() > 8 ||
        !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return 0;
    return std::stoi(s);
  }
  return 0;
}

const nlohmann::json* Field(const nlohmann::json& obj, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    auto it = obj.find(name);
    if (it != obj.end() && !it->is_null()) return &*it;
  }
  return nullptr;
}

// Lower-case letters, digits and '-' ("Null Deref" -> "null-deref"), at most 48 characters.
std::string RuleId(std::string_view raw) {
  std::string id;
  for (char c : raw) {
    unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u)) {
      id += static_cast<char>(std::tolower(u));
    } else if (!id.empty() && id.back() != '-') {
      id += '-';
    }
    if (id.size() >= 48) break;
  }
  while (!id.empty() && id.back() == '-') id.pop_back();
  return id;
}

// The finding one JSON object describes, or nullopt when a required part is missing or wrong.
std::optional<ReviewFinding> FindingOf(const nlohmann::json& obj) {
  if (!obj.is_object()) return std::nullopt;
  ReviewFinding f;
  const nlohmann::json* line = Field(obj, {"line", "start_line", "start"});
  if (line == nullptr || (f.start_line = LineNumber(*line)) == 0) return std::nullopt;
  const nlohmann::json* end = Field(obj, {"end_line", "end"});
  f.end_line = end != nullptr ? LineNumber(*end) : f.start_line;
  if (f.end_line == 0) f.end_line = f.start_line;
  if (f.end_line < f.start_line) std::swap(f.start_line, f.end_line);
  const nlohmann::json* message = Field(obj, {"message", "msg", "comment"});
  if (message == nullptr || !message->is_string()) return std::nullopt;
  f.message = std::string(Trim(message->get_ref<const std::string&>()));
  if (f.message.empty()) return std::nullopt;
  const nlohmann::json* severity = Field(obj, {"severity", "level"});
  if (severity != nullptr) {
    if (!severity->is_string()) return std::nullopt;
    auto s = ParseSeverity(severity->get_ref<const std::string&>());
    if (!s) return std::nullopt;
    f.severity = *s;
  }
  const nlohmann::json* rule = Field(obj, {"rule", "rule_id", "category"});
  if (rule != nullptr && rule->is_string()) f.rule = RuleId(rule->get_ref<const std::string&>());
  if (f.rule.empty()) f.rule = "general";
  const nlohmann::json* suggestion = Field(obj, {"suggestion", "replacement", "fix"});
  if (suggestion != nullptr && suggestion->is_string()) {
    f.suggestion = suggestion->get_ref<const std::string&>();
  }
  const nlohmann::json* confidence = Field(obj, {"confidence"});
  if (confidence != nullptr && confidence->is_number()) {
    f.confidence = std::clamp(confidence->get<float>(), 0.0f, 1.0f);
  }
  return f;
}

bool IsNoneLine(std::string_view line) {
  std::string l = Lower(line);
  while (!l.empty() && (l.back() == '.' || l.back() == '!')) l.pop_back();
  return l == "none" || l == "no issues" || l == "no findings" || l == "lgtm" || l == "[]";
}

}  // namespace

std::string_view SeverityName(Severity severity) {
  switch (severity) {
    case Severity::kInfo:
      return "info";
    case Severity::kWarning:
      return "warning";
    case Severity::kError:
      return "error";
  }
  return "warning";
}

std::optional<Severity> ParseSeverity(std::string_view name) {
  std::string n = Lower(Trim(name));
  if (n == "info" || n == "note" || n == "minor" || n == "low" || n == "nit") {
    return Severity::kInfo;
  }
  if (n == "warning" || n == "warn" || n == "medium") return Severity::kWarning;
  if (n == "error" || n == "critical" || n == "major" || n == "high" || n == "blocker") {
    return Severity::kError;
  }
  return std::nullopt;
}

ParsedReview ParseReviewOutput(std::string_view text) {
  ParsedReview out;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line =
        Trim(text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos));
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    if (line.empty() || line.starts_with("```") || IsNoneLine(line)) continue;
    size_t open = line.find('{');
    size_t close = line.rfind('}');
    if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
      ++out.malformed_lines;
      continue;
    }
    auto json = nlohmann::json::parse(line.substr(open, close - open + 1), nullptr,
                                      /*allow_exceptions=*/false);
    auto finding = json.is_discarded() ? std::nullopt : FindingOf(json);
    if (!finding) {
      ++out.malformed_lines;
      continue;
    }
    out.findings.push_back(std::move(*finding));
  }
  return out;
}

}  // namespace agent
