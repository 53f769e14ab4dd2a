// The checkpoint layout a ModelConfig implies: every tensor's name, dtype and shape exactly as
// the DeepSeek-V4 release stores them (reference module paths, no `model.` prefix), and the
// parameter counts derived from that list.
//
// The loader validates a checkpoint against this list before using any tensor; the checkpoint
// writer (`flashcode model init`) iterates it; `flashcode model inspect` prints the counts.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "inference/model/model_config.h"

namespace inference {

// Safetensors element types used by V4 checkpoints.
enum class DType { kF32, kBF16, kF8E4M3, kF8E8M0, kI8, kI32, kI64 };

std::string_view DTypeName(DType dtype);                  // "F8_E4M3"
base::StatusOr<DType> ParseDType(std::string_view name);  // InvalidArgument if unknown
size_t DTypeSize(DType dtype);                            // bytes per element

// What the kind of tensor means numerically; decides how it counts as parameters.
enum class TensorRole {
  kWeight,     // plain values (bf16/fp32), one parameter per element
  kFp8Weight,  // e4m3 values, one parameter per element
  kFp4Weight,  // I8 bytes, two e2m1 parameters per element
  kScale,      // e8m0 block scales, not parameters
  kTable,      // integer table (tid2eid), not parameters
};

struct TensorSpec {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;
  TensorRole role = TensorRole::kWeight;
  bool optional = false;       // may be absent (the MTP block's private embed/head copies)
  int64_t routed_expert = -1;  // >= 0 for tensors of routed expert E (for active counts)
  int64_t block = -1;          // layer index, n_layers + i for MTP block i, -1 for globals

  int64_t NumElements() const;
  // "F8_E4M3 [256, 256]"
  std::string Describe() const;
};

// Every tensor a checkpoint for `config` holds, in a stable order (globals, then each layer,
// then the MTP blocks).
std::vector<TensorSpec> ExpectedTensors(const ModelConfig& config);

struct ParameterCount {
  int64_t total = 0;      // main model (MTP block excluded), every stored parameter
  int64_t active = 0;     // main model, per token: no embedding table, only the chosen experts
  int64_t mtp = 0;        // the MTP block(s), without their private embedding/head copies
  int64_t embedding = 0;  // embed + head
};

// Logical parameter counts (an FP4 byte counts as two parameters; scales and tables do not count).
ParameterCount CountParameters(const ModelConfig& config);

}  // namespace inference
