// RandomCheckpoint: writes a DeepSeek-V4 checkpoint directory with seeded random weights in
// exactly the release's format, for tests and the default demo model (`flashcode model init`).
//
// Every tensor of ExpectedTensors(config) is written with its real name, dtype and shape: FP8
// e4m3 linears with 128x128 e8m0 block scales, packed MXFP4 routed experts with per-32 e8m0
// scales, bf16 / fp32 small tensors, the I64 hash-routing table. The MTP block's optional
// private embed/head copies are left out (DeepSeek's converter drops them too). Shards are
// `model-0000i-of-0000N.safetensors`, split between blocks, with `model.safetensors.index.json`,
// `config.json` and `generation_config.json`; `tokenizer.json` and `tokenizer_config.json` when
// the caller passes the tokenizer text (building it needs the tokenizer library, which the
// model library does not link).
//
// Values follow the recipe of the golden v4-tiny checkpoint (shared/golden/v4-tiny/README.md),
// so activations stay O(1) and logits finite: linears ~ N(0, 1/in) before quantisation,
// embedding N(0, 1), head N(0, 1/dim), norms N(1, 0.1²), and so on. Each tensor draws from its
// own stream seeded by (seed, tensor name): the same seed gives the same bytes, whatever the
// sharding. Stateless function; thread-safe for distinct directories.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace inference {

struct RandomCheckpointOptions {
  uint64_t seed = 20260522;
  // A new shard starts at the next block boundary once a shard holds this many bytes.
  uint64_t max_shard_bytes = uint64_t{96} << 20;
  // Written as tokenizer.json (with a matching tokenizer_config.json) when not empty.
  std::string tokenizer_json;
};

struct RandomCheckpointSummary {
  int64_t tensors = 0;
  int64_t shards = 0;
  uint64_t weight_bytes = 0;  // tensor data over all shards (the index's total_size)
};

// Writes the checkpoint that `config_json` (a config.json text, stored verbatim) describes into
// `out_dir`, which must not exist or be an empty directory (AlreadyExists otherwise). The files
// are written into a sibling temporary directory first and renamed into place, so an
// interrupted run never leaves a half checkpoint behind. InvalidArgument for a bad config,
// Internal for I/O failures.
base::StatusOr<RandomCheckpointSummary> WriteRandomCheckpoint(
    const std::string& out_dir, std::string_view config_json,
    const RandomCheckpointOptions& options = {});

}  // namespace inference
