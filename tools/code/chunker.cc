#include "tools/code/chunker.h"

#include <xxhash.h>

#include <algorithm>
#include <set>

#include "tools/code/syntax_parser.h"

namespace tools {
namespace {

constexpr int kMaxDepth = 6;

uint32_t LineStart(std::string_view text, uint32_t byte) {
  size_t nl = byte == 0 ? std::string_view::npos : text.rfind('\n', byte - 1);
  return nl == std::string_view::npos ? 0 : static_cast<uint32_t>(nl + 1);
}

bool IsComment(TSNode n) {
  return std::string_view(ts_node_type(n)).find("comment") != std::string_view::npos;
}

// Adds a cut before each child of `node` (a leading comment run stays with what follows),
// descending into children that are too large on their own.
void AddCuts(TSNode node, std::string_view text, const TokenCounter& counter, size_t target,
             int depth, std::set<uint32_t>& cuts) {
  uint32_t count = ts_node_child_count(node);
  bool after_comment = false;
  for (uint32_t i = 0; i < count; ++i) {
    TSNode child = ts_node_child(node, i);
    if (!after_comment) cuts.insert(LineStart(text, ts_node_start_byte(child)));
    after_comment = IsComment(child);
    if (depth < kMaxDepth && ts_node_child_count(child) > 0 &&
        counter.Count(NodeText(child, text)) > target) {
      AddCuts(child, text, counter, target, depth + 1, cuts);
    }
  }
}

}  // namespace

std::vector<Chunk> ChunkFile(std::string_view path, std::string_view text,
                             const LanguageInfo* language, SyntaxParser& parser,
                             const TokenCounter& counter, const ChunkerOptions& options) {
  std::vector<Chunk> chunks;
  if (text.empty()) return chunks;
  const uint32_t size = static_cast<uint32_t>(std::min<size_t>(text.size(), UINT32_MAX));
  std::set<uint32_t> cuts = {0, size};
  bool parsed = false;
  if (language != nullptr) {
    auto tree = parser.Parse(*language, text);
    if (tree.ok()) {
      AddCuts(tree->Root(), text, counter, options.target_tokens, 0, cuts);
      parsed = true;
    }
  }
  // Segments still larger than the target (or the whole file, unparsed) split at lines.
  std::vector<uint32_t> sorted(cuts.begin(), cuts.end());
  for (size_t i = 0; i + 1 < sorted.size(); ++i) {
    std::string_view segment = text.substr(sorted[i], sorted[i + 1] - sorted[i]);
    if (parsed && counter.Count(segment) <= options.target_tokens) continue;
    for (size_t nl = segment.find('\n'); nl != std::string_view::npos && nl + 1 < segment.size();
         nl = segment.find('\n', nl + 1)) {
      cuts.insert(sorted[i] + static_cast<uint32_t>(nl + 1));
    }
  }
  sorted.assign(cuts.begin(), cuts.end());

  // Greedy packing; token counts of segments are summed, the chunk's own count is exact.
  auto emit = [&](uint32_t b, uint32_t e) {
    Chunk c;
    c.path = std::string(path);
    c.start_byte = b;
    c.end_byte = e;
    c.text = std::string(text.substr(b, e - b));
    c.start_line = static_cast<uint32_t>(std::count(text.begin(), text.begin() + b, '\n'));
    c.end_line =
        c.start_line + static_cast<uint32_t>(std::count(c.text.begin(), c.text.end(), '\n'));
    if (!c.text.empty() && c.text.back() == '\n' && c.end_line > c.start_line) --c.end_line;
    c.tokens = counter.Count(c.text);
    XXH3_state_t* state = XXH3_createState();
    XXH3_64bits_reset(state);
    XXH3_64bits_update(state, c.path.data(), c.path.size() + 1);  // includes the '\0'
    XXH3_64bits_update(state, c.text.data(), c.text.size());
    c.hash = XXH3_64bits_digest(state);
    XXH3_freeState(state);
    chunks.push_back(std::move(c));
  };
  uint32_t start = 0;
  size_t tokens = 0;
  for (size_t i = 0; i + 1 < sorted.size(); ++i) {
    size_t segment_tokens = counter.Count(text.substr(sorted[i], sorted[i + 1] - sorted[i]));
    if (sorted[i] > start && tokens + segment_tokens > options.target_tokens) {
      emit(start, sorted[i]);
      start = sorted[i];
      tokens = 0;
    }
    tokens += segment_tokens;
  }
  emit(start, size);
  return chunks;
}

}  // namespace tools
