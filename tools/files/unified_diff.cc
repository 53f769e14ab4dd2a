#include "tools/files/unified_diff.h"

#include <charconv>
#include <cstdlib>

namespace tools {
namespace {

std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    pos = end + 1;
  }
  return lines;
}

// "--- a/src/x.cc\t2024-01-01" -> "src/x.cc"; "/dev/null" -> "".
std::string HeaderPath(std::string_view rest) {
  size_t tab = rest.find('\t');
  if (tab != std::string_view::npos) rest = rest.substr(0, tab);
  while (!rest.empty() && rest.back() == ' ') rest.remove_suffix(1);
  if (rest == "/dev/null") return "";
  if (rest.size() > 2 && (rest.substr(0, 2) == "a/" || rest.substr(0, 2) == "b/")) {
    rest.remove_prefix(2);
  }
  return std::string(rest);
}

bool ParseNumber(std::string_view& s, int64_t& out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc() || ptr == s.data()) return false;
  s.remove_prefix(static_cast<size_t>(ptr - s.data()));
  return true;
}

// "-12,3" -> start 12, count 3; "-12" -> count 1.
bool ParseRange(std::string_view& s, char sign, int64_t& start, int64_t& count) {
  if (s.empty() || s.front() != sign) return false;
  s.remove_prefix(1);
  if (!ParseNumber(s, start)) return false;
  count = 1;
  if (!s.empty() && s.front() == ',') {
    s.remove_prefix(1);
    if (!ParseNumber(s, count)) return false;
  }
  return true;
}

bool ParseHunkHeader(std::string_view line, Hunk& hunk) {
  if (line.substr(0, 3) != "@@ ") return false;
  line.remove_prefix(3);
  if (!ParseRange(line, '-', hunk.old_start, hunk.old_count)) return false;
  if (line.empty() || line.front() != ' ') return false;
  line.remove_prefix(1);
  if (!ParseRange(line, '+', hunk.new_start, hunk.new_count)) return false;
  return line.substr(0, 3) == " @@";
}

// "\ No newline at end of file" refers to the line before it: a removed line marks the old
// side, an added line the new side, a context line both.
void MarkNoNewline(Hunk& hunk) {
  char last = hunk.lines.empty() ? ' ' : hunk.lines.back().kind;
  if (last != '+') hunk.old_ends_without_newline = true;
  if (last != '-') hunk.new_ends_without_newline = true;
}

base::Status Malformed(size_t line_no, std::string_view why) {
  return base::InvalidArgument("malformed diff at line " + std::to_string(line_no + 1) + ": " +
                               std::string(why));
}

std::string Quote(std::string_view s) {
  constexpr size_t kMax = 120;
  std::string out = "'" + std::string(s.substr(0, kMax));
  if (s.size() > kMax) out += "...";
  return out + "'";
}

}  // namespace

base::StatusOr<std::vector<FilePatch>> ParseUnifiedDiff(std::string_view diff) {
  std::vector<std::string_view> lines = SplitLines(diff);
  std::vector<FilePatch> patches;
  size_t i = 0;
  while (i < lines.size()) {
    if (lines[i].substr(0, 4) != "--- " || i + 1 >= lines.size() ||
        lines[i + 1].substr(0, 4) != "+++ ") {
      ++i;  // "diff --git", "index ...", prose around the diff: skipped
      continue;
    }
    FilePatch patch;
    patch.old_path = HeaderPath(lines[i].substr(4));
    patch.new_path = HeaderPath(lines[i + 1].substr(4));
    if (patch.old_path.empty() && patch.new_path.empty()) {
      return Malformed(i, "both sides are /dev/null");
    }
    i += 2;
    while (i < lines.size() && lines[i].substr(0, 2) == "@@") {
      Hunk hunk;
      if (!ParseHunkHeader(lines[i], hunk)) return Malformed(i, "bad hunk header");
      ++i;
      int64_t old_left = hunk.old_count, new_left = hunk.new_count;
      while ((old_left > 0 || new_left > 0) && i < lines.size()) {
        std::string_view line = lines[i];
        char kind = line.empty() ? ' ' : line.front();  // some editors strip a lone space
        if (kind == '\\') {
          MarkNoNewline(hunk);
          ++i;
          continue;
        }
        if (kind != ' ' && kind != '-' && kind != '+') break;
        if (kind != '+') --old_left;
        if (kind != '-') --new_left;
        if (old_left < 0 || new_left < 0) return Malformed(i, "hunk is longer than its header");
        hunk.lines.push_back({kind, std::string(line.empty() ? line : line.substr(1))});
        ++i;
      }
      if (old_left != 0 || new_left != 0) return Malformed(i, "hunk is shorter than its header");
      // A "\ No newline at end of file" marker refers to the line just before it.
      while (i < lines.size() && !lines[i].empty() && lines[i].front() == '\\') {
        MarkNoNewline(hunk);
        ++i;
      }
      patch.hunks.push_back(std::move(hunk));
    }
    if (patch.hunks.empty()) return Malformed(i, "file section without hunks");
    patches.push_back(std::move(patch));
  }
  if (patches.empty())
    return base::InvalidArgument("no file sections ('--- ' / '+++ ') in the diff");
  return patches;
}

base::StatusOr<std::string> ApplyHunks(std::string_view content, const FilePatch& patch) {
  std::vector<std::string_view> file = SplitLines(content);
  bool final_newline = content.empty() || content.back() == '\n';
  // Lines are compared without '\r' (diffs written by a model rarely carry it); a file whose
  // first line ends in CRLF is written back with CRLF endings.
  size_t first_eol = content.find('\n');
  const char* eol =
      first_eol != std::string_view::npos && first_eol > 0 && content[first_eol - 1] == '\r'
          ? "\r\n"
          : "\n";
  std::vector<std::string> out;
  size_t copied = 0;   // lines of `file` already consumed
  int64_t offset = 0;  // how far hunks have been found from their stated position
  const std::string& name = patch.new_path.empty() ? patch.old_path : patch.new_path;
  for (size_t h = 0; h < patch.hunks.size(); ++h) {
    const Hunk& hunk = patch.hunks[h];
    std::vector<std::string_view> old_side;
    for (const DiffLine& l : hunk.lines) {
      if (l.kind != '+') old_side.push_back(l.text);
    }
    int64_t stated = hunk.old_count == 0 ? hunk.old_start : hunk.old_start - 1;
    auto matches_at = [&](int64_t pos) {
      if (pos < static_cast<int64_t>(copied) ||
          pos + static_cast<int64_t>(old_side.size()) > static_cast<int64_t>(file.size())) {
        return false;
      }
      for (size_t k = 0; k < old_side.size(); ++k) {
        if (file[static_cast<size_t>(pos) + k] != old_side[k]) return false;
      }
      return true;
    };
    int64_t expected = stated + offset, found = -1;
    for (int64_t d = 0; found < 0 && d <= static_cast<int64_t>(file.size()) + 1; ++d) {
      if (matches_at(expected - d))
        found = expected - d;
      else if (d > 0 && matches_at(expected + d))
        found = expected + d;
    }
    if (found < 0) {
      std::string why = "hunk " + std::to_string(h + 1) + " of '" + name + "' (@@ -" +
                        std::to_string(hunk.old_start) + "," + std::to_string(hunk.old_count) +
                        " @@) does not apply";
      int64_t at = std::max<int64_t>(expected, static_cast<int64_t>(copied));
      for (size_t k = 0; k < old_side.size(); ++k) {
        size_t line = static_cast<size_t>(at) + k;
        if (line >= file.size()) {
          why += ": expected " + Quote(old_side[k]) + " at line " + std::to_string(line + 1) +
                 " but the file has only " + std::to_string(file.size()) + " lines";
          break;
        }
        if (file[line] != old_side[k]) {
          why += ": at line " + std::to_string(line + 1) + " expected " + Quote(old_side[k]) +
                 " but the file has " + Quote(file[line]);
          break;
        }
      }
      return base::FailedPrecondition(why + "; nothing was changed");
    }
    offset = found - stated;
    for (; copied < static_cast<size_t>(found); ++copied) out.emplace_back(file[copied]);
    for (const DiffLine& l : hunk.lines) {
      if (l.kind != '-') out.push_back(l.text);
    }
    copied += old_side.size();
    if (copied == file.size()) {
      if (hunk.new_ends_without_newline)
        final_newline = false;
      else if (hunk.old_ends_without_newline)
        final_newline = true;
    }
  }
  for (; copied < file.size(); ++copied) out.emplace_back(file[copied]);
  std::string result;
  for (size_t k = 0; k < out.size(); ++k) {
    result += out[k];
    if (k + 1 < out.size() || final_newline) result += eol;
  }
  return result;
}

}  // namespace tools
