// Built-in model configurations for `flashcode model init`: the config.json text of small
// DeepSeek-V4 models that run on a CPU, in the field names of the official V4-Flash config.
//
//   tiny   the golden v4-tiny shapes (6 layers: window, window, CSA, HCA, CSA, HCA + MTP) with
//          the real 129,280-row vocabulary, so every id of the real tokenizer is a valid input.
//   small  the same widths with Flash's full layer schedule (43 layers + MTP, the same
//          compress_ratios list) and 32 experts: a few hundred MB, still fast on a CPU.
//
// Owned by the model folder (written for the CLI's `model init`). Pure functions; thread-safe.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "base/status.h"

namespace inference {

// The preset names, in the order `--help` lists them.
std::span<const std::string_view> ModelPresetNames();

// The full config.json text (pretty-printed) of preset `name`; InvalidArgument naming the known
// presets for any other name.
base::StatusOr<std::string> ModelPresetConfigJson(std::string_view name);

}  // namespace inference
