// Test support for the golden v4-tiny reference data (tests/data/golden/v4-tiny): locating
// the files, reading stored tensors as floats, and the rms_rel / max|diff| metrics of
// shared/golden/README.md §3. Header-only, used by *_test.cc files only. Thread-compatible.
#pragma once

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "inference/backend/cpu/number_formats.h"
#include "inference/model/safetensors_file.h"

namespace inference::golden {

inline std::string TinyDir() {
  const char* dir = std::getenv("FLASHCODE_SOURCE_DIR");
  return std::string(dir ? dir : ".") + "/tests/data/golden/v4-tiny";
}

inline std::unique_ptr<SafetensorsFile> OpenCase(const std::string& file) {
  auto opened = SafetensorsFile::Open(TinyDir() + "/" + file);
  REQUIRE_MESSAGE(opened.ok(), opened.status().ToString());
  return std::move(opened).value();
}

// A stored tensor as floats (BF16, F32, I32).
inline std::vector<float> Floats(const SafetensorsFile& f, const std::string& name) {
  const TensorView* v = f.Find(name);
  REQUIRE_MESSAGE(v != nullptr, "golden tensor missing: " << name);
  std::vector<float> out(v->NumElements());
  for (size_t i = 0; i < out.size(); ++i) {
    if (v->dtype == DType::kBF16) {
      out[i] = LoadBf16(v->data + 2 * i);
    } else if (v->dtype == DType::kF32) {
      out[i] = LoadF32(v->data + 4 * i);
    } else {
      int32_t x;
      std::memcpy(&x, v->data + 4 * i, 4);
      out[i] = static_cast<float>(x);
    }
  }
  return out;
}

inline std::vector<int32_t> Ints(const SafetensorsFile& f, const std::string& name) {
  std::vector<float> v = Floats(f, name);
  return std::vector<int32_t>(v.begin(), v.end());
}

struct Diff {
  double rms_rel = 0;
  double max_abs = 0;
};

// RMS(a - b) / RMS(b) and max |a - b| over n values.
inline Diff Compare(const float* a, const float* b, size_t n) {
  double num = 0, den = 0, mx = 0;
  for (size_t i = 0; i < n; ++i) {
    const double d = double(a[i]) - double(b[i]);
    num += d * d;
    den += double(b[i]) * b[i];
    mx = std::max(mx, std::fabs(d));
  }
  return {den > 0 ? std::sqrt(num / den) : std::sqrt(num), mx};
}

}  // namespace inference::golden
