// Checkpoint: a DeepSeek-V4 checkpoint directory (config.json, model.safetensors.index.json and
// its shards, or a lone model.safetensors), memory-mapped and validated against the layout the
// config implies (checkpoint_layout.h) before any tensor is used.
//
// Every expected tensor must exist with exactly the expected dtype and shape; optional ones may
// be absent. A problem gives one precise error naming the file, the tensor, what was expected
// and what was found. Views returned by Get() borrow the mappings, which live as long as the
// Checkpoint. Immutable after Open; thread-safe for concurrent reads.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "inference/model/checkpoint_layout.h"
#include "inference/model/model_config.h"
#include "inference/model/safetensors_file.h"

namespace inference {

class Checkpoint {
 public:
  // Opens `dir`, parses dir/config.json and validates every tensor. Errors: NotFound (missing
  // file or tensor), DataLoss (truncated shard), InvalidArgument (wrong dtype/shape, bad config
  // or index).
  static base::StatusOr<std::unique_ptr<Checkpoint>> Open(const std::string& dir);
  Checkpoint(const Checkpoint&) = delete;
  Checkpoint& operator=(const Checkpoint&) = delete;

  const ModelConfig& config() const { return config_; }
  const std::string& dir() const { return dir_; }
  // The validated tensor `name`; nullptr only for an absent optional tensor or a name that is
  // not part of the layout.
  const TensorView* Get(const std::string& name) const;

 private:
  Checkpoint() = default;
  base::Status OpenShards();
  base::Status Validate();

  std::string dir_;
  ModelConfig config_;
  std::unordered_map<std::string, std::string> weight_map_;  // tensor -> shard file name
  std::unordered_map<std::string, std::unique_ptr<SafetensorsFile>> shards_;
  std::unordered_map<std::string, const TensorView*> tensors_;
};

}  // namespace inference
