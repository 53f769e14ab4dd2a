#include "agent/review_context.h"

#include <cctype>
#include <set>
#include <vector>

#include "base/utf8.h"

namespace agent {
namespace {

constexpr size_t kMinNameLength = 3;    // i, j, ok, fd: too short to mean one thing
constexpr size_t kMaxLookups = 64;      // index queries per hunk
constexpr size_t kMaxSitesPerName = 3;  // more definitions than this: a generic name
constexpr size_t kMaxSignatureBytes = 200;

bool IsNameStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Identifiers of the added lines, first appearance first, each once.
std::vector<std::string> NamesInAddedLines(const tools::Hunk& hunk) {
  std::vector<std::string> names;
  std::set<std::string> seen;
  for (const tools::HunkLine& line : hunk.lines) {
    if (line.origin != '+') continue;
    const std::string& s = line.content;
    for (size_t i = 0; i < s.size();) {
      if (!IsNameStart(s[i]) || (i > 0 && IsNameChar(s[i - 1]))) {
        ++i;
        continue;
      }
      size_t end = i;
      while (end < s.size() && IsNameChar(s[end])) ++end;
      std::string name = s.substr(i, end - i);
      if (name.size() >= kMinNameLength && seen.insert(name).second) names.push_back(name);
      i = end;
    }
  }
  return names;
}

// Whether a definition lies within the hunk's new-side lines (the model sees it already).
bool InsideHunk(const tools::DefinitionSite& site, const std::string& path,
                const tools::Hunk& hunk) {
  if (site.path != path) return false;
  const int line = static_cast<int>(site.definition.range.start_line) + 1;
  return line >= hunk.new_start && line < hunk.new_start + hunk.new_lines;
}

}  // namespace

std::string DefinitionsUsedBy(tools::RepoIndex& index, const std::string& path,
                              const tools::Hunk& hunk, size_t max_definitions) {
  std::string out;
  size_t listed = 0, lookups = 0;
  for (const std::string& name : NamesInAddedLines(hunk)) {
    if (listed == max_definitions || lookups == kMaxLookups) break;
    ++lookups;
    auto sites = index.FindDefinitions(name);
    if (!sites.ok() || sites->empty() || sites->size() > kMaxSitesPerName) continue;
    for (const tools::DefinitionSite& site : *sites) {
      if (InsideHunk(site, path, hunk)) continue;
      std::string signature =
          site.definition.signature.empty() ? site.definition.name : site.definition.signature;
      if (signature.size() > kMaxSignatureBytes) {
        signature.resize(base::CompleteUtf8Prefix(signature.substr(0, kMaxSignatureBytes)));
        signature += "...";
      }
      out += site.path + ":" + std::to_string(site.definition.range.start_line + 1) + ": " +
             std::string(tools::SymbolKindName(site.definition.kind)) + " " + signature + "\n";
      ++listed;
      break;  // one definition per name is enough context
    }
  }
  return out;
}

}  // namespace agent
