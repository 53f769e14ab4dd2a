#include "inference/model/safetensors_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

namespace inference {

int64_t TensorView::NumElements() const {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return n;
}

std::string TensorView::Describe() const {
  TensorSpec spec;
  spec.dtype = dtype;
  spec.shape = shape;
  return spec.Describe();
}

SafetensorsFile::~SafetensorsFile() {
  if (mapping_ != nullptr) munmap(mapping_, size_);
}

base::StatusOr<std::unique_ptr<SafetensorsFile>> SafetensorsFile::Open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return base::NotFound(path + ": cannot open: " + std::strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0) {
    ::close(fd);
    return base::NotFound(path + ": cannot stat");
  }
  std::unique_ptr<SafetensorsFile> file(new SafetensorsFile());
  file->path_ = path;
  file->size_ = static_cast<size_t>(st.st_size);
  if (file->size_ < 8) {
    ::close(fd);
    return base::DataLoss(path + ": truncated: " + std::to_string(file->size_) +
                          " bytes, shorter than the 8-byte header length");
  }
  void* mapping = mmap(nullptr, file->size_, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (mapping == MAP_FAILED) return base::Internal(path + ": mmap failed: " + std::strerror(errno));
  file->mapping_ = mapping;
  const auto* bytes = static_cast<const uint8_t*>(mapping);

  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | bytes[i];
  if (header_len > file->size_ - 8) {
    return base::DataLoss(path + ": truncated: header needs " + std::to_string(header_len) +
                          " bytes, file has " + std::to_string(file->size_ - 8) +
                          " after the length");
  }
  auto header = nlohmann::json::parse(bytes + 8, bytes + 8 + header_len, nullptr, false);
  if (header.is_discarded() || !header.is_object()) {
    return base::InvalidArgument(path + ": header is not a JSON object");
  }
  const size_t data_begin = 8 + header_len;
  const size_t data_size = file->size_ - data_begin;
  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& name = it.key();
    const auto& entry = it.value();
    if (name == "__metadata__") {
      if (entry.is_object()) {
        for (auto m = entry.begin(); m != entry.end(); ++m) {
          if (m.value().is_string()) file->metadata_[m.key()] = m.value().get<std::string>();
        }
      }
      continue;
    }
    const std::string where = path + ": tensor '" + name + "'";
    if (!entry.is_object() || !entry.contains("dtype") || !entry["dtype"].is_string() ||
        !entry.contains("shape") || !entry["shape"].is_array() || !entry.contains("data_offsets") ||
        !entry["data_offsets"].is_array() || entry["data_offsets"].size() != 2) {
      return base::InvalidArgument(where + ": malformed header entry");
    }
    auto dtype = ParseDType(entry["dtype"].get<std::string>());
    if (!dtype.ok()) return dtype.status().WithContext(where);
    TensorView view;
    view.dtype = *dtype;
    for (const auto& d : entry["shape"]) {
      if (!d.is_number_unsigned()) return base::InvalidArgument(where + ": malformed shape");
      view.shape.push_back(d.get<int64_t>());
    }
    const auto& offsets = entry["data_offsets"];
    if (!offsets[0].is_number_unsigned() || !offsets[1].is_number_unsigned()) {
      return base::InvalidArgument(where + ": malformed data_offsets");
    }
    const uint64_t begin = offsets[0].get<uint64_t>();
    const uint64_t end = offsets[1].get<uint64_t>();
    if (end < begin) return base::InvalidArgument(where + ": data_offsets end before begin");
    if (end > data_size) {
      return base::DataLoss(where + ": truncated file: data ends at byte " +
                            std::to_string(data_begin + end) + " but the file has " +
                            std::to_string(file->size_) + " bytes");
    }
    const uint64_t expected = static_cast<uint64_t>(view.NumElements()) * DTypeSize(view.dtype);
    if (end - begin != expected) {
      return base::InvalidArgument(where + ": " + view.Describe() + " needs " +
                                   std::to_string(expected) + " bytes, data_offsets give " +
                                   std::to_string(end - begin));
    }
    view.data = bytes + data_begin + begin;
    view.nbytes = end - begin;
    view.file = &file->path_;
    file->tensors_.emplace(name, std::move(view));
  }
  return file;
}

const TensorView* SafetensorsFile::Find(const std::string& name) const {
  auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : &it->second;
}

void EvictResident(const TensorView& v) { EvictResident(v, 0, v.nbytes); }

void EvictResident(const TensorView& v, size_t offset, size_t n) {
  if (offset >= v.nbytes) return;
  n = std::min(n, v.nbytes - offset);
  const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const uintptr_t first = reinterpret_cast<uintptr_t>(v.data) + offset;
  // Only whole pages: the partial ones at either end may hold a neighbouring tensor.
  const uintptr_t begin = (first + page - 1) / page * page, end = (first + n) / page * page;
  // Read-only private file pages: dropping them loses nothing (a later read faults them back).
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
}

}  // namespace inference
