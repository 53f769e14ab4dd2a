// SourceFilter: which files the index skips — too large, binary, or generated-looking — and
// why. Generated code (lock files, minified bundles, protobuf output, files marked
// "@generated"/"DO NOT EDIT") adds noise to the repo map and costs parse time for nothing.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

namespace tools {

enum class SkipReason { kNone, kTooLarge, kBinary, kGenerated, kNoGrammar };

std::string_view SkipReasonName(SkipReason reason);

struct SourceFilterOptions {
  uint64_t max_file_bytes = 1 << 20;  // larger files are data or generated, not hand-written
};

// Decides from the path and size alone (before reading the file).
SkipReason ClassifyByName(std::string_view path, uint64_t size, const SourceFilterOptions& opts);

// Decides from the content (the whole file, or at least its first 8 KiB).
SkipReason ClassifyByContent(std::string_view content);

}  // namespace tools
