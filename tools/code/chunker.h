// Chunker: splits a source file into chunks for the repository context prefix. Chunks end on
// definition boundaries (between top-level nodes of the syntax tree; inside a node only when
// it alone exceeds the target, e.g. a namespace or class wrapping a whole file, and on line
// boundaries only as a last resort). A comment stays with the definition below it.
// Concatenating a file's chunks gives the file back byte for byte.
//
// Each chunk is content-addressed: its hash covers the path and the text, so an unchanged
// chunk keeps its hash (and its KV snapshot) however the rest of the repository changes.
// Thread-compatible (uses the caller's SyntaxParser).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tools/code/language.h"
#include "tools/code/token_counter.h"

namespace tools {

class SyntaxParser;

struct ChunkerOptions {
  size_t target_tokens = 512;  // chunks grow up to this unless one definition is larger
};

struct Chunk {
  std::string path;
  uint32_t start_byte = 0;
  uint32_t end_byte = 0;    // exclusive
  uint32_t start_line = 0;  // zero-based
  uint32_t end_line = 0;    // zero-based, inclusive
  size_t tokens = 0;
  uint64_t hash = 0;  // XXH3-64 of path, '\0', text
  std::string text;
  bool operator==(const Chunk&) const = default;
};

// Chunks of `text`. Without a language (or if parsing fails) it falls back to line
// boundaries. An empty file gives no chunks.
std::vector<Chunk> ChunkFile(std::string_view path, std::string_view text,
                             const LanguageInfo* language, SyntaxParser& parser,
                             const TokenCounter& counter, const ChunkerOptions& options);

}  // namespace tools
