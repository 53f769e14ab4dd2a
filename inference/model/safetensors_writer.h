// Writes `.safetensors` files (8-byte header length, JSON header padded with spaces to a
// multiple of 8, tensors packed back to back) and the `model.safetensors.index.json` beside
// them. Used by the checkpoint writer (`flashcode model init`) and by loader tests that need
// deliberately broken checkpoints. Stateless functions; thread-safe for distinct paths.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/status.h"
#include "inference/model/checkpoint_layout.h"

namespace inference {

struct TensorBlob {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;  // raw little-endian data; its size is written as-is
};

// Writes `tensors` (in the given order) to `path`. Internal on I/O failure.
base::Status WriteSafetensors(const std::string& path, const std::vector<TensorBlob>& tensors,
                              const std::map<std::string, std::string>& metadata = {});

// Writes an index mapping each tensor name to its shard file name, with metadata.total_size.
base::Status WriteSafetensorsIndex(const std::string& path,
                                   const std::map<std::string, std::string>& weight_map,
                                   uint64_t total_size);

}  // namespace inference
