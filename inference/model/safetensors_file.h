// SafetensorsFile: one memory-mapped `.safetensors` file (8-byte little-endian header length,
// JSON header, packed tensor data), with every tensor entry checked against the file on open.
//
// Tensor data is never copied: views point into the read-only mapping, which lives as long as
// the SafetensorsFile. Opening checks the header and that each tensor lies inside the file and
// has exactly numel * element-size bytes, so a truncated or corrupt file is an error, not a crash.
// Immutable after Open; thread-safe for concurrent reads.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "inference/model/checkpoint_layout.h"

namespace inference {

// A tensor inside a mapped file. `data` borrows the mapping of the file that produced it.
struct TensorView {
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;
  const uint8_t* data = nullptr;
  size_t nbytes = 0;
  const std::string* file = nullptr;  // the path of the owning file

  int64_t NumElements() const;
  std::string Describe() const;  // "BF16 [1024, 256]"
};

// Drops the view's pages from this process's resident memory, for data already copied
// elsewhere (the interleaved weights). The view stays valid: a later read faults the pages back
// in from the file.
void EvictResident(const TensorView& v);
// The same for bytes [offset, offset + n) of the view.
void EvictResident(const TensorView& v, size_t offset, size_t n);

class SafetensorsFile {
 public:
  // Maps `path` and validates its header. NotFound if it cannot be opened; DataLoss for a
  // truncated file or an entry outside the data; InvalidArgument for a malformed header.
  static base::StatusOr<std::unique_ptr<SafetensorsFile>> Open(const std::string& path);
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const std::string& path() const { return path_; }
  // nullptr when the file has no tensor of that name.
  const TensorView* Find(const std::string& name) const;
  const std::map<std::string, TensorView>& tensors() const { return tensors_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

 private:
  SafetensorsFile() = default;
  std::string path_;
  void* mapping_ = nullptr;
  size_t size_ = 0;
  std::map<std::string, TensorView> tensors_;
  std::map<std::string, std::string> metadata_;
};

}  // namespace inference
