// What accelerators this binary can use: whether the CUDA backend was compiled in and, if so,
// which devices the driver reports. Never fails: a missing driver or device is a normal answer
// ("no CUDA device") and the engine falls back to the CPU backend. Thread-safe.
//
// Implemented by cuda/cuda_probe.cu when the CUDA backend is built, else by cuda_absent/cuda_probe_absent.cc;
// CMake picks the file (conventions.md §11), no #ifdef.
#pragma once

#include <string>
#include <vector>

namespace inference {

struct AcceleratorReport {
  bool cuda_built = false;           // the CUDA backend is compiled into this binary
  std::vector<std::string> devices;  // "NVIDIA H100 80GB HBM3 (sm_90, 79.1 GiB)" per device
  std::string detail;                // why none was found, e.g. the driver's error string
};

AcceleratorReport ProbeAccelerators();

}  // namespace inference
